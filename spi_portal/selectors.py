"""Reads for the public integrity page and the open data: published rounds only."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actionplans import selectors as plan_selectors
from actionplans.models import (
    DecisionOutcome,
    Milestone,
    PlanStatus,
    Recommendation,
    ReportStatus,
    VerificationDecision,
)
from spi_portal import public_scale, trend_svg
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


OVERDUE = "overdue"
FILTER_NAMES = ("opd", "dimension", "state")


@dataclass
class PlanFilter:
    """The public plan list's filters, from the address (GET), checked against the options."""

    opd: str = ""
    dimension: str = ""
    state: str = ""
    opds: list = field(default_factory=list)
    dimensions: list = field(default_factory=list)

    @property
    def active(self) -> bool:
        return bool(self.opd or self.dimension or self.state)

    def states(self) -> list[tuple[str, str]]:
        levels = [(level.key, level.label) for level in public_scale.scale()]
        return [*levels, (OVERDUE, _("overdue"))]

    def keeps(self, plan) -> bool:
        if self.opd and plan.owner_opd.code != self.opd:
            return False
        if self.dimension and self.dimension not in {d.code for d in plan.indicators.all()}:
            return False
        if self.state == OVERDUE:
            return plan.overdue
        return not self.state or plan.level == self.state


def plan_filter(params, plans) -> PlanFilter:
    """The filter the address asks for; a value no public plan has is ignored."""
    opds = sorted({plan.owner_opd for plan in plans}, key=lambda opd: opd.name)
    dimensions = sorted({d for plan in plans for d in plan.indicators.all()}, key=lambda d: d.code)
    chosen = PlanFilter(opds=opds, dimensions=dimensions)
    if params.get("opd") in {opd.code for opd in opds}:
        chosen.opd = params["opd"]
    if params.get("dimension") in {d.code for d in dimensions}:
        chosen.dimension = params["dimension"]
    if params.get("state") in {key for key, _label in chosen.states()}:
        chosen.state = params["state"]
    return chosen


def _with_public_state(plans, today) -> list:
    for plan in plans:
        plan.overdue = plan.is_overdue(today)
        plan.level = public_scale.plan_level(plan.verified_progress, plan.start_date, today)
        plan.level_label = public_scale.LABELS[plan.level]
    return plans


def _public_plans_with_recommendations(survey_round, *fields):
    """The round's public plans, each with the recommendations in force it answers (their code
    and `fields`)."""
    in_force = Recommendation.objects.in_force().only("code", "round_id", *fields)
    plans = plan_selectors.public_plans(survey_round).prefetch_related(
        Prefetch("recommendations", queryset=in_force.order_by("code"))
    )
    return plans


def recommendation_rows(survey_round, plans) -> list[dict]:
    """Every recommendation in force with its follow-up state and the public plans answering it.
    The counts take every plan of the round, as the follow-up rate does."""
    answering = {}
    for plan in plans:
        for recommendation in plan.recommendations.all():
            answering.setdefault(recommendation.pk, []).append(plan)
    rows = []
    for recommendation in plan_selectors.recommendations_with_follow_up(survey_round, None):
        rows.append(
            {
                "recommendation": recommendation,
                "state": recommendation_state(recommendation),
                "state_label": RECOMMENDATION_STATES[recommendation_state(recommendation)],
                "plans": answering.get(recommendation.pk, []),
            }
        )
    return rows


RECOMMENDATION_STATES = {
    "followed": _("followed up: a plan is done and verified"),
    "in_progress": _("in progress"),
    "drafting": _("plan being drafted"),
    "no_plan": _("no plan yet"),
}


def recommendation_state(recommendation) -> str:
    if recommendation.n_done:
        return "followed"
    if recommendation.n_plans:
        return "in_progress"
    if recommendation.n_drafts:
        return "drafting"
    return "no_plan"


def indicator_rows(survey_round) -> list[dict]:
    """The region's indicator scores, one row per indicator with a score per respondent group."""
    rows = {}
    for score in public_indicator_scores(survey_round):
        row = rows.setdefault(
            score.dimension.code, {"dimension": score.dimension, "scores": {}, "example": False}
        )
        row["scores"][score.group] = score.score
        row["example"] = row["example"] or score.is_illustrative
    return list(rows.values())


