"""The pure cores of inventory and the scoping rules import no I/O library."""

from __future__ import annotations

import subprocess
import sys

import pytest

PURE = (
    "assetpulse.org.scope",
    "assetpulse.inventory.rules",
    "assetpulse.inventory.split",
    "assetpulse.inventory.photo_check",
    "assetpulse.inventory.photo_metadata",
    "assetpulse.inventory.stocktake.reconcile",
    "assetpulse.inventory.stocktake.codes",
    "assetpulse.inventory.register.rows",
)
FORBIDDEN = ("psycopg", "fastapi", "aiomqtt", "paho", "cv2", "pyzbar", "openpyxl", "starlette")


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_io_library(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        f"bad = sorted({{m.split('.')[0] for m in sys.modules}} & set({FORBIDDEN!r}))\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{module} pulls in {out.stdout.strip()}"
