"""The indicator scores kind: one row per institution, round, group and indicator."""

from __future__ import annotations

from functools import partial

from django.utils.translation import gettext as _

from surveys.importing.planning import Plan, place, start_plan
from surveys.models import Dimension, IndicatorScore, Institution


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
