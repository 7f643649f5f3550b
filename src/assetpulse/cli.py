"""The ``assetpulse`` command: one subcommand per service, each imported only when used.

``run`` brings the whole service up on embedded defaults; ``ingest``, ``analyse``, ``api``,
``sim``, ``migrate`` and ``scan`` are the pieces production runs one by one.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

# name -> (module:attribute of a click command, one-line help shown by --help)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("assetpulse.runner.cli:run", "Run everything on embedded defaults."),
    "ingest": ("assetpulse.ingest.cli:ingest", "Consume MQTT telemetry into PostgreSQL."),
    "import-readings": (
        "assetpulse.ingest.backfill.cli:import_readings_command",
        "Backfill readings from a CSV or XLSX logger export.",
    ),
    "analyse": (
        "assetpulse.monitor.scheduled_cli:analyse",
        "Roll up usage and suggest idle assets.",
    ),
    "api": ("assetpulse.platform.cli:api", "Serve the REST API and the web pages."),
    "sim": ("assetpulse.firmware_sim.cli:sim", "Simulate sensor gateways."),
    "migrate": ("assetpulse.db.cli:migrate", "Apply database migrations."),
    "objects": (
        "assetpulse.objects.cli:objects",
        "Object store of photos and attachments: move legacy bytes out of PostgreSQL.",
    ),
    "scan": ("assetpulse.inventory.cli:scan", "Decode QR codes and barcodes in images."),
    "seed-demo": ("assetpulse.db.cli:seed_demo", "Create the demo organisation."),
    "categories": (
        "assetpulse.inventory.categories.cli:categories",
        "GB/T 14885 code tables: status, load the official ones.",
    ),
}


class LazyGroup(click.Group):
    """Imports a subcommand's module only when that subcommand runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, attr = COMMANDS[cmd_name][0].split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup)
@click.version_option(package_name="assetpulse")
def main(**_: Any) -> None:
    """AssetPulse: idle-asset finding and the 资产调剂共享平台 workflow."""
