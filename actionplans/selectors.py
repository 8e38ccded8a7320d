"""Reads for the action-plan pages, every one of them scoped to the user."""

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from django.core.cache import cache
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from actionplans import access, notifications
from actionplans.access import opd_id_of, sees_all_plans
from actionplans.models import (
    OPD,
    PLAN_RELATIONS,
    ActionPlan,
    DecisionOutcome,
    Evidence,
    Milestone,
    Notification,
    PlanReview,
    PlanStatus,
    ProgressReport,
    Recommendation,
    ReportStatus,
    ReviewOutcome,
    VerificationDecision,
)
from surveys import formatting, scoring
from surveys import selectors as survey_selectors
from surveys.models import Dimension, SurveyRound, sees_draft_rounds
from surveys.naming import indicator_name
from surveys.templatetags.spi import indicator as indicator_label

MAX_CODE_LENGTH = Dimension._meta.get_field("code").max_length
DUE_SOON_DAYS = 14
PENDING_TOO_LONG_DAYS = 7
# a plan covers a weak point or a recommendation only once it is under way (or done): a draft
# is an intention, listed as a draft, and a cancelled plan covers nothing
COVERING_STATUSES = (PlanStatus.ACTIVE, PlanStatus.DONE)


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
    if filters.get("state"):
        plans = plans.filter(pk__in=_plans_in_state(filters["state"], today))
    pending = ProgressReport.objects.filter(plan=OuterRef("pk"), status=ReportStatus.PENDING)
    late = Milestone.objects.overdue(today).filter(plan=OuterRef("pk")).order_by()
    late_count = late.values("plan").annotate(n=Count("pk")).values("n")
    return (
        plans.select_related("round", "owner_opd", "carried_over_from__round")
        .only(*PLAN_LIST_FIELDS)
        .prefetch_related("indicators")
        .annotate(
            has_pending=Exists(pending),
            overdue_milestones=Coalesce(Subquery(late_count), 0),
        )
        .order_by("due_date", "pk")
    )


PLAN_LIST_FIELDS = (
    "pk",
    "title",
    "status",
    "due_date",
    "verified_progress",
    "round__year",
    "owner_opd__name",
    "owner_opd__short_name",
    "carried_over_from__round__year",
)
STATUS_BADGE = {
    PlanStatus.ACTIVE: "text-bg-primary",
    PlanStatus.DONE: "text-bg-success",
    PlanStatus.CANCELLED: "text-bg-dark",
    PlanStatus.SUBMITTED: "text-bg-info",
}


def plan_rows(plans, today) -> list:
    """A page of the plan list with what each row shows, ready to print: its link (formatted,
    not reversed, per row), status label (translated once per status) and badge, year, OPD,
    indicators (read as values, each named once), due date, capaian and the origin and
    overdue-milestone badges' text, so the template only places them."""
    url = pk_url("actionplans:plan_detail")
    labels = {value: str(label) for value, label in PlanStatus.choices}
    language = get_language()
    rows = list(plans.prefetch_related(None))
    indicators = _indicator_labels([plan.pk for plan in rows])
    for plan in rows:
        plan.url = url(plan.pk)
        plan.status_label = labels[plan.status]
        plan.status_badge = STATUS_BADGE.get(plan.status, "text-bg-secondary")
        plan.overdue = plan.is_overdue(today)
        plan.indicator_names = indicators.get(plan.pk, "")
        _row_labels(plan, language)
    return rows


def _indicator_labels(plan_ids) -> dict:
    """Each plan's indicators as the list shows them, in the order of `plan.indicators`."""
    links = ActionPlan.indicators.through.objects.filter(actionplan_id__in=plan_ids)
    rows = links.order_by("dimension__round", "dimension__code").values_list(
        "actionplan_id",
        "dimension_id",
        "dimension__code",
        "dimension__name_id",
        "dimension__name_en",
    )
    named, by_plan = {}, defaultdict(list)
    for plan_id, dimension_id, code, name_id, name_en in rows:
        if dimension_id not in named:
            item = SimpleNamespace(code=code, name_id=name_id, name_en=name_en)
            named[dimension_id] = indicator_label(item)
        by_plan[plan_id].append(named[dimension_id])
    return {plan_id: mark_safe("<br>".join(names)) for plan_id, names in by_plan.items()}


def _row_labels(plan, language: str) -> None:
    plan.year = str(plan.round.year)
    plan.opd_label = str(plan.owner_opd)
    plan.due_label = formatting.day(plan.due_date, language)
    plan.origin_label = plan.milestones_label = None
    if plan.carried_over_from_id:
        year = plan.carried_over_from.round.year
        plan.origin_label = _("Carried over from %(year)s") % {"year": year}
    if plan.overdue_milestones:
        count = plan.overdue_milestones
        one, many = "%(n)s milestone overdue", "%(n)s milestones overdue"  # as in the catalogue
        plan.milestones_label = ngettext(one, many, count) % {"n": count}
    progress = plan.verified_progress
    plan.progress_label = None if progress is None else formatting.percent(progress, language, -1)
    plan.progress_value = None if progress is None else int(progress)


