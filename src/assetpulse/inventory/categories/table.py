"""Checking a GB/T 14885-2022 code table and a 2010 → 2022 correspondence, row by row.

Pure: rows in (sheet row number, field → cell), a report out. A file loads whole or not at
all: reference data with a hole in it (a child whose parent was refused) would refuse
registers later for reasons nobody could see, so every row's problems are reported and
nothing is written until the file has none. Codes already in the database are never
deleted (cards refer to them); a code in the file updates its name.

GB/T 14885-2022 codes are a letter and two digits per level (A02, A0201, A020101,
A02010105); a code's parent is the code without its last two digits, and a top-level
code (one letter, two digits) has none. 2010-edition codes are seven digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

CODE_2022 = re.compile(r"^[A-Z](?:[0-9]{2}){1,4}$")
CODE_2010 = re.compile(r"^[0-9]{7}$")
MAX_NAME = 200

# heading (normalised: no spaces, lower case) → field; what official and office exports say
CODE_HEADINGS = {
    "code": ("分类代码", "代码", "资产分类代码", "2022版代码", "2022版分类代码", "code"),
    "name": ("分类名称", "名称", "资产分类名称", "2022版名称", "2022版分类名称", "name"),
    "parent_code": ("上级代码", "上级分类代码", "父级代码", "parent_code", "parent"),
}
MAP_HEADINGS = {
    "old_code": ("2010版代码", "2010版分类代码", "旧代码", "原代码", "原分类代码", "old_code"),
    "new_code": ("2022版代码", "2022版分类代码", "新代码", "现代码", "新分类代码", "new_code"),
}


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int
    code: str
    problems: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "code": self.code, "problems": list(self.problems)}


@dataclass(frozen=True, slots=True)
class CodeRow:
    row: int
    code: str
    name: str
    parent_code: str | None


@dataclass
class CodeCheck:
    accepted: list[CodeRow] = field(default_factory=list)
    rejected: list[RowProblem] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class MapCheck:
    accepted: dict[str, str] = field(default_factory=dict)  # old → new
    rejected: list[RowProblem] = field(default_factory=list)
    # old codes the file sends to several 2022 codes: no automatic conversion for them
    ambiguous: dict[str, list[str]] = field(default_factory=dict)
    added: int = 0
    updated: int = 0
    unchanged: int = 0


def _norm(heading: Any) -> str:
    return re.sub(r"\s+", "", str(heading or "")).lower()


def map_headings(heading: Sequence[Any], aliases: Mapping[str, tuple[str, ...]]) -> dict[int, str]:
    """Column index → field for the headings that name one (first column wins)."""
    wanted = {_norm(a): f for f, names in aliases.items() for a in names}
    columns: dict[int, str] = {}
    for i, cell in enumerate(heading):
        f = wanted.get(_norm(cell))
        if f is not None and f not in columns.values():
            columns[i] = f
    return columns


def cell_text(value: Any) -> str:
    """A cell as text: a spreadsheet keeps 2010104 as the number 2010104(.0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\u3000", " ").strip()


def parent_of(code: str) -> str | None:
    return code[:-2] if len(code) > 3 else None


def _code_problem(code: str) -> str | None:
    if not code:
        return "分类代码为空"
    if not CODE_2022.match(code):
        return f"分类代码“{code}”格式不对：应为一个大写字母加 2、4、6 或 8 位数字（如 A02010105）"
    return None


def check_codes(
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    existing: Mapping[str, tuple[str, str | None]],
) -> CodeCheck:
    """The code table's rows against themselves and the codes already stored
    (code → (name, parent))."""
    out = CodeCheck()
    seen: dict[str, int] = {}
    candidates: list[tuple[CodeRow, list[str]]] = []
    for row, values in rows:
        code = cell_text(values.get("code")).upper()
        name = cell_text(values.get("name"))
        given_parent = cell_text(values.get("parent_code")).upper() or None
        problems: list[str] = []
        if (p := _code_problem(code)) is not None:
            problems.append(p)
        if not name:
            problems.append("分类名称为空")
        elif len(name) > MAX_NAME:
            problems.append(f"分类名称超过 {MAX_NAME} 个字")
        if code in seen:
            problems.append(f"分类代码 {code} 在第 {seen[code]} 行已出现")
        elif code:
            seen[code] = row
        parent = parent_of(code) if CODE_2022.match(code) else None
        if given_parent is not None and CODE_2022.match(code) and given_parent != parent:
            expected = parent or "（无，顶级分类）"
            problems.append(f"上级代码“{given_parent}”与分类代码不符，应为 {expected}")
        candidates.append((CodeRow(row, code, name, parent), problems))
    # parents before children: a child stands only if its parent does (in file or stored)
    good: set[str] = set()
    for code_row, problems in sorted(candidates, key=lambda c: (len(c[0].code), c[0].row)):
        parent = code_row.parent_code
        if not problems and parent is not None and parent not in good and parent not in existing:
            where = f"（第 {seen[parent]} 行未通过检查）" if parent in seen else ""
            problems.append(f"上级分类 {parent} 不在文件中，也不在已有分类中{where}")
        if problems:
            out.rejected.append(RowProblem(code_row.row, code_row.code, tuple(problems)))
        else:
            good.add(code_row.code)
            out.accepted.append(code_row)
            before = existing.get(code_row.code)
            if before is None:
                out.added += 1
            elif before != (code_row.name, code_row.parent_code):
                out.updated += 1
            else:
                out.unchanged += 1
    out.rejected.sort(key=lambda p: p.row)
    return out


def check_map(
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    codes_2022: frozenset[str],
    existing: Mapping[str, str],
) -> MapCheck:
    """The correspondence's rows against the 2022 codes stored (load the code table first)
    and the correspondences stored (old → new)."""
    out = MapCheck()
    targets: dict[str, list[str]] = {}
    for row, values in rows:
        old = cell_text(values.get("old_code"))
        new = cell_text(values.get("new_code")).upper()
        problems: list[str] = []
        if not CODE_2010.match(old):
            problems.append(f"2010 版代码“{old}”格式不对：应为 7 位数字（如 2010104）")
        if (p := _code_problem(new)) is not None:
            problems.append(p.replace("分类代码", "2022 版代码", 1))
        elif new not in codes_2022:
            problems.append(f"2022 版代码 {new} 不在分类代码表中，请先导入官方代码表")
        if problems:
            out.rejected.append(RowProblem(row, old, tuple(problems)))
            continue
        if new not in targets.setdefault(old, []):
            targets[old].append(new)
    for old, news in targets.items():
        if len(news) > 1:
            out.ambiguous[old] = news
            continue
        out.accepted[old] = news[0]
        before = existing.get(old)
        if before is None:
            out.added += 1
        elif before != news[0]:
            out.updated += 1
        else:
            out.unchanged += 1
    return out
