"""Reads for the public integrity page and the open data: published rounds only."""

from itertools import groupby

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from actionplans import selectors as plan_selectors
from spi_portal import trend_svg
from surveys import scoring
from surveys import selectors as survey_selectors
from surveys.models import SurveyRound


def published_rounds() -> list[SurveyRound]:
    """Every published round with its bands, oldest first."""
    return list(SurveyRound.objects.published().prefetch_related("bands").order_by("year"))


def published_round(rounds: list[SurveyRound], year: int | None) -> SurveyRound | None:
    """The round of `year` among the published ones (when no year: the current follow-up
    round, see plan_selectors.current_round); 404 if absent."""
    if year is None:
        current = plan_selectors.current_round()
        by_pk = {survey_round.pk: survey_round for survey_round in rounds}
        if current is not None and current.pk in by_pk:
            return by_pk[current.pk]
        return rounds[-1] if rounds else None
    for survey_round in rounds:
        if survey_round.year == year:
            return survey_round
    raise Http404("No published round for this year.")


def public_page(year: int | None = None) -> dict:
    """Everything the public page shows, in a fixed number of queries."""
    rounds = published_rounds()
    survey_round = published_round(rounds, year)
    if survey_round is None:
        return {"rounds": rounds, "round": None}
    trend = public_trend(rounds)
    current = next((point for point in trend if point["round"] == survey_round), None)
    methodology = survey_selectors.methodology_for(survey_round)
    plans = list(plan_selectors.public_plans(survey_round))
    today = timezone.localdate()
    context = {
        "rounds": rounds,
        "round": survey_round,
        "trend": trend,
        "current": current,
        "band_rows": survey_selectors.band_rows(methodology),
        "plan_groups": plans_by_opd(plans, today),
        "plan_count": len(plans),
        "follow_up": plan_selectors.follow_up_rate(survey_round),
        "chart": trend_svg.trend_chart(trend),
        "methodology_revisions": methodology_revisions(survey_round),
    }
    if current is not None:
        context["result"] = current["result"]
        context["index"] = scoring.compute_index(current["result"].group_scores(), methodology)
    return context


def public_trend(rounds: list[SurveyRound]) -> list[dict]:
    """The home institution's published results per round, each with the category of its
    headline index (KPK's published index decides the category when present)."""
    trend = [p for p in survey_selectors.home_trend(rounds) if p["result"].is_published]
    for point in trend:
        methodology = survey_selectors.methodology_for(point["round"])
        point["category"] = methodology.band_for(point["index"])
    return trend


def plans_by_opd(plans, today) -> list[dict]:
    """Public plans grouped by the responsible OPD, OPDs in name order, overdue ones flagged."""
    ordered = sorted(plans, key=lambda plan: (plan.owner_opd.name, plan.due_date, plan.pk))
    for plan in ordered:
        plan.overdue = plan.is_overdue(today)
    return [
        {"opd": opd, "plans": list(items)}
        for opd, items in groupby(ordered, key=lambda plan: plan.owner_opd)
    ]


def published_round_or_404(year: int) -> SurveyRound:
    return get_object_or_404(SurveyRound.objects.published().prefetch_related("bands"), year=year)


def public_results(survey_round: SurveyRound):
    """Every institution's result KPK published for the round."""
    return survey_selectors.round_results(survey_round).filter(is_published=True)


def public_indicator_scores(survey_round: SurveyRound):
    return (
        survey_selectors.home_indicator_scores(survey_round)
        .select_related("dimension__parent")
        .order_by("dimension__code", "group")
    )


def round_dimensions(survey_round: SurveyRound):
    return survey_round.dimensions.select_related("parent").order_by("code")


def methodology_revisions(survey_round: SurveyRound) -> list:
    """The round's methodology versions after the first, newest first (no names: public)."""
    return list(survey_round.methodology_revisions.defer("actor").order_by("-version"))
