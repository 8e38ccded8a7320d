"""Writes for the action-plan loop: plans, milestones, progress reports, verification."""

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from actionplans import access, dates, notifications
from actionplans import dates as plan_dates
from actionplans import evidence as evidence_files
from actionplans.models import (
    PLAN_HISTORY,
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
    UserPreference,
    VerificationDecision,
)
from surveys import public_cache
from surveys.audit import audited
from surveys.models import SurveyRound

HUNDRED = Decimal("100")


class PlanConflict(Exception):
    """The plan was changed by someone else since the form was opened."""


class ReportAlreadyDecided(Exception):
    """The report was accepted or returned already."""


def changes_plan_data(service):
    """Mark a write service as changing plans, reports or decisions: once it has written (inside
    its transaction, so the number commits or rolls back with the data) the plan-data generation
    moves, and every section cached under the old one is recomputed on its next read."""

    @wraps(service)
    def write(*args, **kwargs):
        result = service(*args, **kwargs)
        plan_data_changed()
        return result

    return write


def plan_data_changed():
    """Move the plan-data generation (for writers that are not one service, e.g. an import)."""
    public_cache.bump(public_cache.PLAN_DATA)


def _require(actor, action: str, obj, message: str):
    """The guard every write passes inside its transaction: access.py decides, or nothing is
    written."""
    if obj is None or not access.allows(actor, action, obj):
        raise PermissionDenied(message)


def _locked(plan: ActionPlan) -> ActionPlan:
    """The plan as stored, locked until the transaction ends: the check and the write see the
    same row (a concurrent cancel cannot slip between them)."""
    return ActionPlan.objects.select_for_update().get(pk=plan.pk)


def _split_relations(fields: dict) -> tuple[dict, dict]:
    plain = {k: v for k, v in fields.items() if k not in PLAN_RELATIONS}
    related = {k: v for k, v in fields.items() if k in PLAN_RELATIONS}
    return plain, related


def _set_relations(plan: ActionPlan, related: dict):
    for name, values in related.items():
        getattr(plan, name).set(values)
    if "indicators" in related and not plan.indicators.exists():
        raise ValidationError({"indicators": _("Choose at least one weak indicator.")})
    if "indicators" in related and plan.indicators.exclude(round=plan.round_id).exists():
        raise ValidationError({"indicators": _("The indicators must belong to the plan's round.")})


@contextmanager
def _one_history_row(plan: ActionPlan, history_type: str):
    """Save a plan and set its relations, then record one history row holding both."""
    plan.skip_history_when_saving = True
    try:
        yield
    finally:
        del plan.skip_history_when_saving
    PLAN_HISTORY.create_historical_record(plan, history_type)


# a plan becomes done only when an accepted report reaches 100% (plan_progress_refresh), and is
# cancelled only by plan_cancel: an edit or a new plan may be a draft or active, nothing else
EDITABLE_STATUSES = (PlanStatus.DRAFT, PlanStatus.ACTIVE)


def _check_status_move(before: str | None, after: str):
    if after == before or (after in EDITABLE_STATUSES and before in (None, *EDITABLE_STATUSES)):
        return
    raise ValidationError(
        {
            "status": _(
                "A plan is done only when the Inspectorate accepts a report of 100%, and "
                "cancelled only with Cancel; here it can be a draft or active."
            )
        }
    )


@audited
@transaction.atomic
@changes_plan_data
def plan_create(*, actor, fields: dict, milestones=()) -> ActionPlan:
    """Create a plan from form fields (many-to-many ones included); one history row. Each of
    `milestones` (milestone_create's arguments) is added with it, all or nothing."""
    owner = fields.get("owner_opd")
    _require(actor, "add_plan", owner, _("You may not create plans for this OPD."))
    plain, related = _split_relations(fields)
    _check_status_move(None, plain.get("status", PlanStatus.DRAFT))
    plan = ActionPlan(**plain, created_by=actor)
    plan.full_clean()
    with _one_history_row(plan, "+"):
        plan.save()
        _set_relations(plan, related)
    for milestone in milestones:
        milestone_create(actor=actor, plan=plan, **milestone)
    notifications.plan_assigned(plan, actor=actor)
    if plan.show_on_public_page:
        _drop_public_page()
    return plan


