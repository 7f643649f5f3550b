"""A small national hub (MOF's summary system) for tests, speaking the documented format.

It holds the provinces' public keys and its own private key, as MOF would: it verifies
every report batch a province sends, answers each with a signed feedback file, keeps
the national-scope items it approved (updates and delistings included) and writes each
province a signed ``national`` file of the other provinces' listings and demands.
Deterministic test keys, so that fixtures can configure deployments with them.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from assetpulse.platform import mofformat


def fixed_key(name: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(name.encode()).digest())


HUB_KEY = fixed_key("assetpulse test national hub")
PROVINCE_KEYS = {"46": fixed_key("assetpulse test province 46"),
                 "44": fixed_key("assetpulse test province 44")}  # fmt: skip


def b64_private(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return "base64:" + base64.b64encode(raw).decode()


def b64_public(key: Ed25519PublicKey) -> str:
    return "base64:" + base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def province_settings(province: str = "46") -> dict[str, Any]:
    """Settings fields of a deployment of ``province`` that trusts the hub."""
    return {
        "mof_signing_key": b64_private(PROVINCE_KEYS[province]),
        "mof_verify_keys": b64_public(HUB_KEY.public_key()),
    }


def feedback_file(
    province: str,
    in_reply_to: str,
    items: list[dict[str, Any]],
    key: Ed25519PrivateKey = HUB_KEY,
    feedback_no: str | None = None,
) -> bytes:
    header = {
        "batch_no": feedback_no or "FB" + hashlib.sha256(repr(items).encode()).hexdigest()[:12],
        "province": province,
        "in_reply_to": in_reply_to,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    return mofformat.build_document("feedback", header, items, key).content


@dataclass
class Hub:
    """MOF: approves what it is told to (everything unless ``reject`` names the bill)."""

    keys: dict[str, Ed25519PublicKey] = field(
        default_factory=lambda: {p: k.public_key() for p, k in PROVINCE_KEYS.items()}
    )
    approved: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    reject: dict[str, str] = field(default_factory=dict)
    sequence: int = 0

    def receive(self, content: bytes) -> bytes:
        """Verify a province's report batch; returns the signed feedback file for it."""
        doc = mofformat.read_document(content, list(self.keys.values()), "report")
        province = doc.header["province"]
        assert doc.key_id == mofformat.key_id(self.keys[province]), "signed by another province"
        decisions = []
        for item in doc.items:
            key = (province, item["bill_no"])
            if item["action"] == "update":
                if key in self.approved:
                    self.approved[key] = item
                continue
            reason = self.reject.get(item["bill_no"])
            if reason:
                decisions.append({"bill_no": item["bill_no"], "decision": "rejected",
                                  "reason": reason})  # fmt: skip
                self.approved.pop(key, None)
            else:
                decisions.append({"bill_no": item["bill_no"], "decision": "approved"})
                self.approved[key] = item
        return feedback_file(province, doc.header["batch_no"], decisions)

    def national_file(self, province: str) -> bytes:
        """What MOF sends ``province`` now: the other provinces' approved national items."""
        self.sequence += 1
        items = []
        for (origin, _), item in sorted(self.approved.items()):
            if origin == province or item["scope"] != "national":
                continue
            shown = [x for x in item["listings"] if x["state"] in ("listed", "done")]
            if shown:
                body = {k: v for k, v in item.items() if k not in ("seq", "action")}
                items.append({**body, "origin_province": origin, "review_code": "02",
                              "listings": shown})  # fmt: skip
        header = {
            "batch_no": f"NAT{self.sequence:06d}",
            "province": province,
            "sequence": self.sequence,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
        }
        return mofformat.build_document("national", header, items, HUB_KEY).content


def post_feedback(
    client: Any,
    headers: dict[str, str],
    in_reply_to: str,
    *items: dict[str, Any],
    province: str = "46",
) -> Any:
    """``POST /mof/feedback`` of a hub-signed feedback file on ``in_reply_to``."""
    body = feedback_file(province, in_reply_to, list(items))
    return client.post(
        "/api/v1/mof/feedback", content=body,
        headers={**headers, "Content-Type": "application/x-ndjson"},
    )  # fmt: skip
