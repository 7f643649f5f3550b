"""The MOF exchange as two provinces and MOF's hub live it: signed files both ways, the
全国 tab fed by MOF's national downlink (issue 13, Also)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from assetpulse.localservices import PostgresProcess
from assetpulse.org.passwords import hash_password
from assetpulse.platform.api import create_app
from assetpulse.settings import Settings
from tests.e2e.platform.mofhub import (
    PROVINCE_KEYS,
    Hub,
    feedback_file,
    post_feedback,
    province_settings,
)
from tests.fix_db import _clone
from tests.fix_platform import CardMaker, Flow, make_card_sql

NDJSON = {"Content-Type": "application/x-ndjson"}


def _national_final(flow: Flow, make_card: CardMaker) -> dict[str, Any]:
    return flow.final(flow.create(kind="adjust", scope="national", card_ids=[make_card()]))


def _report(flow: Flow, finance: str = "cz_jb") -> dict[str, Any]:
    r = flow.api.post("/api/v1/mof/reports", headers=flow.auth(finance))
    assert r.status_code == 201, r.text
    return dict(r.json())


def _file(flow: Flow, report: dict[str, Any], finance: str = "cz_jb") -> bytes:
    r = flow.api.get(f"/api/v1/mof/reports/{report['id']}/file", headers=flow.auth(finance))
    assert r.status_code == 200
    return r.content


def test_mof_feedback_unsigned_forged_or_altered_is_refused_and_stores_nothing(
    flow: Flow, make_card: CardMaker, db_url: str
) -> None:
    bill = _national_final(flow, make_card)
    batch = _report(flow)["batch_no"]
    approve = [{"bill_no": bill["bill_no"], "decision": "approved"}]
    headers = {**flow.auth("cz_jb"), **NDJSON}
    signed = feedback_file("46", batch, approve)
    forged = feedback_file("46", batch, approve, key=PROVINCE_KEYS["46"])  # not MOF's key
    altered = signed.replace(b'"approved"', b'"rejected","reason":"x"')
    legacy = json.dumps({"batch_no": batch, "items": approve}).encode()  # the old JSON body
    for body, code in ((legacy, "MOF_SIGNATURE_MISSING"), (forged, "MOF_SIGNATURE_INVALID"),
                       (altered, "MOF_SIGNATURE_INVALID")):  # fmt: skip
        r = flow.api.post("/api/v1/mof/feedback", content=body, headers=headers)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == code
        assert "签名" in r.json()["error"]["message"]
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select count(*) from mof_feedback").fetchone() == (0,)
    got = flow.api.get(f"/api/v1/bills/{bill['id']}", headers=flow.auth("hd_jb")).json()
    assert got["review_code"] == "01"
    # addressed to another province: refused although MOF signed it
    r = flow.api.post("/api/v1/mof/feedback", content=feedback_file("44", batch, approve),
                      headers=headers)  # fmt: skip
    assert r.json()["error"]["code"] == "MOF_FEEDBACK_OTHER_PROVINCE"
    ok = flow.api.post("/api/v1/mof/feedback", content=signed, headers=headers)
    assert ok.json() == {"item_count": 1, "applied": 1, "unchanged": 0}
    assert flow.api.post("/api/v1/mof/feedback", content=signed, headers=headers).json()[
        "applied"] == 0  # fmt: skip


def test_mof_report_when_no_signing_key_is_configured_is_refused(
    db_url: str, demo_units: dict[str, int], make_card: CardMaker, flow: Flow
) -> None:
    _national_final(flow, make_card)
    bare = Settings(database_url=db_url, jwt_secret="test-secret-" + "x" * 20)
    with TestClient(create_app(bare)) as client:
        token = client.app.state.tokens.issue(_user_id(db_url, "cz_jb"))  # type: ignore[attr-defined]
        headers = {"Authorization": f"Bearer {token}"}
        r = client.post("/api/v1/mof/reports", headers=headers)
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "MOF_SIGNING_KEY_MISSING"
        r = client.post("/api/v1/mof/national", content=b"{}", headers=headers)
        assert r.json()["error"]["code"] == "MOF_VERIFY_KEY_MISSING"
    assert _report(flow)["item_count"] == 1  # nothing was marked reported meanwhile


def _user_id(url: str, username: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("select id from users where username = %s", (username,)).fetchone()
    assert row is not None
    return int(row[0])


# --- two province deployments and MOF's hub -------------------------------------------

GD_UNITS = (("F440000", "广东省财政厅", "finance", "440000", None),
            ("U440001", "中山大学", "unit", "440100", None))  # fmt: skip
GD_USERS = (("gd_jb", "U440001", "003", "{operator}"), ("gd_sh", "U440001", "003", "{reviewer}"),
            ("gdcz_jb", "F440000", "002", "{operator}"),
            ("gdcz_sh", "F440000", "002", "{reviewer}"))  # fmt: skip


def _seed_guangdong(url: str) -> dict[str, int]:
    ids: dict[str, int] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "insert into regions (code, name, parent_code) values ('440000', '广东省', null),"
            " ('440100', '广州市', '440000') on conflict do nothing"
        )
        for code, name, kind, region, _ in GD_UNITS:
            row = conn.execute(
                "insert into units (code, name, kind, region_code) values (%s, %s, %s, %s)"
                " returning id",
                (code, name, kind, region),
            ).fetchone()
            assert row is not None
            ids[code] = int(row[0])
        pw = hash_password("gd-pass-2026")
        for username, unit, user_type, roles in GD_USERS:
            conn.execute(
                "insert into users (username, password_hash, display_name, unit_id, user_type,"
                " roles) values (%s, %s, %s, %s, %s, %s)",
                (username, pw, username, ids[unit], user_type, roles),
            )
    return ids


@pytest.fixture
def guangdong(pg_server: PostgresProcess, pg_template: str) -> Iterator[tuple[Flow, str, int]]:
    """A second deployment: Guangdong (44), its own database, its own key."""
    url = _clone(pg_server, pg_template)
    ids = _seed_guangdong(url)
    settings = Settings(
        database_url=url, jwt_secret="test-secret-" + "y" * 20, **province_settings("44")
    )
    with TestClient(create_app(settings)) as client:
        tokens = client.app.state.tokens  # type: ignore[attr-defined]
        cache: dict[str, dict[str, str]] = {}

        def auth(user: str) -> dict[str, str]:
            if user not in cache:
                cache[user] = {"Authorization": f"Bearer {tokens.issue(_user_id(url, user))}"}
            return cache[user]

        yield Flow(client, auth), url, ids["U440001"]


def _schema_errors(content: bytes) -> list[str]:
    """Every line of a file against the repository's JSON Schema of the format."""
    import jsonschema_rs  # schemathesis's validator, already in the dev environment

    schema = (resources.files("assetpulse.platform") / "mof_exchange.schema.json").read_text()
    validator = jsonschema_rs.validator_for(json.loads(schema))
    lines = [json.loads(x) for x in content.decode().splitlines()]
    return [
        f"{i}: {e.message}" for i, line in enumerate(lines) for e in validator.iter_errors(line)
    ]


