"""The pipeline: hash, read, validate, plan, and (unless a dry run) write one batch."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from surveys import public_cache
from surveys.importing.cells import INDICATOR_COLUMNS, RESULT_COLUMNS, Column
from surveys.importing.errors import ImportRejected, RowError, Unreadable
from surveys.importing.indicators import plan_indicator_scores
from surveys.importing.planning import Context, conflicts
from surveys.importing.reading import read_table
from surveys.importing.report import FieldChange, ImportReport, RowChange
from surveys.importing.results import plan_results
from surveys.importing.rows import Row, duplicates, map_header, parse_rows
from surveys.models import (
    ImportBatch,
    ImportKind,
    ImportOutcome,
    IndicatorScore,
    Institution,
    InstitutionResult,
)

PREVIEW_ROWS = 10


@dataclass(frozen=True)
class Kind:
    columns: tuple[Column, ...]
    key_columns: tuple[str, ...]
    model: type[models.Model]
    plan: Callable
    describe: Callable[[Row], str]


KINDS = {
    ImportKind.RESULTS: Kind(
        RESULT_COLUMNS,
        ("year", "institution_code"),
        InstitutionResult,
        plan_results,
        lambda row: f"{row.values['institution_code']} · {row.values['year']}",
    ),
    ImportKind.INDICATOR_SCORES: Kind(
        INDICATOR_COLUMNS,
        ("year", "institution_code", "group", "indicator_code"),
        IndicatorScore,
        plan_indicator_scores,
        lambda row: " · ".join(
            str(row.values[name])
            for name in ("institution_code", "year", "group", "indicator_code")
        ),
    ),
}


def import_file(
    kind,
    file,
    *,
    file_name,
    actor=None,
    replace=False,
    dry_run=False,
    sheet=None,
    expected_sha256=None,
) -> ImportReport:
    """Validate a results or indicator-score file; unless `dry_run`, apply it in one transaction.

    Raises ImportRejected with every problem found (capped) when any row is invalid, when the
    file's SHA-256 differs from `expected_sha256`, or when a stored value would change and
    `replace` is false. Only columns present in the file are compared and updated. An import
    that changes nothing writes nothing (no ImportBatch either), so re-importing is idempotent.
    """
    spec = KINDS[ImportKind(kind)]
    content = file.read()
    sha256 = hashlib.sha256(content).hexdigest()
    if expected_sha256 and expected_sha256.lower() != sha256:
        message = _("has changed since it was checked; upload it again")
        raise ImportRejected([RowError(file_name, None, None, None, message)])
    try:
        table = read_table(content, sheet)
    except Unreadable as unreadable:
        raise ImportRejected([RowError(file_name, None, None, None, str(unreadable))]) from None
    rows, errors, context = _validated_rows(table, spec, file_name)
    report = ImportReport(
        kind=ImportKind(kind).value,
        file_name=file_name,
        sha256=sha256,
        rows_total=len(rows),
        notes=table.notes,
        dry_run=dry_run,
    )
    _fill_preview(report, table, context)
    with transaction.atomic():
        if not dry_run:
            _check_importer(actor)
        plan = spec.plan([row for row in rows if row.valid], context)
        errors += plan.errors + ([] if replace else conflicts(plan, context))
        if errors:
            raise ImportRejected(errors)
        _fill_changes(report, plan, spec, context)
        if not dry_run and (plan.creates or plan.updates):
            report.batch = _apply(plan, spec, report, context, actor)
    return report


def _check_importer(actor):
    """A write names who made it and needs the import permission (a dry run needs neither)."""
    if actor is None:
        raise ValueError("import_file needs an actor to write: every write records who did it.")
    if not actor.has_perm("surveys.run_import"):
        raise PermissionDenied(_("Only the Inspectorate may import survey files."))


def _validated_rows(table, spec, file_name) -> tuple[list[Row], list[RowError], Context]:
    """Every row parsed (invalid ones flagged) and the errors so far; header errors raise."""
    positions, written, errors = map_header(table.header, spec.columns, file_name)
    if errors:
        raise ImportRejected(errors)
    if not table.rows:
        message = _("has a header row but no data rows")
        raise ImportRejected([RowError(file_name, None, None, None, message)])
    rows, errors = parse_rows(table, spec.columns, positions, written, file_name)
    errors += duplicates(rows, spec.key_columns, written, file_name)
    return rows, errors, Context(file_name, spec.columns, positions, written)


def _fill_preview(report, table, context):
    present = [i for i, name in enumerate(table.header) if name]
    report.preview_columns = [table.header[i] for i in present]
    report.preview_rows = [
        [cells[i] if i < len(cells) else "" for i in present]
        for _number, cells in table.rows[:PREVIEW_ROWS]
    ]


def _fill_changes(report, plan, spec, context):
    def created(row):
        values = tuple(
            FieldChange(context.written[c.name], None, row.values[c.name])
            for c in spec.columns
            if c.stored_as
        )
        return RowChange(row.number, spec.describe(row), values)

    report.created = [created(row) for row, _instance in plan.creates]
    report.updated = [RowChange(r.number, spec.describe(r), ch) for r, _i, ch in plan.updates]
    report.unchanged = [RowChange(r.number, spec.describe(r)) for r, _i in plan.unchanged]
    report.institutions_created = sorted(plan.new_institutions)


def _apply(plan, spec, report, context, actor) -> ImportBatch:
    batch = ImportBatch.objects.create(
        kind=report.kind,
        file_name=report.file_name[:255],
        sha256=report.sha256,
        created_by=actor,
        rows_total=report.rows_total,
        rows_created=report.created_count,
        rows_updated=report.updated_count,
        rows_unchanged=report.unchanged_count,
        outcome=ImportOutcome.APPLIED,
    )
    if plan.new_institutions:
        bulk_create_with_history(
            list(plan.new_institutions.values()), Institution, default_user=actor
        )
    created = [instance for _row, instance in plan.creates]
    for instance in created:
        instance.import_batch = batch
    bulk_create_with_history(created, spec.model, default_user=actor)
    _apply_updates(plan, spec, context, batch, actor)
    public_cache.bump()  # last: the generation row stays locked until the import commits
    return batch


def _apply_updates(plan, spec, context, batch, actor):
    updated = []
    for row, instance, _changes in plan.updates:
        for column in context.stored:
            setattr(instance, column.stored_as, row.values[column.name])
        instance.import_batch = batch
        updated.append(instance)
    if updated:
        fields = [c.stored_as for c in context.stored] + ["import_batch"]
        bulk_update_with_history(updated, spec.model, fields, default_user=actor)
