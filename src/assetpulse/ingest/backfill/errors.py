"""Errors of a backfill import: a file refused whole (nothing stored), or a database lost.

Stable codes (clients and scripts switch on them), messages in Chinese for the person who
exported the file. Each names what to fix: the column, the rows (the first few, counting
the heading as row 1 as a spreadsheet does), the expected form.
"""

from __future__ import annotations

from collections.abc import Sequence

from assetpulse.errors import ErrorKind
from assetpulse.ingest.errors import IngestError

EXAMPLE_TIME = "2015-02-04T17:51:00+01:00"


class BackfillError(IngestError):
    """An import refused (the file, before anything is written) or cut short (the database)."""


def _rows(rows: Sequence[int], total: int) -> str:
    shown = "、".join(str(r) for r in rows)
    return f"第 {shown} 行" + (f"等共 {total} 行" if total > len(rows) else "")


def unsupported_format(name: str) -> BackfillError:
    return BackfillError(
        "IMPORT_UNSUPPORTED_FORMAT",
        f"无法导入 {name}：只支持 .csv 和 .xlsx 文件。",
        file=name,
    )


def unreadable(name: str, why: str) -> BackfillError:
    return BackfillError(
        "IMPORT_FILE_UNREADABLE", f"无法读取文件 {name}：{why}", file=name, why=why
    )


def bad_encoding(name: str) -> BackfillError:
    return BackfillError(
        "IMPORT_BAD_ENCODING",
        f"CSV 文件 {name} 的编码无法识别，请另存为 UTF-8（或 GBK）编码。",
        file=name,
    )


def empty_file(name: str) -> BackfillError:
    return BackfillError(
        "IMPORT_EMPTY_FILE",
        f"文件 {name} 没有数据行：第 1 行须为列名，从第 2 行起每行一条读数。",
        file=name,
    )


def bad_columns(name: str, problem: str, *, required: Sequence[str]) -> BackfillError:
    return BackfillError(
        "IMPORT_BAD_COLUMNS",
        f"文件 {name} 的列名不对：{problem}。第 1 行须包含 {', '.join(required)}，"
        "其余列只能是该类传感器的取值字段（见 docs/telemetry.md 第 6 节）。",
        file=name,
        problem=problem,
    )


def too_many_cells(name: str, rows: Sequence[int], total: int) -> BackfillError:
    return BackfillError(
        "IMPORT_BAD_ROW",
        f"文件 {name} {_rows(rows, total)}的单元格比列名多，请检查分隔符或引号。",
        file=name,
        rows=list(rows),
        total=total,
    )


def bad_time(name: str, rows: Sequence[int], total: int, example: str) -> BackfillError:
    return BackfillError(
        "IMPORT_BAD_TIME",
        f"文件 {name} {_rows(rows, total)}的 time 列无法识别（如 {example!r}）：须为带时区"
        f"偏移的 ISO-8601 时间，如 {EXAMPLE_TIME}，或 Unix 毫秒数。Excel 的日期单元格不带"
        "时区，请把 time 列存为文本。",
        file=name,
        rows=list(rows),
        total=total,
    )


def bad_kind(name: str, rows: Sequence[int], total: int, example: str) -> BackfillError:
    return BackfillError(
        "IMPORT_BAD_KIND",
        f"文件 {name} {_rows(rows, total)}的 kind 列不是 photo、temp 或 loc（如 {example!r}）。",
        file=name,
        rows=list(rows),
        total=total,
    )


def bad_max_age(days: int, low: int, high: int) -> BackfillError:
    return BackfillError(
        "IMPORT_BAD_MAX_AGE",
        f"--max-age-days 须为 {low} 到 {high} 之间的整数，收到 {days}。",
        kind=ErrorKind.INVALID,
        days=days,
    )


def store_unavailable(name: str, why: str, committed_to_row: int) -> BackfillError:
    done = (
        f"第 {committed_to_row} 行及之前的行已存入，其后的行未写入"
        if committed_to_row
        else "未写入任何行"
    )
    return BackfillError(
        "IMPORT_DATABASE_UNAVAILABLE",
        f"导入 {name} 时无法连接数据库或连接中断（{why}）：{done}。"
        "数据库恢复后重新导入同一文件即可补齐，已存的读数不会重复。",
        kind=ErrorKind.UNAVAILABLE,
        file=name,
        committed_to_row=committed_to_row,
    )
