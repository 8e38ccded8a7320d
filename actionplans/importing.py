"""The plans kind of the import pipeline (surveys.importing): a file with the export's columns.

Registered with the pipeline by ActionplansConfig.ready, so the reader, the error type, the
preview/confirm flow, the hash check, the batch record and the command line are the pipeline's.
Each row is checked by a form over the plan's plain fields; OPDs, indicators and recommendations
are given by code and looked up in tables read once per file. A row with an `id` updates that
plan (one history row per changed plan, holding its relations), a row without one creates a plan.
A row for an existing plan carries the `version` it was exported with: if the plan has changed
since, the row is a conflict and nothing is saved. Every plan written is checked against the
actor's access (actionplans.access) inside the transaction. The queries do not grow with the rows.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance
from django.utils import timezone
from django.utils.translation import gettext as _

from actionplans import access, services
from actionplans.exporting import COLUMNS, EXPORT_ONLY, LIST_SEPARATOR
from actionplans.forms import DATE_WIDGET, PLAN_FIELDS
from actionplans.models import (
    OPD,
    PLAN_HISTORY,
    PLAN_RELATIONS,
    ActionPlan,
    PlanStatus,
    Recommendation,
)
from surveys.importing import (
    ImportRejected,
    Planned,
    Planner,
    RowChange,
    RowError,
    import_file,
    register,
)
from surveys.models import Dimension, ImportKind, SurveyRound

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
RELATED = ("round", "owner_opd", *PLAN_RELATIONS)
PLAIN_FIELDS = [name for name in PLAN_FIELDS if name not in RELATED]
MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00$")
WHOLE_FLOAT = re.compile(r"^(-?\d+)\.0+$")


class PlanRowForm(forms.ModelForm):
    """The plain fields of a plan row; its relations are looked up by code, not by the form."""

    class Meta:
        model = ActionPlan
        fields = PLAIN_FIELDS
        widgets = {"start_date": DATE_WIDGET, "due_date": DATE_WIDGET}

    def _post_clean(self):
        """As ModelForm's, but the model's check constraints are evaluated here rather than by
        one query per row (the database enforces them again on the write)."""
        exclude = self._get_validation_exclusions()
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields)
        except ValidationError as error:
            self._update_errors(error)
        try:
            self.instance.full_clean(
                exclude=exclude, validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            self._update_errors(error)
        start, due = self.instance.start_date, self.instance.due_date
        if start and due and due < start:
            constraint = next(
                c for c in ActionPlan._meta.constraints if c.name == "plan_due_after_start"
            )
            self.add_error(None, constraint.get_violation_error_message())


def _cell_text(text: str) -> str:
    """A cell as the export wrote it: a date a spreadsheet turned into a date-time, a whole
    number it turned into a float, and the quote that neutralises formulas are undone."""
    text = text[1:] if text.startswith("'") else text
    for pattern in (MIDNIGHT, WHOLE_FLOAT):
        match = pattern.match(text)
        if match:
            return match.group(1)
    return text


class Lookups:
    """Everything the rows refer to, read once per file (a fixed number of queries)."""

    def __init__(self, records, actor, *, lock):
        ids = {int(v["id"]) for _n, v in records if v.get("id", "").isdecimal()}
        ids = {pk for pk in ids if pk < 2**63}
        self.rounds = {r.year: r for r in SurveyRound.objects.all()}
        self.dimensions = {(d.round_id, d.code): d.pk for d in Dimension.objects.all()}
        self.recommendations = {(r.round_id, r.code): r.pk for r in Recommendation.objects.all()}
        self.opds = {o.code: o for o in OPD.objects.all()}
        plans = ActionPlan.objects.filter(pk__in=ids).prefetch_related(*PLAN_RELATIONS)
        if lock:
            plans = plans.select_for_update(of=("self",))
        self.plans = {plan.pk: plan for plan in plans}
        self.may_change = self.may_add = None
        if actor is not None:
            self.may_change = set(
                access.restrict(ActionPlan.objects.filter(pk__in=ids), actor, "change").values_list(
                    "pk", flat=True
                )
            )
            self.may_add = set(
                access.restrict(OPD.objects.all(), actor, "add_plan").values_list("pk", flat=True)
            )


class _Row:
    def __init__(self, file_name, number, values):
        self.file_name, self.number, self.values = file_name, number, values
        self.errors: list[RowError] = []
        self.version = None
        self.related: dict = {}

    def error(self, column, message, *, show_value=True):
        value = self.values.get(column) if show_value else None
        self.errors.append(RowError(self.file_name, self.number, column, value, message))

    def codes(self, column) -> list[str]:
        raw = self.values.get(column, "")
        return [code.strip() for code in raw.split(LIST_SEPARATOR) if code.strip()]

    def lookup(self, column, table, keys) -> list:
        found = []
        for code, key in keys:
            if key in table:
                found.append(table[key])
            else:
                self.error(column, _("unknown code %(code)s") % {"code": code})
        return found


def _relations(row: _Row, lookups: Lookups) -> None:
    """The row's round, OPDs, indicators and recommendations from their codes (unknown ones
    are errors), into row.related."""
    year = row.values.get("round_year", "")
    survey_round = lookups.rounds.get(int(year)) if year.isdecimal() else None
    if survey_round is None:
        row.error("round_year", _("no SPI round with this year"))
    round_id = survey_round.pk if survey_round else None
    related = {"round": survey_round}
    for name, table in (
        ("indicators", lookups.dimensions),
        ("recommendations", lookups.recommendations),
    ):
        column = FIELD_COLUMN[name]
        codes = row.codes(column)
        related[name] = row.lookup(column, table, [(c, (round_id, c)) for c in codes])
    if not related["indicators"] and not row.codes("indicator_codes"):
        row.error("indicator_codes", _("Choose at least one weak indicator."), show_value=False)
    opds = {code: opd for code, opd in lookups.opds.items() if opd.is_active}
    owner = row.lookup("owner_opd_code", opds, [(c, c) for c in row.codes("owner_opd_code")])
    if not owner and not row.codes("owner_opd_code"):
        row.error("owner_opd_code", _("This field is required."), show_value=False)
    related["owner_opd"] = owner[0] if owner else None
    supporting = row.codes("supporting_opd_codes")
    related["supporting_opds"] = [
        opd.pk for opd in row.lookup("supporting_opd_codes", opds, [(c, c) for c in supporting])
    ]
    row.related = related


def _existing_plan(row: _Row, lookups: Lookups):
    plan_id = row.values.get("id", "")
    if not plan_id:
        return None
    plan = lookups.plans.get(int(plan_id)) if plan_id.isdecimal() else None
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


def _checked_row(file_name, number, values, lookups):
    """The row, its bound form (None for a cancelled plan: left as it is) and its plan."""
    row = _Row(file_name, number, values)
    plan = _existing_plan(row, lookups)
    if plan is not None:
        _check_version(row, plan)
    if plan is not None and plan.status == PlanStatus.CANCELLED:
        return row, None, plan
    _relations(row, lookups)
    data = {name: values.get(name, "") for name in PLAIN_FIELDS}
    data["budget"] = values.get("budget_idr", "")
    data["show_on_public_page"] = values.get("show_on_public_page", "").lower() in TRUE_WORDS
    form = PlanRowForm(data, instance=plan)
    if not form.is_valid():
        for name, messages in form.errors.items():
            column = None if name == "__all__" else FIELD_COLUMN.get(name, name)
            for message in messages:
                row.error(column, message)
    return row, form, plan


def _access(row, plan, lookups) -> None:
    if lookups.may_change is None:
        return
    if plan is not None and plan.pk not in lookups.may_change:
        row.error("id", _("You may not edit this plan."), show_value=False)
    owner = row.related.get("owner_opd")
    if plan is None and owner is not None and owner.pk not in lookups.may_add:
        row.error("owner_opd_code", _("You may not create plans for this OPD."))


def _relation_ids(plan) -> dict:
    return {name: {item.pk for item in getattr(plan, name).all()} for name in PLAN_RELATIONS}


def _changed(form, plan, row) -> bool:
    if form.has_changed():
        return True
    if plan.round_id != row.related["round"].pk or plan.owner_opd_id != row.related["owner_opd"].pk:
        return True
    stored = _relation_ids(plan)
    return any(set(row.related[name]) != stored[name] for name in PLAN_RELATIONS)


class PlansPlanner(Planner):
    kind = ImportKind.PLANS
    permission = "actionplans.import_actionplan"

    def refusal(self) -> str:
        return _("Only the Inspectorate may import action plans.")

    def plan(self, table, job, report) -> Planned:
        header = [_cell_text(name) for name in table.header]
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            message = _("the column is missing; use the columns of the plan export")
            row = table.header_row
            raise ImportRejected(
                [RowError(job.file_name, row, name, None, message) for name in missing]
            )
        records = [
            (number, {name: _cell_text(cell) for name, cell in zip(header, cells, strict=False)})
            for number, cells in table.rows
        ]
        if not records:
            raise ImportRejected([RowError(job.file_name, None, None, None, _("has no data rows"))])
        lookups = Lookups(records, job.actor, lock=not job.dry_run)
        checked = [_checked_row(job.file_name, n, values, lookups) for n, values in records]
        creates, updates, unchanged = [], [], []
        for row, form, plan in checked:
            if row.errors:
                continue
            if plan is None:
                _access(row, plan, lookups)
                creates.append((row, form))
            elif form is not None and _changed(form, plan, row):
                _access(row, plan, lookups)
                updates.append((row, form, plan))
            else:
                unchanged.append(row)
        errors = [error for row, _form, _plan in checked for error in row.errors]
        report.created_count, report.updated_count = len(creates), len(updates)
        report.unchanged_count = len(unchanged)
        report.changes = lambda: (
            [RowChange(row.number, form.cleaned_data["title"]) for row, form in creates],
            [RowChange(row.number, _("plan %(id)s") % {"id": p.pk}) for row, _f, p in updates],
            [RowChange(row.number, row.values.get("id", "")) for row in unchanged],
        )
        return Planned(errors, (creates, updates))

    def write(self, planned, batch, job):
        creates, updates = planned.state
        _refuse_stale(updates)
        now = timezone.now()
        made = [_new_plan(row, form, job.actor) for row, form in creates]
        made = ActionPlan.objects.bulk_create(made)
        changed = [_changed_plan(row, form, plan) for row, form, plan in updates]
        if changed:
            ActionPlan.objects.bulk_update(
                changed, [*PLAIN_FIELDS, "round", "owner_opd", "version"]
            )
        relations = [(plan, row) for plan, (row, _form) in zip(made, creates, strict=True)]
        relations += [(plan, row) for plan, (row, _f, _p) in zip(changed, updates, strict=True)]
        _write_relations(relations, replace=[plan.pk for plan in changed])
        _history(made, "+", job.actor, now)
        _history(changed, "~", job.actor, now)
        services.plan_data_changed()
        public = [p for p in made + changed if p.show_on_public_page]
        if public or any(p._was_public for p in changed):
            services._drop_public_page()


def _refuse_stale(updates):
    """The version gate at write time, with the plans locked: a plan saved by someone else
    since its row was checked is a conflict, and nothing is written."""
    ids = [plan.pk for _row, _form, plan in updates]
    now = dict(ActionPlan.objects.filter(pk__in=ids).values_list("pk", "version"))
    errors = [
        RowError(
            row.file_name, row.number, "version", None, _stale_message(p.pk, row.version, now[p.pk])
        )
        for row, _form, p in updates
        if now.get(p.pk) != row.version
    ]
    if errors:
        raise ImportRejected(errors)


def _new_plan(row, form, actor) -> ActionPlan:
    plan = form.instance
    plan.round, plan.owner_opd = row.related["round"], row.related["owner_opd"]
    plan.created_by = actor
    plan.version = 1
    return plan


def _changed_plan(row, form, plan) -> ActionPlan:
    plan = form.instance  # the form has already put the row's plain fields on it
    plan._was_public = form.initial.get("show_on_public_page", False)
    plan.round, plan.owner_opd = row.related["round"], row.related["owner_opd"]
    plan.version = row.version + 1
    return plan


def _write_relations(plans_rows, *, replace):
    for name in PLAN_RELATIONS:
        field = ActionPlan._meta.get_field(name)
        through = field.remote_field.through
        source = field.m2m_field_name()
        target = field.m2m_reverse_field_name()
        if replace:
            through.objects.filter(**{f"{source}_id__in": replace}).delete()
        rows = [
            through(**{f"{source}_id": plan.pk, f"{target}_id": getattr(item, "pk", item)})
            for plan, row in plans_rows
            for item in row.related[name]
        ]
        through.objects.bulk_create(rows)


def _history(plans, history_type, actor, now):
    """One history row per plan, holding its relations, written in bulk."""
    if not plans:
        return
    rows = ActionPlan.history.bulk_history_create(
        plans, update=history_type == "~", default_user=actor, default_date=now
    )
    by_plan = {row.id: row for row in rows}
    if any(row.pk is None for row in rows):  # a database without RETURNING
        stored = ActionPlan.history.filter(history_date=now, id__in=list(by_plan))
        by_plan = {row.id: row for row in stored}
    for name in PLAN_RELATIONS:
        field = ActionPlan._meta.get_field(name)
        model = PLAN_HISTORY.m2m_models[field]
        through = field.remote_field.through
        names = [f.attname for f in through._meta.fields]
        source = f"{field.m2m_field_name()}_id"
        current = through.objects.filter(**{f"{source}__in": list(by_plan)})
        model.objects.bulk_create(
            model(history=by_plan[getattr(item, source)], **{n: getattr(item, n) for n in names})
            for item in current
        )


register(PlansPlanner())


def plans_import(file, *, file_name, actor, dry_run=False, expected_sha256=None):
    """The plans kind of surveys.importing.import_file (kept for its callers)."""
    return import_file(
        ImportKind.PLANS,
        file,
        file_name=file_name,
        actor=actor,
        dry_run=dry_run,
        expected_sha256=expected_sha256,
    )
