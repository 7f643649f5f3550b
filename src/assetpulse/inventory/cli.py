"""``assetpulse scan IMAGE…``: decode the QR codes and barcodes in image files.

Prints one JSON object per image and line, in the order given::

    {"image": "<path as given>", "codes": [{"text": "...", "symbology": "...",
     "points": [[x, y], ...]}]}

A file that cannot be read or is not a usable image gives
``{"image": ..., "codes": [], "error": {"code": "...", "message": "..."}}`` and makes the
exit status 1 (the other images are still scanned). An image without codes is not an error.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from assetpulse.inventory.scanning import ScanError, decode_image


def scan_one(path: str) -> dict[str, object]:
    """The JSON object for one image path."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return {
            "image": path,
            "codes": [],
            "error": {"code": "SCAN_FILE_UNREADABLE", "message": f"无法读取文件：{exc.strerror}"},
        }
    try:
        result = decode_image(data)
    except ScanError as exc:
        return {"image": path, "codes": [], "error": {"code": exc.code, "message": exc.message}}
    return {"image": path, "codes": [code.as_json() for code in result.codes]}


@click.command()
@click.argument("images", nargs=-1, required=True)
def scan(images: tuple[str, ...]) -> None:
    """Decode QR codes and barcodes in IMAGES; one JSON line per image."""
    failed = False
    for path in images:
        line = scan_one(path)
        failed = failed or "error" in line
        click.echo(json.dumps(line, ensure_ascii=False))
    if failed:
        raise SystemExit(1)
