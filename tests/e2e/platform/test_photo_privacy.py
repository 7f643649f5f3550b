"""Photos other units see carry no EXIF, and uploads are limited while they stream
(issue 14, point 7)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator

import psycopg
from PIL import Image

from tests.e2e.platform.test_listings import _listed
from tests.fix_platform import CardMaker, Flow

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def _phone_photo() -> bytes:
    """A JPEG as a phone writes it: EXIF with the maker, the orientation and GPS."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (20.0, 2.0, 30.0), 3: "E", 4: (110.0, 20.0, 5.0)})
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def _with_phone_photo(db_url: str, card: int) -> tuple[int, bytes]:
    data = _phone_photo()
    with psycopg.connect(db_url) as conn:
        row = conn.execute(
            "insert into card_photos (card_id, sha256, content_type, byte_size, data)"
            " values (%s, %s, 'image/jpeg', %s, %s) returning id",
            (card, hashlib.sha256(data).hexdigest(), len(data), data),
        ).fetchone()
    assert row is not None
    return int(row[0]), data


def test_photo_when_another_unit_looks_then_no_gps_but_owner_gets_the_original(
    flow: Flow, make_card: CardMaker, db_url: str
) -> None:
    lid = _listed(flow, make_card, name="全站仪")
    card = flow.api.get(f"/api/v1/listings/{lid}", headers=flow.auth("hs_jb")).json()
    card_id = card["listing"]["card_id"]
    photo, original = _with_phone_photo(db_url, card_id)

    plaza = flow.api.get(f"/api/v1/listings/{lid}/photos/{photo}", headers=flow.auth("hs_jb"))
    assert plaza.status_code == 200
    shown = Image.open(io.BytesIO(plaza.content))
    assert not shown.getexif().get_ifd(GPS_IFD)
    assert dict(shown.getexif()) == {ORIENTATION: 6}  # upright on screen, nothing else
    assert b"PhoneMaker" not in plaza.content
    assert plaza.headers["ETag"] == f'"{hashlib.sha256(plaza.content).hexdigest()}"'

    # the competent department reads the card, but is another unit too
    above = flow.api.get(f"/api/v1/cards/{card_id}/photos/{photo}", headers=flow.auth("jyt_sh"))
    assert above.status_code == 200
    assert b"PhoneMaker" not in above.content
    own = flow.api.get(f"/api/v1/cards/{card_id}/photos/{photo}", headers=flow.auth("hd_jb"))
    assert own.content == original


def _streamed_photo(total: int) -> Iterator[bytes]:
    yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="p.jpg"\r\n\r\n'
    yield b"\xff\xd8\xff\xe0"
    for _ in range(total // 65536):
        yield b"0" * 65536
    yield b"\r\n--b--\r\n"


def test_photo_upload_over_the_limit_is_refused_while_it_streams(
    flow: Flow, make_card: CardMaker
) -> None:
    card = make_card("U460001", photo=False)
    r = flow.api.post(
        f"/api/v1/cards/{card}/photos",
        content=_streamed_photo(11 * 1024 * 1024),
        headers={**flow.auth("hd_jb"), "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "PHOTO_TOO_LARGE"
    assert "10 MB" in r.json()["error"]["message"]


def test_photo_upload_that_does_not_parse_is_refused(flow: Flow, make_card: CardMaker) -> None:
    card = make_card("U460001", photo=False)
    r = flow.api.post(
        f"/api/v1/cards/{card}/photos",
        files={"file": ("p.jpg", b"\xff\xd8\xff\xe0" + b"not really a jpeg", "image/jpeg")},
        headers=flow.auth("hd_jb"),
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "PHOTO_UNREADABLE"
