"""The indicator scores kind: one row per institution, round, group and indicator."""

from __future__ import annotations

from functools import partial

from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from surveys import public_cache
from surveys.importing.cells import INDICATOR_COLUMNS
from surveys.importing.kinds import Planned, register
from surveys.importing.planning import Plan, SurveyPlanner, conflicts, place, start_plan
from surveys.importing.report import FieldChange, RowChange
from surveys.models import Dimension, ImportKind, IndicatorScore, Institution


def plan_indicator_scores(rows, context) -> Plan:
    plan, rounds, institutions, stored = start_plan(
        rows,
        context,
        IndicatorScore,
        lambda s: (s.round_id, s.institution_id, s.group, s.dimension_id),
    )
    dimensions = {
        (d.round_id, d.code.upper()): d for d in Dimension.objects.filter(round__in=rounds.values())
    }
    for row in rows:
        survey_round = rounds.get(row.values["year"])
        institution = _known_institution(row, institutions, context, plan)
        if survey_round is None:
            continue
        dimension = _dimension_for(row, survey_round, dimensions, context, plan)
        if institution is None or dimension is None:
            continue
        key = (survey_round.pk, institution.pk, row.values["group"], dimension.pk)
        build = partial(_new_score, row, survey_round, institution, dimension)
        place(row, stored.get(key), build, context, plan)
    return plan


def _known_institution(row, institutions, context, plan) -> Institution | None:
    institution = institutions.get(row.values["institution_code"])
    if institution is None:
        message = _("is not a known institution (import its results first)")
        plan.errors.append(context.error(row, "institution_code", message))
    return institution


def _dimension_for(row, survey_round, dimensions, context, plan) -> Dimension | None:
    dimension = dimensions.get((survey_round.pk, row.values["indicator_code"].upper()))
    if dimension is None:
        known = sorted(code for round_pk, code in dimensions if round_pk == survey_round.pk)
        message = _("is not an indicator of %(round)s (its indicators: %(known)s)") % {
            "round": survey_round,
            "known": ", ".join(known) or _("none"),
        }
        plan.errors.append(context.error(row, "indicator_code", message))
    return dimension


def _new_score(row, survey_round, institution, dimension) -> IndicatorScore:
    return IndicatorScore(
        round=survey_round,
        institution=institution,
        group=row.values["group"],
        dimension=dimension,
        score=row.values["score"],
        respondents=row.values["respondents"],
    )


def _describe(row) -> str:
    return " · ".join(
        str(row.values[name]) for name in ("institution_code", "year", "group", "indicator_code")
    )


def _changes(plan, context):
    def created(row):
        values = tuple(
            FieldChange(context.written[c.name], None, row.values[c.name])
            for c in INDICATOR_COLUMNS
            if c.stored_as
        )
        return RowChange(row.number, _describe(row), values)

    return (
        [created(row) for row, _instance in plan.creates],
        [RowChange(r.number, _describe(r), ch) for r, _i, ch in plan.updates],
        [RowChange(r.number, _describe(r)) for r, _i in plan.unchanged],
    )


class IndicatorScoresPlanner(SurveyPlanner):
    kind = ImportKind.INDICATOR_SCORES
    columns = INDICATOR_COLUMNS
    key_columns = ("year", "institution_code", "group", "indicator_code")

    def plan_rows(self, parsed, context, job, report) -> Planned:
        plan = plan_indicator_scores(parsed.as_rows(), context)
        if not job.replace:
            plan.errors += conflicts(plan, context)
        report.created_count = len(plan.creates)
        report.updated_count = len(plan.updates)
        report.unchanged_count = len(plan.unchanged)
        report.changes = lambda: _changes(plan, context)
        return Planned(plan.errors, (plan, context))

    def write(self, planned, batch, job):
        plan, context = planned.state
        created = [instance for _row, instance in plan.creates]
        for instance in created:
            instance.import_batch = batch
        bulk_create_with_history(created, IndicatorScore, default_user=job.actor)
        updated = []
        for row, instance, _changes in plan.updates:
            for column in context.stored:
                setattr(instance, column.stored_as, row.values[column.name])
            instance.import_batch = batch
            updated.append(instance)
        if updated:
            fields = [c.stored_as for c in context.stored] + ["import_batch"]
            bulk_update_with_history(updated, IndicatorScore, fields, default_user=job.actor)
        public_cache.bump()


register(IndicatorScoresPlanner())
