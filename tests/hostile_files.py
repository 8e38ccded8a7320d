"""Small XLSX files that cost a reader far more than they weigh: zip bombs and far cells."""

import io
import zipfile

import openpyxl

SHEET = "xl/worksheets/sheet1.xml"
SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_END = b"</sheetData></worksheet>"


def workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_sheet(content: bytes, sheet_xml: bytes) -> bytes:
    """`content` (an XLSX) with its first sheet replaced by `sheet_xml`, deflated."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(buffer, "w") as target:
        for entry in source.infolist():
            data = sheet_xml if entry.filename == SHEET else source.read(entry)
            target.writestr(entry.filename, data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def repeated_rows(count: int, cells: bytes = b'<c t="inlineStr"><is><t>x</t></is></c>') -> bytes:
    row = b"<row>" + cells + b"</row>"
    return SHEET_START + row * count + SHEET_END


def inflated(content: bytes, unpacked_bytes: int) -> bytes:
    """A sheet of `unpacked_bytes` of identical rows: a few tens of KB once packed."""
    row_bytes = len(repeated_rows(1)) - len(SHEET_START) - len(SHEET_END)
    return with_sheet(content, repeated_rows(unpacked_bytes // row_bytes))


def far_cells(content: bytes, rows: int) -> bytes:
    """Rows with one cell in the sheet's last column (XFD): a reader fills 16,384 per row."""
    sheet = b"".join(
        b'<row r="%d"><c r="A%d"><v>1</v></c><c r="XFD%d"><v>1</v></c></row>' % (n, n, n)
        for n in range(1, rows + 1)
    )
    return with_sheet(content, SHEET_START + sheet + SHEET_END)


def far_row(content: bytes, row_number: int = 1_000_000) -> bytes:
    """One cell far down: a reader yields an empty row for every row above it."""
    sheet = b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (row_number, row_number)
    return with_sheet(content, SHEET_START + sheet + SHEET_END)


def many_parts(content: bytes, count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(buffer, "w") as target:
        for entry in source.infolist():
            target.writestr(entry.filename, source.read(entry), zipfile.ZIP_DEFLATED)
        for number in range(count):
            target.writestr(f"xl/media/part{number}.bin", b"")
    return buffer.getvalue()