def _plans_in_state(state: str, today):
    """Ids of the plans in a work state the home pages link to (?state=...)."""
    if state == "overdue":
        return ActionPlan.objects.overdue(today).values("pk")
    if state == "milestone_overdue":
        return Milestone.objects.overdue(today).values("plan_id")
    if state == "returned":
        return _waiting_returned(ProgressReport.objects.all()).values("plan_id")
    if state == "waiting":
        return ProgressReport.objects.filter(status=ReportStatus.PENDING).values("plan_id")
    raise ValueError(f"Unknown plan state {state!r}.")


DETAIL_RIGHTS = (
    "change",
    "cancel",
    "add_milestone",
    "report",
    "complete",
    "submit",
    "activate",
    "review",
)


def plans_for_detail(user):
    """Visible plans with what the detail page shows, and the user's rights on each
    (`can_change`, `can_report`, ...) read in the same query."""
    plans = ActionPlan.objects.visible_to(user).select_related(
        "round", "owner_opd", "created_by", "carried_over_from__round"
    )
    plans = plans.prefetch_related("milestones", "indicators", "recommendations", "supporting_opds")
    return access.with_rights(plans, user, DETAIL_RIGHTS)


def plan_report_states(timeline) -> dict:
    """From the timeline's reports (every report of a plan the user sees): the milestones with
    a report waiting, and the returned reports not answered yet, newest first."""
    reports = [event["report"] for event in timeline if event["kind"] == "report"]
    pending = [report for report in reports if report.status == ReportStatus.PENDING]
    returned = [report for report in reports if report.answerable]
    returned.sort(key=lambda report: report.submitted_at, reverse=True)
    waiting = {report.milestone_id for report in pending if report.milestone_id}
    return {"milestones_waiting": waiting, "returned_waiting": returned}


@dataclass
class CarryOverCandidate:
    """A plan of the previous round as the carry-over page offers it."""

    plan: ActionPlan
    successor_id: int | None  # its copy in the new round, if carried over before
    unmapped: list[str]  # its indicator codes the new round has no indicator for
    mappable: bool  # at least one of its indicators exists in the new round

    @property
    def suggested(self) -> bool:
        """Ticked by default: not done, not cancelled, not carried over yet, copyable."""
        open_plan = self.plan.status in (PlanStatus.DRAFT, PlanStatus.ACTIVE)
        return open_plan and not self.already and self.mappable

    @property
    def already(self) -> bool:
        return self.successor_id is not None


def carry_over_candidates(user, source_round, target_round) -> list[CarryOverCandidate]:
    """The plans of `source_round` the user may see, each with whether it was carried into
    `target_round` already and which of its indicators cannot be mapped (constant queries)."""
    if source_round is None:
        return []
    carried = ActionPlan.objects.filter(round=target_round, carried_over_from=OuterRef("pk"))
    successor = Subquery(carried.order_by("pk").values("pk")[:1])
    plans = (
        ActionPlan.objects.visible_to(user)
        .filter(round=source_round)
        .select_related("owner_opd")
        .prefetch_related("indicators")
        .annotate(successor_id=successor)
        .order_by("owner_opd__name", "title", "pk")
    )
    codes = set(target_round.dimensions.values_list("code", flat=True))
    candidates = []
    for plan in plans:
        own = sorted(indicator.code for indicator in plan.indicators.all())
        unmapped = [code for code in own if code not in codes]
        candidates.append(
            CarryOverCandidate(plan, plan.successor_id, unmapped, len(unmapped) < len(own))
        )
    return candidates


@dataclass(frozen=True)
class Rollup:
    label: str
    progress: Decimal | None
    plans: int
    left_out: int


def _rollup_rows(plans, key: str | tuple[str, ...] | None):
    counted = Q(verified_progress__isnull=False)
    weighted = ExpressionWrapper(
        F("weight") * F("verified_progress"), output_field=DecimalField(max_digits=12)
    )
    rows = plans.exclude(status=PlanStatus.CANCELLED).order_by()
    if key:
        keys = (key,) if isinstance(key, str) else key
        rows = rows.values(*keys).order_by(*keys)
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


def plan_list_totals(user, plans, filters: dict, plan_generation: int, today) -> tuple:
    """The plan list's roll-up (progress_rollup of its filtered plans) and how many plans it
    has, computed once per plan-data generation, plan scope, filter and day, then read from
    the cache."""
    chosen = {name: getattr(value, "pk", value) for name, value in sorted(filters.items())}
    digest = hashlib.sha256(repr(chosen).encode()).hexdigest()[:24]
    scope = access.plan_scope_key(user)
    key = f"plan-list-totals:{plan_generation}:{scope}:{today.isoformat()}:{digest}"
    totals = cache.get(key)
    if totals is None:
        totals = (progress_rollup(plans)[0], plans.count())
        cache.set(key, totals, FILTER_CACHE_SECONDS)
    return totals


@dataclass(frozen=True)
class IndicatorLabel:
    """An indicator as a roll-up row names it (what the indicator filter shows)."""

    code: str
    name_id: str
    name_en: str


INDICATOR_KEYS = ("indicators__code", "indicators__name_id", "indicators__name_en")


