"""The ingest core (decoding, values, seq bookkeeping) imports no I/O library."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = [
    "assetpulse.ingest.decode",
    "assetpulse.ingest.model",
    "assetpulse.ingest.seqbits",
    "assetpulse.ingest.backfill.rows",
]
IO = ["psycopg", "paho", "fastapi", "aiomqtt", "cv2", "pyzbar", "prometheus_client"]


@pytest.mark.parametrize("module", CORE)
def test_ingest_core_module_imports_no_io_library(module: str) -> None:
    code = f"import sys, {module}; print(' '.join(m for m in {IO!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
