"""Tables as CSV or XLSX downloads; text a spreadsheet would run as a formula is neutralised."""

import csv
import io
import re
from decimal import Decimal

from django.http import Http404, HttpResponse
from openpyxl import Workbook

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}")


def neutralise(value):
    """A text cell starting like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(columns, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(["" if v is None else neutralise(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(columns, rows, sheet_title="data") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    sheet.append(columns)
    for row in rows:
        sheet.append([float(v) if isinstance(v, Decimal) else neutralise(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_response(columns, rows, *, file_name: str, file_format: str) -> HttpResponse:
    """An attachment download of the table as csv or xlsx.

    `file_name` is made by the code from known values, never from request text: anything but
    letters, digits, `-` and `_` would let a link choose the saved file's name or type.
    """
    if not SAFE_FILE_NAME.fullmatch(file_name):
        raise ValueError(f"Unsafe download file name: {file_name!r}")
    if file_format == "csv":
        body, content_type = csv_bytes(columns, rows), "text/csv; charset=utf-8"
    elif file_format == "xlsx":
        body, content_type = xlsx_bytes(columns, rows), XLSX_TYPE
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}.{file_format}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
