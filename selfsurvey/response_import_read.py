"""Reading a respondent-level export in chunks, through the shared pipeline's reading.

A CSV is streamed: its encoding and separator are found as `surveys.importing.reading` finds
them (block by block), the header row among the first rows, and pandas reads the used columns
only, `CHUNK_ROWS` rows at a time, numbers as numbers. An XLSX is not streamed: openpyxl reads
it whole (read-only, one pass, through the pipeline's zip-bomb and cell-count checks;
`XLSX_MAX_CELLS` bounds it, about 100,000 cells a second here), then it is handed out in chunks
of the same size. National files belong in CSV.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
from django.utils.translation import gettext as _

from surveys import uploads
from surveys.importing import reading
from surveys.importing.errors import Unreadable
from surveys.importing.headers import SEARCHED_ROWS

CHUNK_ROWS = 50_000
HEAD_BYTES = 256 * 1024  # where the header is looked for
XLSX_MAX_CELLS = 4_000_000  # about 100,000 respondents x 40 items; larger files: CSV
XLSX_MAX_UNPACKED = 400 * 1024 * 1024


@dataclass
class Source:
    """An opened file: its header, where it is, an estimate of its data rows, and its chunks."""

    header: list[str]
    header_row: int
    total_estimate: int
    notes: list[str] = field(default_factory=list)
    reader: object = None  # (positions, text_positions) -> iterator of chunks

    def chunks(self, positions, text_positions) -> Iterator[pd.DataFrame]:
        """The data rows, `positions` only, indexed by spreadsheet row; `text_positions` read as
        text (the rest as numbers where they are numbers). Blank cells are NaN."""
        return self.reader(positions, text_positions)


def open_source(path: Path, headers, sheet=None) -> Source:
    """The file's header (the row of the first SEARCHED_ROWS naming most known columns) and a
    chunk reader; raises Unreadable."""
    with path.open("rb") as handle:
        start = handle.read(8)
    if start[:4] == b"PK\x03\x04":
        return _xlsx_source(path, headers, sheet)
    if start[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise Unreadable(_("is an old Excel .xls file; save it as .xlsx or CSV and try again"))
    return _csv_source(path, headers)


def _header_position(top: list[list[str]], headers) -> int:
    scores = [headers.recognised(row) for row in top]
    return max(range(len(top)), key=lambda i: (scores[i], -i)) if top else 0


def _csv_source(path: Path, headers) -> Source:
    with path.open("rb") as handle:
        if b"\x00" in handle.read(4096):
            raise Unreadable(_("is not a CSV or XLSX file (it holds binary data, e.g. an image)"))
        encoding, notes = reading.text_encoding(handle)
    with path.open(encoding=encoding, newline="") as handle:
        head = handle.read(HEAD_BYTES)
    if not head.strip():
        raise Unreadable(_("is empty"))
    if head.lstrip().startswith("<"):
        raise Unreadable(_("is not a CSV or XLSX file (it looks like a web page)"))
    separator = reading.separator_of(head)
    top = list(itertools.islice(csv.reader(io.StringIO(head), delimiter=separator), SEARCHED_ROWS))
    position = _header_position(top, headers)
    header = [cell.strip() for cell in top[position]]
    header_row = position + 1
    total = max(_line_count(path) - header_row, 0)

    def read(positions, text_positions):
        options = {
            "sep": separator,
            "encoding": encoding,
            "header": None,
            "skiprows": header_row,
            "usecols": sorted(positions),
            "dtype": dict.fromkeys(text_positions, str),
            "keep_default_na": False,
            "na_values": [""],
            "skip_blank_lines": False,
            "chunksize": CHUNK_ROWS,
        }
        try:
            for chunk in pd.read_csv(path, **options):
                chunk.index = chunk.index + header_row + 1
                yield chunk
        except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as error:
            message = _("is not a readable CSV file (%(error)s)") % {"error": error}
            raise Unreadable(message) from None

    return Source(header, header_row, total, notes, read)


def _line_count(path: Path) -> int:
    count, last = 0, b"\n"
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


def _xlsx_source(path: Path, headers, sheet) -> Source:
    rows = _sheet_rows(path, sheet)
    top = [[_text(cell) for cell in row] for row in rows[:SEARCHED_ROWS]]
    position = _header_position(top, headers)
    header = top[position] if top else []
    header_row = position + 1
    data = pd.DataFrame(rows[header_row:], dtype=object)
    data.index = range(header_row + 1, header_row + 1 + len(data))

    def read(positions, text_positions):
        wanted = data.reindex(columns=sorted(positions))
        wanted = wanted.where(wanted.map(_text) != "")  # blank cells as NaN, as in a CSV
        for start in range(0, len(wanted), CHUNK_ROWS):
            yield wanted.iloc[start : start + CHUNK_ROWS]

    return Source(header, header_row, len(data), [], read)


def _sheet_rows(path: Path, sheet) -> list[tuple]:
    """The sheet's rows in one read-only pass, through the pipeline's zip-bomb and cell-count
    checks (reading.read_table reads a sheet twice, and caps it for results files)."""
    content = path.read_bytes()
    try:
        uploads.archive_check(io.BytesIO(content), max_unpacked=XLSX_MAX_UNPACKED)
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        if sheet is not None and sheet not in workbook.sheetnames:
            names = ", ".join(workbook.sheetnames)
            message = _('has no sheet "%(sheet)s" (its sheets: %(names)s)')
            raise Unreadable(message % {"sheet": sheet, "names": names})
        found = workbook[sheet] if sheet else workbook.worksheets[0]
        return uploads.sheet_rows(found, max_cells=XLSX_MAX_CELLS)
    except uploads.ContentRefused as refused:
        raise Unreadable(str(refused)) from None
    except Unreadable:
        raise
    except Exception as error:  # openpyxl raises many types for a zip that is not a workbook
        raise Unreadable(_("is not a CSV or XLSX file (%(error)s)") % {"error": error}) from None


def _text(cell) -> str:
    return "" if cell is None else str(cell).strip()