def indicator_rollup(plans) -> list[Rollup]:
    """progress_rollup per indicator of one round's plans, each row labelled by its indicator."""
    return [
        _rollup(row, IndicatorLabel(*(row[key] for key in INDICATOR_KEYS)))
        for row in _rollup_rows(plans, INDICATOR_KEYS)
    ]


def _counted_plans(plans) -> Q:
    """Q on Recommendation selecting its plans among `plans` (None: every plan)."""
    return Q() if plans is None else Q(plans__in=plans.values("pk"))


def recommendations_with_follow_up(survey_round, plans):
    """The round's KPK recommendations in force with how many of `plans` (the plans the reader may
    see) answer them and how many of those are done and verified."""
    counted = _counted_plans(plans)
    done = counted & Q(plans__status=PlanStatus.DONE, plans__verified_progress=100)
    covering = counted & Q(plans__status__in=COVERING_STATUSES)
    drafts = counted & Q(plans__status=PlanStatus.DRAFT)
    return (
        Recommendation.objects.in_force()
        .filter(round=survey_round)
        .annotate(
            n_plans=Count("plans", filter=covering, distinct=True),
            n_drafts=Count("plans", filter=drafts, distinct=True),
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


def recommendations_covered(survey_round, plans) -> int:
    """How many of the round's recommendations in force one of `plans` answers while active or
    done (a draft is an intention and covers nothing)."""
    covering = _counted_plans(plans) & Q(plans__status__in=COVERING_STATUSES)
    in_force = Recommendation.objects.in_force().filter(round=survey_round)
    return in_force.filter(covering).distinct().count()


@dataclass(frozen=True)
class StateCount:
    status: str
    label: str
    count: int


def plans_by_state(plans, *, today=None) -> dict:
    """How many of `plans` are in each status, and how many of them are overdue (one query)."""
    overdue = Q(pk__in=plans.overdue(today).values("pk"))
    counts = plans.aggregate(
        overdue=Count("pk", filter=overdue),
        **{status.value: Count("pk", filter=Q(status=status)) for status in PlanStatus},
    )
    rows = [StateCount(status.value, status.label, counts[status.value]) for status in PlanStatus]
    return {"rows": rows, "total": sum(row.count for row in rows), "overdue": counts["overdue"]}


@dataclass
class WeakPoint:
    """A weak indicator (or, without indicator scores, the weakest respondent group)."""

    code: str
    group: str
    scores: list
    plans: list
    plan_count: int | None = None
    draft_count: int = 0

    @property
    def name_id(self) -> str:
        return self.scores[0].name_id if self.scores else ""

    @property
    def name_en(self) -> str:
        return self.scores[0].name_en if self.scores else ""

    @property
    def has_plan(self) -> bool:
        """Whether an active or done plan answers it (drafts do not count)."""
        if self.plan_count is not None:
            return bool(self.plan_count)
        return any(plan.status in COVERING_STATUSES for plan in self.plans)

    @property
    def drafts(self) -> list:
        return [plan for plan in self.plans if plan.status == PlanStatus.DRAFT]


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
        point = WeakPoint(code="", group=weakest_group, scores=[], plans=targeting)
        counts = ActionPlan.objects.filter(round=survey_round, respondent_group=weakest_group)
        row = counts.order_by().aggregate(**_coverage_counts())
        point.plan_count, point.draft_count = row["n"], row["drafts"]
        return [point]
    points: dict[str, WeakPoint] = {}
    for weak in weak_indicators:
        point = points.setdefault(weak.code, WeakPoint(weak.code, "", [], []))
        point.scores.append(weak)
    for plan in plans:
        for code in {indicator.code for indicator in plan.indicators.all()} & points.keys():
            points[code].plans.append(plan)
    _count_coverage(survey_round, points)
    return list(points.values())


def _count_coverage(survey_round, points: dict[str, WeakPoint]) -> None:
    """Whether a point is covered counts every plan of the round, not only those the reader
    sees (see weak_point_coverage)."""
    counts = (
        ActionPlan.objects.filter(round=survey_round, indicators__code__in=points.keys())
        .order_by()
        .values("indicators__code")
        .annotate(**_coverage_counts())
    )
    for point in points.values():
        point.plan_count = 0
    for row in counts:
        points[row["indicators__code"]].plan_count = row["n"]
        points[row["indicators__code"]].draft_count = row["drafts"]


def _coverage_counts():
    covering = Q(status__in=COVERING_STATUSES)
    return {
        "n": Count("pk", filter=covering, distinct=True),
        "drafts": Count("pk", filter=Q(status=PlanStatus.DRAFT), distinct=True),
    }


def weak_point_coverage(user, survey_round, weak_indicators, weakest_group) -> list[WeakPoint]:
    """The weak points with how many active or done plans answer each (and how many drafts),
    in one aggregate query (for pages that show coverage, not the plans themselves).

    Coverage is a fact about the institution, not about the reader: every plan of the round
    counts, so an OPD head is never told "no plan" for an indicator another OPD, or a draft
    of their own OPD the Inspectorate still holds, answers. Only numbers leave here."""
    plans = ActionPlan.objects.filter(round=survey_round).order_by()
    if not weak_indicators:
        if weakest_group is None:
            return []
        row = plans.filter(respondent_group=weakest_group).aggregate(**_coverage_counts())
        point = WeakPoint("", weakest_group, [], [], row["n"], row["drafts"])
        return [point]
    points: dict[str, WeakPoint] = {}
    for weak in weak_indicators:
        point = points.setdefault(weak.code, WeakPoint(weak.code, "", [], [], 0))
        point.scores.append(weak)
    counts = (
        plans.filter(indicators__code__in=points.keys())
        .values("indicators__code")
        .annotate(**_coverage_counts())
    )
    for row in counts:
        points[row["indicators__code"]].plan_count = row["n"]
        points[row["indicators__code"]].draft_count = row["drafts"]
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
        "overdue_milestones": list(overdue_milestones(today=today).filter(plan__owner_opd=opd)),
    }


def overdue_milestones(*, today=None):
    """Milestones past due and not verified done on open plans, with their plan and OPD."""
    return (
        Milestone.objects.overdue(today)
        .exclude(plan__status=PlanStatus.DRAFT)
        .select_related("plan", "plan__owner_opd")
        .order_by("due_date", "plan__owner_opd__name", "pk")
    )


def user_worklist(user, *, today=None) -> dict | None:
    opd_id = opd_id_of(user)
    if opd_id is None:
        return None
    return opd_worklist(opd_id, today=today)


OPD_LABEL = ("plan__owner_opd__name", "plan__owner_opd__short_name")  # what str(opd) reads


def verification_queue(user):
    """Pending reports the user may verify, oldest first, with only what a queue row shows."""
    return (
        ProgressReport.objects.verifiable_by(user)
        .filter(status=ReportStatus.PENDING)
        .select_related("plan", "plan__owner_opd")
        .only("pk", "submitted_at", "percent", "revises_id", "plan__title", *OPD_LABEL)
        .annotate(evidence_count=_evidence_count())
        .order_by("submitted_at", "pk")
    )


def _evidence_count():
    """A report's files counted in a subquery: a join with GROUP BY would aggregate every
    waiting report before the page's LIMIT, and keep the queue off its index."""
    files = Evidence.objects.filter(report=OuterRef("pk")).order_by().values("report")
    return Coalesce(Subquery(files.annotate(n=Count("pk")).values("n")), 0)


def pk_url(name: str):
    """`name`'s URL for any pk, reversed once: a list formats it per row rather than reversing
    (and resolving the URLconf) on every row."""
    marker = "2147483647"
    return reverse(name, args=[int(marker)]).replace(marker, "{}").format


def queue_rows(reports) -> list:
    """A page of the verification queue with each row's links."""
    plan_url, verify_url = pk_url("actionplans:plan_detail"), pk_url("actionplans:report_verify")
    language = get_language()
    rows = list(reports)
    for report in rows:
        report.plan_url = plan_url(report.plan_id)
        report.verify_url = verify_url(report.pk)
        submitted = timezone.localtime(report.submitted_at)
        report.submitted_iso = submitted.isoformat()
        report.submitted_label = formatting.day(submitted, language)
        report.opd_label = str(report.plan.owner_opd)
    return rows


def next_to_verify(user):
    """The oldest report still waiting that the user may verify, or None."""
    waiting = ProgressReport.objects.verifiable_by(user).filter(status=ReportStatus.PENDING)
    return waiting.order_by("submitted_at", "pk").only("pk").first()


def answerable(reports):
    """Annotate `answerable`: returned and not answered yet, i.e. no report of the plan came
    after it (its revision, or any later report, accepted or not)."""
    later = ProgressReport.objects.filter(
        plan=OuterRef("plan"), submitted_at__gt=OuterRef("submitted_at")
    )
    open_return = Q(status=ReportStatus.RETURNED) & ~Q(Exists(later)) & Q(revision__isnull=True)
    return reports.annotate(answerable=ExpressionWrapper(open_return, output_field=BooleanField()))


PREVIEWABLE = ("pdf", "png", "jpg")


@dataclass(frozen=True)
class EvidenceChange:
    added: list
    kept: list
    removed: list


@dataclass(frozen=True)
class Resubmission:
    """What a revision changed against the returned report it answers."""

    earlier: ProgressReport
    return_note: str
    percent_before: int
    percent_after: int
    narrative_changed: bool
    evidence: EvidenceChange


@dataclass(frozen=True)
class VerificationDesk:
    report: ProgressReport
    plan: ActionPlan
    evidence: list
    history: list
    last_accepted: VerificationDecision | None
    resubmission: Resubmission | None

    @property
    def change(self) -> Decimal | None:
        """The claimed percent against the plan's verified progress (None: nothing verified)."""
        if self.plan.verified_progress is None:
            return None
        return Decimal(self.report.percent) - self.plan.verified_progress


def _evidence_of(reports_q):
    return Evidence.objects.filter(reports_q).select_related("carried_from").order_by("pk")


def verification_desk(user, pk) -> VerificationDesk:
    """The report the user may verify beside its plan, its files, the earlier decisions on the
    plan and, for a revision, what it changed: a fixed number of queries whatever the data."""
    reports = ProgressReport.objects.verifiable_by(user).select_related(
        "plan", "plan__owner_opd", "plan__round", "reporter", "milestone", "revises"
    )
    report = reports.get(pk=pk)
    earlier = report.revises
    wanted = [report.pk] + ([earlier.pk] if earlier else [])
    files = list(_evidence_of(Q(report_id__in=wanted)))
    evidence = [item for item in files if item.report_id == report.pk]
    history = list(
        VerificationDecision.objects.filter(report__plan=report.plan_id)
        .exclude(report=report)
        .select_related("verifier", "report")
        .order_by("-decided_at", "-pk")
    )
    last_accepted = next((d for d in history if d.outcome == DecisionOutcome.ACCEPTED), None)
    resubmission = None
    if earlier is not None:
        before = [item for item in files if item.report_id == earlier.pk]
        resubmission = _resubmission(report, earlier, before, evidence, history)
    return VerificationDesk(
        report=report,
        plan=report.plan,
        evidence=evidence,
        history=history,
        last_accepted=last_accepted,
        resubmission=resubmission,
    )


def _resubmission(report, earlier, before, after, history) -> Resubmission:
    notes = [d.note for d in history if d.report_id == earlier.pk and d.outcome == "returned"]
    before_sha = {item.sha256 for item in before}
    after_sha = {item.sha256 for item in after}
    return Resubmission(
        earlier=earlier,
        return_note=notes[0] if notes else "",
        percent_before=earlier.percent,
        percent_after=report.percent,
        narrative_changed=earlier.narrative.strip() != report.narrative.strip(),
        evidence=EvidenceChange(
            added=[item for item in after if item.sha256 not in before_sha],
            kept=[item for item in after if item.sha256 in before_sha],
            removed=[item for item in before if item.sha256 not in after_sha],
        ),
    )


def returned_waiting(plan):
    """The plan's returned reports not answered yet, with the note they were returned with."""
    reports = answerable(plan.reports.all()).filter(answerable=True)
    return list(reports.prefetch_related("decisions").order_by("-submitted_at"))


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
    reports = answerable(
        ProgressReport.objects.visible_to(user)
        .filter(plan=plan)
        .select_related("reporter", "milestone", "revises")
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
    """Per relation, the ids each history row recorded; every relation in one query (a UNION
    of their history tables, each row tagged with its relation)."""
    history_ids = [record.history_id for record in records]
    queries = []
    for number, name in enumerate(PLAN_RELATIONS):
        recorded = getattr(ActionPlan.history.model, name).model.objects
        related = ActionPlan._meta.get_field(name).m2m_reverse_field_name()
        rows = recorded.filter(history_id__in=history_ids).annotate(relation=Value(number))
        queries.append(rows.order_by().values_list("history_id", related, "relation"))
    snapshots = {name: defaultdict(set) for name in PLAN_RELATIONS}
    for history_id, related_id, number in queries[0].union(*queries[1:], all=True):
        snapshots[PLAN_RELATIONS[number]][history_id].add(related_id)
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
    "verified_at",
    "owner_opd__code",
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
    """The URL name a user starts from: an OPD's people their plans (Rencana aksi saya), the
    Inspectorate its work desk; None (the overview) for everyone else."""
    if opd_id_of(user) is not None and not sees_all_plans(user):
        return "actionplans:my_plans"
    if sees_all_plans(user):
        return "actionplans:desk"
    return None


# --- the current follow-up round --------------------------------------------------------------


def current_round(user=None) -> SurveyRound | None:
    """The follow-up round pages open on: the one chosen in the portal settings, else the
    latest published round with KPK recommendations in force or plans, else the latest
    published round. Always a published round, so it is the same for every reader (`user`
    is taken so that callers need not know that). Two queries."""
    chosen = survey_selectors.configured_round()
    if chosen is not None:
        return chosen
    published = SurveyRound.objects.published().order_by("-year")
    recommendations = Recommendation.objects.in_force().filter(round=OuterRef("pk"))
    plans = ActionPlan.objects.filter(round=OuterRef("pk")).exclude(status=PlanStatus.CANCELLED)
    has_work = ExpressionWrapper(
        Exists(recommendations) | Exists(plans), output_field=BooleanField()
    )
    return published.annotate(has_work=has_work).order_by("-has_work", "-year").first()


# --- the Inspectorate's work desk -------------------------------------------------------------


def _age_days(moment, today) -> int:
    return (today - timezone.localdate(moment)).days


def waiting_reports(user):
    """Reports waiting for verification the user may act on (verify, or see if they do not
    verify), oldest first: the work desk and the menu count read the same rows."""
    if user.has_perm("actionplans.verify_progressreport"):
        reports = ProgressReport.objects.verifiable_by(user)
    else:
        reports = ProgressReport.objects.visible_to(user)
    return reports.filter(status=ReportStatus.PENDING)


HOME_LIST_LENGTH = 10


def first_rows(queryset, limit=HOME_LIST_LENGTH) -> tuple[list, int]:
    """The first `limit` rows and how many there are in all, in two queries whatever the size
    (a window count in the page query made SQLite carry every joined row: 250 ms for 56,000
    overdue plans, against 39 ms for a count and a slice)."""
    return list(queryset[:limit]), queryset.count()


def _latest_decision():
    return Prefetch(
        "decisions",
        queryset=VerificationDecision.objects.order_by("-decided_at", "-pk"),
        to_attr="decisions_newest_first",
    )


def inspector_desk(user, *, today=None, plan_generation=None) -> dict:
    """The Inspectorate's first page, across every round: what waits, what is late, what has
    no plan. A fixed number of queries whatever the number of plans, reports or rounds; with
    `plan_generation` the four totals are counted once per generation, reader and day."""
    today = today or timezone.localdate()
    lists = {
        "waiting": waiting_reports(user)
        .select_related("plan__round", "plan__owner_opd")
        .order_by("submitted_at", "pk"),
        "returned": _waiting_returned(ProgressReport.objects.visible_to(user))
        .select_related("plan__round", "plan__owner_opd")
        .prefetch_related(_latest_decision())
        .order_by("submitted_at", "pk"),
        "overdue_plans": ActionPlan.objects.visible_to(user)
        .overdue(today)
        .select_related("round", "owner_opd")
        .order_by("due_date", "pk"),
        "overdue_milestones": Milestone.objects.visible_to(user)
        .overdue(today)
        .select_related("plan__round", "plan__owner_opd")
        .order_by("due_date", "pk"),
    }
    desk = {name: list(rows[:HOME_LIST_LENGTH]) for name, rows in lists.items()}
    totals = _desk_totals(user, lists, plan_generation, today)
    for report in desk["waiting"]:
        report.age_days = _age_days(report.submitted_at, today)
    for report in desk["returned"]:
        report.last_decision = next(iter(report.decisions_newest_first), None)
        decided = report.last_decision.decided_at if report.last_decision else report.submitted_at
        report.age_days = _age_days(decided, today)
    for item in (*desk["overdue_plans"], *desk["overdue_milestones"]):
        item.days_late = (today - item.due_date).days
    _desk_links(
        desk["waiting"], desk["returned"], desk["overdue_plans"], desk["overdue_milestones"]
    )
    return {"today": today, **desk, **{f"{name}_total": totals[name] for name in lists}}


def _desk_totals(user, lists: dict, plan_generation, today) -> dict:
    """How many rows each list of a home page has in all; cached per plan-data generation,
    reader (the waiting reports leave out the verifier's own OPD), plan scope and day (overdue)."""
    if plan_generation is None:
        return {name: rows.count() for name, rows in lists.items()}
    scope = access.plan_scope_key(user)
    lists_key = ",".join(lists)
    key = f"home-totals:{plan_generation}:{user.pk}:{opd_id_of(user)}:{scope}:{today}:{lists_key}"
    totals = cache.get(key)
    if totals is None:
        totals = {name: rows.count() for name, rows in lists.items()}
        cache.set(key, totals, FILTER_CACHE_SECONDS)
    return totals


def _desk_links(waiting, returned, overdue_plans, overdue_milestones) -> None:
    """The desk lists' links, formatted from one reversed URL each rather than per row."""
    plan_url, verify_url = pk_url("actionplans:plan_detail"), pk_url("actionplans:report_verify")
    for report in waiting:
        report.verify_url = verify_url(report.pk)
    for item in (*returned, *overdue_milestones):
        item.plan_url = plan_url(item.plan_id)
    for plan in overdue_plans:
        plan.url = plan_url(plan.pk)


def desk_follow_up(user) -> dict:
    """The work desk's follow-up part: the current round, its weak points and the KPK
    recommendations in force that no active or done plan answers (the same for every reader
    with the same plan scope and round visibility, so the desk caches it)."""
    follow_up_round = current_round(user)
    uncovered_recommendations = _uncovered_recommendations(user)
    return {
        "current_round": follow_up_round,
        "uncovered_weak_points": _uncovered_weak_points(user, follow_up_round),
        "uncovered_recommendations": uncovered_recommendations,
        "uncovered_recommendation_count": sum(
            len(group["items"]) for group in uncovered_recommendations
        ),
    }


def _uncovered_weak_points(user, survey_round) -> list[WeakPoint]:
    """The current round's weak points no active or done plan answers."""
    if survey_round is None:
        return []
    result = survey_selectors.home_result(survey_round)
    if result is None:
        return []
    methodology = survey_selectors.methodology_for(survey_round)
    index = scoring.compute_index(result.group_scores(), methodology)
    scores = survey_selectors.home_indicator_scores(survey_round)
    weak = survey_selectors.weak_indicators(index, scores)
    points = weak_point_coverage(user, survey_round, weak, index.weakest_group)
    return [point for point in points if not point.has_plan]


def _uncovered_recommendations(user) -> list[dict]:
    """Per visible round, newest first, the KPK recommendations in force no active or done
    plan answers (with how many have a draft)."""
    rounds = SurveyRound.objects.visible_to(user)
    covered = Q(plans__status__in=COVERING_STATUSES)
    rows = (
        Recommendation.objects.in_force()
        .filter(round__in=rounds)
        .annotate(
            n_plans=Count("plans", filter=covered, distinct=True),
            n_drafts=Count("plans", filter=Q(plans__status=PlanStatus.DRAFT), distinct=True),
        )
        .filter(n_plans=0)
        .select_related("round")
        .order_by("-round__year", "code")
    )
    by_round: dict[int, dict] = {}
    for recommendation in rows:
        year = recommendation.round.year
        group = by_round.setdefault(year, {"round": recommendation.round, "items": []})
        group["items"].append(recommendation)
    return list(by_round.values())


# --- the OPD's home page -----------------------------------------------------------------------


def _attach_last_reports(plans) -> None:
    """On each plan (annotated with `last_report_id`) its newest report with that report's
    last decision, or None if never reported: two queries for every card."""
    ids = [plan.last_report_id for plan in plans if plan.last_report_id]
    reports = ProgressReport.objects.filter(pk__in=ids).prefetch_related(_latest_decision())
    by_id = {report.pk: report for report in reports}
    for report in by_id.values():
        report.last_decision = next(iter(report.decisions_newest_first), None)
    for plan in plans:
        plan.last_report = by_id.get(plan.last_report_id)


def _card_labels(plans, today) -> None:
    """What a home page's card or row prints, made once: its links (formatted, not reversed,
    per card), year, status label and badge, overdue flag and capaian."""
    plan_url, report_url = pk_url("actionplans:plan_detail"), pk_url("actionplans:report_create")
    labels = {value: str(label) for value, label in PlanStatus.choices}
    language = get_language()
    for plan in plans:
        plan.url, plan.report_url = plan_url(plan.pk), report_url(plan.pk)
        plan.year = str(plan.round.year)
        plan.status_label = labels[plan.status]
        plan.status_badge = STATUS_BADGE.get(plan.status, "text-bg-secondary")
        plan.overdue = plan.is_overdue(today)
        progress = plan.verified_progress
        plan.progress_label = None if progress is None else formatting.percent(progress, language)
        plan.progress_value = None if progress is None else int(progress)


def _plan_cards(plans, today) -> list:
    _card_labels(plans, today)
    for plan in plans:
        plan.next_milestone = next(iter(plan.open_milestones), None)
        plan.next_milestone_overdue = bool(
            plan.next_milestone
            and plan.next_milestone.due_date < today
            and plan.status not in (PlanStatus.DONE, PlanStatus.CANCELLED)
        )
        plan.overdue_milestones = [
            m
            for m in plan.open_milestones
            if m.due_date < today and plan.status not in (PlanStatus.DONE, PlanStatus.CANCELLED)
        ]
    _attach_last_reports(plans)
    return plans


def _attach_returned_evidence(cards):
    """On each card whose last report was returned (and may be answered), that report's files,
    which the card's revision form keeps: one query for all cards."""
    returned = {
        plan.last_report.pk: plan.last_report
        for plan in cards
        if plan.can_report and plan.last_report and plan.last_report.status == ReportStatus.RETURNED
    }
    for report in returned.values():
        report.kept_evidence = []
    for item in Evidence.objects.filter(report__in=list(returned)).order_by("pk"):
        returned[item.report_id].kept_evidence.append(item)


OPD_HOME_CARDS = 12


def _waiting_approval(owned) -> dict:
    """The OPD's drafts to complete and its plans waiting for approval (not running yet, so
    listed apart): the first of each and their totals, in one query."""
    by_status = {"partition_by": F("status")}
    newest_first = (F("round__year").desc(), F("due_date"), F("pk"))
    rows = (
        owned.filter(status__in=(PlanStatus.DRAFT, PlanStatus.SUBMITTED))
        .annotate(
            rank=Window(RowNumber(), order_by=newest_first, **by_status),
            rows_in_all=Window(Count("pk"), **by_status),
        )
        .filter(rank__lte=HOME_LIST_LENGTH)
        .order_by(*newest_first)
    )
    worklist = {"to_complete": [], "to_complete_total": 0, "submitted": [], "submitted_total": 0}
    for plan in rows:
        key = "to_complete" if plan.status == PlanStatus.DRAFT else "submitted"
        worklist[key].append(plan)
        worklist[f"{key}_total"] = plan.rows_in_all
    return worklist


def opd_home(user, *, today=None, plan_generation=None) -> dict | None:
    """An OPD's first page: a card per plan it owns (newest round first, open plans before
    closed ones), and the plans it supports apart. None for a user without an OPD.
    A fixed number of queries whatever the number of plans, milestones or reports; with
    `plan_generation` the two totals are counted once per generation, reader and day."""
    opd_id = opd_id_of(user)
    if opd_id is None:
        return None
    today = today or timezone.localdate()
    open_milestones = Prefetch(
        "milestones",
        queryset=Milestone.objects.filter(is_verified_done=False).order_by("due_date", "pk"),
        to_attr="open_milestones",
    )
    # a card shows the plan's last report only: one per plan, however long its history
    newest = ProgressReport.objects.filter(plan=OuterRef("pk")).order_by("-submitted_at", "-pk")
    last_report = Subquery(newest.values("pk")[:1])
    visible = ActionPlan.objects.visible_to(user).exclude(status=PlanStatus.CANCELLED)
    owned = visible.filter(owner_opd_id=opd_id).select_related("round")
    worklist = _waiting_approval(owned)
    done_last = Case(When(status=PlanStatus.DONE, then=1), default=0)
    lists = {
        "plans": access.with_rights(owned, user, ["report"])
        .exclude(status__in=(PlanStatus.DRAFT, PlanStatus.SUBMITTED))
        .annotate(last_report_id=last_report)
        .prefetch_related(open_milestones)
        .order_by(done_last, "-round__year", "due_date", "pk"),
        "supporting": visible.filter(supporting_opds=opd_id)
        .exclude(owner_opd_id=opd_id)
        .select_related("round", "owner_opd")
        .prefetch_related(open_milestones)
        .order_by("-round__year", "due_date", "pk"),
    }
    running = list(lists["plans"][:OPD_HOME_CARDS])
    supporting = list(lists["supporting"][:HOME_LIST_LENGTH])
    totals = _desk_totals(user, lists, plan_generation, today)
    running_total, supporting_total = totals["plans"], totals["supporting"]
    _card_labels(supporting, today)
    for plan in supporting:
        plan.next_milestone = next(iter(plan.open_milestones), None)
    _plan_cards(running, today)
    _attach_returned_evidence(running)
    return {
        "opd": OPD.objects.get(pk=opd_id),
        "today": today,
        "plans": running,
        "plans_total": running_total,
        "supporting": supporting,
        "supporting_total": supporting_total,
        "worklist": worklist,
    }


# --- notifications ------------------------------------------------------------------------------


def notifications_for(user):
    """The user's own notifications, unread first, newest first within each."""
    return Notification.objects.filter(recipient=user).order_by(
        F("read_at").asc(nulls_first=True), "-created_at", "-pk"
    )


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.unread().filter(recipient=user).count()


def notification_entry(notification) -> dict:
    """What a row of the list shows, from the row alone (no query per row)."""
    return {
        "notification": notification,
        "text": notifications.notification_text(notification.kind, notification.params),
        "link": notifications.notification_path(notification),
    }


@dataclass
class IndicatorDetail:
    """The home institution's standing on one indicator of a round, for the plan form."""

    scores: list  # (group, score), in the order internal, external, expert
    weakest: Decimal | None
    gap: Decimal | None  # points below the next category's lower bound (None: not below)
    band: scoring.Band | None  # that category


def indicator_filter_choices(rounds, year, chosen=None, *, cache_key=None) -> list:
    """The plan filter's indicators by name (value: the code, as links and old URLs give it):
    those of the chosen round, or of every round the user sees, named as in the latest one.
    A code no such round has (from an old link) stays a choice, so the filter still applies.
    With `cache_key` (plan_filter_key) the named indicators are read once per key and year."""
    year = str(year) if year and str(year).isdigit() and len(str(year)) <= 4 else ""
    key = f"plan-filter-indicators:{cache_key}:{year}"
    named = cache.get(key) if cache_key else None
    if named is None:
        named = _named_indicators(rounds, year)
        if cache_key:
            cache.set(key, named, FILTER_CACHE_SECONDS)
    if chosen and chosen not in named and len(chosen) <= MAX_CODE_LENGTH:
        named[chosen] = chosen
    ordered = sorted(named.items(), key=lambda item: item[1].casefold())
    return [("", _("All")), *ordered]


FILTER_CACHE_SECONDS = 24 * 60 * 60  # the keys hold the data generations: this only frees memory


def _named_indicators(rounds, year: str) -> dict[str, str]:
    dimensions = Dimension.objects.filter(round__in=rounds)
    if year:
        dimensions = dimensions.filter(round__year=year)
    named: dict[str, str] = {}
    for dimension in dimensions.order_by("code", "-round__year").only("code", "name_id", "name_en"):
        named.setdefault(dimension.code, f"{indicator_name(dimension)} ({dimension.code})")
    return named


def plan_filter_key(user, generations) -> str:
    """What the plan filter offers, as a cache key: the survey and plan data generations
    (rounds, indicators and OPDs move them), the language, whether the user sees draft rounds
    and which OPDs (every one, or their own)."""
    rounds = "drafts" if sees_draft_rounds(user) else "published"
    scope = access.plan_scope_key(user)
    return f"{generations[0]}:{generations[1]}:{get_language()}:{rounds}:{scope}"


def indicator_details(survey_round) -> dict[int, IndicatorDetail]:
    """Per dimension id of the round: the home institution's group scores and the gap of its
    weakest score to the next category (as the round page counts it); three queries."""
    scores = list(survey_selectors.home_indicator_scores(survey_round))
    if not scores:
        return {}
    threshold, band = None, None
    result = survey_selectors.home_result(survey_round)
    if result is not None:
        index = scoring.compute_index(
            result.group_scores(), survey_selectors.methodology_for(survey_round)
        )
        target = index.next_band or index.category
        threshold, band = target.lower_bound, target
    by_dimension: dict[int, dict] = defaultdict(dict)
    for score in scores:
        by_dimension[score.dimension_id][score.group] = score.score
    details = {}
    for dimension_id, groups in by_dimension.items():
        weakest = min(groups.values())
        gap = threshold - weakest if threshold is not None and weakest < threshold else None
        ordered = [(group, groups[group]) for group in scoring.GROUPS if group in groups]
        details[dimension_id] = IndicatorDetail(ordered, weakest, gap, band)
    return details


def plan_successors(user, plan):
    """The plans of later rounds that continue `plan` and that the user may see."""
    later = ActionPlan.objects.visible_to(user).filter(carried_over_from=plan)
    return list(later.select_related("round").order_by("round__year", "pk"))


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
