"""The exchange files with MOF's summary system (汇总系统) — pure.

Format ``assetpulse-mof-exchange`` version 3, documented in ``docs/mof-exchange.md``; its
JSON Schema is ``mof_exchange.schema.json`` beside this module (every line of every file
validates against it; tests check the files we build and the ones the test hub sends).

Every file is UTF-8 JSON Lines: a header line, then one line per item. Three types:

- ``report`` (上报批次, province → MOF): ``batch_no`` ``MOF<province><yyyymmdd><seq>``, items
  ``publish`` / ``resubmit`` / ``update`` of every locally final bill of the province, any
  scope (national ones reach the other provinces' 全国 tabs once MOF approves them);
- ``feedback`` (反馈, MOF → province): ``in_reply_to`` names the report batch, items
  ``{"seq", "bill_no", "decision": "approved" | "rejected", "reason"}``;
- ``national`` (全国下发, MOF → every province): ``sequence`` increases with every file;
  the items are the complete set of MOF-approved national listings and demands of the
  other provinces as MOF holds them now (a listing not in the file has left the plaza).

Signature: the header carries ``"signature": {"alg": "Ed25519", "key_id", "value"}``.
``value`` is the base64 Ed25519 signature of the file's canonical bytes without that
member: every line (the header with ``signature`` removed) as canonical JSON — keys sorted,
no insignificant whitespace (separators ``,`` and ``:``), non-ASCII as UTF-8 — joined by
``\\n`` with a final ``\\n``. The files only hold strings, integers, booleans and nulls
(amounts are decimal strings), so this is RFC 8785 (JCS) for them. ``key_id`` is the first
16 hex digits of the SHA-256 of the raw 32-byte public key. Files are written in canonical
form, so the bytes a sender signs are the bytes on disk minus the signature member.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

FORMAT = "assetpulse-mof-exchange"
VERSION = 3
SCHEMA_FILE = "mof_exchange.schema.json"
ALG = "Ed25519"
TYPES = ("report", "feedback", "national")


class ExchangeFileError(ValueError):
    """A file that cannot be trusted or read; ``code`` says which check refused it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Batch:
    file_name: str
    content: bytes
    sha256: str
    item_count: int
    key_id: str

    def manifest(self, batch_no: str) -> dict[str, Any]:
        return {
            "file_name": self.file_name,
            "batch_no": batch_no,
            "item_count": self.item_count,
            "bytes": len(self.content),
            "sha256": self.sha256,
            "key_id": self.key_id,
        }


@dataclass(frozen=True, slots=True)
class Document:
    """A file whose signature has been checked: its header (without signature) and items."""

    header: dict[str, Any]
    items: list[dict[str, Any]]
    sha256: str
    key_id: str


def _default(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)  # Decimal and the like: exact text, never a float


def canonical(value: Any) -> str:
    """One line of canonical JSON (see the module docstring)."""
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_default
    )


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _signed_bytes(lines: list[dict[str, Any]]) -> bytes:
    return "".join(canonical(line) + "\n" for line in lines).encode("utf-8")


def build_document(
    kind: str,
    header: dict[str, Any],
    items: list[dict[str, Any]],
    key: Ed25519PrivateKey,
) -> Batch:
    """The signed file of ``kind`` with ``header`` fields and ``items`` (in order)."""
    assert kind in TYPES
    head = {"format": FORMAT, "version": VERSION, "type": kind, **header,
            "item_count": len(items)}  # fmt: skip
    # through canonical JSON once, so that Decimals and dates are the strings the
    # receiver will parse and re-serialise when it checks the signature
    body: list[dict[str, Any]] = [
        json.loads(canonical({"seq": i, **item})) for i, item in enumerate(items, start=1)
    ]
    head = json.loads(canonical(head))
    signature = key.sign(_signed_bytes([head, *body]))
    kid = key_id(key.public_key())
    signed = {**head, "signature": {"alg": ALG, "key_id": kid,
                                    "value": base64.b64encode(signature).decode()}}  # fmt: skip
    content = _signed_bytes([signed, *body])
    file_name = f"{header['batch_no']}.jsonl"
    return Batch(file_name, content, hashlib.sha256(content).hexdigest(), len(items), kid)


def build_batch(
    batch_no: str,
    province: str,
    created_at: dt.datetime,
    items: list[dict[str, Any]],
    key: Ed25519PrivateKey,
) -> Batch:
    """A province's signed report batch."""
    header = {"batch_no": batch_no, "province": province, "created_at": created_at.isoformat()}
    return build_document("report", header, items, key)


def read_document(
    content: bytes, keys: list[Ed25519PublicKey], expect: str | None = None
) -> Document:
    """Parse a file and check its signature against ``keys``; nothing unsigned gets through.

    Raises :class:`ExchangeFileError` with the code of the first check that fails:
    ``MOF_FILE_INVALID`` (not JSON Lines of this format), ``MOF_SIGNATURE_MISSING``,
    ``MOF_SIGNATURE_INVALID`` (wrong key, altered content), ``MOF_FILE_TYPE`` (another
    type than ``expect``).
    """
    try:
        lines = [json.loads(line) for line in content.decode("utf-8").splitlines() if line]
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _bad("文件不是 UTF-8 JSON Lines 格式的汇总系统交换文件。") from None
    if not lines or not all(isinstance(line, dict) for line in lines):
        raise _bad("文件不是汇总系统交换文件（缺少文件头）。")
    header = dict(lines[0])
    signature = header.pop("signature", None)
    if not isinstance(signature, dict) or not signature.get("value"):
        raise ExchangeFileError(
            "MOF_SIGNATURE_MISSING", "文件没有签名，无法确认来自财政部汇总系统，未做任何修改。"
        )
    try:
        raw = base64.b64decode(str(signature["value"]), validate=True)
    except binascii.Error:
        raw = b""
    message = _signed_bytes([header, *lines[1:]])
    signer = None
    for public in keys:
        try:
            public.verify(raw, message)
        except InvalidSignature:
            continue
        signer = key_id(public)
        break
    if signature.get("alg") != ALG or signer is None:
        raise ExchangeFileError(
            "MOF_SIGNATURE_INVALID",
            "文件签名校验未通过（签名密钥不符或内容被改动），未做任何修改。",
        )
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise _bad(f"文件格式或版本不符（应为 {FORMAT} 第 {VERSION} 版）。")
    if header.get("item_count") != len(lines) - 1:
        raise _bad("文件不完整：条目数与文件头不符。")
    if expect is not None and header.get("type") != expect:
        raise ExchangeFileError(
            "MOF_FILE_TYPE", f"文件类型为 {header.get('type')}，此处应导入 {expect} 文件。"
        )
    return Document(header, lines[1:], hashlib.sha256(content).hexdigest(), signer)


def _bad(message: str) -> ExchangeFileError:
    return ExchangeFileError("MOF_FILE_INVALID", message)
