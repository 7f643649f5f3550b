"""What a scanned or typed text means (pure): a label payload (or its URL form) goes
through ``labels.parse_label``; a plain asset code typed by hand is accepted too; anything
else is kept as read, with no asset code (it becomes 盘盈 "unreadable", never a guess).
Bulk paste splits on whitespace, commas, semicolons and the Chinese list separators.
"""

from __future__ import annotations

import re

from assetpulse.inventory.labels.payload import is_asset_code, parse_label

_SEPARATORS = re.compile(r"[\s,;，；、]+")
MAX_CODE_CHARS = 500


def asset_code_of(text: str) -> str | None:
    text = text.strip()
    code = parse_label(text)
    if code is not None:
        return code
    upper = text.upper()
    # A bare code is accepted only as typed or read; a label-looking text that failed its
    # check must not degrade into a bare code.
    if not upper.startswith("AP1.") and is_asset_code(upper):
        return upper
    return None


def split_paste(text: str) -> list[str]:
    return [t for t in _SEPARATORS.split(text) if t]
