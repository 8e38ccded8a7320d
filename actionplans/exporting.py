"""Plans with their progress as XLSX or CSV; the same columns are what the plan import reads."""

import csv
import io

from django.http import Http404, HttpResponse
from django.utils import timezone
from openpyxl import Workbook

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = ";"

# The columns of the export, in order; the import reads the same names (see importing.py).
COLUMNS = [
    "id",
    "round_year",
    "title",
    "finding",
    "root_cause",
    "recommendation_codes",
    "indicator_codes",
    "respondent_group",
    "activity",
    "output",
    "success_measure",
    "baseline",
    "target",
    "unit",
    "start_date",
    "due_date",
    "owner_opd_code",
    "supporting_opd_codes",
    "budget_idr",
    "mcp_area",
    "weight",
    "status",
    "public_summary",
    "show_on_public_page",
    "verified_progress",
    "overdue",
]
EXPORT_ONLY = {"id", "verified_progress", "overdue"}


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _codes(items) -> str:
    return LIST_SEPARATOR.join(sorted(item.code for item in items))


def plan_row(plan, today) -> list:
    values = {
        "id": plan.pk,
        "round_year": plan.round.year,
        "recommendation_codes": _codes(plan.recommendations.all()),
        "indicator_codes": _codes(plan.indicators.all()),
        "start_date": plan.start_date.isoformat(),
        "due_date": plan.due_date.isoformat(),
        "owner_opd_code": plan.owner_opd.code,
        "supporting_opd_codes": _codes(plan.supporting_opds.all()),
        "budget_idr": plan.budget,
        "show_on_public_page": "yes" if plan.show_on_public_page else "no",
        "verified_progress": plan.verified_progress,
        "overdue": "yes" if plan.is_overdue(today) else "no",
    }
    row = [values[name] if name in values else getattr(plan, name) for name in COLUMNS]
    return [neutralise(value) for value in row]


def plan_rows(plans):
    plans = plans.prefetch_related("recommendations", "supporting_opds")
    today = timezone.localdate()
    return [plan_row(plan, today) for plan in plans]


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "rencana_aksi"
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append([float(v) if hasattr(v, "as_tuple") else v for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def plans_response(plans, file_format: str) -> HttpResponse:
    """Download of `plans` (already scoped to the user) as xlsx or csv."""
    if file_format not in ("xlsx", "csv"):
        raise Http404
    rows = plan_rows(plans)
    content_type = XLSX_TYPE if file_format == "xlsx" else "text/csv; charset=utf-8"
    body = _xlsx(rows) if file_format == "xlsx" else _csv(rows)
    response = HttpResponse(body, content_type=content_type)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="rencana-aksi-{stamp}.{file_format}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
