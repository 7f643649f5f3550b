"""Real phone photos (ZXing blackbox subset in ../shared/data/codes, Apache-2.0, ZXing
authors) of codes that are not our labels: decoded on the server and kept as surplus
(盘盈) with the exact text read — never dropped, never turned into a card."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.e2e.inventory.helpers import API
from tests.fix_api import AuthHeaders

CODES = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "codes"


@pytest.mark.skipif(not CODES.is_dir(), reason="shared photo set not present")
def test_real_photos_of_foreign_codes_are_kept_as_surplus(
    api: TestClient, auth: AuthHeaders, demo_cards
) -> None:
    task = api.post(
        f"{API}/stocktakes",
        json={"title": "实拍测试", "deadline": "2030-01-01"},
        headers=auth("hd_jb"),
    ).json()["stocktake"]["id"]
    truths = {}
    for name in ("qrcode-1/1", "ean13-1/1"):
        image = (CODES / f"{name}.png").read_bytes()
        truths[name] = (CODES / f"{name}.txt").read_text(encoding="utf-8")
        r = api.post(
            f"{API}/stocktakes/{task}/scans",
            files={"image": (f"{name}.png", image, "image/png")},
            headers=auth("hd_jb"),
        )
        assert r.status_code == 201, r.text
        assert [d["text"] for d in r.json()["decoded"]] == [truths[name]]
    report = api.get(f"{API}/stocktakes/{task}/report", headers=auth("hd_jb")).json()
    surplus = {s["raw_code"]: s["reason"] for s in report["surplus"]}
    assert surplus == {
        truths["qrcode-1/1"].strip(): "unreadable",  # a bookmark QR: no asset code in it
        truths["ean13-1/1"]: "unknown_code",  # a product barcode: a code on nobody's book
    }
    assert report["summary"]["found"] == 0
