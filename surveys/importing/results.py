"""The results kind: one row per institution and round."""

from __future__ import annotations

from functools import partial

from django.utils.translation import gettext as _

from surveys.importing.cells import RESULT_COLUMNS
from surveys.importing.planning import Plan, place, start_plan
from surveys.models import Institution, InstitutionResult, InstitutionType


def plan_results(rows, context) -> Plan:
    plan, rounds, institutions, stored = start_plan(
        rows, context, InstitutionResult, lambda r: (r.round_id, r.institution_id)
    )
    for row in rows:
        survey_round = rounds.get(row.values["year"])
        institution = _institution_for(row, institutions, context, plan)
        if survey_round is None or institution is None:
            continue
        key = (survey_round.pk, institution.pk)
        build = partial(_new_result, row, survey_round, institution)
        place(row, stored.get(key), build, context, plan)
    return plan


def _institution_for(row, institutions, context, plan) -> Institution | None:
    code = row.values["institution_code"]
    if code in institutions:
        return institutions[code]
    if code in plan.new_institutions:
        return plan.new_institutions[code]
    if not row.values.get("institution_name"):
        message = _("is empty; %(code)s is a new institution, so its name is needed") % {
            "code": code
        }
        plan.errors.append(context.error(row, "institution_name", message, show_value=False))
        return None
    plan.new_institutions[code] = Institution(
        kpk_code=code,
        name=row.values["institution_name"],
        type=row.values.get("institution_type") or InstitutionType.OTHER,
        province=row.values.get("province") or "",
    )
    return plan.new_institutions[code]


def _new_result(row, survey_round, institution) -> InstitutionResult:
    return InstitutionResult(
        round=survey_round,
        institution=institution,
        **{c.stored_as: row.values[c.name] for c in RESULT_COLUMNS if c.stored_as},
    )
