"""Photo metadata removal (pure, lossless): what other units are shown carries no EXIF.

A phone photo's EXIF holds where it was taken (GPS), when, and the device; XMP and IPTC
may hold more. Other units see a card's photo on the plazas, so the bytes they get lose
every metadata block while the picture itself is copied byte for byte (no re-encoding,
no quality loss, microseconds per photo):

- JPEG: APP1 (EXIF, XMP), APP3–APP13 and APP15 (IPTC, vendor blocks) and comments go;
  APP0 (JFIF), APP2 (ICC colour profile) and APP14 (Adobe colour transform) stay, since
  the picture's colours depend on them. The EXIF orientation is kept, alone in a minimal
  EXIF block, so that a phone photo is not shown on its side.
- PNG: ``eXIf`` and the text chunks (``tEXt``, ``zTXt``, ``iTXt``) and ``tIME`` go.
- WebP: the ``EXIF`` and ``XMP `` chunks go and the extended header's flags say so.

Anything that does not parse is returned as ``None``: the caller then refuses to serve it
rather than serving metadata.
"""

from __future__ import annotations

import struct

_JPEG_KEEP_APP = {0xE0, 0xE2, 0xEE}  # JFIF, ICC profile, Adobe
_PNG_DROP = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}
_WEBP_DROP = {b"EXIF", b"XMP "}
_ORIENTATION_TAG = 0x0112


def strip_metadata(content_type: str, data: bytes) -> bytes | None:
    """The photo without metadata, or ``None`` when its structure cannot be read."""
    try:
        if content_type == "image/jpeg":
            return _jpeg(data)
        if content_type == "image/png":
            return _png(data)
        if content_type == "image/webp":
            return _webp(data)
    except (struct.error, IndexError, ValueError):
        return None
    return None


def _exif_orientation(app1: bytes) -> int | None:
    """Orientation (1–8) from an APP1 payload ``Exif\\0\\0`` + TIFF, if it has one."""
    if not app1.startswith(b"Exif\x00\x00"):
        return None
    tiff = app1[6:]
    endian = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if endian is None:
        return None
    (ifd,) = struct.unpack(endian + "I", tiff[4:8])
    (count,) = struct.unpack(endian + "H", tiff[ifd : ifd + 2])
    for i in range(count):
        entry = tiff[ifd + 2 + 12 * i : ifd + 14 + 12 * i]
        tag, kind, _, value = struct.unpack(endian + "HHIH", entry[:10])
        if tag == _ORIENTATION_TAG and kind == 3 and 1 <= value <= 8:
            return int(value)
    return None


def _orientation_app1(orientation: int) -> bytes:
    """A minimal EXIF APP1 segment holding only the orientation."""
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8)
    tiff += struct.pack(">H", 1) + struct.pack(">HHIHH", _ORIENTATION_TAG, 3, 1, orientation, 0)
    tiff += struct.pack(">I", 0)
    payload = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def _jpeg(data: bytes) -> bytes | None:
    if not data.startswith(b"\xff\xd8"):
        return None
    out = bytearray(b"\xff\xd8")
    orientation: int | None = None
    pos = 2
    while pos < len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:  # EOI without a scan: nothing to show
            return None
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # TEM, RSTn: no length field
            out += data[pos : pos + 2]
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        end = pos + 2 + length
        if length < 2 or end > len(data):
            return None
        if marker == 0xDA:  # start of scan: the picture itself, copied as it is
            if orientation is not None and orientation != 1:
                out += _orientation_app1(orientation)
            out += data[pos:]
            return bytes(out)
        is_app = 0xE0 <= marker <= 0xEF
        if marker == 0xE1 and orientation is None:
            orientation = _exif_orientation(data[pos + 4 : end])
        if (is_app and marker not in _JPEG_KEEP_APP) or marker == 0xFE:
            pos = end
            continue
        out += data[pos:end]
        pos = end
    return None


def _png(data: bytes) -> bytes | None:
    signature = b"\x89PNG\r\n\x1a\n"
    if not data.startswith(signature):
        return None
    out = bytearray(signature)
    pos = len(signature)
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            return None
        if kind not in _PNG_DROP:
            out += data[pos:end]
        pos = end
        if kind == b"IEND":
            return bytes(out)
    return None


def _webp(data: bytes) -> bytes | None:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    chunks = bytearray()
    pos = 12
    while pos < len(data):
        kind = data[pos : pos + 4]
        (length,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        end = pos + 8 + length + (length & 1)
        if pos + 8 + length > len(data):
            return None
        chunk = bytearray(data[pos : min(end, len(data))])
        if kind == b"VP8X":
            chunk[8] &= ~(0x08 | 0x04) & 0xFF  # no EXIF, no XMP
        if kind not in _WEBP_DROP:
            chunks += chunk
        pos = end
    return b"RIFF" + struct.pack("<I", len(chunks) + 4) + b"WEBP" + bytes(chunks)
