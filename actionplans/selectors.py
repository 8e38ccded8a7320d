"""Reads for the action-plan pages, every one of them scoped to the user."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, Exists, ExpressionWrapper, F, OuterRef, Q, Sum
from django.utils import timezone

from actionplans.access import opd_id_of, sees_all_plans
from actionplans.models import (
    OPD,
    PLAN_RELATIONS,
    ActionPlan,
    PlanReview,
    PlanStatus,
    ProgressReport,
    Recommendation,
    ReportStatus,
    ReviewOutcome,
)
from surveys.models import Dimension

DUE_SOON_DAYS = 14
PENDING_TOO_LONG_DAYS = 7


def plans_for_list(user, *, filters: dict | None = None, today=None):
    """The plans a user may see, filtered, with everything a list row shows (constant queries)."""
    filters = filters or {}
    plans = ActionPlan.objects.visible_to(user)
    if filters.get("round"):
        plans = plans.filter(round=filters["round"])
    if filters.get("opd"):
        plans = plans.filter(owner_opd=filters["opd"])
    if filters.get("status"):
        plans = plans.filter(status=filters["status"])
    if filters.get("indicator"):
        plans = plans.filter(indicators__code=filters["indicator"]).distinct()
    if filters.get("overdue"):
        plans = plans.overdue(today)
    pending = ProgressReport.objects.filter(plan=OuterRef("pk"), status=ReportStatus.PENDING)
    return (
        plans.select_related("round", "owner_opd")
        .prefetch_related("indicators")
        .annotate(has_pending=Exists(pending))
        .order_by("due_date", "pk")
    )


def plans_for_detail(user):
    return ActionPlan.objects.visible_to(user).select_related("round", "owner_opd", "created_by")


@dataclass(frozen=True)
class Rollup:
    label: str
    progress: Decimal | None
    plans: int
    left_out: int


def _rollup_rows(plans, key: str | None):
    counted = Q(verified_progress__isnull=False)
    weighted = ExpressionWrapper(
        F("weight") * F("verified_progress"), output_field=DecimalField(max_digits=12)
    )
    rows = plans.exclude(status=PlanStatus.CANCELLED).order_by()
    if key:
        rows = rows.values(key).order_by(key)
    aggregates = {
        "n_plans": Count("pk", distinct=True),
        "n_counted": Count("pk", filter=counted, distinct=True),
        "weighted_sum": Sum(weighted, filter=counted),
        "weight_sum": Sum("weight", filter=counted),
    }
    return rows.annotate(**aggregates) if key else [rows.aggregate(**aggregates)]


def _rollup(row, label) -> Rollup:
    progress = None
    if row["weight_sum"]:
        progress = (Decimal(row["weighted_sum"]) / row["weight_sum"]).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
    return Rollup(label, progress, row["n_plans"], row["n_plans"] - row["n_counted"])


def progress_rollup(plans, key: str | None = None) -> list[Rollup]:
    """Weighted average of official progress per `key` (e.g. "owner_opd__name",
    "indicators__code") or overall; plans without an accepted report are left out and
    counted, never averaged in as 0. Cancelled plans are not part of any roll-up."""
    return [_rollup(row, row[key] if key else "") for row in _rollup_rows(plans, key)]


def _counted_plans(plans) -> Q:
    """Q on Recommendation selecting its plans among `plans` (None: every plan)."""
    return Q() if plans is None else Q(plans__in=plans.values("pk"))


def recommendations_with_follow_up(survey_round, plans):
    """The round's KPK recommendations in force with how many of `plans` (the plans the reader may
    see) answer them and how many of those are done and verified."""
    counted = _counted_plans(plans)
    done = counted & Q(plans__status=PlanStatus.DONE, plans__verified_progress=100)
    not_cancelled = counted & ~Q(plans__status=PlanStatus.CANCELLED)
    return (
        Recommendation.objects.in_force()
        .filter(round=survey_round)
        .annotate(
            n_plans=Count("plans", filter=not_cancelled, distinct=True),
            n_done=Count("plans", filter=done, distinct=True),
        )
        .order_by("code")
    )


def recommendations_withdrawn(survey_round):
    """The round's withdrawn recommendations, with who withdrew them, when and why."""
    withdrawn = Recommendation.objects.filter(round=survey_round, withdrawn_at__isnull=False)
    return withdrawn.select_related("withdrawn_by").order_by("code")


