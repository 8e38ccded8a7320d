"""The pipeline: the file's hash checked, the file read, every row planned by its kind, and
(unless a dry run) everything written in one transaction under one batch record.

Every kind, web and command line, goes through `import_file`: it is the one place that checks
the hash of a confirmed file, the actor's permission for the kind, and writes the ImportBatch.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from surveys.importing.errors import ImportRejected, Unreadable, file_error
from surveys.importing.kinds import Job, planner_for
from surveys.importing.reading import find_header, read_table
from surveys.importing.report import ImportReport
from surveys.models import ImportBatch, ImportOutcome

PREVIEW_ROWS = 10


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
    create_institutions=False,
) -> ImportReport:
    """Check a file of `kind`; unless `dry_run`, apply it in one transaction.

    Raises ImportRejected with every problem found (capped) when any row is invalid, when the
    file's SHA-256 differs from `expected_sha256` (given: the file was previewed before), or
    when a stored value would change and `replace` is false. An import that changes nothing
    writes nothing (no ImportBatch either), so re-importing is idempotent.
    `create_institutions` (results): rows naming an institution the portal does not know by
    region code or name create it, instead of being errors.
    """
    planner = planner_for(kind)
    content = file.read()
    sha256 = hashlib.sha256(content).hexdigest()
    if expected_sha256 is not None and str(expected_sha256).lower() != sha256:
        message = _("has changed since it was checked; upload it again")
        raise ImportRejected([file_error(file_name, message)])
    try:
        table = read_table(content, sheet)
    except Unreadable as unreadable:
        raise ImportRejected([file_error(file_name, str(unreadable))]) from None
    if planner.header_names:
        find_header(table, planner.header_names)
    report = ImportReport(
        kind=str(planner.kind),
        file_name=file_name,
        sha256=sha256,
        rows_total=len(table.frame),
        notes=table.notes,
        dry_run=dry_run,
    )
    _fill_preview(report, table)
    job = Job(
        file_name=file_name,
        actor=actor,
        dry_run=dry_run,
        replace=replace,
        create_institutions=create_institutions,
    )
    with transaction.atomic():
        if not dry_run:
            _check_importer(planner, actor)
        planned = planner.plan(table, job, report)
        if planned.errors:
            raise ImportRejected(planned.errors)
        if not dry_run and report.changes_anything:
            with planner.writing(planned, job):
                report.batch = _record_batch(report, actor)
                planner.write(planned, report.batch, job)
    return report


def _check_importer(planner, actor):
    """A write names who made it and needs the kind's permission (a dry run needs neither)."""
    if actor is None:
        raise ValueError("import_file needs an actor to write: every write records who did it.")
    if not actor.has_perm(planner.permission):
        raise PermissionDenied(planner.refusal())


def _fill_preview(report, table):
    present = [i for i, name in enumerate(table.header) if name]
    report.preview_columns = [table.header[i] for i in present]
    report.preview_rows = [
        [cells[i] if i < len(cells) else "" for i in present]
        for _number, cells in table.head(PREVIEW_ROWS)
    ]


def _record_batch(report, actor) -> ImportBatch:
    return ImportBatch.objects.create(
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
