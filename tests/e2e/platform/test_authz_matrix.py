"""Authorisation matrix: EVERY API route × user type × role × own / other unit × own / other
department, from the app's own route table.

``test_every_route_has_an_entry`` reads the routes the app serves: a new route without a
row below fails it, and so does a row for a route that is gone. One scenario is built once
per module on one database (海南大学's cards in 物理学院 and without a department, another
unit's card, a card change, a sensor and its binding, a stocktake, a suggestion, bills and
listings, an MOF batch); each row says which status each demo user (and an anonymous
caller) gets. Probes do not change the scenario: rows whose allowed answer would change it
(``None`` in the table) are left to the workflow tests on databases of their own, and the
allowed mutations that are probed are ones the server refuses after the permission check
(a state conflict, an unreadable upload).

Set ``AUTHZ_OBSERVE=1`` to print what each row answers today instead of asserting it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from assetpulse.localservices import PostgresProcess
from assetpulse.org.seed import USERS, seed_demo_org
from assetpulse.platform.api import create_app
from assetpulse.settings import Settings
from tests.e2e.platform.mofhub import province_settings
from tests.fix_db import _clone
from tests.fix_platform import Flow, make_card_sql

PREFIX = "/api/v1"
EVERYONE = tuple(u.username for u in USERS)
ANON = "anonymous"
CALLERS = (*EVERYONE, ANON)
_by_type = {u.username: u for u in USERS}


def _who(pred: Any) -> tuple[str, ...]:
    return tuple(u.username for u in USERS if pred(u))


# the groups the rows speak of: user type (002 finance / 003), role, unit, department
FINANCE = _who(lambda u: u.user_type == "002")  # 财政部门用户
OWN = _who(lambda u: u.unit == "U460001")  # 海南大学, whose things the scenario holds
OWN_DEPT = ("hd_wl",)  # 物理学院, the card's department
OTHER_DEPT = ("hd_hq",)  # 后勤处 of the same unit
COMPETENT = ("jyt_sh",)  # 教育厅, 海南大学's competent department
OPERATORS = _who(lambda u: "operator" in u.roles)
ADMINS = _who(lambda u: "admin" in u.roles)
OVERSIGHT = (*FINANCE, *COMPETENT)  # finance and the competent department above the unit
COMPETENTS = _who(lambda u: u.unit.startswith("C"))
OWN_UNIT_WIDE = _who(lambda u: u.unit == "U460001" and u.department is None)  # not one dept
OWN_UNIT_STAFF = OWN_UNIT_WIDE
HS_STAFF = _who(lambda u: u.unit == "U460002")  # 海南师范大学, the other unit's card
SY_STAFF = _who(lambda u: u.unit == "U460201")
OTHER_UNITS = _who(lambda u: u.unit in ("U460002", "U460201", "C460201"))  # 海师, 三亚
UNIT_STAFF = _who(lambda u: u.unit.startswith("U") and u.department is None)
UNIT_OPERATORS = _who(lambda u: u.unit.startswith("U") and "operator" in u.roles)
ADMIN_OPERATORS = _who(lambda u: u.unit.startswith("U") and {"admin", "operator"} <= set(u.roles))
OUR_ADMINS = _who(lambda u: "admin" in u.roles and u.unit in ("U460001", "F460000"))
OUR_OPERATORS = _who(lambda u: "operator" in u.roles and u.unit == "U460001")


def by(users: tuple[str, ...] | list[str], status: int | None) -> dict[str, int | None]:
    return dict.fromkeys(users, status)


@dataclass(frozen=True)
class Case:
    method: str
    route: str  # the route's path template, as the app declares it (without /api/v1)
    name: str
    expect: dict[str, int | None]
    default: int | None
    ids: dict[str, str] = field(default_factory=dict)  # path parameter → scenario key
    body: Any = None
    params: dict[str, Any] = field(default_factory=dict)
    files: dict[str, Any] | None = None
    content: bytes | None = None
    form: dict[str, str] | None = None

    def status(self, user: str) -> int | None:
        if user == ANON:
            return self.expect.get(ANON, 401)
        return self.expect.get(user, self.default)


# what each path parameter names unless a row says otherwise
DEFAULT_IDS = {
    "card_id": "card_wl", "photo_id": "photo_wl", "change_id": "change", "sensor_id": "sensor",
    "task_id": "task", "suggestion_id": "suggestion", "bill_id": "review",
    "listing_id": "listed", "report_id": "report", "unit_id": "our_unit",
    "user_id": "user_hq", "disposal_id": "disposal",
}  # fmt: skip
NOT_AN_IMAGE = {"file": ("x.jpg", b"not an image", "image/jpeg")}
NOT_A_SHEET = {"file": ("x.xlsx", b"not a sheet", "application/vnd.ms-excel")}
TOMORROW = (dt.date.today() + dt.timedelta(days=30)).isoformat()
USAGE = {"from": "2026-01-01T00:00:00+08:00", "to": "2026-01-08T00:00:00+08:00"}
CHECK_NEED = {"acquisition": "buy", "category_code": "A02010105", "quantity": 1,
              "needed_on": TOMORROW}  # fmt: skip
CHECK = {"check_id": "check"}
CHECK_READERS = (*OWN, *OVERSIGHT)  # its unit, the competent department, finance
BOOKING = {"booking_id": "booking"}
BOOKING_SIDES = (*OWN, *HS_STAFF)  # 海大 lends, 海师 borrows
_SOON = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
BOOKING_PERIOD = {"start": _SOON.isoformat(), "end": (_SOON + dt.timedelta(days=1)).isoformat(),
                  "purpose": "教学"}  # fmt: skip

CASES: list[Case] = [
    # --- org: sign-in, the caller, reference data, administration
    # public by design: who calls does not matter (and wrong passwords would throttle)
    Case(
        "POST",
        "/auth/token",
        "login with a wrong password",
        {ANON: 401},
        None,
        form={"username": "hd_jb", "password": "wrong-password"},
    ),
    Case(
        "POST",
        "/auth/password",
        "password change, wrong current",
        {ANON: 422},
        None,
        body={"username": "hd_jb", "current_password": "wrong", "new_password": "x" * 12},
    ),
    Case("POST", "/auth/logout", "logout ends the caller's tokens", {}, None),
    Case("GET", "/me", "who am I", {}, 200),
    Case("GET", "/users", "users of my scope", {**by([*FINANCE, *COMPETENTS], 403)}, 200),
    Case("GET", "/regions", "regions", {}, 200),
    Case("GET", "/units", "units", {}, 200),
    Case("GET", "/categories", "categories", {}, 200),
    Case("GET", "/categories/status", "category tables status", {}, 200),
    Case(
        "POST",
        "/categories/import",
        "category table upload",
        {"cz_gly": 422},
        403,
        files=NOT_A_SHEET,
    ),
    Case(
        "POST",
        "/categories/map-2010/import",
        "2010 map upload",
        {"cz_gly": 422},
        403,
        files=NOT_A_SHEET,
    ),
    Case("GET", "/admin/units", "admin: units", {**by(ADMINS, 200)}, 403),
    Case(
        "POST",
        "/admin/units",
        "admin: new unit",
        {**by(ADMINS, None)},
        403,
        body={"code": "U469999", "name": "新单位", "kind": "unit", "region_code": "460100"},
    ),
    Case(
        "PATCH",
        "/admin/units/{unit_id}",
        "admin: our unit",
        {"hs_jb": 404, **by(OUR_ADMINS, None)},
        403,
        body={"phone": "1"},
    ),
    Case("GET", "/admin/users", "admin: users", {**by(ADMINS, 200)}, 403),
    Case(
        "POST",
        "/admin/users",
        "admin: new user",
        {**by(ADMINS, None)},
        403,
        body={
            "username": "new_u",
            "display_name": "新",
            "unit_id": "{our_unit}",
            "user_type": "003",
        },
    ),
    Case(
        "PATCH",
        "/admin/users/{user_id}",
        "admin: a user of ours",
        {"hs_jb": 404, **by(OUR_ADMINS, None)},
        403,
        body={"phone": "1"},
    ),
    Case(
        "POST",
        "/admin/users/{user_id}/deactivate",
        "admin: deactivate",
        {"hs_jb": 404, **by(OUR_ADMINS, None)},
        403,
    ),
    Case(
        "POST",
        "/admin/users/{user_id}/activate",
        "admin: activate",
        {"hs_jb": 404, **by(OUR_ADMINS, None)},
        403,
    ),
    Case(
        "POST",
        "/admin/users/{user_id}/reset-password",
        "admin: reset password",
        {"hs_jb": 404, **by(OUR_ADMINS, None)},
        403,
    ),
    Case("GET", "/admin/audit", "admin: audit", {**by(ADMINS, 200)}, 403),
    Case("GET", "/admin/org-import/template", "admin: import template", {**by(ADMINS, 200)}, 403),
    Case("POST", "/admin/org-import", "admin: import", {**by(ADMINS, 422)}, 403, files=NOT_A_SHEET),
    # --- inventory: cards, photos, changes, labels, disposal, sensors, stocktakes
    Case("GET", "/cards", "card list", {}, 200),
    Case(
        "POST",
        "/cards",
        "new card",
        {**by(UNIT_OPERATORS, 422)},
        403,
        body={"asset_code": "ZC-NEW-1", "name": "新卡片", "category_code": "Z9999999"},
    ),
    Case(
        "POST", "/cards/import", "card import", {**by(ADMIN_OPERATORS, 422)}, 403, files=NOT_A_SHEET
    ),
    Case(
        "GET",
        "/cards/{card_id}",
        "card of our 物理学院",
        {**by([*OTHER_UNITS, *OTHER_DEPT], 404)},
        200,
    ),
    Case(
        "GET",
        "/cards/{card_id}",
        "card of our unit, no department",
        {**by([*OVERSIGHT, *OWN_UNIT_WIDE], 200)},
        404,
        ids={"card_id": "card_nodept"},
    ),
    Case(
        "GET",
        "/cards/{card_id}",
        "card of another unit",
        {**by([*OVERSIGHT, *HS_STAFF], 200)},
        404,
        ids={"card_id": "card_other"},
    ),
    Case(
        "POST",
        "/cards/{card_id}/photos",
        "photo upload, our 物理学院",
        {**by([*OTHER_UNITS, *OTHER_DEPT], 404), "hd_jb": 422},
        403,
        files=NOT_AN_IMAGE,
    ),
    Case(
        "POST",
        "/cards/{card_id}/photos",
        "photo upload, another unit",
        {**by([*OVERSIGHT, "hs_sh"], 403), "hs_jb": 422},
        404,
        ids={"card_id": "card_other"},
        files=NOT_AN_IMAGE,
    ),
    Case(
        "GET",
        "/cards/{card_id}/photos/{photo_id}",
        "photo, our 物理学院",
        {**by([*OTHER_UNITS, *OTHER_DEPT], 404)},
        200,
    ),
    Case("GET", "/card-changes", "card changes", {}, 200),
    Case(
        "POST",
        "/card-changes",
        "propose a change, our 物理学院",
        {**by([*OTHER_UNITS, *OTHER_DEPT], 404), "hd_jb": 409},
        403,
        body={"card_id": "{card_wl}", "changes": {"location": "新位置"}, "card_version": 0},
    ),
    Case(
        "GET",
        "/card-changes/{change_id}",
        "a pending change of ours",
        {**by([*OTHER_UNITS, *OTHER_DEPT], 404)},
        200,
    ),
    Case(
        "POST",
        "/card-changes/{change_id}/approve",
        "approve a change",
        {**by([*OTHER_UNITS, *OTHER_DEPT], 404), "hd_sh": None},
        403,
    ),
    Case(
        "POST",
        "/card-changes/{change_id}/reject",
        "reject a change",
        {**by([*OTHER_UNITS, *OTHER_DEPT], 404), "hd_sh": None},
        403,
        body={"reason": "不符"},
    ),
    Case(
        "POST",
        "/card-changes/{change_id}/withdraw",
        "withdraw a change",
        {**by([*OTHER_UNITS, *OTHER_DEPT], 404), **by(OUR_OPERATORS, None)},
        403,
    ),
    Case(
        "GET",
        "/labels",
        "labels of ours and another unit's",
        by(OVERSIGHT, 200),
        404,
        params={"card_id": ["{card_wl}", "{card_other}"]},
    ),
    Case(
        "POST",
        "/cards/{card_id}/recall",
        "recall, our 物理学院",
        {**by([*OTHER_UNITS, *OTHER_DEPT], 404), "hd_jb": 409},
        403,
        body={"status": "in_use"},
    ),
    Case(
        "POST",
        "/cards/{card_id}/return",
        "return to stock, our 物理学院",
        {**by([*OTHER_UNITS, *OTHER_DEPT], 404), **by(OUR_OPERATORS, None)},
        403,
        body={},
    ),
    Case(
        "POST",
        "/cards/{card_id}/split",
        "split into more than the card holds",
        {**by([*OTHER_UNITS, *OTHER_DEPT], 404), "hd_jb": 422},
        403,
        body={
            "parts": [
                {"asset_code": "ZC-SPLIT-A", "status": "in_use", "quantity": 1},
                {"asset_code": "ZC-SPLIT-B", "status": "in_use", "quantity": 1},
            ]
        },
    ),
    Case(
        "POST",
        "/disposals",
        "dispose, our 物理学院",
        {**by([*OTHER_UNITS, *OTHER_DEPT], 404), **by(OUR_OPERATORS, None)},
        403,
        body={"card_id": "{card_wl}", "method": "scrap"},
    ),
    Case("GET", "/disposals", "disposals in scope and made to us", {}, 200),
    Case(
        "GET",
        "/disposals/{disposal_id}",
        "a pending disposal of ours",
        {**by([*OTHER_UNITS, *OTHER_DEPT], 404)},
        200,
    ),
    Case(
        "POST",
        "/disposals/{disposal_id}/approve",
        "approve a disposal",
        {**by([*OTHER_UNITS, *OTHER_DEPT], 404), "hd_sh": None},
        403,
        body={"document_no": "琼财资〔2026〕1号"},
    ),
    Case(
        "POST",
        "/disposals/{disposal_id}/reject",
        "return a disposal",
        {**by([*OTHER_UNITS, *OTHER_DEPT], 404), "hd_sh": None},
        403,
        body={"note": "不符"},
    ),
    Case(
        "POST",
        "/disposals/{disposal_id}/withdraw",
        "withdraw a disposal",
        {**by([*OTHER_UNITS, *OTHER_DEPT], 404), **by(OUR_OPERATORS, None)},
        403,
    ),
    Case("GET", "/sensors", "sensors", {**by(UNIT_STAFF, 200)}, 403),
    Case(
        "POST",
        "/sensors",
        "register a sensor already there",
        {**by(["hd_jb", "hs_jb", "sy_jb"], 409)},
        403,
        body={"sensor_id": "S-AUTHZ-1", "kind": "temp"},
    ),
    Case(
        "GET",
        "/sensors/{sensor_id}/bindings",
        "a sensor's bindings",
        {**by(OWN_UNIT_STAFF, 200), **by([*HS_STAFF, *SY_STAFF], 404)},
        403,
    ),
    Case(
        "POST",
        "/sensors/{sensor_id}/bindings",
        "bind to another unit's card",
        {**by(UNIT_OPERATORS, 404)},
        403,
        body={"card_id": "{card_other}"},
    ),
    Case("GET", "/stocktakes", "stocktakes", {}, 200),
    Case(
        "POST",
        "/stocktakes",
        "new stocktake",
        {**by(OPERATORS, None)},
        403,
        body={"title": "新盘点", "deadline": TOMORROW},
    ),
    Case("GET", "/stocktakes/{task_id}", "our stocktake", {**by(OWN_UNIT_STAFF, 200)}, 404),
    Case(
        "GET",
        "/stocktakes/{task_id}/assignments",
        "its assignments",
        {**by(OWN_UNIT_STAFF, 200)},
        404,
    ),
    Case(
        "POST",
        "/stocktakes/{task_id}/assignments",
        "assign",
        {"hd_sh": 403, "hd_jb": 422},
        404,
        body={},
    ),
    Case(
        "POST",
        "/stocktakes/{task_id}/scans",
        "scan",
        {**by(OWN_UNIT_STAFF, None)},
        404,
        body={"scans": [{"code": "NO-SUCH-CODE"}]},
    ),
    Case("GET", "/stocktakes/{task_id}/report", "its report", {**by(OWN_UNIT_STAFF, 200)}, 404),
    Case(
        "POST",
        "/stocktakes/{task_id}/apply",
        "apply",
        {"hd_sh": 403, **by(OUR_OPERATORS, None)},
        404,
    ),
    # 盘盈盘亏处理: the scenario's task is open, so the unit's operator is refused after the
    # permission check (STOCKTAKE_NOT_CLOSED), and so is its reviewer for review
    Case(
        "POST",
        "/stocktakes/{task_id}/discrepancies",
        "record a difference",
        {"hd_sh": 403, "hd_jb": 409},
        404,
        body={"card_id": "{card_wl}", "cause": "使用人不同", "changes": {"location": "实验楼"}},
    ),
    Case(
        "POST",
        "/stocktakes/{task_id}/discrepancies/{discrepancy_id}/propose",
        "propose a resolution",
        {"hd_sh": 403, "hd_jb": 409},
        404,
        ids={"discrepancy_id": "task"},
        body={"cause": "遗失", "document_no": "琼大资〔2026〕1号"},
    ),
    Case(
        "POST",
        "/stocktakes/{task_id}/discrepancies/{discrepancy_id}/approve",
        "approve a resolution",
        {"hd_sh": 409, "hd_jb": 403},
        404,
        ids={"discrepancy_id": "task"},
    ),
    Case(
        "POST",
        "/stocktakes/{task_id}/discrepancies/{discrepancy_id}/reject",
        "return a resolution",
        {"hd_sh": 409, "hd_jb": 403},
        404,
        ids={"discrepancy_id": "task"},
    ),
    # --- monitor
    Case("GET", "/idle-rules", "idle rules", {}, 200),
    Case("GET", "/suggestions", "suggestions", {}, 200),
    Case("GET", "/suggestions/export", "suggestions export", {}, 200),
    Case(
        "GET",
        "/suggestions/{suggestion_id}",
        "suggestion on our 物理学院 card",
        {**by([*OTHER_UNITS, *OTHER_DEPT], 404)},
        200,
    ),
    Case(
        "POST",
        "/suggestions/{suggestion_id}/accept",
        "accept it",
        {**by(["cz_jb", "hs_jb", "sy_jb"], 404), **by(OWN, None)},
        403,
    ),
    Case(
        "POST",
        "/suggestions/{suggestion_id}/dismiss",
        "dismiss it",
        {**by(["cz_jb", "hs_jb", "sy_jb"], 404), **by(OWN, None)},
        403,
        body={"reason": "在用"},
    ),
    Case(
        "GET",
        "/assets/{card_id}/usage",
        "usage of our 物理学院 card",
        {**by([*OTHER_UNITS, *OTHER_DEPT], 404)},
        200,
        params=USAGE,
    ),
    Case(
        "GET",
        "/assets/{card_id}/usage",
        "usage of another unit's card",
        {**by([*OVERSIGHT, *HS_STAFF], 200)},
        404,
        ids={"card_id": "card_other"},
        params=USAGE,
    ),
    Case("GET", "/sensor-health", "sensor health", {}, 200),
    # --- platform: bills and reviews
    Case("GET", "/bills/{bill_id}", "read draft", by(OWN, 200), 404, ids={"bill_id": "draft"}),
    Case("GET", "/bills/{bill_id}", "read submitted", by([*OWN, *COMPETENT], 200), 404),
    Case("GET", "/bills/{bill_id}/progress", "progress", by([*OWN, *COMPETENT], 200), 404),
    Case("GET", "/bills/{bill_id}/audit", "audit", by([*OWN, *COMPETENT], 200), 404),
    Case(
        "PATCH",
        "/bills/{bill_id}",
        "edit draft",
        {**by(OWN, 403), "hd_jb": None},
        404,
        ids={"bill_id": "draft"},
        body={"description": "说明"},
    ),
    Case(
        "DELETE",
        "/bills/{bill_id}",
        "delete draft",
        {**by(OWN, 403), "hd_jb": None},
        404,
        ids={"bill_id": "draft"},
    ),
    Case(
        "POST",
        "/bills/{bill_id}/submit",
        "submit draft",
        {**by(OWN, 403), "hd_jb": None},
        404,
        ids={"bill_id": "draft"},
    ),
    Case(
        "POST",
        "/bills/{bill_id}/cancel-submit",
        "cancel submit",
        {**by([*OWN, *COMPETENT], 403), "hd_jb": None},
        404,
    ),
    Case(
        "POST",
        "/bills/{bill_id}/approve",
        "approve",
        {**by(OWN, 403), "hd_sh": None, "jyt_sh": 409},
        404,
    ),
    Case(
        "POST",
        "/bills/{bill_id}/reject",
        "reject",
        {**by(OWN, 403), "hd_sh": None, "jyt_sh": 409},
        404,
        body={"reason": "不符合"},
    ),
    Case(
        "POST",
        "/bills/{bill_id}/cancel-approval",
        "cancel approval",
        {**by(OWN, 403), "hd_sh": 409, "jyt_sh": 409},
        404,
    ),
    Case("GET", "/bills", "query own bills", {}, 200),
    Case(
        "POST",
        "/bills",
        "publish national demand",
        {**by(UNIT_OPERATORS, None)},
        403,
        body={"kind": "demand", "scope": "national", "title": "需", "demand_type": "share"},
    ),
    Case(
        "POST",
        "/bills",
        "publish local demand",
        {**by(OPERATORS, None)},
        403,
        body={"kind": "demand", "scope": "province", "title": "需", "demand_type": "share"},
    ),
    Case("GET", "/reviews", "review queue", {}, 200, params={"tab": "pending"}),
    # --- platform: plazas, listings, preselection, matching, manage
    Case("GET", "/listings", "plaza", {}, 200, params={"plaza": "adjust"}),
    Case("GET", "/listings/capabilities", "plaza buttons", {}, 200, params={"plaza": "demand"}),
    Case("GET", "/listings/{listing_id}", "province listing", {}, 200),
    Case(
        "GET",
        "/listings/{listing_id}",
        "unit-scope listing",
        by(OWN, 200),
        404,
        ids={"listing_id": "unit_listed"},
    ),
    Case(
        "GET",
        "/listings/{listing_id}/photos/{photo_id}",
        "province listing's photo",
        {},
        200,
        ids={"photo_id": "listed_photo"},
    ),
    Case(
        "GET",
        "/listings/{listing_id}/photos/{photo_id}",
        "unit-scope listing's photo",
        by(OWN, 200),
        404,
        ids={"listing_id": "unit_listed", "photo_id": "unit_photo"},
    ),
    Case("GET", "/listings/{listing_id}/matches", "matches", {}, 200),
    Case(
        "GET",
        "/listings/{listing_id}/preselectors",
        "who preselected it",
        {**by(OUR_OPERATORS, 200)},
        403,
    ),
    Case(
        "GET",
        "/listings/{listing_id}/notified",
        "demand units told of it",
        {**by(OUR_OPERATORS, 200)},
        403,
    ),
    # 数据看板: the caller's own scope; a department's stocktaker has none
    Case("GET", "/dashboard", "dashboard of my scope", by(OWN_DEPT + OTHER_DEPT, 403), 200),
    Case("GET", "/dashboard/rows", "dashboard drill-down", by(OWN_DEPT + OTHER_DEPT, 403), 200),
    Case("GET", "/dashboard/export", "dashboard export", by(OWN_DEPT + OTHER_DEPT, 403), 200),
    Case("GET", "/notifications", "my unit's notifications", {}, 200),
    Case("POST", "/notifications/read", "mark mine read", {}, 200, body={"ids": [1]}),
    Case("POST", "/listings/{listing_id}/delist", "delist", {**by(OUR_OPERATORS, None)}, 403),
    Case(
        "POST",
        "/listings/{listing_id}/result",
        "register result",
        {**by(OUR_OPERATORS, None)},
        403,
        body={"method": "donation", "counterpart_unit_name": "某单位", "dispose": False},
    ),
    Case(
        "POST",
        "/listings/{listing_id}/result/correct",
        "correct the receiver",
        {"hd_jb": 409},
        403,
        body={"counterpart_unit_name": "某单位"},
    ),
    Case(
        "GET", "/listings/export", "export", {}, 200, params={"ids": ["{listed}"], "format": "csv"}
    ),
    Case("GET", "/preselections", "preselections", {}, 200),
    Case(
        "POST",
        "/preselections",
        "preselect unit-scope",
        {**by(OWN, None)},
        404,
        body={"listing_ids": ["{unit_listed}"]},
    ),
    Case("DELETE", "/preselections/{listing_id}", "remove a preselection", {}, None),
    Case("GET", "/my-listings", "my listings", {}, 200, params={"plaza": "adjust"}),
    Case(
        "GET", "/eligible-cards", "card picker", by(OPERATORS, 200), 403, params={"kind": "adjust"}
    ),
    Case(
        "GET",
        "/eligible-cards",
        "card picker for our draft",
        by(OPERATORS, 200),
        403,
        params={"kind": "adjust", "bill_id": "{draft}"},
    ),
    Case(
        "POST",
        "/attachments",
        "demand attachment upload",
        {**by(OPERATORS, 422)},
        403,
        files={"file": ("x.exe", b"MZ not a document", "application/octet-stream")},
    ),
    Case(
        "GET",
        "/attachments/{token}",
        "attachment by an unknown token",
        {},
        404,
        ids={"token": "bogus_token"},
    ),
    Case("GET", "/omissions", "omissions report", {}, 200),
    Case("GET", "/omissions", "omissions of our unit", {}, 200, params={"unit_id": "{our_unit}"}),
    # --- platform: MOF exchange
    Case("POST", "/mof/reports", "build a batch", by(FINANCE, 409), 403),
    Case("GET", "/mof/reports", "batch history", by(FINANCE, 200), 403),
    Case("GET", "/mof/reports/{report_id}/file", "batch file", by(FINANCE, 200), 403),
    Case("POST", "/mof/feedback", "unsigned feedback", by(FINANCE, 422), 403, content=b"{}"),
    Case("POST", "/mof/national", "unsigned national file", by(FINANCE, 422), 403, content=b"{}"),
    Case("GET", "/mof/batches", "batches with item states", by(FINANCE, 200), 403),
    Case("GET", "/mof/batches/{report_id}", "a batch's items", by(FINANCE, 200), 403),
    # --- platform: 调剂优先核查 (海大's check) and 共享预约 (海师 asks for 海大's asset)
    Case("POST", "/purchase-checks", "run a check", by(OPERATORS, None), 403, body=CHECK_NEED),
    Case("GET", "/purchase-checks", "checks in sight", {}, 200),
    Case("GET", "/purchase-checks/{check_id}", "our check", by(CHECK_READERS, 200), 404, ids=CHECK),
    Case(
        "GET",
        "/purchase-checks/{check_id}/export",
        "its audit export",
        by(CHECK_READERS, 200),
        404,
        ids=CHECK,
    ),
    Case(
        "POST",
        "/purchase-checks/{check_id}/decisions",
        "decide an unknown offer",
        {**by(CHECK_READERS, 403), "hd_jb": 404},
        404,
        ids=CHECK,
        body={"decisions": [{"position": 999, "outcome": "taken"}]},
    ),
    Case(
        "POST",
        "/purchase-checks/{check_id}/attach",
        "attach while offers are open",
        {**by(CHECK_READERS, 403), "hd_jb": 409},
        404,
        ids=CHECK,
        body={"purchase_ref": "CG-1"},
    ),
    Case("GET", "/listings/{listing_id}/bookings", "an adjust listing's calendar", {}, 200),
    Case(
        "POST",
        "/listings/{listing_id}/bookings",
        "book an adjust listing",
        {},
        409,
        body=BOOKING_PERIOD,
    ),
    Case("GET", "/bookings", "our bookings", {}, 200),
    Case("GET", "/bookings/{booking_id}", "a booking", by(BOOKING_SIDES, 200), 404, ids=BOOKING),
    Case(
        "POST",
        "/bookings/{booking_id}/approve",
        "approve",
        {**by(BOOKING_SIDES, 403), "hd_jb": None},
        404,
        ids=BOOKING,
    ),
    Case(
        "POST",
        "/bookings/{booking_id}/decline",
        "decline",
        {**by(BOOKING_SIDES, 403), "hd_jb": None},
        404,
        ids=BOOKING,
        body={"reason": "检修"},
    ),
    Case(
        "POST",
        "/bookings/{booking_id}/cancel",
        "cancel",
        {**by(BOOKING_SIDES, 403), "hs_jb": None},
        404,
        ids=BOOKING,
    ),
    Case(
        "POST",
        "/bookings/{booking_id}/confirm",
        "confirm before approval",
        {**by(BOOKING_SIDES, 409), "hd_sh": 403, "hs_sh": 403},
        404,
        ids=BOOKING,
        body={"step": "handover", "condition_note": "完好"},
    ),
    Case(
        "POST",
        "/bookings/{booking_id}/photos",
        "photo before approval",
        {**by(BOOKING_SIDES, 409), "hd_sh": 403, "hs_sh": 403},
        404,
        ids=BOOKING,
        files=NOT_AN_IMAGE,
    ),
    Case(
        "GET",
        "/bookings/{booking_id}/photos/{photo_id}",
        "a photo not of the booking",
        {},
        404,
        ids=BOOKING,
    ),
]

# served outside /api/v1 or to anyone by design
PUBLIC = {("GET", "/health")}


def _app_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path template) of every operation the app serves under /api/v1, from the
    schema FastAPI builds of its route table (served or not: ``api_docs`` only hides it)."""
    paths = app.openapi()["paths"]
    return {
        (method.upper(), path[len(PREFIX) :])
        for path, ops in paths.items()
        if path.startswith(PREFIX)
        for method in ops
        if method in ("get", "post", "put", "patch", "delete")
    }


