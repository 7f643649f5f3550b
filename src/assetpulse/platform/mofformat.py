"""The exchange file with MOF's summary system (汇总系统) — pure.

The format is versioned; its JSON Schema is ``mof_exchange.schema.json`` beside this module
(every line of a batch validates against it; tests check the batches we build).

Report batch (上报批次), one UTF-8 JSON Lines file named ``<batch_no>.jsonl``:

- line 1, the header: ``{"format": "assetpulse-mof-exchange", "version": 2, "batch_no": …,
  "province": "46", "created_at": ISO-8601, "item_count": N}``;
- then one line per item: ``{"seq": 1.., "action": "publish" | "resubmit" | "update",
  "bill_no", "kind", "scope", "unit_code", "unit_name", "region_code", "title",
  "description", "contact": {"name", "phone", "address"}, "demand": null | {"demand_type",
  "expected_arrival", "end_date", "urgency", "quantity", "area", "measure_unit",
  "accounting_subject"}, "review_code", "listings": [{"listing_id", "asset_code", "name",
  "category_code", "quantity", "area", "measure_unit", "region_code", "scope", "state",
  "delist_reason", "result", "original_value" 原值, "net_value" 净值, "brand", "model",
  "spec", "acquired_on", "location", "photos": [{"sha256", "content_type", "byte_size",
  "data_base64"}]}]}`` — what the national platform needs to show a listing. Version 1
  (no values, contacts or photos) is no longer written. ``publish`` is a locally
  final-approved national-scope bill reported for the first time (never twice);
  ``resubmit`` is a bill MOF sent back, fixed by its unit and final-approved again;
  ``update`` re-sends a reported bill whose card, result or listing state changed since
  (card changes, results, delisting — ``delist_reason`` says why a listing left, e.g.
  ``card_not_adjustable`` when its card went back to 在用).

The manifest that travels with the file: ``{"file_name", "batch_no", "item_count", "bytes",
"sha256"}`` where ``sha256`` is the hex SHA-256 of the file's bytes; the receiver checks it
before reading.

Feedback (下发): a JSON document ``{"batch_no": …, "items": [{"bill_no": …,
"decision": "approved" | "rejected", "reason": required when rejected}]}``; approved sets
``02-财政部已审核``, rejected sends the bill back to its unit with MOF's reason.
``batch_no`` is required and names a batch this province sent; every item is a bill that
batch reported (``publish`` / ``resubmit``) and still awaits the answer from it. The whole
file applies or nothing does; the same file imported again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

FORMAT = "assetpulse-mof-exchange"
VERSION = 2
SCHEMA_FILE = "mof_exchange.schema.json"


@dataclass(frozen=True, slots=True)
class Batch:
    file_name: str
    content: bytes
    sha256: str
    item_count: int

    def manifest(self, batch_no: str) -> dict[str, Any]:
        return {
            "file_name": self.file_name,
            "batch_no": batch_no,
            "item_count": self.item_count,
            "bytes": len(self.content),
            "sha256": self.sha256,
        }


def _default(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)  # Decimal and the like: exact text, never a float


def build_batch(
    batch_no: str, province: str, created_at: dt.datetime, items: list[dict[str, Any]]
) -> Batch:
    """The file for ``items`` (already in order), with its checksum."""
    header = {
        "format": FORMAT,
        "version": VERSION,
        "batch_no": batch_no,
        "province": province,
        "created_at": created_at.isoformat(),
        "item_count": len(items),
    }
    lines = [json.dumps(header, ensure_ascii=False, sort_keys=True)]
    lines += [
        json.dumps({"seq": i, **item}, ensure_ascii=False, sort_keys=True, default=_default)
        for i, item in enumerate(items, start=1)
    ]
    content = ("\n".join(lines) + "\n").encode("utf-8")
    return Batch(f"{batch_no}.jsonl", content, hashlib.sha256(content).hexdigest(), len(items))


def read_batch(content: bytes, sha256: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Check the checksum and parse a batch file: (header, items)."""
    if hashlib.sha256(content).hexdigest() != sha256:
        raise ValueError("checksum mismatch")
    lines = content.decode("utf-8").splitlines()
    header = json.loads(lines[0])
    if header.get("format") != FORMAT or header.get("item_count") != len(lines) - 1:
        raise ValueError("not a complete exchange file")
    return header, [json.loads(line) for line in lines[1:]]
