"""Asset labels (资产标签): the payload printed on a label and printable label sheets.

``encode_label`` / ``parse_label`` are pure (see ``payload``); ``label_sheet_pdf`` draws
A4 sheets of QR codes and Code 128 barcodes (see ``sheet``), imported on first use so the
pure part never pulls in the PDF and barcode libraries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assetpulse.inventory.labels.payload import (
    InvalidAssetCodeError,
    LabelError,
    encode_label,
    is_asset_code,
    label_url,
    parse_label,
)

if TYPE_CHECKING:
    from assetpulse.inventory.labels.sheet import LabelInfo, label_sheet_pdf

__all__ = [
    "InvalidAssetCodeError",
    "LabelError",
    "LabelInfo",
    "encode_label",
    "is_asset_code",
    "label_sheet_pdf",
    "label_url",
    "parse_label",
]

_LAZY = frozenset({"LabelInfo", "label_sheet_pdf"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from assetpulse.inventory.labels import sheet

        return getattr(sheet, name)
    raise AttributeError(name)
