"""Adapters around the three decoding libraries (解码引擎): zxing-cpp, pyzbar (zbar), OpenCV.

Each takes an 8-bit greyscale image and returns RawReads in that image's coordinates; the
cascade maps the points back to the original image. Library quirks (UPC-A reported as its
own symbology, zbar's ``I25`` name, OpenCV's type strings) are normalised here so the rest
of the scanner speaks only ``Symbology``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import cv2
import numpy as np
import zxingcpp
from pyzbar import pyzbar
from pyzbar.pyzbar import ZBarSymbol

from assetpulse.inventory.scanning.checks import FloatPoint, RawRead
from assetpulse.inventory.scanning.model import Symbology

Engine = Callable[[np.ndarray], list[RawRead]]

_ZX_FORMATS = zxingcpp.barcode_formats_from_str("QRCode,Code128,Code39,EAN13,EAN8,ITF,UPCA")
_ZX_NAMES: dict[str, Symbology] = {
    "QR Code": Symbology.QR,
    "Code 128": Symbology.CODE128,
    "Code 39": Symbology.CODE39,
    "EAN-13": Symbology.EAN13,
    "EAN-8": Symbology.EAN8,
    "ITF": Symbology.ITF,
    "UPC-A": Symbology.EAN13,  # UPC-A is EAN-13 with a leading 0
}
_ZBAR_SYMBOLS = [
    ZBarSymbol.QRCODE,
    ZBarSymbol.CODE128,
    ZBarSymbol.CODE39,
    ZBarSymbol.EAN13,
    ZBarSymbol.EAN8,
    ZBarSymbol.I25,
    ZBarSymbol.UPCA,
]
_ZBAR_NAMES: dict[str, Symbology] = {
    "QRCODE": Symbology.QR,
    "CODE128": Symbology.CODE128,
    "CODE39": Symbology.CODE39,
    "EAN13": Symbology.EAN13,
    "EAN8": Symbology.EAN8,
    "I25": Symbology.ITF,
    "UPCA": Symbology.EAN13,
}
_CV_NAMES: dict[str, Symbology] = {
    "EAN_13": Symbology.EAN13,
    "EAN_8": Symbology.EAN8,
    "UPC_A": Symbology.EAN13,
    "CODE_128": Symbology.CODE128,
    "CODE_39": Symbology.CODE39,
}


def _ean_text(symbology: Symbology, text: str) -> str:
    if symbology is Symbology.EAN13 and len(text) == 12 and text.isdigit():
        return "0" + text
    return text


def read_zxing(gray: np.ndarray, *, quick: bool = False) -> list[RawRead]:
    """zxing-cpp. ``quick`` scans only the image as given: no 90° rotation (1D codes read
    along rows only; 2D detection is rotation-free anyway), no downscaled pyramid, no
    inverted (light-on-dark) pass — a fast first look that reads most camera frames."""
    found = zxingcpp.read_barcodes(
        gray,
        formats=_ZX_FORMATS,
        try_rotate=not quick,
        try_downscale=not quick,
        try_invert=not quick,
        text_mode=zxingcpp.TextMode.Plain,
    )
    reads = []
    for barcode in found:
        symbology = _ZX_NAMES.get(str(barcode.format))
        if symbology is None or not barcode.valid:
            continue
        pos = barcode.position
        points = tuple(
            (float(p.x), float(p.y))
            for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
        )
        reads.append(RawRead(_ean_text(symbology, barcode.text), symbology, points, "zxingcpp"))
    return reads


def _bytes_text(data: bytes) -> str | None:
    """zbar hands back UTF-8 bytes; anything else is dropped rather than guessed."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def read_pyzbar(gray: np.ndarray) -> list[RawRead]:
    reads = []
    for symbol in pyzbar.decode(gray, symbols=_ZBAR_SYMBOLS):
        symbology = _ZBAR_NAMES.get(symbol.type)
        text = _bytes_text(symbol.data)
        if symbology is None or text is None:
            continue
        points = tuple((float(p.x), float(p.y)) for p in symbol.polygon)
        if not points:
            r = symbol.rect
            points = (
                (float(r.left), float(r.top)),
                (float(r.left + r.width), float(r.top + r.height)),
            )
        reads.append(RawRead(_ean_text(symbology, text), symbology, points, "pyzbar"))
    return reads


# OpenCV detectors keep state and are not safe to share between threads.
_cv_local = threading.local()


def _cv_detectors() -> tuple[cv2.QRCodeDetector, cv2.barcode.BarcodeDetector]:
    if not hasattr(_cv_local, "qr"):
        _cv_local.qr = cv2.QRCodeDetector()
        _cv_local.bar = cv2.barcode.BarcodeDetector()
    return _cv_local.qr, _cv_local.bar


def read_opencv(gray: np.ndarray) -> list[RawRead]:
    qr, bar = _cv_detectors()
    reads: list[RawRead] = []
    ok, texts, corners, _ = qr.detectAndDecodeMulti(gray)
    if ok and corners is not None:
        for text, quad in zip(texts, corners, strict=False):
            if text:
                reads.append(RawRead(text, Symbology.QR, _quad(quad), "opencv"))
    ok, texts, types, corners = bar.detectAndDecodeWithType(gray)
    if ok and corners is not None:
        for text, kind, quad in zip(texts, types, corners, strict=False):
            symbology = _CV_NAMES.get(kind)
            if text and symbology is not None:
                reads.append(RawRead(_ean_text(symbology, text), symbology, _quad(quad), "opencv"))
    return reads


def _quad(quad: np.ndarray) -> tuple[FloatPoint, ...]:
    return tuple((float(x), float(y)) for x, y in np.asarray(quad).reshape(-1, 2))


ENGINES: dict[str, Engine] = {
    "zxingcpp": read_zxing,
    "pyzbar": read_pyzbar,
    "opencv": read_opencv,
}