def follow_up_rate(survey_round, plans=None) -> dict:
    """Recommendations in force with at least one plan done and verified, over all of the
    round's in force (withdrawn ones are in neither number). Only `plans` count (the plans the
    reader may see); None counts every plan, as the public page does."""
    done_and_verified = _counted_plans(plans) & Q(
        plans__status=PlanStatus.DONE, plans__verified_progress=100
    )
    counts = (
        Recommendation.objects.in_force()
        .filter(round=survey_round)
        .aggregate(
            total=Count("pk", distinct=True),
            followed=Count("pk", filter=done_and_verified, distinct=True),
        )
    )
    total, followed = counts["total"], counts["followed"]
    rate = None
    if total:
        rate = (Decimal(100) * followed / total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return {"followed": followed, "total": total, "rate": rate}


@dataclass
class WeakPoint:
    """A weak indicator (or, without indicator scores, the weakest respondent group)."""

    code: str
    group: str
    scores: list
    plans: list
    plan_count: int | None = None

    @property
    def has_plan(self) -> bool:
        return bool(self.plans or self.plan_count)


def _round_plans(user, survey_round):
    return (
        ActionPlan.objects.visible_to(user)
        .filter(round=survey_round)
        .exclude(status=PlanStatus.CANCELLED)
        .select_related("owner_opd")
        .prefetch_related("indicators")
    )


def weak_points(user, survey_round, weak_indicators, weakest_group) -> list[WeakPoint]:
    """Each weak indicator with the plans addressing it; without indicator scores, the
    weakest respondent group with the plans targeting it."""
    plans = list(_round_plans(user, survey_round))
    if not weak_indicators:
        if weakest_group is None:
            return []
        targeting = [p for p in plans if p.respondent_group == weakest_group]
        return [WeakPoint(code="", group=weakest_group, scores=[], plans=targeting)]
    points: dict[str, WeakPoint] = {}
    for weak in weak_indicators:
        point = points.setdefault(weak.code, WeakPoint(weak.code, "", [], []))
        point.scores.append(weak)
    for plan in plans:
        for code in {indicator.code for indicator in plan.indicators.all()} & points.keys():
            points[code].plans.append(plan)
    return list(points.values())


def weak_point_coverage(user, survey_round, weak_indicators, weakest_group) -> list[WeakPoint]:
    """The weak points with how many plans answer each, in one aggregate query (for pages
    that show coverage, not the plans themselves)."""
    plans = ActionPlan.objects.visible_to(user).filter(round=survey_round)
    plans = plans.exclude(status=PlanStatus.CANCELLED).order_by()
    if not weak_indicators:
        if weakest_group is None:
            return []
        count = plans.filter(respondent_group=weakest_group).count()
        return [WeakPoint(code="", group=weakest_group, scores=[], plans=[], plan_count=count)]
    points: dict[str, WeakPoint] = {}
    for weak in weak_indicators:
        point = points.setdefault(weak.code, WeakPoint(weak.code, "", [], [], 0))
        point.scores.append(weak)
    counts = (
        plans.filter(indicators__code__in=points.keys())
        .values("indicators__code")
        .annotate(n=Count("pk", distinct=True))
    )
    for row in counts:
        points[row["indicators__code"]].plan_count = row["n"]
    return list(points.values())


def _waiting_returned(reports):
    later = ProgressReport.objects.filter(
        plan=OuterRef("plan"), submitted_at__gt=OuterRef("submitted_at")
    )
    return reports.filter(status=ReportStatus.RETURNED).exclude(Exists(later))


def opd_worklist(opd, *, today=None) -> dict:
    """What an OPD has to act on: plans due soon, overdue plans, returned reports waiting."""
    today = today or timezone.localdate()
    plans = ActionPlan.objects.filter(owner_opd=opd).select_related("round")
    # only approved plans run: a draft or a plan waiting for approval is listed apart
    not_running = [PlanStatus.DONE, PlanStatus.CANCELLED, PlanStatus.DRAFT, PlanStatus.SUBMITTED]
    open_plans = plans.exclude(status__in=not_running)
    returned = ProgressReport.objects.filter(plan__owner_opd=opd)
    return {
        # drafts assigned to the OPD (at the coordination meeting or by the Inspectorate): the
        # OPD completes and submits them; `submitted` ones wait for approval
        "to_complete": list(plans.filter(status=PlanStatus.DRAFT).order_by("due_date", "pk")),
        "submitted": list(plans.filter(status=PlanStatus.SUBMITTED).order_by("due_date", "pk")),
        "due_soon": list(
            open_plans.filter(due_date__gte=today, due_date__lte=today + timedelta(DUE_SOON_DAYS))
        ),
        "overdue": list(open_plans.overdue(today)),
        "returned": list(
            _waiting_returned(returned)
            .select_related("plan")
            .prefetch_related("decisions")
            .order_by("submitted_at")
        ),
    }


def user_worklist(user, *, today=None) -> dict | None:
    opd_id = opd_id_of(user)
    if opd_id is None:
        return None
    return opd_worklist(opd_id, today=today)


def verification_queue(user):
    """Pending reports the user may verify, oldest first."""
    return (
        ProgressReport.objects.verifiable_by(user)
        .filter(status=ReportStatus.PENDING)
        .select_related("plan", "plan__owner_opd", "reporter")
        .prefetch_related("evidence")
        .order_by("submitted_at", "pk")
    )


def pending_too_long(*, today=None):
    today = today or timezone.localdate()
    cutoff = today - timedelta(PENDING_TOO_LONG_DAYS)
    return (
        ProgressReport.objects.filter(status=ReportStatus.PENDING, submitted_at__date__lt=cutoff)
        .select_related("plan", "plan__owner_opd")
        .order_by("submitted_at")
    )


def plan_timeline(user, plan) -> list[dict]:
    """Reports, decisions and changes to the plan, newest first."""
    reports = (
        ProgressReport.objects.visible_to(user)
        .filter(plan=plan)
        .select_related("reporter", "milestone")
        .prefetch_related("evidence", "decisions__verifier")
    )
    events = []
    for report in reports:
        events.append({"when": report.submitted_at, "kind": "report", "report": report})
        for decision in report.decisions.all():
            events.append({"when": decision.decided_at, "kind": "decision", "decision": decision})
    events.extend(_plan_changes(plan))
    return sorted(events, key=lambda event: event["when"], reverse=True)


def _plan_changes(plan) -> list[dict]:
    records = list(plan.history.select_related("history_user").order_by("history_date"))
    relations = _relation_snapshots(records)
    events = []
    for previous, record in zip([None, *records], records, strict=False):
        changed = []
        if previous is not None:
            changed = [
                ActionPlan._meta.get_field(change.field).verbose_name
                for change in record.diff_against(previous, excluded_fields=PLAN_RELATIONS).changes
            ]
            changed += _relations_changed(relations, previous, record)
        events.append(
            {"when": record.history_date, "kind": "change", "record": record, "fields": changed}
        )
    return events


def _relation_snapshots(records) -> dict[str, dict[int, set]]:
    """Per relation, the ids each history row recorded; one query a relation."""
    history_ids = [record.history_id for record in records]
    snapshots = {}
    for name in PLAN_RELATIONS:
        recorded = getattr(ActionPlan.history.model, name).model.objects
        related = ActionPlan._meta.get_field(name).m2m_reverse_field_name()
        rows = recorded.filter(history_id__in=history_ids).values_list("history_id", related)
        snapshots[name] = defaultdict(set)
        for history_id, related_id in rows:
            snapshots[name][history_id].add(related_id)
    return snapshots


def _relations_changed(snapshots, previous, record) -> list:
    """The relations that differ between two rows. A plan always has an indicator, so a row
    without one predates the recording of relations: it is not compared."""
    if not snapshots["indicators"].get(previous.history_id):
        return []
    return [
        ActionPlan._meta.get_field(name).verbose_name
        for name in PLAN_RELATIONS
        if snapshots[name].get(previous.history_id) != snapshots[name].get(record.history_id)
    ]


PUBLIC_PLAN_FIELDS = (
    "round_id",
    "title",
    "public_summary",
    "status",
    "start_date",
    "due_date",
    "verified_progress",
    "owner_opd__name",
)


def public_plans(survey_round):
    """The plans anyone may see for a round: marked for the public page and approved (neither a
    draft nor one waiting for approval).

    Only what the public page and open data show is loaded (no findings, notes or people);
    two queries whatever the number of plans.
    """
    return (
        ActionPlan.objects.filter(round=survey_round, show_on_public_page=True)
        .exclude(status__in=[PlanStatus.DRAFT, PlanStatus.SUBMITTED])
        .select_related("owner_opd")
        .prefetch_related("indicators")
        .only(*PUBLIC_PLAN_FIELDS)
        .order_by("owner_opd__name", "due_date", "pk")
    )


def landing_page(user) -> str | None:
    """The URL name an OPD user starts from (Rencana aksi saya); None for everyone else."""
    if opd_id_of(user) is not None and not sees_all_plans(user):
        return "actionplans:my_plans"
    return None


def open_return(plan, reviews=None) -> PlanReview | None:
    """The Inspectorate's return note a draft still has to answer: the last step when it is a
    return and the plan is a draft again (gone once the plan is resubmitted)."""
    if plan.status != PlanStatus.DRAFT:
        return None
    if reviews is None:
        last = plan.reviews.select_related("actor").order_by("-at", "-pk").first()
    else:
        last = reviews[-1] if reviews else None
    return last if last is not None and last.outcome == ReviewOutcome.RETURNED else None


@dataclass
class MeetingRow:
    """One line of the coordination meeting: a weak indicator or a KPK recommendation."""

    key: str  # the HTML id of the row
    indicator: Dimension | None
    recommendation: Recommendation | None
    scores: list
    plans: list


def meeting_rows(survey_round, weak_indicators) -> dict:
    """The round's weak indicators (with group scores and gap) and its recommendations in force,
    each with every plan answering it (drafts too), and the OPDs to assign to. Constant queries:
    indicators, recommendations, plans with their links, OPDs."""
    codes = list(dict.fromkeys(weak.code for weak in weak_indicators))
    dimensions = {d.code: d for d in Dimension.objects.filter(round=survey_round, code__in=codes)}
    indicator_rows: dict[str, MeetingRow] = {}
    for weak in weak_indicators:
        if weak.code not in dimensions:
            continue
        row = indicator_rows.setdefault(
            weak.code,
            MeetingRow(f"ind-{dimensions[weak.code].pk}", dimensions[weak.code], None, [], []),
        )
        row.scores.append(weak)
    recommendation_rows = {
        r.pk: MeetingRow(f"rec-{r.pk}", None, r, [], [])
        for r in Recommendation.objects.in_force().filter(round=survey_round).order_by("code")
    }
    plans = (
        ActionPlan.objects.filter(round=survey_round)
        .select_related("owner_opd")
        .prefetch_related("indicators", "recommendations", "supporting_opds")
        .order_by("status", "due_date", "pk")
    )
    for plan in plans:
        for indicator in plan.indicators.all():
            if indicator.code in indicator_rows:
                indicator_rows[indicator.code].plans.append(plan)
        for recommendation in plan.recommendations.all():
            if recommendation.pk in recommendation_rows:
                recommendation_rows[recommendation.pk].plans.append(plan)
    return {
        "indicator_rows": list(indicator_rows.values()),
        "recommendation_rows": list(recommendation_rows.values()),
        "opds": list(OPD.objects.filter(is_active=True).order_by("name")),
    }
