"""MOF report batches when the photos' bytes are in the object store (issue 12): the file
carries each photo's bytes read from the store, as it did from PostgreSQL rows before."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import psycopg

from tests.fix_platform import CardMaker, Flow
from tests.integration.objects.test_files_in_store import _migrate


def test_mof_report_when_photo_is_in_the_store_carries_its_bytes(
    flow: Flow, make_card: CardMaker, db: psycopg.Connection[Any], db_url: str, objects_root: Path
) -> None:
    card = make_card()  # its photo as the fixture writes it: bytes in the row
    (key, data) = db.execute(
        "select sha256, data from card_photos where card_id = %s", (card,)
    ).fetchone()  # type: ignore[misc]
    _migrate(db_url, objects_root)
    assert db.execute("select data from card_photos where card_id = %s", (card,)).fetchone() == (
        None,
    )
    flow.final(flow.create(kind="adjust", scope="national", card_ids=[card]))
    r = flow.api.post("/api/v1/mof/reports", headers=flow.auth("cz_jb"))
    assert r.status_code == 201, r.text
    f = flow.api.get(f"/api/v1/mof/reports/{r.json()['id']}/file", headers=flow.auth("cz_jb"))
    items = [json.loads(x) for x in f.content.decode().splitlines()[1:]]
    photos = [p for i in items for x in i["listings"] for p in x["photos"]]
    assert [p["sha256"] for p in photos] == [key]
    assert base64.b64decode(photos[0]["data_base64"]) == bytes(data)