@pytest.fixture(scope="module")
def scene(pg_server: PostgresProcess, pg_template: str) -> Iterator[dict[str, Any]]:
    url = _clone(pg_server, pg_template)
    units = seed_demo_org(url)
    settings = Settings(
        database_url=url, jwt_secret="test-secret-" + "x" * 20, **province_settings("46")
    )
    app = create_app(settings)
    with TestClient(app) as client, psycopg.connect(url, autocommit=True) as conn:
        tokens = app.state.tokens
        ids = dict(conn.execute("select username, id from users").fetchall())
        headers = {u: {"Authorization": f"Bearer {tokens.issue(ids[u])}"} for u in EVERYONE}
        flow = Flow(client, lambda u: headers[u])
        cards = [make_card_sql(url, units["U460001"]) for _ in range(5)]  # the 5th: unpublished
        card_wl = make_card_sql(url, units["U460001"], status="in_use")
        conn.execute(
            "update asset_cards set department_id = %s where id = %s",
            (units["D460001-01"], card_wl),
        )
        card_nodept = make_card_sql(url, units["U460001"], status="in_use")
        card_other = make_card_sql(url, units["U460002"], status="in_use")
        photo_wl = conn.execute(
            "select id from card_photos where card_id = %s", (card_wl,)
        ).fetchone()[0]  # type: ignore[index]
        draft = flow.create(card_ids=[cards[0]])
        review = flow.create(card_ids=[cards[1]])
        flow.ok("hd_jb", review["id"], "submit")
        flow.final(flow.create(card_ids=[cards[2]], scope="province"))
        flow.final(flow.create(card_ids=[cards[3]], scope="unit"))
        rows = flow.plaza("hd_jb", plaza="adjust")["items"]
        by_scope = {r["scope"]: r for r in rows}
        change = client.post(
            f"{PREFIX}/card-changes", headers=headers["hd_jb"],
            json={"card_id": card_wl, "changes": {"location": "实验楼201"}},
        )  # fmt: skip
        assert change.status_code == 201, change.text
        disposal = client.post(
            f"{PREFIX}/disposals", headers=headers["hd_jb"],
            json={"card_id": card_wl, "method": "scrap"},
        )  # fmt: skip
        assert disposal.status_code == 201, disposal.text
        # registered to 海大 already: the rows below must not race to claim it first
        conn.execute(
            "insert into sensors (sensor_id, kind, unit_id) values ('S-AUTHZ-1', 'temp', %s)",
            (units["U460001"],),
        )
        conn.execute(
            "insert into sensor_bindings (sensor_id, card_id, valid) values"
            " ('S-AUTHZ-1', %s, tstzrange(now() - interval '1 day', null))",
            (card_wl,),
        )
        task = client.post(f"{PREFIX}/stocktakes", headers=headers["hd_jb"],
                           json={"title": "年度盘点", "deadline": TOMORROW})  # fmt: skip
        assert task.status_code == 201, task.text
        suggestion = conn.execute(
            "insert into suggestions (card_id, unit_id, verdict, action, rule, score, metric,"
            " metric_value, evidence, evidence_zh, evidence_en, window_from, window_to) values"
            " (%s, %s, 'idle', 'adjust', 'office_pc', 0.9, 'on_hours', 0, '{}', '闲置', 'idle',"
            " now() - interval '30 days', now()) returning id",
            (card_wl, units["U460001"]),
        ).fetchone()[0]  # type: ignore[index]
        report = client.post(f"{PREFIX}/mof/reports", headers=headers["cz_jb"])
        check = client.post(f"{PREFIX}/purchase-checks", headers=headers["hd_jb"],
                            json=CHECK_NEED)  # fmt: skip
        assert check.status_code == 201, check.text
        assert check.json()["offers"], check.text
        booking = conn.execute(
            "insert into bookings (booking_no, listing_id, card_id, owner_unit_id,"
            " borrower_unit_id, requested_by, period, purpose) values ('YY-AUTHZ', %s, %s, %s,"
            " %s, %s, tstzrange(now() + interval '1 day', now() + interval '2 days'), '教学')"
            " returning id",
            (
                by_scope["province"]["id"],
                cards[2],
                units["U460001"],
                units["U460002"],
                ids["hs_jb"],
            ),
        ).fetchone()[0]  # type: ignore[index]
        assert report.status_code == 201, report.text
        yield {
            "client": client, "tokens": headers, "draft": draft["id"], "review": review["id"],
            "listed": by_scope["province"]["id"], "unit_listed": by_scope["unit"]["id"],
            "listed_photo": by_scope["province"]["photo_id"],
            "unit_photo": by_scope["unit"]["photo_id"],
            "our_unit": units["U460001"], "card_wl": card_wl, "card_nodept": card_nodept,
            "card_other": card_other, "photo_wl": photo_wl, "change": change.json()["id"],
            "disposal": disposal.json()["id"],
            "sensor": "S-AUTHZ-1", "task": _task_id(task.json()), "suggestion": suggestion,
            "report": report.json()["id"], "user_hq": ids["hd_hq"],
            "routes": _app_routes(app), "bogus_token": "no-such-token",
            "check": check.json()["id"], "booking": booking,
        }  # fmt: skip


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _call(scene: dict[str, Any], case: Case, user: str) -> Any:
    names = {**DEFAULT_IDS, **case.ids}
    path = case.route
    for param, key in names.items():
        path = path.replace("{" + param + "}", str(scene[key]))
    headers = dict(scene["tokens"].get(user, {}))
    kwargs: dict[str, Any] = {"params": _fill(case.params, scene), "headers": headers}
    if case.files is not None:
        kwargs["files"] = case.files
    elif case.form is not None:
        kwargs["data"] = case.form
    elif case.content is not None:
        kwargs["content"] = case.content
        headers["Content-Type"] = "application/x-ndjson"
    elif case.body is not None:
        kwargs["json"] = _fill(case.body, scene)
    return scene["client"].request(case.method, PREFIX + path, **kwargs)


