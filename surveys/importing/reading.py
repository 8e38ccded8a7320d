"""Reading: bytes of a CSV or XLSX file -> a header and rows of text (one reader for every kind)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from surveys import uploads
from surveys.importing.errors import Unreadable

PANDAS_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


@dataclass
class Table:
    """A sheet as text: the header's cells and the data rows below it.

    `frame` holds the data rows only, every cell stripped text ("" when empty), indexed by the
    row's number in the spreadsheet, its columns numbered from 0 like the header's cells.
    """

    header: list[str]
    frame: pd.DataFrame
    notes: list[str]
    header_row: int = 1

    def head(self, count: int) -> list[tuple[int, list[str]]]:
        """The first `count` data rows as (spreadsheet row, cells)."""
        top = self.frame.head(count)
        return list(zip(top.index.tolist(), top.values.tolist(), strict=True))

    @property
    def rows(self) -> list[tuple[int, list[str]]]:
        return self.head(len(self.frame))


def read_table(content: bytes, sheet: str | None) -> Table:
    if content[:4] == b"PK\x03\x04":
        return _read_xlsx(content, sheet)
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise Unreadable(_("is an old Excel .xls file; save it as .xlsx or CSV and try again"))
    if b"\x00" in content[:4096]:
        raise Unreadable(_("is not a CSV or XLSX file (it holds binary data, e.g. an image)"))
    text, notes = _decode(content)
    if not text.strip():
        raise Unreadable(_("is empty"))
    if text.lstrip().startswith("<"):
        raise Unreadable(_("is not a CSV or XLSX file (it looks like a web page)"))
    return _read_csv(text, notes)


def _decode(content: bytes) -> tuple[str, list[str]]:
    try:
        return content.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1252", "latin-1"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        note = _("The file is not valid UTF-8; it was read as %(encoding)s.")
        return text, [note % {"encoding": encoding}]
    raise Unreadable(_("could not be decoded as text"))


def _separator(text: str) -> str:
    first_line = next(line for line in text.splitlines() if line.strip())
    return max([",", ";", "\t"], key=first_line.count)


def _read_csv(text: str, notes: list[str]) -> Table:
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=_separator(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except pd.errors.ParserError as error:
        raise Unreadable(_csv_problem(str(error))) from error
    except (pd.errors.EmptyDataError, csv.Error) as error:
        raise Unreadable(_("is not a readable CSV file (%(error)s)") % {"error": error}) from None
    return _table_from_frame(frame, notes)


def _csv_problem(message: str) -> str:
    match = PANDAS_FIELDS.search(message)
    if not match:
        return _("is not a readable CSV file (%(error)s)") % {"error": message}
    expected, line, seen = match.groups()
    return _("row %(row)s has %(seen)s cells but the header has %(expected)s") % {
        "row": line,
        "seen": seen,
        "expected": expected,
    }


def _read_xlsx(content: bytes, sheet: str | None) -> Table:
    try:
        uploads.archive_check(io.BytesIO(content), max_unpacked=uploads.IMPORT_MAX_UNPACKED)
        workbook = pd.ExcelFile(io.BytesIO(content), engine="openpyxl")
    except uploads.ContentRefused as refused:
        raise Unreadable(str(refused)) from None
    except Exception as error:  # openpyxl raises many types for a zip that is not a workbook
        raise Unreadable(_("is not a CSV or XLSX file (%(error)s)") % {"error": error}) from None
    if sheet is not None and sheet not in workbook.sheet_names:
        raise Unreadable(
            _('has no sheet "%(sheet)s" (its sheets: %(names)s)')
            % {"sheet": sheet, "names": ", ".join(workbook.sheet_names)}
        )
    try:
        uploads.sheet_rows(workbook.book[sheet or workbook.sheet_names[0]])
    except uploads.ContentRefused as refused:
        raise Unreadable(str(refused)) from None
    except Exception as error:  # a sheet whose XML is damaged
        raise Unreadable(_("is not a CSV or XLSX file (%(error)s)") % {"error": error}) from None
    frame = pd.read_excel(
        workbook, sheet_name=sheet or 0, header=None, dtype=str, keep_default_na=False
    )
    return _table_from_frame(frame, [])


def _stripped(column: pd.Series) -> pd.Series:
    """The column's text without surrounding spaces; each distinct text stripped once."""
    codes, uniques = pd.factorize(column, sort=False)
    stripped = np.array([text.strip() for text in uniques] + [""], dtype=object)
    return pd.Series(stripped[codes], index=column.index, dtype=object)


def _table_from_frame(frame: pd.DataFrame, notes: list[str]) -> Table:
    if frame.empty:
        raise Unreadable(_("is empty"))
    frame = frame.fillna("").astype(str)
    frame = frame.apply(_stripped)
    frame.columns = range(frame.shape[1])
    header = frame.iloc[0].tolist()
    data = frame.iloc[1:]
    data.index = range(2, len(frame) + 1)
    data = data[(data != "").any(axis=1)]
    return Table(header, data, notes)
