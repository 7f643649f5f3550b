"""Label payloads (标签编码): what the QR code and the Code 128 barcode on an asset label hold.

Pure: no I/O. A payload is ``AP1.`` + the asset code (资产编码, ``^[A-Z0-9-]{4,40}$``) + two
check characters from the same 37-character alphabet ``0-9 A-Z -``: asset code
``HD-2024-0001`` → payload ``AP1.HD-2024-0001-D`` (check characters ``-D``). The ``1`` after
``AP`` is the payload version. Everything is ASCII, lies in the
intersection of the QR alphanumeric and Code 39 character sets (so both print compactly), and
never changes for a given asset code (stable: labels printed today stay valid).

Check characters — a prime-modulus weighted sum in the style of ISO 7064 (like MOD 1271-36,
but with a prime modulus, so every guarantee below is exact, not "most errors"):

* values: ``0-9`` → 0–9, ``A-Z`` → 10–35, ``-`` → 36 (37 symbols);
* modulus P = 1367 (prime, the largest below 37² so the check value fits two symbols);
* the i-th character of the asset code (i = 1, 2, …) has weight 5^i mod P (5 is a primitive
  root of 1367, so the weights of positions 1…40 are distinct and none is 1 or 37);
* check value C = (−Σ value·weight) mod P, written as two symbols C // 37, C % 37.

Guarantees (they follow from the weights above; tested by property and exhaustively): any
single changed character anywhere in the payload, and any swap of two different characters
anywhere in it (adjacent or not, including the prefix and the check characters) makes the
payload invalid.

URL form (for phones whose camera app opens links): ``http(s)://<host>[/<path>]/a/<payload>``,
e.g. ``https://assets.example.gov.cn/a/AP1.HD-2024-0001-D``; ``parse_label`` accepts it with
any host, no query string or fragment.
"""

from __future__ import annotations

import re
from typing import Final

from assetpulse.inventory.errors import InventoryError

PREFIX: Final = "AP1."
ALPHABET: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-"
MODULUS: Final = 1367
_GENERATOR: Final = 5
ASSET_CODE_RE: Final = re.compile(r"[A-Z0-9-]{4,40}")
_VALUE: Final = {ch: i for i, ch in enumerate(ALPHABET)}
_WEIGHTS: Final = tuple(pow(_GENERATOR, i, MODULUS) for i in range(1, 41))
_PAYLOAD_RE: Final = re.compile(r"AP1\.([A-Z0-9-]{4,40})([A-Z0-9-]{2})")
_URL_RE: Final = re.compile(
    r"(?i:https?)://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~%-]+)*/a/([A-Z0-9.-]+)/?"
)


class LabelError(InventoryError):
    """Label errors (标签): bad asset codes, label printing problems."""


class InvalidAssetCodeError(LabelError, ValueError):
    """The text is not an asset code (资产编码): ``^[A-Z0-9-]{4,40}$``."""

    def __init__(self, text: str) -> None:
        super().__init__(
            "LABEL_BAD_ASSET_CODE",
            "资产编码格式不正确：应为 4 到 40 位大写字母、数字或连字符（-），请修改后再打印标签。",
            asset_code=text,
        )


def is_asset_code(text: str) -> bool:
    return ASSET_CODE_RE.fullmatch(text) is not None


def check_characters(asset_code: str) -> str:
    """The two check characters of ``asset_code`` (assumed valid)."""
    total = sum(_VALUE[ch] * w for ch, w in zip(asset_code, _WEIGHTS, strict=False))
    check = -total % MODULUS
    return ALPHABET[check // 37] + ALPHABET[check % 37]


def encode_label(asset_code: str) -> str:
    """The label payload of ``asset_code``; raises InvalidAssetCodeError for anything else."""
    if not is_asset_code(asset_code):
        raise InvalidAssetCodeError(asset_code)
    return PREFIX + asset_code + check_characters(asset_code)


def label_url(asset_code: str, base_url: str) -> str:
    """The URL form: ``<base_url>/a/<payload>`` (``base_url`` like ``https://host[/path]``)."""
    url = base_url.rstrip("/") + "/a/" + encode_label(asset_code)
    if _URL_RE.fullmatch(url) is None:
        raise ValueError(f"base URL gives an unparseable label URL: {base_url!r}")
    return url


def parse_label(text: str) -> str | None:
    """The asset code a scanned label carries, or None.

    Accepts exactly a payload or its URL form (surrounding whitespace, as keyboard-wedge
    scanners add, is ignored). Never guesses: wrong case, a bad check, a bare asset code or
    anything else gives None.
    """
    text = text.strip(" \t\r\n")
    url = _URL_RE.fullmatch(text)
    if url is not None:
        text = url.group(1)
    match = _PAYLOAD_RE.fullmatch(text)
    if match is None:
        return None
    code, check = match.groups()
    if check_characters(code) != check:
        return None
    return code