def test_every_route_has_an_entry(scene: dict[str, Any]) -> None:
    table = {(c.method, c.route) for c in CASES}
    served: set[tuple[str, str]] = scene["routes"]
    assert sorted(served - table) == [], "routes without a row in the authorisation matrix"
    assert sorted(table - served) == [], "rows for routes the app no longer serves"


@pytest.mark.parametrize("case", CASES, ids=[f"{c.method} {c.route} {c.name}" for c in CASES])
def test_authorisation_matrix(scene: dict[str, Any], case: Case) -> None:
    observe = bool(os.environ.get("AUTHZ_OBSERVE"))
    callers = [u for u in CALLERS if case.status(u) is not None]  # None: allowed, mutates
    # the callers' requests side by side: the app serves them concurrently, as it would
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = dict(
            zip(callers, pool.map(lambda u: _call(scene, case, u), callers), strict=True)
        )
    observed = {u: r.status_code for u, r in answers.items()}
    if observe:
        common = Counter(observed.values()).most_common(1)[0][0]
        print(f"\nOBSERVED {case.method} {case.route} [{case.name}] default={common}",
              {u: s for u, s in observed.items() if s != common})  # fmt: skip
        return
    wrong = [
        f"{u}: {r.status_code} (expected {case.status(u)}) {r.text[:160]}"
        for u, r in answers.items()
        if r.status_code != case.status(u)
    ]
    assert not wrong, "\n".join(wrong)
    for u, r in answers.items():
        if r.status_code >= 400:
            assert r.json()["error"]["code"], (u, r.text)


