"""Checking an administrator's GB/T 14885 files row by row (inventory/categories/table.py)."""

from __future__ import annotations

from typing import Any

from assetpulse.inventory.categories.table import (
    CODE_HEADINGS,
    MAP_HEADINGS,
    check_codes,
    check_map,
    map_headings,
)

STORED = {"A02": ("设备", None), "A0201": ("信息化设备", "A02")}


def _rows(*rows: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return [(i, r) for i, r in enumerate(rows, start=2)]


def test_headings_when_official_chinese_names_are_used_map_to_fields() -> None:
    cols = map_headings([" 分类代码 ", "分类名称", "说明", "上级代码"], CODE_HEADINGS)
    assert cols == {0: "code", 1: "name", 3: "parent_code"}
    assert map_headings(["2010版代码", "2010版名称", "2022版代码"], MAP_HEADINGS) == {
        0: "old_code",
        2: "new_code",
    }


def test_codes_when_valid_derive_parents_and_count_added_updated_unchanged() -> None:
    check = check_codes(
        _rows(
            {"code": "a020202", "name": "复印机"},  # child before its parent in the file
            {"code": "A0202", "name": "办公设备", "parent_code": "A02"},
            {"code": "A0201", "name": "信息化设备"},
            {"code": "A02", "name": "设备（通用）"},
            {"code": "A08", "name": "无形资产"},
        ),
        STORED,
    )
    assert check.rejected == []
    parents = {r.code: r.parent_code for r in check.accepted}
    assert parents == {"A02": None, "A08": None, "A0201": "A02", "A0202": "A02",
                       "A020202": "A0202"}  # fmt: skip
    assert [r.code for r in check.accepted][:2] == ["A02", "A08"]  # parents first
    assert (check.added, check.updated, check.unchanged) == (3, 1, 1)


def test_codes_when_rows_are_wrong_report_each_row_and_why() -> None:
    check = check_codes(
        _rows(
            {"code": "A0202", "name": "办公设备"},
            {"code": "A020", "name": "三位数字"},
            {"code": "A0202", "name": "重复"},
            {"code": "A0203", "name": ""},
            {"code": "A0204", "name": "车辆", "parent_code": "A01"},
            {"code": "A0901", "name": "无上级"},
            {"code": "A090101", "name": "上级被拒"},
        ),
        STORED,
    )
    by_row = {p.row: p.problems for p in check.rejected}
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8]
    assert "格式不对" in by_row[3][0]
    assert "在第 2 行已出现" in by_row[4][0]
    assert by_row[5] == ("分类名称为空",)
    assert "应为 A02" in by_row[6][0]
    assert "上级分类 A09 不在文件中" in by_row[7][0]
    assert "第 7 行未通过检查" in by_row[8][0]  # a refused parent takes its children along


def test_map_when_cells_are_numbers_reads_them_and_reports_bad_and_ambiguous_rows() -> None:
    codes = frozenset({"A02010105", "A02010104", "A020102"})
    check = check_map(
        _rows(
            {"old_code": 2010104.0, "new_code": "A02010105"},  # XLSX keeps it as a number
            {"old_code": "2010105", "new_code": "a02010104"},
            {"old_code": "2010601", "new_code": "A020102"},
            {"old_code": "2010601", "new_code": "A020102"},  # the same pair twice: once
            {"old_code": "2010700", "new_code": "A02010104"},
            {"old_code": "2010700", "new_code": "A02010105"},  # one old code, two new ones
            {"old_code": "201070", "new_code": "A0299"},
        ),
        codes,
        {"2010104": "A02010105", "2010105": "A020102"},
    )
    assert check.accepted == {"2010104": "A02010105", "2010105": "A02010104",
                              "2010601": "A020102"}  # fmt: skip
    assert (check.added, check.updated, check.unchanged) == (1, 1, 1)
    assert check.ambiguous == {"2010700": ["A02010104", "A02010105"]}
    [bad] = check.rejected
    assert bad.row == 8
    assert "7 位数字" in bad.problems[0]
    assert "不在分类代码表中" in bad.problems[1]