@audited
@transaction.atomic
@changes_plan_data
def plan_update(*, actor, plan: ActionPlan, version: int, fields: dict) -> ActionPlan:
    """Save an edit made on `version` of the plan, or raise PlanConflict if it is stale.

    The conditional UPDATE on the version is the gate: of two saves from the same version,
    exactly one moves the version on; the other matches no row and is refused.
    """
    stored = _locked(plan)
    _require(actor, "change", stored, _("You may not edit this plan."))
    _check_status_move(stored.status, fields.get("status", stored.status))
    claimed = ActionPlan.objects.filter(pk=plan.pk, version=version).update(version=version + 1)
    if not claimed:
        raise PlanConflict(
            _(
                "Someone else saved this plan while you were editing it. Your changes were not "
                "saved; they are still in the form. Compare them with the current plan and save "
                "again."
            )
        )
    # the stored flag: a bound form has already written the edit onto `plan`
    stored = ActionPlan.objects.filter(pk=plan.pk)
    was_public, owner_before, status_before = stored.values_list(
        "show_on_public_page", "owner_opd", "status"
    ).get()
    plain, related = _split_relations(fields)
    for name, value in plain.items():
        setattr(plan, name, value)
    plan.version = version + 1
    plan.full_clean()
    with _one_history_row(plan, "~"):
        plan.save()
        _set_relations(plan, related)
    if plan.owner_opd_id != owner_before:
        notifications.plan_assigned(plan, actor=actor)
    elif status_before == PlanStatus.DRAFT and plan.status != PlanStatus.DRAFT:
        notifications.plan_assigned(plan, actor=actor, once=True)  # now the OPD sees it
    if was_public or plan.show_on_public_page:
        _drop_public_page()
    return plan


# what the responsible OPD writes into a draft assigned to it; the rest is the Inspectorate's
COMPLETE_FIELDS = (
    "root_cause",
    "activity",
    "output",
    "success_measure",
    "baseline",
    "target",
    "unit",
    "start_date",
    "due_date",
)


@audited
@transaction.atomic
@changes_plan_data
def plan_complete(*, actor, plan: ActionPlan, version: int, fields: dict) -> ActionPlan:
    """The responsible OPD completes its draft (root cause, activity, target, dates); a stale
    version is refused as in plan_update."""
    stored = _locked(plan)
    _require(actor, "complete", stored, _("You may complete only the drafts of your own OPD."))
    if unknown := set(fields) - set(COMPLETE_FIELDS):
        raise ValidationError(_("These fields are not the OPD's: %s") % ", ".join(sorted(unknown)))
    claimed = ActionPlan.objects.filter(pk=plan.pk, version=version).update(version=version + 1)
    if not claimed:
        raise PlanConflict(
            _(
                "Someone else saved this plan while you were editing it. Your changes were not "
                "saved; they are still in the form. Compare them with the current plan and save "
                "again."
            )
        )
    for name, value in fields.items():
        setattr(stored, name, value)
    stored.version = version + 1
    stored.full_clean()
    stored.save()
    return stored


