"""资产处置 as the tests need it done: the operator proposes, the unit's reviewer approves with
a 批复文号 (four eyes); the card is then off the books."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient


def dispose(
    api: TestClient,
    auth: Callable[[str], dict[str, str]],
    card_id: int,
    method: str = "scrap",
    *,
    operator: str = "hd_jb",
    reviewer: str = "hd_sh",
    document_no: str = "琼财资〔2026〕1号",
    **fields: Any,
) -> dict[str, Any]:
    """Propose and approve the disposal of ``card_id``; the approved disposal."""
    if method in ("free_transfer", "donation", "sale", "exchange"):
        fields.setdefault("receiver", "三亚市第一中学")
    r = api.post(
        "/api/v1/disposals",
        json={"card_id": card_id, "method": method, **fields},
        headers=auth(operator),
    )
    assert r.status_code == 201, r.text
    r = api.post(
        f"/api/v1/disposals/{r.json()['id']}/approve",
        json={"document_no": document_no},
        headers=auth(reviewer),
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "approved"
    return dict(r.json())
