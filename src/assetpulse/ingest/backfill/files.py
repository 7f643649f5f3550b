"""Rows of a logger export, streamed: CSV by the ``csv`` module, XLSX by openpyxl's
read-only mode, so a file of millions of rows is read in bounded memory, twice (the
importer checks the whole file before it writes a row); an XLSX file's second pass reads
a temporary copy.

CSV: UTF-8 with or without BOM, or GBK/GB18030 as older Chinese office software writes it;
comma, semicolon or tab separated (sniffed from the start). XLSX: the first sheet.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import pickle
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from openpyxl import load_workbook

from assetpulse.ingest.backfill import errors

_CHUNK = 1 << 20
_SNIFF = 8192
# a cell longer than this is no reading (the csv module's own default is 128 KiB)
csv.field_size_limit(1 << 20)


class TableFile:
    """One file's identity (content hash), format and a way to stream its rows again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise errors.unsupported_format(self.name)
        self.kind = suffix[1:]
        self._spool: IO[bytes] | None = None  # XLSX rows after a first complete read
        self.sha256, self.encoding = self._scan()

    def _scan(self) -> tuple[str, str]:
        """Hash the bytes and, for CSV, tell UTF-8 from GB18030, in one pass."""
        digest = hashlib.sha256()
        utf8 = codecs.getincrementaldecoder("utf-8")()
        is_utf8 = True
        try:
            with self.path.open("rb") as f:
                while chunk := f.read(_CHUNK):
                    digest.update(chunk)
                    if is_utf8 and self.kind == "csv":
                        try:
                            utf8.decode(chunk)
                        except UnicodeDecodeError:
                            is_utf8 = False
        except OSError as exc:
            raise errors.unreadable(self.name, exc.strerror or str(exc)) from exc
        if is_utf8 and self.kind == "csv":
            try:
                utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                is_utf8 = False
        return digest.hexdigest(), "utf-8-sig" if is_utf8 else "gb18030"

    def rows(self) -> Iterator[list[Any]]:
        """Every row, heading first, as a list of cell values."""
        if self.kind == "csv":
            yield from self._csv_rows()
        elif self._spool is not None:
            yield from self._spooled_rows(self._spool)
        else:
            yield from self._xlsx_rows_spooling()

    def __enter__(self) -> TableFile:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()
            self._spool = None

    def _xlsx_rows_spooling(self) -> Iterator[list[Any]]:
        """openpyxl spends ~100 µs a cell: the first complete read also writes the rows
        to a temporary file (pickled, our own data) that later passes read instead."""
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - kept open for the next pass
        try:
            for row in self._xlsx_rows():
                pickle.dump(row, spool, protocol=pickle.HIGHEST_PROTOCOL)
                yield row
        except BaseException:
            spool.close()
            raise
        if self._spool is None:
            self._spool = spool
        else:
            spool.close()

    @staticmethod
    def _spooled_rows(spool: IO[bytes]) -> Iterator[list[Any]]:
        spool.seek(0)
        while True:
            try:
                row: list[Any] = pickle.load(spool)  # noqa: S301 - written by this process
            except EOFError:
                return
            yield row

    def _csv_rows(self) -> Iterator[list[Any]]:
        try:
            with self.path.open(encoding=self.encoding, newline="") as f:
                start = f.read(_SNIFF)
                try:
                    dialect: Any = csv.Sniffer().sniff(start, delimiters=",;\t")
                except csv.Error:
                    dialect = csv.excel
                f.seek(0)  # the utf-8-sig decoder is reset and drops the BOM again
                yield from csv.reader(f, dialect)
        except UnicodeDecodeError as exc:
            raise errors.bad_encoding(self.name) from exc
        except csv.Error as exc:
            raise errors.unreadable(self.name, f"CSV 格式错误：{exc}") from exc
        except OSError as exc:
            raise errors.unreadable(self.name, exc.strerror or str(exc)) from exc

    def _xlsx_rows(self) -> Iterator[list[Any]]:
        try:
            wb = load_workbook(self.path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise errors.unreadable(self.name, "不是有效的 Excel 2007+（.xlsx）文件") from exc
        try:
            if not wb.worksheets:
                return
            for row in wb.worksheets[0].iter_rows(values_only=True):
                yield list(row)
        finally:
            wb.close()
