"""Authorisation matrix: every platform endpoint × user type × role × own / other unit.

One scenario is built once per module (a draft and a submitted bill of 海南大学, a
province-scope and a unit-scope listing); each case is a row of the table below: who gets
which status. Refused requests change nothing, so the rows can share the scenario; the
allowed mutations are exercised by the workflow tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assetpulse.localservices import PostgresProcess
from assetpulse.org.seed import DEMO_PASSWORD, USERS, seed_demo_org
from assetpulse.platform.api import create_app
from assetpulse.settings import Settings
from tests.e2e.platform.mofhub import province_settings
from tests.fix_db import _clone
from tests.fix_platform import Flow, make_card_sql

OWN = ("hd_jb", "hd_sh", "hd_wl", "hd_hq")  # 海南大学 (003): operator, reviewer, asset users
FINANCE = tuple(u.username for u in USERS if u.user_type == "002")  # 财政部门用户
OPERATORS = tuple(u.username for u in USERS if "operator" in u.roles)  # 经办岗
EVERYONE = tuple(u.username for u in USERS)
ANON = "anonymous"


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    expect: dict[str, int]
    default: int
    body: Any = None
    params: dict[str, Any] = field(default_factory=dict)


def by(users: tuple[str, ...] | list[str], status: int) -> dict[str, int]:
    return dict.fromkeys(users, status)


CASES = [
    Case("read draft", "GET", "/bills/{draft}", by(OWN, 200), 404),
    Case("read submitted", "GET", "/bills/{review}", by([*OWN, "jyt_sh"], 200), 404),
    Case("progress", "GET", "/bills/{review}/progress", by([*OWN, "jyt_sh"], 200), 404),
    Case("audit", "GET", "/bills/{review}/audit", by([*OWN, "jyt_sh"], 200), 404),
    Case("edit draft", "PATCH", "/bills/{draft}", {**by(OWN, 403), "hd_jb": 200}, 404,
         body={"description": "说明"}),
    Case("delete draft", "DELETE", "/bills/{draft}", {**by(OWN, 403), "hd_jb": None}, 404),
    Case("submit draft", "POST", "/bills/{draft}/submit", {**by(OWN, 403), "hd_jb": None}, 404),
    Case("cancel submit", "POST", "/bills/{review}/cancel-submit",
         {**by([*OWN, "jyt_sh"], 403), "hd_jb": None}, 404),
    Case("approve", "POST", "/bills/{review}/approve",
         {**by(OWN, 403), "hd_sh": None, "jyt_sh": 409}, 404),
    Case("reject", "POST", "/bills/{review}/reject",
         {**by(OWN, 403), "hd_sh": None, "jyt_sh": 409}, 404, body={"reason": "不符合"}),
    Case("cancel approval", "POST", "/bills/{review}/cancel-approval",
         {**by(OWN, 403), "hd_sh": 409, "jyt_sh": 409}, 404),
    Case("query own bills", "GET", "/bills", {}, 200),
    Case("review queue", "GET", "/reviews", {}, 200, params={"tab": "pending"}),
    Case("plaza", "GET", "/listings", {}, 200, params={"plaza": "adjust"}),
    Case("province listing", "GET", "/listings/{listed}", {}, 200),
    Case("unit-scope listing", "GET", "/listings/{unit_listed}", by(OWN, 200), 404),
    Case("matches", "GET", "/listings/{listed}/matches", {}, 200),
    Case("delist", "POST", "/listings/{listed}/delist", {"hd_jb": None}, 403),
    Case("result", "POST", "/listings/{listed}/result", {"hd_jb": None}, 403,
         body={"method": "donation", "counterpart_unit_name": "某单位", "dispose": False}),
    Case("export", "GET", "/listings/export", {}, 200,
         params={"ids": ["{listed}"], "format": "csv"}),
    Case("preselections", "GET", "/preselections", {}, 200),
    Case("preselect unit-scope", "POST", "/preselections", by(OWN, 201), 404,
         body={"listing_ids": ["{unit_listed}"]}),
    Case("publish national demand", "POST", "/bills",
         {"hd_jb": 201, "hs_jb": 201, "sy_jb": 201}, 403,
         body={"kind": "demand", "scope": "national", "title": "需", "demand_type": "share"}),
    Case("publish local demand", "POST", "/bills",
         {"hd_jb": 201, "hs_jb": 201, "sy_jb": 201, "cz_jb": 201}, 403,
         body={"kind": "demand", "scope": "province", "title": "需", "demand_type": "share"}),
    Case("my listings", "GET", "/my-listings", {}, 200, params={"plaza": "adjust"}),
    Case("card picker", "GET", "/eligible-cards", by(OPERATORS, 200), 403,
         params={"kind": "adjust"}),
    Case("card picker for our draft", "GET", "/eligible-cards", by(OPERATORS, 200), 403,
         params={"kind": "adjust", "bill_id": "{draft}"}),
    Case("omissions report", "GET", "/omissions", {}, 200),
    Case("omissions of our unit", "GET", "/omissions", {}, 200,
         params={"unit_id": "{our_unit}"}),
    Case("mof report", "POST", "/mof/reports", by(FINANCE, None), 403),  # builds: mutates
    Case("mof history", "GET", "/mof/reports", by(FINANCE, 200), 403),
    Case("mof feedback", "POST", "/mof/feedback", by(FINANCE, 422), 403,
         body={"batch_no": "MOF46NONE", "items": [{"bill_no": "PB-NONE", "decision": "approved"}]}),
    Case("mof national", "POST", "/mof/national", by(FINANCE, 422), 403, body={}),
]  # fmt: skip


@pytest.fixture(scope="module")
def scene(pg_server: PostgresProcess, pg_template: str) -> Iterator[dict[str, Any]]:
    url = _clone(pg_server, pg_template)
    units = seed_demo_org(url)
    settings = Settings(
        database_url=url, jwt_secret="test-secret-" + "x" * 20, **province_settings("46")
    )
    with TestClient(create_app(settings)) as client:
        tokens: dict[str, dict[str, str]] = {}
        for user in EVERYONE:
            r = client.post(
                "/api/v1/auth/token", data={"username": user, "password": DEMO_PASSWORD}
            )
            tokens[user] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        flow = Flow(client, lambda u: tokens[u])
        cards = [make_card_sql(url, units["U460001"]) for _ in range(5)]  # the 5th: unpublished
        draft = flow.create(card_ids=[cards[0]])
        review = flow.create(card_ids=[cards[1]])
        flow.ok("hd_jb", review["id"], "submit")
        flow.final(flow.create(card_ids=[cards[2]], scope="province"))
        flow.final(flow.create(card_ids=[cards[3]], scope="unit"))
        rows = flow.plaza("hd_jb", plaza="adjust")["items"]
        by_scope = {r["scope"]: r["id"] for r in rows}
        yield {
            "client": client, "tokens": tokens, "draft": draft["id"], "review": review["id"],
            "listed": by_scope["province"], "unit_listed": by_scope["unit"],
            "our_unit": units["U460001"],
        }  # fmt: skip


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return int(value.format(**ids)) if value.startswith("{") else value.format(**ids)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


# allowed mutations (None in the table) would change the shared scenario: the workflow
# tests exercise them on databases of their own
MATRIX = [
    pytest.param(case, user, 401 if user == ANON else case.expect.get(user, case.default),
                 id=f"{case.name}-{user}")
    for case in CASES
    for user in (*EVERYONE, ANON)
    if user == ANON or case.expect.get(user, case.default) is not None
]  # fmt: skip


@pytest.mark.parametrize(("case", "user", "expected"), MATRIX)
def test_authorisation_matrix(scene: dict[str, Any], case: Case, user: str, expected: int) -> None:
    ids = {k: scene[k] for k in ("draft", "review", "listed", "unit_listed", "our_unit")}
    headers = scene["tokens"].get(user, {})
    r = scene["client"].request(
        case.method, "/api/v1" + case.path.format(**ids), headers=headers,
        json=_fill(case.body, ids), params=_fill(case.params, ids),
    )  # fmt: skip
    assert r.status_code == expected, (user, r.text)
    if r.status_code >= 400:
        assert r.json()["error"]["code"]


@pytest.mark.parametrize("user", [u for u in EVERYONE if u not in OWN])
def test_other_units_never_see_our_bills_in_queries(scene: dict[str, Any], user: str) -> None:
    headers = scene["tokens"][user]
    me = scene["client"].get("/api/v1/me", headers=headers).json()
    items = scene["client"].get("/api/v1/bills", headers=headers).json()["items"]
    assert all(b["unit_id"] == me["unit_id"] for b in items)
    assert all(b["unit_name"] != "海南大学" for b in items)


@pytest.mark.parametrize("user", [u for u in OPERATORS if u not in OWN])
def test_other_units_never_see_our_listings_or_cards_in_manage_lists(
    scene: dict[str, Any], user: str
) -> None:
    headers = scene["tokens"][user]
    client = scene["client"]
    mine = client.get("/api/v1/my-listings", params={"plaza": "adjust"}, headers=headers).json()
    assert all(r["unit_name"] != "海南大学" for r in mine["items"])
    picker = client.get(
        "/api/v1/eligible-cards", params={"kind": "adjust", "bill_id": scene["draft"]},
        headers=headers,
    ).json()  # fmt: skip
    assert picker["total"] == 0  # only our unit has cards; naming our draft reveals none


@pytest.mark.parametrize("user", [u for u in EVERYONE if u not in (*OWN, "jyt_sh", *FINANCE)])
def test_other_units_never_see_our_omissions(scene: dict[str, Any], user: str) -> None:
    r = scene["client"].get(
        "/api/v1/omissions", params={"unit_id": scene["our_unit"]},
        headers=scene["tokens"][user],
    )  # fmt: skip
    assert r.json()["total"] == 0
    mine = scene["client"].get("/api/v1/omissions", headers=scene["tokens"]["hd_sh"]).json()
    assert mine["total"] == 1  # what they do not see is there
    assert r.json()["units"] == [] or all(u["unit_name"] != "海南大学" for u in r.json()["units"])
