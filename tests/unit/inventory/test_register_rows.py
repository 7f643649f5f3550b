"""Register import rows (pure): headings, value parsing, Chinese reasons, 2010 codes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from assetpulse.inventory.register.readers import data_rows, read_table
from assetpulse.inventory.register.rows import Reference, check_register, check_row, map_headings

REF = Reference(
    categories=frozenset({"A02010105", "A02010104", "A0501"}),
    map_2010={"2010104": "A02010105"},
    departments={"D460001-01": 11, "物理学院": 11},
    users={"hd_wl": 7, "物理学院资产员": 7},
)


def test_headings_in_chinese_map_to_fields_and_unknown_are_reported() -> None:
    columns, unknown = map_headings(["资产编号", "资产名称", "资产分类代码", "备注", None, "数量"])
    assert columns == {0: "asset_code", 1: "name", 2: "category_code", 5: "quantity"}
    assert unknown == ["备注"]


def test_good_row_becomes_card_values() -> None:
    card, problems = check_row(
        {
            "asset_code": "hd-2024-001",
            "name": "台式机",
            "category_code": "2010104",
            "department": "物理学院",
            "user": "hd_wl",
            "status": "闲置",
            "shareable": "是",
            "original_value": "5,800.00",
            "acquired_on": datetime(2024, 3, 1),
        },
        REF,
    )
    assert problems == []
    assert card["asset_code"] == "HD-2024-001"
    assert card["category_code"] == "A02010105"
    assert (card["department_id"], card["user_id"], card["status"]) == (11, 7, "idle")
    assert card["shareable"] is True
    assert card["original_value"] == Decimal("5800.00")
    assert card["acquired_on"] == date(2024, 3, 1)
    assert card["quantity"] == Decimal(1)


def test_bad_row_gets_every_reason_in_chinese() -> None:
    _, problems = check_row(
        {
            "asset_code": "bad code!",
            "name": "",
            "category_code": "9999999",
            "department": "不存在部门",
            "status": "报废",
            "shareable": "也许",
            "original_value": "abc",
            "acquired_on": "2024年3月",
        },
        REF,
    )
    text = "；".join(problems)
    for needle in (
        "缺少资产名称",
        "格式不对",
        "9999999",
        "不存在部门",
        "资产状态",
        "是否共享共用",
        "原值",
        "取得日期",
    ):
        assert needle in text, needle


def test_duplicates_in_file_and_on_books_are_refused() -> None:
    rows = [
        (2, {"asset_code": "H1", "name": "a", "category_code": "A0501"}),
        (3, {"asset_code": "HD-0002", "name": "b", "category_code": "A0501"}),
        (4, {"asset_code": "HD-0002", "name": "c", "category_code": "A0501"}),
        (5, {"asset_code": "HD-0009", "name": "d", "category_code": "A0501"}),
    ]
    check = check_register(rows, REF, existing=frozenset({"HD-0009"}))
    assert [r for r, _ in check.accepted] == [3]
    assert {r.row: r.reasons[0][:8] for r in check.rejected}.keys() == {2, 4, 5}
    assert "第 3 行重复" in check.rejected[1].reasons[0]


def test_csv_with_bom_and_gbk_read_alike() -> None:
    text = "资产编号,资产名称,资产分类代码\nHD-0001,台式机,A02010105\n,,\n"
    for data in (text.encode("utf-8-sig"), text.encode("gbk"), text.encode("utf-8")):
        table = read_table(data)
        columns, _ = map_headings(table[0])
        rows = list(data_rows(table, columns))
        assert rows == [
            (2, {"asset_code": "HD-0001", "name": "台式机", "category_code": "A02010105"})
        ]
