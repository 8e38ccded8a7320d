"""Import plans from an XLSX file with the export's columns: all rows valid, or nothing saved.

Each row is checked by the same form as the web page; OPDs, indicators and recommendations
are given by code. A row with an `id` updates that plan (a history row per changed plan),
a row without one creates a plan. A row for an existing plan carries the `version` it was
exported with: if the plan has changed since, the row is a conflict and nothing is saved, so a
stale file never puts old values back. Errors use the survey importer's RowError/ImportRejected.
"""

import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from actionplans import services
from actionplans.exporting import COLUMNS, EXPORT_ONLY, LIST_SEPARATOR
from actionplans.forms import PlanForm
from actionplans.models import OPD, ActionPlan, PlanStatus, Recommendation
from surveys import uploads
from surveys.importing import ImportRejected, RowError
from surveys.models import Dimension, ImportBatch, ImportKind, ImportOutcome, SurveyRound

IMPORT_COLUMNS = [name for name in COLUMNS if name not in EXPORT_ONLY]
# a file of new plans needs no version; a row for an existing plan does (checked per row)
REQUIRED_COLUMNS = [name for name in IMPORT_COLUMNS if name != "version"]
FIELD_COLUMN = {
    "round": "round_year",
    "recommendations": "recommendation_codes",
    "indicators": "indicator_codes",
    "owner_opd": "owner_opd_code",
    "supporting_opds": "supporting_opd_codes",
    "budget": "budget_idr",
}
TRUE_WORDS = {"yes", "ya", "true", "1", "y"}


@dataclass
class PlanImportReport:
    file_name: str
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    dry_run: bool = False


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text[1:] if text.startswith("'") else text