def public_page(year: int | None = None, params=None) -> dict:
    """Everything the public page shows, in a fixed number of queries; `params` are the plan
    list's filters (see PlanFilter)."""
    rounds = published_rounds()
    survey_round = published_round(rounds, year)
    if survey_round is None:
        return {"rounds": rounds, "round": None}
    trend = public_trend(rounds)
    current = next((point for point in trend if point["round"] == survey_round), None)
    methodology = survey_selectors.methodology_for(survey_round)
    today = timezone.localdate()
    plans = _with_public_state(list(_public_plans_with_recommendations(survey_round)), today)
    chosen = plan_filter(params or {}, plans)
    shown = [plan for plan in plans if chosen.keeps(plan)]
    indicators = indicator_rows(survey_round)
    context = {
        "rounds": rounds,
        "round": survey_round,
        "trend": trend,
        "current": current,
        "band_rows": survey_selectors.band_rows(methodology),
        "plan_groups": plans_by_opd(shown, today),
        "plan_count": len(plans),
        "shown_count": len(shown),
        "plan_filter": chosen,
        "scale": public_scale.scale(),
        "recommendation_rows": recommendation_rows(survey_round, plans),
        "recommendation_states": RECOMMENDATION_STATES,
        "indicator_rows": indicators,
        "indicator_example": any(row["example"] for row in indicators),
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


def progress_steps(decisions, milestones) -> list[dict]:
    """The plan's verified progress after each acceptance, oldest first, computed as
    actionplans.services.plan_official_progress does: the weighted share of milestones done
    where the plan has milestones, else the percent of the latest report accepted so far.

    `decisions`: dicts with decided_at, percent, report_date and milestone_id of each accepted
    report; `milestones`: the plan's milestones (weight)."""
    weights = {milestone.pk: milestone.weight for milestone in milestones}
    total = sum(weights.values())
    done: set[int] = set()
    latest = None
    steps = []
    for decision in sorted(decisions, key=lambda d: (d["decided_at"], d["report_date"])):
        if decision["milestone_id"] in weights:
            done.add(decision["milestone_id"])
        if latest is None or decision["report_date"] >= latest["report_date"]:
            latest = decision
        if total:
            share = Decimal(100) * sum(weights[pk] for pk in done) / total
            progress = share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        else:
            progress = Decimal(latest["percent"])
        steps.append({**decision, "progress": progress})
    return steps


def _accepted_decisions(plan) -> list[dict]:
    """Accepted reports of the plan with the percent decided; no verifier, no note, no file."""
    accepted = VerificationDecision.objects.filter(
        report__plan=plan, report__status=ReportStatus.ACCEPTED, outcome=DecisionOutcome.ACCEPTED
    )
    rows = accepted.values(
        "decided_at", "percent", "report__percent", "report__report_date", "report__milestone_id"
    )
    return [
        {
            "decided_at": row["decided_at"],
            "percent": row["report__percent"] if row["percent"] is None else row["percent"],
            "report_date": row["report__report_date"],
            "milestone_id": row["report__milestone_id"],
        }
        for row in rows
    ]


def _indicator_scores_of(survey_round, plan) -> list[dict]:
    """The region's scores of the plan's indicators, per respondent group."""
    dimensions = list(plan.indicators.all())
    rows = {d.code: {"dimension": d, "scores": {}} for d in dimensions}
    scores = survey_selectors.home_indicator_scores(survey_round).filter(
        dimension__code__in=list(rows)
    )
    for score in scores:
        rows[score.dimension.code]["scores"][score.group] = score.score
    return list(rows.values())


def public_plan_page(year: int, pk: int) -> dict:
    """One public plan of a published round: what it answers, its steps and its verified
    progress over time, in a fixed number of queries; 404 for a plan the public may not see."""
    survey_round = published_round_or_404(year)
    plan = _public_plans_with_recommendations(survey_round, "text").filter(pk=pk).first()
    if plan is None:
        raise Http404("No public plan with this number in this round.")
    today = timezone.localdate()
    _with_public_state([plan], today)
    milestones = list(
        Milestone.objects.filter(plan=plan)
        .only("plan_id", "title", "quarter", "due_date", "weight", "is_verified_done")
        .order_by("due_date", "pk")
    )
    open_plan = plan.status not in (PlanStatus.DONE, PlanStatus.CANCELLED)
    for milestone in milestones:
        milestone.overdue = (
            open_plan and milestone.due_date < today and not milestone.is_verified_done
        )
    return {
        "round": survey_round,
        "plan": plan,
        "milestones": milestones,
        "steps": progress_steps(_accepted_decisions(plan), milestones),
        "indicator_rows": _indicator_scores_of(survey_round, plan),
        "scale": public_scale.scale(),
        "recommendations": list(plan.recommendations.all()),
    }
