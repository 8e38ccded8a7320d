"""Reading: bytes of a CSV or XLSX file -> a header and rows of text (one reader for every kind)."""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from surveys import uploads
from surveys.importing import headers
from surveys.importing.errors import Unreadable

PANDAS_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
YEAR_IN_TITLE = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


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
    sheet: pd.DataFrame | None = None  # every non-blank row, the header's included
    filled: pd.Series | None = None  # the non-empty cells of each row of `sheet`

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


def text_encoding(file, block=1 << 20) -> tuple[str, list[str]]:
    """The encoding a CSV file is read in, as `_decode` decides it, from a binary file read
    block by block (a streamed import never holds the whole file), and the note saying so."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        file.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while data := file.read(block):
                decoder.decode(data)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        finally:
            file.seek(0)
        if encoding == "utf-8-sig":
            return encoding, []
        note = _("The file is not valid UTF-8; it was read as %(encoding)s.")
        return encoding, [note % {"encoding": encoding}]
    raise Unreadable(_("could not be decoded as text"))


def separator_of(text: str) -> str:
    """The separator the table's lines use most (title rows above it may have none)."""
    lines = [line for line in _first_lines(text, 30) if line.strip()]
    return max([",", ";", "\t"], key=lambda sep: max(line.count(sep) for line in lines))


def _first_lines(text: str, count: int) -> list[str]:
    """text.splitlines()[:count], without splitting the rest of a long file."""
    end = -1
    for _line in range(count + 1):
        end = text.find("\n", end + 1)
        if end < 0:
            return text.splitlines()[:count]
    return text[:end].splitlines()[:count]


def _csv_frame(text: str):
    separator = separator_of(text)
    options = {"sep": separator, "header": None, "dtype": object, "keep_default_na": False}
    try:
        return pd.read_csv(io.StringIO(text), skip_blank_lines=False, **options)
    except pd.errors.ParserError as error:
        width = _width_below_title(text, separator)
        if width is None:
            raise Unreadable(_csv_problem(str(error))) from error
        try:  # title rows above the table: read every row as wide as the table's
            return pd.read_csv(
                io.StringIO(text), skip_blank_lines=False, names=range(width), **options
            )
        except pd.errors.ParserError as again:
            raise Unreadable(_csv_problem(str(again))) from again


def _read_csv(text: str, notes: list[str]) -> Table:
    try:
        frame = _csv_frame(text)
    except (pd.errors.EmptyDataError, csv.Error) as error:
        # also from the second reading below title rows (a lone carriage return, for one)
        raise Unreadable(_("is not a readable CSV file (%(error)s)") % {"error": error}) from None
    return _table_from_frame(frame, notes)


def _width_below_title(text: str, separator: str) -> int | None:
    """The width of a table under narrower title rows (most rows are wider than the first),
    else None: then a row wider than the first is an error."""
    widths = [len(row) for row in csv.reader(io.StringIO(text), delimiter=separator) if row]
    if not widths:
        return None
    common = max(set(widths), key=widths.count)
    return max(widths) if common > widths[0] else None


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


def _stripped(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The column's cells as text without surrounding spaces ("" when empty), and which are not
    empty; each distinct cell converted once (an empty cell, NaN, is the factorisation's -1)."""
    codes, uniques = pd.factorize(column, sort=False)
    texts = [str(text).strip() for text in np.asarray(uniques, dtype=object).tolist()] + [""]
    filled = np.array([text != "" for text in texts], dtype=bool)
    return np.array(texts, dtype=object)[codes], filled[codes]


def _table_from_frame(frame: pd.DataFrame, notes: list[str]) -> Table:
    if frame.empty:
        raise Unreadable(_("is empty"))
    index = pd.RangeIndex(1, len(frame) + 1)
    cells, filled = {}, np.zeros(len(frame), dtype=np.int64)
    for position in range(frame.shape[1]):
        cells[position], column_filled = _stripped(frame.iloc[:, position])
        filled += column_filled
    frame = pd.DataFrame(cells, index=index)
    counts = pd.Series(filled, index=index)
    sheet = frame[filled > 0]
    if sheet.empty:
        raise Unreadable(_("is empty"))
    header = frame.iloc[0].tolist()
    data = sheet[sheet.index > 1]
    return Table(header, data, notes, sheet=sheet, filled=counts[filled > 0])


def find_header(table: Table, names) -> None:
    """Move the table's header to where it is: below title rows and blank rows, one row or two
    (a merged header), given the canonical column names of the kind (headers.ALIASES adds their
    other names). Numbering rows under the header are skipped and notes under the table left
    out; the table's notes say which rows were taken."""
    sheet = table.sheet
    if sheet is None or sheet.empty:
        return
    aliases = headers.alias_table(names)
    top = sheet.head(headers.SEARCHED_ROWS)
    position, header, two_rows = headers.find(top.values.tolist(), aliases)
    first_row = int(top.index[position])
    header_row = int(top.index[position + 1]) if two_rows else first_row
    data = sheet[sheet.index > header_row]
    while len(data) and headers.is_numbering(data.iloc[0].tolist()):
        data = data.iloc[1:]
    filled = table.filled.loc[data.index] if table.filled is not None else (data != "").sum(axis=1)
    counts = filled.tolist()
    notes_from = headers.notes_start(counts)
    if notes_from is not None:
        note = _("Rows from %(row)s on are notes under the table and were not imported.")
        table.notes.append(note % {"row": int(data.index[notes_from])})
        data = data.iloc[:notes_from]
    if two_rows:
        note = _("The header is rows %(first)s-%(row)s (two header rows, read as one).")
        table.notes.append(note % {"first": first_row, "row": header_row})
    elif first_row > 1:
        note = _("The header is row %(row)s; the rows above it were skipped.")
        table.notes.append(note % {"row": header_row})
    table.header, table.header_row, table.frame = header, header_row, data
    if "year" in names and not any(aliases.get(headers.normalise(c)) == "year" for c in header):
        _year_from_title(table, sheet[sheet.index < first_row])


def _year_from_title(table: Table, titles: pd.DataFrame) -> None:
    """A sheet of one round often says its year only in its title ("Hasil SPI 2024"): with no
    year column and exactly one year in the rows above the header, every row is of that year."""
    text = " ".join(cell for row in titles.values.tolist() for cell in row if cell)
    years = set(YEAR_IN_TITLE.findall(text))
    if len(years) != 1:
        return
    (year,) = years
    position = max(len(table.header), table.frame.shape[1])
    table.header = [*table.header, *[""] * (position - len(table.header)), "year"]
    table.frame = table.frame.copy()
    table.frame[position] = year
    note = _("The file has no year column; its title says %(year)s, so every row is of %(year)s.")
    table.notes.append(note % {"year": year})
