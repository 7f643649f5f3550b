"""The simulator's core stays free of I/O: no database, broker or web imports."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = ("spec", "catalog", "usage", "signals", "sky", "gps", "honest", "fleet", "stream", "payload")
FORBIDDEN = {"psycopg", "paho", "fastapi", "aiomqtt", "amqtt", "socket", "cv2", "pyzbar"}
PART = Path(__file__).parents[3] / "src" / "assetpulse" / "firmware_sim"


def test_core_modules_import_no_io_library():
    for name in CORE:
        tree = ast.parse((PART / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert not roots & FORBIDDEN, (name, roots)