@pytest.mark.parametrize("user", [u for u in EVERYONE if u not in OWN])
def test_other_units_never_see_our_bills_in_queries(scene: dict[str, Any], user: str) -> None:
    headers = scene["tokens"][user]
    me = scene["client"].get(f"{PREFIX}/me", headers=headers).json()
    items = scene["client"].get(f"{PREFIX}/bills", headers=headers).json()["items"]
    assert all(b["unit_id"] == me["unit_id"] for b in items)
    assert all(b["unit_name"] != "海南大学" for b in items)


@pytest.mark.parametrize("user", [u for u in OPERATORS if u not in OWN])
def test_other_units_never_see_our_listings_or_cards_in_manage_lists(
    scene: dict[str, Any], user: str
) -> None:
    headers = scene["tokens"][user]
    client = scene["client"]
    mine = client.get(f"{PREFIX}/my-listings", params={"plaza": "adjust"}, headers=headers)
    assert all(r["unit_name"] != "海南大学" for r in mine.json()["items"])
    picker = client.get(
        f"{PREFIX}/eligible-cards", params={"kind": "adjust", "bill_id": scene["draft"]},
        headers=headers,
    ).json()  # fmt: skip
    # naming our draft reveals none of our cards (the other unit's card is in use)
    assert picker["total"] == 0


@pytest.mark.parametrize("user", [u for u in EVERYONE if u not in (*OWN, *COMPETENT, *FINANCE)])
def test_other_units_never_see_our_omissions(scene: dict[str, Any], user: str) -> None:
    r = scene["client"].get(
        f"{PREFIX}/omissions", params={"unit_id": scene["our_unit"]},
        headers=scene["tokens"][user],
    )  # fmt: skip
    assert r.json()["total"] == 0
    mine = scene["client"].get(f"{PREFIX}/omissions", headers=scene["tokens"]["hd_sh"]).json()
    assert mine["total"] == 1  # what they do not see is there
    assert r.json()["units"] == [] or all(u["unit_name"] != "海南大学" for u in r.json()["units"])


def _task_id(progress: dict[str, Any]) -> int:
    return int(progress["stocktake"]["id"])
