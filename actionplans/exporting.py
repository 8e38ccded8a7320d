"""Plans with their progress as XLSX or CSV; the same columns are what the plan import reads."""

from django.http import HttpResponse
from django.utils import timezone

from surveys.exporting import table_response
from surveys.naming import indicator_names

LIST_SEPARATOR = ";"

# The columns of the export, in order; the import reads the same names (see importing.py).
# `version` lets the import refuse a row of a plan that was changed after the file was exported.
COLUMNS = [
    "id",
    "version",
    "round_year",
    "title",
    "finding",
    "root_cause",
    "recommendation_codes",
    "indicator_codes",
    "indicator_names",
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
# a status moves only through the plan's actions (activate, approve, cancel): never by a file
# and the indicators' names are there for the reader: the import goes by their codes
EXPORT_ONLY = {"id", "indicator_names", "verified_progress", "overdue", "status"}


def _codes(items) -> str:
    return LIST_SEPARATOR.join(sorted(item.code for item in items))


def plan_row(plan, today) -> list:
    values = {
        "id": plan.pk,
        "round_year": plan.round.year,
        "recommendation_codes": _codes(plan.recommendations.all()),
        "indicator_codes": _codes(plan.indicators.all()),
        "indicator_names": indicator_names(plan.indicators.all()),
        "start_date": plan.start_date.isoformat(),
        "due_date": plan.due_date.isoformat(),
        "owner_opd_code": plan.owner_opd.code,
        "supporting_opd_codes": _codes(plan.supporting_opds.all()),
        "budget_idr": plan.budget,
        "show_on_public_page": "yes" if plan.show_on_public_page else "no",
        "verified_progress": plan.verified_progress,
        "overdue": "yes" if plan.is_overdue(today) else "no",
    }
    return [values[name] if name in values else getattr(plan, name) for name in COLUMNS]


def plan_rows(plans):
    plans = plans.prefetch_related("recommendations", "supporting_opds")
    today = timezone.localdate()
    return [plan_row(plan, today) for plan in plans]


def plans_response(plans, file_format: str) -> HttpResponse:
    """Download of `plans` (already scoped to the user) as xlsx or csv."""
    stamp = timezone.localdate().isoformat()
    return table_response(
        COLUMNS, plan_rows(plans), file_name=f"rencana-aksi-{stamp}", file_format=file_format
    )
