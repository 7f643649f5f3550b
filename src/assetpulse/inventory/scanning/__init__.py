"""Code scanning (扫码): QR codes and 1D barcodes in photos and camera frames.

``decode_image(bytes | ndarray) -> ScanResult`` is the entry point; it never invents a
result (see ``checks``) and raises ``ScanError`` only for input that is not a usable image.
"""

from __future__ import annotations

from assetpulse.inventory.scanning.cascade import decode_image
from assetpulse.inventory.scanning.errors import ScanError
from assetpulse.inventory.scanning.model import DecodedCode, ScanResult, Symbology

__all__ = ["DecodedCode", "ScanError", "ScanResult", "Symbology", "decode_image"]
