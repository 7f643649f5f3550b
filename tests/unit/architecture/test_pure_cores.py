"""The cores of each part do no I/O: importing them pulls in no driver, broker or web code.

Each core is imported in a fresh interpreter, so what another test imported cannot hide
a dependency (CONVENTIONS.md, "Domain free of I/O").
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

CORES = [
    "assetpulse.ingest.decode",
    "assetpulse.monitor.core.rules",
    "assetpulse.monitor.core.verdicts",
    "assetpulse.monitor.core.features",
    "assetpulse.monitor.core.rollup",
    "assetpulse.monitor.core.baselines",
    "assetpulse.monitor.core.suggestions",
    "assetpulse.monitor.core.detectors.light",
    "assetpulse.monitor.core.detectors.sun",
    "assetpulse.monitor.core.detectors.location",
    "assetpulse.inventory.stocktake.reconcile",
    "assetpulse.inventory.stocktake.discrepancies",
    "assetpulse.inventory.labels.payload",
    "assetpulse.inventory.split",
    "assetpulse.inventory.rules",
    "assetpulse.inventory.categories.table",
    "assetpulse.org.scope",
    "assetpulse.org.admin_rules",
    "assetpulse.platform.review",
    "assetpulse.platform.bookings",
    "assetpulse.platform.purchase_check",
    "assetpulse.platform.dashboard",
    "assetpulse.platform.mofformat",
    "assetpulse.firmware_sim.fleet",
]
FORBIDDEN = ["psycopg", "psycopg_pool", "fastapi", "starlette", "aiomqtt", "paho", "cv2", "pyzbar"]

PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(sys.argv[2:]))))
"""


@pytest.mark.parametrize("module", CORES)
def test_core_module_imports_no_io_library(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, module, *FORBIDDEN],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
