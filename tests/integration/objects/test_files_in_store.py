"""Photos and attachments keep their bytes in the object store, not in PostgreSQL (issue
12): every upload path writes the store and a row with key, size and content type; every
read path reads the store; rows from before migration 4009 are read from the row until
``assetpulse objects migrate`` moves them out. Real PostgreSQL, the real app (the MOF
exchange's part is in tests/e2e/platform/test_mof_objects.py, beside its signing keys)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import psycopg
from click.testing import CliRunner
from fastapi.testclient import TestClient

from assetpulse.cli import main
from assetpulse.objects import LocalDirectoryStore
from tests.e2e.inventory.helpers import API, jpeg_bytes
from tests.fix_api import AuthHeaders
from tests.fix_platform import CardMaker, Flow, _jpeg_photo


def _stored(objects: LocalDirectoryStore, key: str) -> bytes:
    return objects.path_of(key).read_bytes()


def _migrate(db_url: str, objects_root: Path, *args: str) -> str:
    env = {"ASSETPULSE_DATABASE_URL": db_url, "ASSETPULSE_OBJECTS_DIR": str(objects_root)}
    result = CliRunner(env=env).invoke(main, ["objects", "migrate", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_card_photo_upload_when_stored_leaves_bytes_out_of_postgresql_and_reads_the_store(
    api: TestClient,
    auth: AuthHeaders,
    demo_cards: dict[str, int],
    db: psycopg.Connection[Any],
    objects: LocalDirectoryStore,
) -> None:
    card = demo_cards["HD-0001"]
    data = jpeg_bytes(41)
    up = api.post(f"{API}/cards/{card}/photos", files={"file": ("a.jpg", data, "image/jpeg")},
                  headers=auth("hd_jb"))  # fmt: skip
    assert up.status_code == 201, up.text
    row = db.execute(
        "select sha256, byte_size, content_type, data is null from card_photos where id = %s",
        (up.json()["photo_id"],),
    ).fetchone()
    key = hashlib.sha256(data).hexdigest()
    assert row == (key, len(data), "image/jpeg", True)
    assert _stored(objects, key) == data
    got = api.get(f"{API}/cards/{card}/photos/{up.json()['photo_id']}", headers=auth("hd_jb"))
    assert got.content == data
    assert got.headers["x-checksum-sha256"] == key


def test_same_photo_when_uploaded_to_two_cards_is_two_rows_and_one_object(
    api: TestClient,
    auth: AuthHeaders,
    demo_cards: dict[str, int],
    db: psycopg.Connection[Any],
    objects: LocalDirectoryStore,
) -> None:
    data = jpeg_bytes(42)
    for code in ("HD-0001", "HD-0002"):
        r = api.post(
            f"{API}/cards/{demo_cards[code]}/photos",
            files={"file": ("same.jpg", data, "image/jpeg")},
            headers=auth("hd_jb"),
        )
        assert r.status_code == 201, r.text
    key = hashlib.sha256(data).hexdigest()
    rows = db.execute("select sha256 from card_photos where sha256 = %s", (key,)).fetchall()
    assert len(rows) == 2
    assert [k for k in objects.iter_keys() if k == key] == [key]
    assert list(objects.path_of(key).parent.iterdir()) == [objects.path_of(key)]


def test_legacy_photo_when_objects_migrate_runs_moves_its_bytes_and_reads_the_same(
    api: TestClient,
    auth: AuthHeaders,
    demo_cards: dict[str, int],
    db: psycopg.Connection[Any],
    db_url: str,
    objects: LocalDirectoryStore,
    objects_root: Path,
) -> None:
    card = demo_cards["HD-0003"]
    data = jpeg_bytes(43)
    key = hashlib.sha256(data).hexdigest()
    # a photo as stored before migration 4009: its bytes in the row
    (photo_id,) = db.execute(
        "insert into card_photos (card_id, sha256, content_type, byte_size, data)"
        " values (%s, %s, 'image/jpeg', %s, %s) returning id",
        (card, key, len(data), data),
    ).fetchone()  # type: ignore[misc]
    url = f"{API}/cards/{card}/photos/{photo_id}"
    assert api.get(url, headers=auth("hd_jb")).content == data
    assert not objects.path_of(key).exists()
    out = _migrate(db_url, objects_root)
    assert "card_photos: 1 moved" in out
    assert db.execute(
        "select data is null from card_photos where id = %s", (photo_id,)
    ).fetchone() == (True,)
    assert _stored(objects, key) == data
    assert api.get(url, headers=auth("hd_jb")).content == data
    assert "card_photos: 0 moved" in _migrate(db_url, objects_root)


def test_legacy_photo_when_its_checksum_is_wrong_stays_in_the_row_and_is_reported(
    demo_cards: dict[str, int], db: psycopg.Connection[Any], db_url: str, objects_root: Path
) -> None:
    data = jpeg_bytes(44)
    (photo_id,) = db.execute(
        "insert into card_photos (card_id, sha256, content_type, byte_size, data)"
        " values (%s, %s, 'image/jpeg', %s, %s) returning id",
        (demo_cards["HD-0004"], "0" * 64, len(data), data),
    ).fetchone()  # type: ignore[misc]
    out = _migrate(db_url, objects_root)
    assert "card_photos: 0 moved, 1 left (checksum differs)" in out
    assert db.execute(
        "select data is not null from card_photos where id = %s", (photo_id,)
    ).fetchone() == (True,)


def test_attachment_upload_when_stored_is_in_the_store_and_downloads_from_it(
    api: TestClient,
    auth: AuthHeaders,
    demo_units: dict[str, int],
    db: psycopg.Connection[Any],
    objects: LocalDirectoryStore,
) -> None:
    data = b"%PDF-1.4 a demand's drawing " + bytes(range(256))
    up = api.post(f"{API}/attachments", files={"file": ("图纸.pdf", data, "application/pdf")},
                  headers=auth("hd_jb"))  # fmt: skip
    assert up.status_code == 201, up.text
    token = up.json()["url"].rsplit("/", 1)[-1]
    row = db.execute(
        "select sha256, byte_size, content_type, data is null from attachments where token = %s",
        (token,),
    ).fetchone()
    key = hashlib.sha256(data).hexdigest()
    assert row == (key, len(data), "application/pdf", True)
    assert _stored(objects, key) == data
    assert api.get(up.json()["url"], headers=auth("hs_jb")).content == data


def test_booking_photo_when_uploaded_is_in_the_store_and_shown_from_it(
    flow: Flow, make_card: CardMaker, db: psycopg.Connection[Any], objects: LocalDirectoryStore
) -> None:
    cid = make_card("U460001", status="in_use", shareable=True)
    bill = flow.final(flow.create("hd_jb", kind="share", scope="province", card_ids=[cid]))
    rows = flow.plaza("hd_jb", plaza="share", tab="local")["items"]
    listing = next(r["id"] for r in rows if r["bill_id"] == bill["id"])
    booking = flow.api.post(
        f"/api/v1/listings/{listing}/bookings",
        json={"start": "2099-01-05T09:00:00+08:00", "end": "2099-01-07T09:00:00+08:00",
              "purpose": "教学实验借用"},
        headers=flow.auth("hs_jb"),
    ).json()  # fmt: skip
    bid = booking["id"]
    ok = flow.api.post(f"/api/v1/bookings/{bid}/approve", headers=flow.auth("hd_jb"))
    assert ok.status_code == 200, ok.text
    data = _jpeg_photo(945)
    photo = flow.api.post(
        f"/api/v1/bookings/{bid}/photos", data={"step": "handover"},
        files={"file": ("a.jpg", data, "image/jpeg")}, headers=flow.auth("hd_jb"),
    )  # fmt: skip
    assert photo.status_code == 201, photo.text
    key = hashlib.sha256(data).hexdigest()
    row = db.execute(
        "select sha256, byte_size, data is null from booking_photos where id = %s",
        (photo.json()["id"],),
    ).fetchone()
    assert row == (key, len(data), True)
    assert _stored(objects, key) == data
    shown = flow.api.get(f"/api/v1/bookings/{bid}/photos/{photo.json()['id']}",
                         headers=flow.auth("hs_jb"))  # fmt: skip
    assert shown.status_code == 200
    assert shown.content.startswith(b"\xff\xd8")