def _relay(hub: Hub, flow: Flow, finance: str) -> None:
    """The province reports; MOF verifies, answers, and the province imports the answer."""
    batch = _report(flow, finance)
    content = _file(flow, batch, finance)
    assert _schema_errors(content) == []
    answer = hub.receive(content)
    assert _schema_errors(answer) == []
    r = flow.api.post("/api/v1/mof/feedback", content=answer,
                      headers={**flow.auth(finance), **NDJSON})  # fmt: skip
    assert r.status_code == 200, r.text


def _downlink(hub: Hub, flow: Flow, finance: str, province: str) -> tuple[bytes, dict[str, Any]]:
    content = hub.national_file(province)
    r = flow.api.post("/api/v1/mof/national", content=content,
                      headers={**flow.auth(finance), **NDJSON})  # fmt: skip
    assert r.status_code == 200, r.text
    return content, dict(r.json())


def _national(flow: Flow, user: str, plaza: str) -> dict[str, dict[str, Any]]:
    rows = flow.plaza(user, plaza=plaza, tab="national")
    assert rows["total"] == len(rows["items"])
    return {r["name"]: r for r in rows["items"]}


def test_two_provinces_see_each_others_mof_approved_items_on_the_national_tab(
    flow: Flow, make_card: CardMaker, db_url: str, guangdong: tuple[Flow, str, int]
) -> None:
    gd, gd_url, gd_unit = guangdong
    hub = Hub()
    # Hainan: a national adjustment with values and a photo, a national demand, a local one
    card = make_card(name="离心机")
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "update asset_cards set original_value = 88000.00, net_value = 41000.50,"
            " brand = '湘仪' where id = %s",
            (card,),
        )
    adjust = flow.final(flow.create(kind="adjust", scope="national", card_ids=[card],
                                    contact_name="李老师", contact_phone="0898-1"))  # fmt: skip
    flow.final(flow.create("hs_jb", kind="demand", scope="national", title="需要示波器",
                           demand_type="share", end_date="2099-12-31"), "U460002")  # fmt: skip
    flow.final(flow.create(kind="adjust", scope="province", card_ids=[make_card(name="本省柜")]))
    # Guangdong: a national share listing
    gd_card = make_card_sql(gd_url, gd_unit, shareable=True, status="in_use", name="质谱仪")
    bill = gd.create("gd_jb", kind="share", scope="national", card_ids=[gd_card])
    gd.ok("gd_jb", bill["id"], "submit")
    gd.ok("gd_sh", bill["id"], "approve")
    assert gd.ok("gdcz_sh", bill["id"], "approve")["stage"] == "final"

    _relay(hub, flow, "cz_jb")
    _relay(hub, gd, "gdcz_jb")
    assert len(hub.approved) == 4  # the local-scope bill is reported and approved too
    _downlink(hub, flow, "cz_jb", "46")
    first, out = _downlink(hub, gd, "gdcz_jb", "44")
    assert _schema_errors(first) == []
    assert (out["stored"], out["removed"]) == (2, 0)
    with psycopg.connect(gd_url) as conn:  # the photo's bytes went to the object store
        photos = conn.execute("select count(*), count(data) from national_listing_photos")
        assert photos.fetchone() == (1, 0)

    # Guangdong's 全国 tab: Hainan's national adjustment and demand, not its local one
    adjust_rows = _national(gd, "gd_jb", "adjust")
    assert [n[:3] for n in adjust_rows] == ["离心机"]
    row = next(iter(adjust_rows.values()))
    assert (row["origin_province"], row["read_only"], row["unit_name"]) == ("46", True, "海南大学")
    assert row["review_code_text"] == "02-财政部已审核"
    assert row["region_name"] == "海口市"
    assert list(_national(gd, "gd_jb", "demand")) == ["需要示波器"]
    detail = gd.api.get(f"/api/v1/listings/{row['id']}", headers=gd.auth("gd_jb")).json()
    assert detail["card"]["original_value"] == "88000.00"
    assert detail["card"]["net_value"] == "41000.50"
    assert detail["publisher"]["contact_name"] == "李老师"
    assert detail["publisher"]["bill_no"] == adjust["bill_no"]
    photo = gd.api.get(f"/api/v1/listings/{row['id']}/photos/{detail['photo_ids'][0]}",
                       headers=gd.auth("gd_jb"))  # fmt: skip
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/jpeg"
    exported = gd.api.get("/api/v1/listings/export", params={"ids": [row["id"]], "format": "csv"},
                          headers=gd.auth("gd_jb"))  # fmt: skip
    assert "离心机" in exported.content.decode("utf-8-sig")
    assert "海南大学" in exported.content.decode("utf-8-sig")
    # read-only: the receiving province cannot act on another province's listing
    r = gd.api.post(f"/api/v1/listings/{row['id']}/delist", headers=gd.auth("gd_jb"))
    assert r.status_code == 404
    # Hainan's 全国 tab: its own national items live, Guangdong's from the downlink
    shared = _national(flow, "sy_jb", "share")
    assert [n[:3] for n in shared] == ["质谱仪"]
    assert next(iter(shared.values()))["origin_province"] == "44"
    assert [n[:3] for n in _national(flow, "sy_jb", "adjust")] == ["离心机"]

    # Hainan delists: the update goes up, and the next downlink takes it off Guangdong's tab
    listing_id = next(x["listing_id"] for i in hub.approved.values() for x in i["listings"]
                      if i["bill_no"] == adjust["bill_no"])  # fmt: skip
    r = flow.api.post(f"/api/v1/listings/{listing_id}/delist", headers=flow.auth("hd_jb"))
    assert r.status_code == 200, r.text
    _relay(hub, flow, "cz_jb")
    _, out = _downlink(hub, gd, "gdcz_jb", "44")
    assert (out["stored"], out["removed"]) == (1, 1)
    assert _national(gd, "gd_jb", "adjust") == {}
    assert list(_national(gd, "gd_jb", "demand")) == ["需要示波器"]
    # the same file again, an older one, a tampered one: nothing changes
    headers = {**gd.auth("gdcz_jb"), **NDJSON}
    skipped = hub.national_file("44")  # overtaken before it was imported
    latest = hub.national_file("44")
    assert gd.api.post("/api/v1/mof/national", content=latest, headers=headers).json()[
        "stored"] == 1  # fmt: skip
    again = gd.api.post("/api/v1/mof/national", content=latest, headers=headers)
    assert again.json()["unchanged"] is True
    assert gd.api.post("/api/v1/mof/national", content=first, headers=headers).json()[
        "unchanged"] is True  # fmt: skip
    stale = gd.api.post("/api/v1/mof/national", content=skipped, headers=headers)
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "MOF_NATIONAL_STALE"
    forged = latest.replace("需要示波器".encode(), "需要显微镜".encode())
    bad = gd.api.post("/api/v1/mof/national", content=forged, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "MOF_SIGNATURE_INVALID"
    assert list(_national(gd, "gd_jb", "demand")) == ["需要示波器"]
    # only finance imports MOF's files
    r = gd.api.post("/api/v1/mof/national", content=latest, headers={**gd.auth("gd_jb"), **NDJSON})
    assert r.status_code == 403
    assert post_feedback(gd.api, gd.auth("gd_jb"), "MOF44", province="44").status_code == 403
