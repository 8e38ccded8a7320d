"""Writes for the action-plan loop: plans, milestones, progress reports, verification."""

from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from actionplans import access, notifications
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
    PlanStatus,
    ProgressReport,
    Recommendation,
    ReportStatus,
    UserPreference,
    VerificationDecision,
)
from surveys import public_cache
from surveys.audit import audited

HUNDRED = Decimal("100")


class PlanConflict(Exception):
    """The plan was changed by someone else since the form was opened."""


class ReportAlreadyDecided(Exception):
    """The report was accepted or returned already."""


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
def plan_create(*, actor, fields: dict) -> ActionPlan:
    """Create a plan from form fields (many-to-many ones included); one history row."""
    owner = fields.get("owner_opd")
    _require(actor, "add_plan", owner, _("You may not create plans for this OPD."))
    plain, related = _split_relations(fields)
    _check_status_move(None, plain.get("status", PlanStatus.DRAFT))
    plan = ActionPlan(**plain, created_by=actor)
    plan.full_clean()
    with _one_history_row(plan, "+"):
        plan.save()
        _set_relations(plan, related)
    notifications.plan_assigned(plan, actor=actor)
    if plan.show_on_public_page:
        _drop_public_page()
    return plan


@audited
@transaction.atomic
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


@audited
@transaction.atomic
def plan_cancel(*, actor, plan: ActionPlan) -> ActionPlan:
    """Cancel instead of deleting: the plan and its history stay. A cancelled plan is final."""
    plan = _locked(plan)
    _require(actor, "cancel", plan, _("You may not cancel this plan."))
    plan.status = PlanStatus.CANCELLED
    plan.version += 1
    plan.save()
    if plan.show_on_public_page:
        _drop_public_page()
    return plan


@audited
@transaction.atomic
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
    return milestone


@audited
@transaction.atomic
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
) -> ProgressReport:
    """Record a capaian with its bukti dukung; it waits for verification.

    Only the responsible OPD reports, and only on an active plan; every file is checked
    by content before anything is stored.
    """
    message = _("You may report progress only on active plans of your OPD.")
    _require(actor, "report", _locked(plan), message)
    if not files:
        raise ValidationError({"files": _("Attach at least one evidence file (bukti dukung).")})
    if milestone is not None and milestone.plan_id != plan.pk:
        raise ValidationError({"milestone": _("This milestone belongs to another plan.")})
    checked = _evidence_checked(files)
    report = ProgressReport(
        plan=plan,
        reporter=actor,
        percent=percent,
        narrative=narrative,
        milestone=milestone,
        report_date=report_date or timezone.localdate(),
    )
    report.full_clean()
    report.save()
    for item in checked:
        _evidence_store(report=report, checked=item, actor=actor, effective_date=effective_date)
    notifications.report_submitted(report)
    return report


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


def _decide(*, actor, report, outcome, note) -> ProgressReport:
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    message = _("You may not verify this report; nobody verifies their own or their OPD's work.")
    _require(actor, "verify", report, message)
    if report.status != ReportStatus.PENDING:
        raise ReportAlreadyDecided(_("This report has been verified already."))
    decision = VerificationDecision(
        report=report,
        verifier=actor,
        outcome=outcome,
        note=note,
        percent=report.percent,
        evidence_sha256=_evidence_fingerprint(report),
    )
    decision.full_clean()
    decision.save()
    report.status = outcome
    report.save()
    return report


def _evidence_fingerprint(report) -> list[dict]:
    """The files the verifier saw, as they were: name and SHA-256 of each."""
    files = report.evidence.order_by("pk").values("original_name", "sha256")
    return [{"name": item["original_name"], "sha256": item["sha256"]} for item in files]


@audited
@transaction.atomic
def report_accept(*, actor, report: ProgressReport, note: str = "") -> ProgressReport:
    """Accept a pending report: it now counts, its milestone is done, the plan's official
    progress is recomputed and stored (a plan reaching 100% is done)."""
    report = _decide(actor=actor, report=report, outcome=DecisionOutcome.ACCEPTED, note=note)
    if report.milestone_id:
        milestone = Milestone.objects.get(pk=report.milestone_id)
        milestone.is_verified_done = True
        milestone.save()
    plan_progress_refresh(plan=report.plan)
    notifications.report_accepted(report, note=note)
    return report


@audited
@transaction.atomic
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
        return Decimal(latest.percent)
    done = sum(m.weight for m in milestones if m.is_verified_done)
    share = HUNDRED * done / sum(m.weight for m in milestones)
    return share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


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
def preferences_update(*, actor, email_notifications: bool) -> UserPreference:
    """Save the actor's own preferences (each user edits only their own)."""
    preference, _created = UserPreference.objects.select_for_update().get_or_create(user=actor)
    preference.email_notifications = email_notifications
    preference.save()
    return preference
