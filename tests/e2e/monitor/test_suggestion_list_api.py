"""GET /suggestions as a reviewer uses it at hundreds of assets: filters, sort, pages with
totals, the XLSX export of the same selection, and who sees which units."""

from __future__ import annotations

import io
from typing import Any

import psycopg
import pytest
from openpyxl import load_workbook
from psycopg.types.json import Jsonb

# (name, unit, department, category, verdict, score)
ROWS = [
    ("投影仪 A", "U460001", "D460001-01", "A02010105", "idle", 0.95),
    ("投影仪 B", "U460001", "D460001-01", "A02010105", "under_used", 0.55),
    ("打印机 C", "U460001", "D460001-02", "A02021000", "idle", 0.80),
    ("=HYPERLINK(1)", "U460001", "D460001-02", "A02021000", "under_used", 0.30),
    ("台式机 E", "U460001", None, "A02010105", "idle", 0.70),
    ("海师显微镜", "U460002", "D460002-01", "A02010105", "idle", 0.90),
]


@pytest.fixture
def listed(db_url: str, demo_units: dict[str, int]) -> dict[str, int]:
    """Cards with one open suggestion each (SQL); name → card id."""
    ids: dict[str, int] = {}
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "insert into categories (code, name) values ('A02021000', '打印设备')"
            " on conflict do nothing"
        )
        for i, (name, unit, dept, cat, verdict, score) in enumerate(ROWS):
            row = conn.execute(
                "insert into asset_cards (asset_code, name, category_code, unit_id,"
                " department_id) values (%s, %s, %s, %s, %s) returning id",
                (f"SL-{i:04d}", name, cat, demo_units[unit], demo_units[dept] if dept else None),
            ).fetchone()
            assert row is not None
            ids[name] = int(row[0])
            conn.execute(
                "insert into suggestions (card_id, unit_id, verdict, action, rule, score,"
                " metric, metric_value, evidence, evidence_zh, evidence_en, window_from,"
                " window_to) values (%s, %s, %s, %s, 'desktop', %s, 'usage_hours', 0, %s,"
                " '窗口内累计使用0.0小时', 'idle', '2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z')",
                (
                    ids[name],
                    demo_units[unit],
                    verdict,
                    "adjust" if verdict == "idle" else "share",
                    score,
                    Jsonb({}),
                ),
            )
    return ids


def _names(body: dict[str, Any]) -> list[str]:
    return [s["card_name"] for s in body["items"]]


def test_suggestions_when_filtered_sorted_and_paged_then_page_and_totals_follow(
    api, auth, listed, demo_units, db_url
):
    get = lambda **q: api.get("/api/v1/suggestions", params=q, headers=auth("hd_sh"))  # noqa: E731
    body = get(limit=2).json()
    assert _names(body) == ["投影仪 A", "打印机 C"]  # score, highest first
    assert (body["total"], body["by_verdict"]) == (5, {"idle": 3, "under_used": 2})
    assert _names(get(limit=2, offset=4).json()) == ["=HYPERLINK(1)"]
    past = get(offset=40).json()
    assert (past["items"], past["total"]) == ([], 5)  # past the end: still the totals
    idle = get(verdict="idle", sort="card_name", order="asc").json()
    assert _names(idle) == sorted(["投影仪 A", "打印机 C", "台式机 E"])
    assert idle["by_verdict"] == {"idle": 3, "under_used": 0}
    dept = get(department_id=demo_units["D460001-01"]).json()
    assert _names(dept) == ["投影仪 A", "投影仪 B"]
    assert dept["items"][0]["department_name"] == "物理学院"
    assert _names(get(category="A0202").json()) == ["打印机 C", "=HYPERLINK(1)"]
    assert get(category="A0202").json()["items"][0]["category_name"] == "打印设备"
    assert _names(get(min_score=0.6, max_score=0.9).json()) == ["打印机 C", "台式机 E"]
    assert _names(get(q="投影仪", sort="score", order="asc").json()) == ["投影仪 B", "投影仪 A"]
    assert _names(get(q="sl-0002").json()) == ["打印机 C"]  # the asset code, any case
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "update suggestions set state = 'dismissed' where card_id = %s", (listed["台式机 E"],)
        )
    assert _names(get(state="done").json()) == ["台式机 E"]
    assert get().json()["total"] == 4
    # a unit's reviewer never reaches another unit's suggestions through the unit filter
    assert get(unit_id=demo_units["U460002"]).json()["total"] == 0
    for bad in ({"sort": "evidence_zh"}, {"min_score": 2}, {"category": "x%"}, {"limit": 501}):
        r = get(**bad)
        assert r.status_code == 422, (bad, r.text)


def test_suggestions_when_competent_department_then_its_units_with_unit_filter(
    api, auth, listed, demo_units
):
    r = api.get("/api/v1/suggestions", params={"sort": "unit"}, headers=auth("jyt_sh"))
    assert r.status_code == 200, r.text
    assert r.json()["total"] == 6
    only = api.get(
        "/api/v1/suggestions", params={"unit_id": demo_units["U460002"]}, headers=auth("jyt_sh")
    ).json()
    assert [(s["card_name"], s["unit_name"]) for s in only["items"]] == [
        ("海师显微镜", "海南师范大学")
    ]


def test_export_when_filtered_then_xlsx_of_that_selection_in_beijing_time(api, auth, listed):
    r = api.get(
        "/api/v1/suggestions/export",
        params={"verdict": "under_used", "sort": "score", "order": "asc"},
        headers=auth("hd_sh"),
    )
    assert r.status_code == 200, r.text
    assert "filename*=UTF-8''%E9%97%B2%E7%BD%AE" in r.headers["content-disposition"]  # 闲置…
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    assert head[:4] == ("单位", "使用部门", "资产编号", "资产名称")
    assert [r[3] for r in rows[1:]] == ["=HYPERLINK(1)", "投影仪 B"]
    first = dict(zip(head, rows[1], strict=True))
    assert (first["判定"], first["建议"], first["评分"]) == ("低效使用", "建议共享", 30)
    assert str(first["统计开始（北京时间）"]) == "2026-10-01 08:00:00"
    cell = ws.cell(row=2, column=4)
    assert cell.data_type == "s"  # a card name that looks like a formula stays text