def _read_rows(content: bytes, file_name: str) -> list[tuple[int, dict]]:
    try:
        uploads.archive_check(io.BytesIO(content), max_unpacked=uploads.IMPORT_MAX_UNPACKED)
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        rows = uploads.sheet_rows(sheet)
    except uploads.ContentRefused as refused:
        raise ImportRejected([RowError(file_name, None, None, None, str(refused))]) from None
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        message = _("is not an XLSX file (%(error)s)") % {"error": error}
        raise ImportRejected([RowError(file_name, None, None, None, message)]) from None
    header = [_cell_text(name) for name in (rows[0] if rows else [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        message = _("the column is missing; use the columns of the plan export")
        raise ImportRejected([RowError(file_name, 1, name, None, message) for name in missing])
    records = []
    for number, cells in enumerate(rows[1:], start=2):
        values = {name: _cell_text(cell) for name, cell in zip(header, cells, strict=False)}
        if any(values.values()):
            records.append((number, values))
    if not records:
        raise ImportRejected([RowError(file_name, None, None, None, _("has no data rows"))])
    return records


class _Row:
    def __init__(self, file_name, number, values):
        self.file_name, self.number, self.values = file_name, number, values
        self.errors: list[RowError] = []
        self.version = None

    def error(self, column, message, *, show_value=True):
        value = self.values.get(column) if show_value else None
        self.errors.append(RowError(self.file_name, self.number, column, value, message))

    def codes(self, column) -> list[str]:
        raw = self.values.get(column, "")
        return [code.strip() for code in raw.split(LIST_SEPARATOR) if code.strip()]

    def lookup(self, column, queryset, codes):
        found = {item.code: item.pk for item in queryset.filter(code__in=codes)}
        for code in codes:
            if code not in found:
                self.error(column, _("unknown code %(code)s") % {"code": code})
        return [found[code] for code in codes if code in found]


def _form_data(row: _Row) -> dict:
    """The row as PlanForm data: codes turned into primary keys (unknown ones are errors)."""
    values = row.values
    data = {name: values.get(name, "") for name in IMPORT_COLUMNS}
    year = values["round_year"]
    survey_round = SurveyRound.objects.filter(year=int(year) if year.isdecimal() else 0).first()
    if survey_round is None:
        row.error("round_year", _("no SPI round with this year"))
    data["round"] = survey_round.pk if survey_round else ""
    in_round = {"round": survey_round}
    data["indicators"] = row.lookup(
        "indicator_codes", Dimension.objects.filter(**in_round), row.codes("indicator_codes")
    )
    data["recommendations"] = row.lookup(
        "recommendation_codes",
        Recommendation.objects.filter(**in_round),
        row.codes("recommendation_codes"),
    )
    owner = row.lookup("owner_opd_code", OPD.objects, row.codes("owner_opd_code"))
    data["owner_opd"] = owner[0] if owner else ""
    data["supporting_opds"] = row.lookup(
        "supporting_opd_codes", OPD.objects, row.codes("supporting_opd_codes")
    )
    data["budget"] = values["budget_idr"]
    data["show_on_public_page"] = values["show_on_public_page"].lower() in TRUE_WORDS
    return data


def _existing_plan(row: _Row):
    plan_id = row.values.get("id", "")
    if not plan_id:
        return None
    plan = ActionPlan.objects.filter(pk=int(plan_id) if plan_id.isdecimal() else 0).first()
    if plan is None:
        row.error("id", _("no plan with this id; leave id empty to create a new plan"))
    return plan


def _check_version(row: _Row, plan) -> None:
    """The row must carry the version of `plan` it was exported with, and that must still be
    the plan's version: otherwise the row would put back values someone changed since."""
    text = row.values.get("version", "")
    if not text:
        message = _(
            "has no version: plan %(id)s is already in the portal, so its row needs the version "
            "it was exported with; export the plans again and make your changes in that file"
        )
        row.error("version", message % {"id": plan.pk}, show_value=False)
    elif not text.isdecimal():
        row.error("version", _("is not a version number; keep the version of the plan export"))
    elif int(text) < plan.version:
        message = _stale_message(plan.pk, int(text), plan.version)
        row.error("version", message, show_value=False)
    elif int(text) > plan.version:
        message = _("is newer than plan %(id)s (version %(now)s): this file is not an export of it")
        row.error("version", message % {"id": plan.pk, "now": plan.version})
    else:
        row.version = plan.version


def _stale_message(plan_id, file_version, now) -> str:
    return _(
        "plan %(id)s was changed after this file was exported (file version %(file)s, now "
        "%(now)s); export the plans again and make your changes in the new file"
    ) % {"id": plan_id, "file": file_version, "now": now}


def _checked_row(file_name, number, values):
    """The row, its bound PlanForm (None for a cancelled plan: left as it is) and its plan."""
    row = _Row(file_name, number, values)
    plan = _existing_plan(row)
    if plan is not None:
        _check_version(row, plan)
    if plan is not None and plan.status == PlanStatus.CANCELLED:
        return row, None, plan
    data = _form_data(row)
    if plan is not None:
        data["version"] = plan.version
    form = PlanForm(data, instance=plan)
    if not form.is_valid():
        for name, messages in form.errors.items():
            column = None if name == "__all__" else FIELD_COLUMN.get(name, name)
            for message in messages:
                row.error(column, message)
    return row, form, plan


def plans_import(file, *, file_name, actor, dry_run=False) -> PlanImportReport:
    """Check every row; unless `dry_run`, create and update the plans in one transaction.

    Raises ImportRejected listing every problem (file, row, column, value, message) when any
    row is invalid; then nothing is saved.
    """
    content = file.read()
    records = _read_rows(content, file_name)
    report = PlanImportReport(file_name=file_name, dry_run=dry_run)
    with transaction.atomic():
        checked = [_checked_row(file_name, number, values) for number, values in records]
        errors = [error for row, _form, _plan in checked for error in row.errors]
        if errors:
            raise ImportRejected(errors)
        for row, form, plan in checked:
            _apply(form, plan, row, actor, report, dry_run)
        if not dry_run and (report.created or report.updated):
            _record_batch(report, content, actor, len(records))
    return report


def _record_batch(report, content, actor, rows_total):
    ImportBatch.objects.create(
        kind=ImportKind.PLANS,
        file_name=report.file_name[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        created_by=actor,
        rows_total=rows_total,
        rows_created=len(report.created),
        rows_updated=len(report.updated),
        rows_unchanged=len(report.unchanged),
        outcome=ImportOutcome.APPLIED,
    )


def _apply(form, plan, row, actor, report, dry_run):
    if plan is None:
        if not dry_run:
            services.plan_create(actor=actor, fields=form.plan_fields())
        report.created.append(row.number)
    elif form is not None and form.has_changed():
        if not dry_run:
            _update(form, plan, row, actor)
        report.updated.append(row.number)
    else:
        report.unchanged.append(row.number)


def _update(form, plan, row, actor):
    """Save the row on the version it was exported with: the service's conditional update
    refuses it if the plan was saved by someone else since it was checked."""
    try:
        services.plan_update(actor=actor, plan=plan, version=row.version, fields=form.plan_fields())
    except services.PlanConflict:
        now = ActionPlan.objects.filter(pk=plan.pk).values_list("version", flat=True).get()
        message = _stale_message(plan.pk, row.version, now)
        raise ImportRejected(
            [RowError(row.file_name, row.number, "version", None, message)]
        ) from None