@audited
@transaction.atomic
@changes_plan_data
def plan_cancel(*, actor, plan: ActionPlan, reason: str, version: int | None = None) -> ActionPlan:
    """Cancel instead of deleting, with the reason: the plan and its history stay. A cancelled
    plan is final. With `version`, a plan changed since the page was opened is refused."""
    plan = _locked(plan)
    _require(actor, "cancel", plan, _("You may not cancel this plan."))
    _check_version(plan, version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the plan is cancelled.")})
    plan.status = PlanStatus.CANCELLED
    plan.cancel_reason = reason
    plan._change_reason = reason
    _step(plan, actor, ReviewOutcome.CANCELLED, reason)
    if plan.show_on_public_page:
        _drop_public_page()
    return plan


# what a carried-over plan keeps of its predecessor; status, dates, indicators, recommendations,
# reports, evidence, milestones and the public flag start afresh in the new round
CARRIED_FIELDS = (
    "title",
    "finding",
    "root_cause",
    "respondent_group",
    "activity",
    "output",
    "success_measure",
    "baseline",
    "target",
    "unit",
    "owner_opd",
    "budget",
    "mcp_area",
    "weight",
    "public_summary",
)


@dataclass
class CarryOver:
    """What plan_carry_over did: new drafts, plans carried over before, plans it could not copy
    (no indicator of the new round has their codes), and indicator codes left behind."""

    created: list[ActionPlan] = field(default_factory=list)
    already: list[ActionPlan] = field(default_factory=list)
    not_copied: list[ActionPlan] = field(default_factory=list)
    unmapped: dict[int, list[str]] = field(default_factory=dict)


def previous_round(survey_round: SurveyRound) -> SurveyRound | None:
    """The round before `survey_round`: the latest earlier year."""
    earlier = SurveyRound.objects.filter(year__lt=survey_round.year)
    return earlier.order_by("-year").first()


def _moved_date(value: date, years: int, year: int) -> date:
    """`value` moved by `years` (29 February becomes the 28th), kept inside the round's window."""
    try:
        moved = value.replace(year=value.year + years)
    except ValueError:
        moved = value.replace(year=value.year + years, day=28)
    earliest, latest = dates.round_window(year)
    return min(max(moved, earliest), latest)


# --- the life cycle: draft -> submitted -> active (or back to draft), or activated directly ----


def _check_version(plan: ActionPlan, version: int | None):
    if version is not None and plan.version != version:
        raise PlanConflict(
            _(
                "Someone else changed this plan since you opened it; nothing was done. Look at "
                "the plan as it is now and try again."
            )
        )


def _step(plan: ActionPlan, actor, outcome: str, note: str = "") -> PlanReview:
    """Save the plan's new state (one history row) and keep the step with its actor."""
    plan.version += 1
    plan.save()
    review = PlanReview(plan=plan, actor=actor, outcome=outcome, note=note)
    review.full_clean()
    review.save()
    return review


def plan_missing_for_submit(plan: ActionPlan) -> list[str]:
    """What a plan still lacks before it can be submitted or activated, in words."""
    missing = []
    if not plan.activity.strip():
        missing.append(_("the activity (kegiatan)"))
    if not plan.target.strip():
        missing.append(_("the target"))
    if not plan.milestones.exists():
        missing.append(_("at least one milestone"))
    return missing


def _require_complete(plan: ActionPlan):
    if missing := plan_missing_for_submit(plan):
        raise ValidationError(
            _("The plan is not complete yet: add %(missing)s.") % {"missing": ", ".join(missing)}
        )


@audited
@transaction.atomic
@changes_plan_data
def plan_carry_over(*, actor, source_plans, target_round: SurveyRound) -> CarryOver:
    """Copy plans of the round before `target_round` into it as drafts linked to their
    predecessor: indicators mapped by code, dates moved by the years between the rounds, no
    recommendations (the new round has its own), no milestones, reports or evidence. A plan
    carried into the round before is not copied again; one history row per new plan."""
    message = _("Only the Inspectorate copies plans of the previous round forward.")
    _require(actor, "carry_over", target_round, message)
    source_round = previous_round(target_round)
    sources = list(
        access.restrict(ActionPlan.objects.all(), actor, "view")
        .filter(pk__in=[plan.pk for plan in source_plans])
        .select_for_update(of=("self",))
        .select_related("round")
        .order_by("pk")
    )
    if len(sources) != len({plan.pk for plan in source_plans}):
        raise PermissionDenied(_("You may not copy some of these plans."))
    if source_round is None or any(plan.round_id != source_round.pk for plan in sources):
        raise ValidationError(_("Only plans of the previous round can be copied into this one."))
    indicators = ActionPlan.indicators.through.objects.filter(actionplan__in=sources)
    codes_of: dict[int, list[str]] = {}
    for plan_id, code in indicators.values_list("actionplan_id", "dimension__code"):
        codes_of.setdefault(plan_id, []).append(code)
    supporting = ActionPlan.supporting_opds.through.objects.filter(actionplan__in=sources)
    supporters_of: dict[int, list[int]] = {}
    for plan_id, opd_id in supporting.values_list("actionplan_id", "opd_id"):
        supporters_of.setdefault(plan_id, []).append(opd_id)
    dimensions = {d.code: d for d in target_round.dimensions.all()}
    carried = set(
        ActionPlan.objects.filter(round=target_round, carried_over_from__in=sources).values_list(
            "carried_over_from_id", flat=True
        )
    )
    result = CarryOver()
    years = target_round.year - source_round.year if source_round else 0
    for source in sources:
        if source.pk in carried:
            result.already.append(source)
            continue
        codes = sorted(codes_of.get(source.pk, []))
        mapped = [dimensions[code] for code in codes if code in dimensions]
        missing = [code for code in codes if code not in dimensions]
        if missing:
            result.unmapped[source.pk] = missing
        if not mapped:
            result.not_copied.append(source)
            continue
        result.created.append(
            _carried_plan(actor, source, target_round, years, mapped, supporters_of)
        )
    return result


def _carried_plan(actor, source, target_round, years, indicators, supporters_of) -> ActionPlan:
    start = _moved_date(source.start_date, years, target_round.year)
    due = max(_moved_date(source.due_date, years, target_round.year), start)
    plan = ActionPlan(
        **{name: getattr(source, name) for name in CARRIED_FIELDS},
        round=target_round,
        start_date=start,
        due_date=due,
        status=PlanStatus.DRAFT,
        show_on_public_page=False,
        carried_over_from=source,
        created_by=actor,
    )
    plan.full_clean()
    plan._change_reason = f"carried over from SPI {source.round.year} (plan {source.pk})"
    with _one_history_row(plan, "+"):
        plan.save()
        _set_relations(
            plan,
            {"indicators": indicators, "supporting_opds": supporters_of.get(source.pk, [])},
        )
    return plan


@audited
@transaction.atomic
@changes_plan_data
def plan_submit(*, actor, plan: ActionPlan, version: int) -> ActionPlan:
    """The responsible OPD submits its completed draft; it waits for the Inspectorate."""
    plan = _locked(plan)
    message = _("You may submit only the drafts of your own OPD.")
    _require(actor, "submit", plan, message)
    _check_version(plan, version)
    _require_complete(plan)
    plan.status = PlanStatus.SUBMITTED
    plan.submitted_by = actor
    _step(plan, actor, ReviewOutcome.SUBMITTED)
    return plan


@audited
@transaction.atomic
@changes_plan_data
def plan_approve(*, actor, plan: ActionPlan, version: int, note: str = "") -> ActionPlan:
    """The Inspectorate approves a submitted plan: it becomes active and can be reported on."""
    plan = _locked(plan)
    message = _(
        "You may not approve this plan: nobody approves what they submitted or what their own "
        "OPD owns or supports."
    )
    _require(actor, "review", plan, message)
    _check_version(plan, version)
    _require_complete(plan)
    plan.status = PlanStatus.ACTIVE
    _step(plan, actor, ReviewOutcome.APPROVED, (note or "").strip())
    if plan.show_on_public_page:
        _drop_public_page()
    return plan


@audited
@transaction.atomic
@changes_plan_data
def plan_return(*, actor, plan: ActionPlan, version: int, note: str) -> ActionPlan:
    """The Inspectorate returns a submitted plan to its OPD with a note: a draft again."""
    plan = _locked(plan)
    message = _(
        "You may not return this plan: nobody decides on what they submitted or what their own "
        "OPD owns or supports."
    )
    _require(actor, "review", plan, message)
    _check_version(plan, version)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what has to be completed when returning a plan.")})
    plan.status = PlanStatus.DRAFT
    _step(plan, actor, ReviewOutcome.RETURNED, note)
    return plan


@audited
@transaction.atomic
@changes_plan_data
def plan_activate(*, actor, plan: ActionPlan, version: int) -> ActionPlan:
    """The Inspectorate activates a draft it wrote itself, without the OPD's round trip."""
    plan = _locked(plan)
    message = _("You may not activate this plan.")
    _require(actor, "activate", plan, message)
    _check_version(plan, version)
    _require_complete(plan)
    plan.status = PlanStatus.ACTIVE
    _step(plan, actor, ReviewOutcome.ACTIVATED)
    if plan.show_on_public_page:
        _drop_public_page()
    return plan


@audited
@transaction.atomic
@changes_plan_data
def plan_assign(
    *, actor, survey_round, owner_opd, supporting_opds=(), indicator=None, recommendation=None
) -> ActionPlan:
    """The coordination meeting: a weak indicator or a KPK recommendation of the round becomes
    a draft plan of `owner_opd`, which completes and submits it. Goes through plan_create."""
    if (indicator is None) == (recommendation is None):
        raise ValueError("Assign either an indicator or a recommendation.")
    item = indicator or recommendation
    if item.round_id != survey_round.pk:
        raise ValidationError(_("Choose only items of SPI %(year)s.") % {"year": survey_round.year})
    if recommendation is not None and recommendation.is_withdrawn:
        raise ValidationError(_("This recommendation was withdrawn."))
    supporting = [opd for opd in supporting_opds if opd.pk != owner_opd.pk]
    year = survey_round.year
    fields = {
        "round": survey_round,
        "owner_opd": owner_opd,
        "supporting_opds": supporting,
        "start_date": date(year + 1, 1, 1),
        "due_date": date(year + 1, 12, 31),
        "status": PlanStatus.DRAFT,
    }
    if indicator is not None:
        fields.update(
            title=f"{indicator.code} {indicator.name_id}"[:200],
            finding=_("Weak indicator of SPI %(year)s: %(code)s %(name)s (coordination meeting).")
            % {"year": year, "code": indicator.code, "name": indicator.name_id},
            indicators=[indicator],
        )
    else:
        title = f"{recommendation.code}: {recommendation.text}"
        fields.update(
            title=title if len(title) <= 200 else title[:199] + "…",
            finding=_("KPK recommendation %(code)s of SPI %(year)s: %(text)s")
            % {"code": recommendation.code, "year": year, "text": recommendation.text},
            recommendations=[recommendation],
        )
    return plan_create(actor=actor, fields=fields)


@audited
@transaction.atomic
@changes_plan_data
def recommendation_create(*, actor, survey_round, code: str, text: str) -> Recommendation:
    """Record one of KPK's recommendations for a round."""
    message = _("You may not record KPK recommendations.")
    _require(actor, "add_recommendation", survey_round, message)
    recommendation = Recommendation(round=survey_round, code=code, text=text)
    recommendation.full_clean()
    recommendation.save()
    _drop_public_page()  # the follow-up rate counts recommendations
    return recommendation


@audited
@transaction.atomic
@changes_plan_data
def recommendation_withdraw(
    *, actor, recommendation: Recommendation, reason: str
) -> Recommendation:
    """Withdraw a recommendation instead of deleting it: the row, its plans' links and its
    history stay, with who withdrew it and why; rates and counts leave it out from now on."""
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if recommendation.is_withdrawn:
        raise ValidationError(
            _("Recommendation %(code)s was withdrawn already.") % {"code": recommendation.code}
        )
    message = _("Only the Inspectorate can withdraw a KPK recommendation.")
    _require(actor, "withdraw", recommendation, message)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the recommendation is withdrawn.")})
    recommendation.withdrawn_at = timezone.now()
    recommendation.withdrawn_by = actor
    recommendation.withdrawn_reason = reason
    recommendation._change_reason = reason
    recommendation._history_user = actor
    recommendation.full_clean()
    recommendation.save()
    _drop_public_page()
    return recommendation


@audited
@transaction.atomic
@changes_plan_data
def milestone_create(
    *, actor, plan: ActionPlan, title: str, due_date=None, quarter=None, year=None, weight: int = 1
):
    """Add a milestone, due on `due_date` or at the end of triwulan `quarter` (1-4) of `year`
    (by default the plan's first year, see dates.implementation_years); a plan already verified
    is re-weighted at once."""
    message = _("You may not add milestones to this plan.")
    plan = _locked(plan)
    _require(actor, "add_milestone", plan, message)
    if quarter:
        years = plan_dates.implementation_years(plan.start_date, plan.due_date)
        year = int(year or years[0])
        if year not in years:
            raise ValidationError({"year": _("Choose a year in which the plan runs.")})
        due_date = plan_dates.quarter_end(year, int(quarter))
    elif due_date is None:
        raise ValidationError({"due_date": _("Choose a quarter (triwulan) or give a due date.")})
    milestone = Milestone(
        plan=plan, title=title, quarter=quarter or None, due_date=due_date, weight=weight
    )
    milestone.full_clean()
    milestone.save()
    if plan.reports.filter(status=ReportStatus.ACCEPTED).exists():
        plan_progress_refresh(plan=plan)
    elif plan.show_on_public_page:
        _drop_public_page()  # the public plan page lists its milestones
    return milestone


@audited
@transaction.atomic
@changes_plan_data
def report_submit(
    *,
    actor,
    plan: ActionPlan,
    percent: int,
    narrative: str,
    files: list,
    report_date=None,
    milestone: Milestone | None = None,
    effective_date=None,
    revises: ProgressReport | None = None,
    keep: list | None = None,
) -> ProgressReport:
    """Record a capaian with its bukti dukung; it waits for verification.

    Only the responsible OPD reports, and only on an active plan; every file is checked
    by content before anything is stored. A revision names the returned report it answers
    (`revises`) and the files of that report it keeps (`keep`): each kept file becomes an
    evidence row of the revision pointing to the same stored file and SHA-256; nothing of the
    returned report is changed or deleted.
    """
    message = _("You may report progress only on active plans of your OPD.")
    _require(actor, "report", _locked(plan), message)
    kept = _kept_evidence(plan, revises, keep or [])
    if not files and not kept:
        raise ValidationError({"files": _("Attach at least one evidence file (bukti dukung).")})
    if milestone is not None and milestone.plan_id != plan.pk:
        raise ValidationError({"milestone": _("This milestone belongs to another plan.")})
    checked = _evidence_checked(files)
    uploaded = {item.sha256 for item in checked}
    kept = [item for item in kept if item.sha256 not in uploaded]  # uploaded again: stored once
    report = ProgressReport(
        plan=plan,
        reporter=actor,
        percent=percent,
        narrative=narrative,
        milestone=milestone,
        report_date=report_date or timezone.localdate(),
        revises=revises,
    )
    report.full_clean()
    report.save()
    for earlier in kept:
        _evidence_carry(report=report, earlier=earlier)
    for item in checked:
        _evidence_store(report=report, checked=item, actor=actor, effective_date=effective_date)
    notifications.report_submitted(report)
    return report


def _kept_evidence(plan, revises, keep) -> list[Evidence]:
    """The returned report being answered, checked (locked, of this plan, returned, not answered
    yet), and the files of it that the revision keeps."""
    if revises is None:
        if keep:
            raise ValidationError({"keep": _("Only a revision keeps earlier evidence.")})
        return []
    revises = ProgressReport.objects.select_for_update().get(pk=revises.pk)
    if revises.plan_id != plan.pk or revises.status != ReportStatus.RETURNED:
        raise ValidationError(_("Only a returned report of this plan can be answered."))
    later = ProgressReport.objects.filter(plan=plan, submitted_at__gt=revises.submitted_at)
    if ProgressReport.objects.filter(revises=revises).exists() or later.exists():
        raise ValidationError(_("This returned report has been answered already."))
    keep_ids = {item.pk for item in keep}
    kept = list(revises.evidence.filter(pk__in=keep_ids).order_by("pk"))
    if len(kept) != len(keep_ids):
        raise ValidationError({"keep": _("Only files of the returned report can be kept.")})
    return kept


def _evidence_carry(*, report, earlier: Evidence) -> Evidence:
    """The same stored file, under the revision: no copy, no upload, the same SHA-256."""
    return Evidence.objects.create(
        report=report,
        file=earlier.file.name,
        original_name=earlier.original_name,
        extension=earlier.extension,
        content_type=earlier.content_type,
        size=earlier.size,
        sha256=earlier.sha256,
        effective_date=earlier.effective_date,
        uploaded_by=earlier.uploaded_by,
        uploaded_at=earlier.uploaded_at,
        carried_from=earlier.carried_from or earlier,
    )


def _evidence_checked(files) -> list:
    checked, problems = [], []
    for upload in files:
        try:
            checked.append(evidence_files.evidence_check(upload))
        except ValidationError as error:
            problems.extend(error.messages)
    if problems:
        raise ValidationError({"files": problems})
    return checked


def _evidence_store(*, report, checked, actor, effective_date):
    evidence = Evidence(
        report=report,
        original_name=checked.display_name,
        extension=checked.extension,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        effective_date=effective_date,
        uploaded_by=actor,
    )
    evidence.full_clean(exclude=["file"])
    checked.upload.seek(0)
    evidence.file.save(f"upload.{checked.extension}", checked.upload, save=False)
    evidence.save()
    return evidence


def _decide(*, actor, report, outcome, note, percent=None) -> ProgressReport:
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    message = _("You may not verify this report; nobody verifies their own or their OPD's work.")
    _require(actor, "verify", report, message)
    if report.status != ReportStatus.PENDING:
        raise ReportAlreadyDecided(_("This report has been verified already."))
    _check_decided_percent(report, percent, note)
    decision = VerificationDecision(
        report=report,
        verifier=actor,
        outcome=outcome,
        note=note,
        percent=report.percent if percent is None else percent,
        evidence_sha256=_evidence_fingerprint(report),
    )
    decision.full_clean()
    decision.save()
    report.status = outcome
    report.save()
    return report


def _check_decided_percent(report, percent, note):
    """Less than claimed only with a note saying why; never more than claimed."""
    if percent is None or percent == report.percent:
        return
    if percent > report.percent:
        message = _("You cannot accept more than the %(claimed)s%% claimed.")
        raise ValidationError({"percent": message % {"claimed": report.percent}})
    if not note.strip():
        raise ValidationError({"note": _("Say why you accept less than the OPD claimed.")})


def _evidence_fingerprint(report) -> list[dict]:
    """The files the verifier saw, as they were: name and SHA-256 of each."""
    files = report.evidence.order_by("pk").values("original_name", "sha256")
    return [{"name": item["original_name"], "sha256": item["sha256"]} for item in files]


@audited
@transaction.atomic
@changes_plan_data
def report_accept(
    *, actor, report: ProgressReport, note: str = "", percent: int | None = None
) -> ProgressReport:
    """Accept a pending report: it now counts, its milestone is done, the plan's official
    progress is recomputed and stored (a plan reaching 100% is done).

    The verifier may accept less than was claimed (`percent`, with a note saying why), never
    more; the decision keeps the percent decided on, and that percent is what counts."""
    report = _decide(
        actor=actor, report=report, outcome=DecisionOutcome.ACCEPTED, note=note, percent=percent
    )
    if report.milestone_id:
        milestone = Milestone.objects.get(pk=report.milestone_id)
        milestone.is_verified_done = True
        milestone.save()
    plan_progress_refresh(plan=report.plan)
    notifications.report_accepted(report, note=note)
    return report


@audited
@transaction.atomic
@changes_plan_data
def report_return(*, actor, report: ProgressReport, note: str) -> ProgressReport:
    """Return a pending report for revision; the note tells the OPD what to fix."""
    if not note.strip():
        raise ValidationError({"note": _("Say what has to be fixed when returning a report.")})
    report = _decide(actor=actor, report=report, outcome=DecisionOutcome.RETURNED, note=note)
    notifications.report_returned(report, note=note)
    return report


def plan_official_progress(plan: ActionPlan) -> Decimal | None:
    """Accepted reports only: the weighted share of verified milestones where the plan has
    milestones, else the latest accepted percent; None while nothing is accepted."""
    accepted = plan.reports.filter(status=ReportStatus.ACCEPTED)
    latest = accepted.order_by("-report_date", "-submitted_at", "-pk").first()
    if latest is None:
        return None
    milestones = list(plan.milestones.all())
    if not milestones:
        return Decimal(_decided_percent(latest))
    done = sum(m.weight for m in milestones if m.is_verified_done)
    share = HUNDRED * done / sum(m.weight for m in milestones)
    return share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _decided_percent(report: ProgressReport) -> int:
    """The percent the verifier accepted (it may be lower than claimed); the claim for a
    decision recorded before the percent was kept."""
    decided = report.decisions.filter(outcome=DecisionOutcome.ACCEPTED).order_by(
        "-decided_at", "-pk"
    )
    percent = decided.values_list("percent", flat=True).first()
    return report.percent if percent is None else percent


def plan_progress_refresh(*, plan: ActionPlan) -> Decimal | None:
    """Store the official progress on the plan so that lists read it without queries."""
    plan = ActionPlan.objects.select_for_update().get(pk=plan.pk)
    plan.verified_progress = plan_official_progress(plan)
    plan.verified_at = timezone.now()
    if plan.verified_progress == HUNDRED and plan.status == PlanStatus.ACTIVE:
        plan.status = PlanStatus.DONE
        plan.version += 1
        plan.save()
    else:
        ActionPlan.objects.filter(pk=plan.pk).update(
            verified_progress=plan.verified_progress, verified_at=plan.verified_at
        )
    _drop_public_page()
    return plan.verified_progress


def _drop_public_page():
    """Verified progress, the follow-up rate and public plans show on the cached public page."""
    public_cache.bump()


# --- notifications and preferences --------------------------------------------------------------


@audited
@transaction.atomic
def notifications_mark_read(*, actor, ids=None) -> int:
    """Mark the actor's own unread notifications read (those of `ids`, or all); never delete.
    Another user's notification is not touched: the filter on the recipient is the guard."""
    unread = Notification.objects.unread().filter(recipient=actor)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


@audited
@transaction.atomic
def preferences_update(*, actor, **choices) -> UserPreference:
    """Save the actor's own preferences (each user edits only their own): any of
    `email_notifications` and `language`."""
    preference, _created = UserPreference.objects.select_for_update().get_or_create(user=actor)
    for name, value in choices.items():
        if name not in PREFERENCE_FIELDS:
            raise TypeError(f"preferences_update() got an unexpected preference {name!r}")
        setattr(preference, name, value)
    preference.full_clean()
    preference.save()
    return preference


PREFERENCE_FIELDS = ("email_notifications", "language")
