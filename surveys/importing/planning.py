"""Planning shared by the survey kinds: rounds, stored rows, creates/updates/unchanged."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext as _

from surveys.importing.errors import ImportRejected, RowError, file_error
from surveys.importing.kinds import Planned, Planner
from surveys.importing.report import FieldChange, display
from surveys.importing.rows import Row, duplicates, map_header, parse_rows
from surveys.models import Institution, SurveyRound


@dataclass
class Plan:
    creates: list[tuple[Row, models.Model]] = field(default_factory=list)
    updates: list[tuple[Row, models.Model, tuple[FieldChange, ...]]] = field(default_factory=list)
    unchanged: list[tuple[Row, models.Model]] = field(default_factory=list)
    new_institutions: dict[str, Institution] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


class Context:
    """What planning needs about the file: its name, present columns and their written names."""

    def __init__(self, file_name, columns, positions, written, *, create_institutions=False):
        self.file_name = file_name
        self.create_institutions = create_institutions
        self.stored = [c for c in columns if c.stored_as and c.name in positions]
        self.written = {c.name: written.get(c.name, c.name) for c in columns}

    def error(self, row, column, message, *, show_value=True):
        value = row.raw.get(column) if show_value else None
        return RowError(self.file_name, row.number, self.written[column], value, message)


def _rounds_for(rows, context, plan) -> dict[int, SurveyRound]:
    years = {row.values["year"] for row in rows}
    rounds = {r.year: r for r in SurveyRound.objects.filter(year__in=years)}
    known = ", ".join(
        str(y) for y in SurveyRound.objects.order_by("year").values_list("year", flat=True)
    )
    for row in rows:
        if row.values["year"] not in rounds:
            message = _("is not a survey round in the portal (known rounds: %(known)s)") % {
                "known": known or _("none yet; load the methodology first")
            }
            plan.errors.append(context.error(row, "year", message))
    return rounds


def place(row, stored, build, context, plan):
    """A row with no stored counterpart is created; otherwise it updates or leaves it as is."""
    if stored is None:
        plan.creates.append((row, build()))
        return
    changes = tuple(
        FieldChange(context.written[c.name], getattr(stored, c.stored_as), row.values[c.name])
        for c in context.stored
        if getattr(stored, c.stored_as) != row.values[c.name]
    )
    if changes:
        plan.updates.append((row, stored, changes))
    else:
        plan.unchanged.append((row, stored))


def start_plan(rows, context, model, key):
    """An empty plan, the rounds and known institutions the rows name, and their stored rows."""
    plan = Plan()
    rounds = _rounds_for(rows, context, plan)
    codes = {row.values["institution_code"] for row in rows}
    institutions = {i.kpk_code: i for i in Institution.objects.filter(kpk_code__in=codes)}
    stored = model.objects.filter(
        round__in=list(rounds.values()), institution__in=list(institutions.values())
    )
    return plan, rounds, institutions, {key(instance): instance for instance in stored}


def conflicts(plan, context) -> list[RowError]:
    errors = []
    for row, _instance, changes in plan.updates:
        for change in changes:
            message = _("would replace the stored value %(old)s (import with replace to change it)")
            message %= {"old": display(change.old)}
            errors.append(
                RowError(context.file_name, row.number, change.column, display(change.new), message)
            )
    return errors


class SurveyPlanner(Planner):
    """The survey kinds: header mapped to columns, cells parsed column-wise, repeated keys
    refused, then the kind's own `plan_rows` over the valid rows."""

    permission = "surveys.run_import"
    columns: tuple = ()
    key_columns: tuple = ()
    one_of: tuple = ()  # columns of which a file needs at least one

    @property
    def header_names(self) -> list[str]:
        """The columns the header is looked for by (below title rows, see reading.find_header)."""
        return [column.name for column in self.columns]

    def refusal(self) -> str:
        return _("Only the Inspectorate may import survey files.")

    def plan(self, table, job, report) -> Planned:
        positions, written, errors = map_header(
            table.header,
            self.columns,
            job.file_name,
            header_row=table.header_row,
            one_of=self.one_of,
            notes=report.notes,
        )
        if errors:
            raise ImportRejected(errors)
        if table.frame.empty:
            raise ImportRejected(
                [file_error(job.file_name, _("has a header row but no data rows"))]
            )
        parsed, errors = parse_rows(table, self.columns, positions, written, job.file_name)
        errors += duplicates(parsed, self.key_columns, written, job.file_name)
        context = Context(
            job.file_name,
            self.columns,
            positions,
            written,
            create_institutions=job.create_institutions,
        )
        planned = self.plan_rows(parsed.valid_rows(), context, job, report)
        planned.errors = errors + planned.errors
        return planned

    def plan_rows(self, parsed, context, job, report) -> Planned:
        raise NotImplementedError
