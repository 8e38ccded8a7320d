import uuid
from decimal import Decimal

import simple_history
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from actionplans import dates
from surveys import formatting
from surveys.audit import history_user
from surveys.models import Dimension, RespondentGroup, SurveyRound

PERCENT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]
PAST_DATE_VALIDATORS = [dates.validate_not_before_2000, dates.validate_not_in_future]


class OPDRole(models.TextChoices):
    HEAD = "head", _("Head of OPD")
    OPERATOR = "operator", _("Operator")


class OPD(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    email = models.EmailField(_("e-mail for reminders"), blank=True)
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("OPD")
        verbose_name_plural = _("OPDs")
        ordering = ["name"]

    def __str__(self):
        return self.short_name or self.name


class OPDMembership(models.Model):
    """A user belongs to exactly one OPD, as its head or its operator."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="opd_membership",
        verbose_name=_("user"),
    )
    opd = models.ForeignKey(
        OPD, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("OPD")
    )
    role = models.CharField(_("role"), max_length=16, choices=OPDRole.choices)
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("OPD membership")
        verbose_name_plural = _("OPD memberships")

    def __str__(self):
        return f"{self.user} · {self.opd} ({self.get_role_display()})"


class ScopedQuerySet(models.QuerySet):
    """Thin delegates to actionplans.access, which decides (it imports this module, hence the
    imports inside the methods)."""

    def visible_to(self, user):
        from actionplans import access

        return access.restrict(self, user, "view")


class ActionPlanQuerySet(ScopedQuerySet):
    def reportable_by(self, user):
        from actionplans import access

        return access.restrict(self, user, "report")

    def editable_by(self, user):
        from actionplans import access

        return access.restrict(self, user, "change")

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.filter(due_date__lt=today).exclude(
            status__in=[PlanStatus.DONE, PlanStatus.CANCELLED]
        )


class ProgressReportQuerySet(ScopedQuerySet):
    def verifiable_by(self, user):
        from actionplans import access

        return access.restrict(self, user, "verify")


class EvidenceQuerySet(ScopedQuerySet):
    pass


class RecommendationQuerySet(models.QuerySet):
    def in_force(self):
        """Recommendations that count: a withdrawn one stays listed but is in no rate or count."""
        return self.filter(withdrawn_at__isnull=True)


class Recommendation(models.Model):
    """A recommendation KPK gave the institution for one survey round; withdrawn, never deleted."""

    round = models.ForeignKey(
        SurveyRound,
        on_delete=models.PROTECT,
        related_name="recommendations",
        verbose_name=_("round"),
    )
    code = models.CharField(_("code"), max_length=20)
    text = models.TextField(_("text"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True, editable=False)
    history = HistoricalRecords(get_user=history_user)

    objects = RecommendationQuerySet.as_manager()

    class Meta:
        verbose_name = _("KPK recommendation")
        verbose_name_plural = _("KPK recommendations")
        ordering = ["round", "code"]
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="recommendation_unique_code"),
            models.CheckConstraint(
                condition=Q(withdrawn_at=None, withdrawn_by=None, withdrawn_reason="")
                | (~Q(withdrawn_at=None) & ~Q(withdrawn_by=None) & ~Q(withdrawn_reason="")),
                name="recommendation_withdrawn_with_reason",
            ),
        ]

    def __str__(self):
        return f"{self.code} · {self.text[:80]}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class McpArea(models.TextChoices):
    PLANNING = "perencanaan", _("Planning (perencanaan)")
    BUDGETING = "penganggaran", _("Budgeting (penganggaran)")
    PROCUREMENT = "pbj", _("Procurement of goods/services (pengadaan barang/jasa)")
    PUBLIC_SERVICE = "pelayanan_publik", _("Public service (pelayanan publik)")
    APIP = "apip", _("Internal oversight (pengawasan APIP)")
    ASN = "asn", _("Civil service management (manajemen ASN)")
    ASSETS = "bmd", _("Regional assets (pengelolaan barang milik daerah)")
    REVENUE = "pendapatan", _("Regional revenue (optimalisasi pendapatan daerah)")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for approval")
    ACTIVE = "active", _("Active")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


PLAN_RELATIONS = ("indicators", "recommendations", "supporting_opds")
# the state an open plan past its due date shows in reports, in place of its status
OVERDUE_LABEL = pgettext_lazy("plan state", "Overdue")


class ChangeHistory(HistoricalRecords):
    """History that also follows many-to-many relations, with a row only for a real change:
    not for a login (it only stamps `last_login`), not for adding a relation already there,
    and not while a backup is loaded (the dump holds the history rows already)."""

    def post_save(self, instance, created, using=None, **kwargs):
        if kwargs.get("raw"):
            instance.skip_history_when_saving = True  # loaddata sets the relations next
            return
        if kwargs.get("update_fields") == frozenset({"last_login"}):
            return
        super().post_save(instance, created, using=using, **kwargs)

    def m2m_changed(self, instance, action, attr, pk_set, reverse, **kwargs):
        if action in ("post_add", "post_remove") and not pk_set:
            return
        super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)


# kept by name so that a service can write one history row for a plan and its relations
PLAN_HISTORY = ChangeHistory(
    excluded_fields=["verified_progress", "verified_at"],
    m2m_fields=PLAN_RELATIONS,
    get_user=history_user,
)


class ActionPlan(models.Model):
    """A rencana aksi: what an OPD does about a weak indicator of one SPI round."""

    round = models.ForeignKey(
        SurveyRound, on_delete=models.PROTECT, related_name="action_plans", verbose_name=_("round")
    )
    title = models.CharField(_("title"), max_length=200)
    finding = models.TextField(_("finding (permasalahan)"))
    root_cause = models.TextField(_("root cause (akar masalah)"), blank=True)
    recommendations = models.ManyToManyField(
        Recommendation,
        blank=True,
        related_name="plans",
        verbose_name=_("KPK recommendations answered"),
    )
    indicators = models.ManyToManyField(
        Dimension, related_name="action_plans", verbose_name=_("weak indicators addressed")
    )
    respondent_group = models.CharField(
        _("respondent group targeted"), max_length=16, choices=RespondentGroup.choices, blank=True
    )
    # blank while a draft (the coordination meeting assigns the weak point, the OPD writes the
    # activity); plan_submit and plan_activate require it
    activity = models.TextField(_("activity (kegiatan)"), blank=True)
    output = models.CharField(_("output"), max_length=300, blank=True)
    success_measure = models.CharField(_("success measure"), max_length=300, blank=True)
    baseline = models.CharField(_("baseline"), max_length=60, blank=True)
    target = models.CharField(_("target"), max_length=60, blank=True)
    unit = models.CharField(_("unit"), max_length=60, blank=True)
    start_date = models.DateField(_("start date"), validators=[dates.validate_not_before_2000])
    due_date = models.DateField(_("due date"), validators=[dates.validate_not_before_2000])
    owner_opd = models.ForeignKey(
        OPD, on_delete=models.PROTECT, related_name="owned_plans", verbose_name=_("responsible OPD")
    )
    supporting_opds = models.ManyToManyField(
        OPD, blank=True, related_name="supported_plans", verbose_name=_("supporting OPDs")
    )
    budget = models.DecimalField(
        _("budget (IDR)"),
        max_digits=15,
        decimal_places=0,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    mcp_area = models.CharField(_("MCP area"), max_length=20, choices=McpArea.choices, blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight in roll-ups"), default=1, validators=[MinValueValidator(1)]
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("submitted for approval by"),
        help_text=_("Who last submitted the draft; they may not approve it."),
    )
    public_summary = models.TextField(_("public summary"), blank=True)
    show_on_public_page = models.BooleanField(_("show on the public page"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    verified_progress = models.DecimalField(
        _("verified progress (capaian)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
        help_text=_("Counts accepted reports only; empty until a report is accepted."),
    )
    verified_at = models.DateTimeField(_("last verified"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    carried_over_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="carried_over_to",
        verbose_name=_("carried over from"),
        help_text=_("The plan of an earlier round this plan continues."),
    )
    history = PLAN_HISTORY

    objects = ActionPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("action plan (rencana aksi)")
        verbose_name_plural = _("action plans (rencana aksi)")
        ordering = ["due_date", "pk"]
        # the plan list's sort, alone and under its round and OPD filters
        indexes = [
            models.Index(fields=["due_date", "id"], name="plan_due"),
            models.Index(fields=["owner_opd", "due_date", "id"], name="plan_opd_due"),
            models.Index(fields=["round", "due_date", "id"], name="plan_round_due"),
        ]
        permissions = [
            ("view_all_plans", _("Can see the plans, reports and evidence of every OPD")),
            ("import_actionplan", _("Can import action plans")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("start_date")), name="plan_due_after_start"
            ),
            models.CheckConstraint(
                condition=Q(verified_progress__gte=0, verified_progress__lte=100)
                | Q(verified_progress__isnull=True),
                name="plan_progress_percent",
            ),
            # a plan is carried into a round at most once
            models.UniqueConstraint(
                fields=["round", "carried_over_from"],
                condition=Q(carried_over_from__isnull=False),
                name="plan_carried_over_once_per_round",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("actionplans:plan_detail", args=[self.pk])

    def clean(self):
        if self.round_id is None:
            return
        window = {"start_date": self.start_date, "due_date": self.due_date}
        if errors := dates.outside_round_errors(self.round.year, **window):
            raise ValidationError(errors)

    def is_overdue(self, today=None):
        today = today or timezone.localdate()
        return self.due_date < today and self.status not in (PlanStatus.DONE, PlanStatus.CANCELLED)

    def state_label(self, today=None) -> str:
        """The status as a report shows it: an open plan past its due date reads "Overdue"."""
        return str(OVERDUE_LABEL) if self.is_overdue(today) else self.get_status_display()


class Quarter(models.IntegerChoices):
    Q1 = 1, _("Triwulan I")
    Q2 = 2, _("Triwulan II")
    Q3 = 3, _("Triwulan III")
    Q4 = 4, _("Triwulan IV")


class MilestoneQuerySet(ScopedQuerySet):
    def overdue(self, today=None):
        """Due before `today`, not verified done, on a plan still open (not done or cancelled)."""
        today = today or timezone.localdate()
        return self.filter(due_date__lt=today, is_verified_done=False).exclude(
            plan__status__in=[PlanStatus.DONE, PlanStatus.CANCELLED]
        )


class Milestone(models.Model):
    """A step of a plan, due at the end of a quarter (triwulan) or on a date of its own.

    `due_date` is always filled (for a quarter, the quarter's last day), so that every query on
    deadlines reads one column; `quarter` only says how the date was given, for its label.
    """

    plan = models.ForeignKey(
        ActionPlan, on_delete=models.PROTECT, related_name="milestones", verbose_name=_("plan")
    )
    title = models.CharField(_("title"), max_length=200)
    quarter = models.PositiveSmallIntegerField(
        _("quarter (triwulan)"), choices=Quarter.choices, null=True, blank=True
    )
    due_date = models.DateField(_("due date"), validators=[dates.validate_not_before_2000])
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1)]
    )
    is_verified_done = models.BooleanField(
        _("done (verified)"),
        default=False,
        editable=False,
        help_text=_("Set only when the Inspectorate accepts a report that completes it."),
    )
    history = HistoricalRecords(get_user=history_user)

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["plan", "due_date", "pk"]
        # the desk's overdue milestones, oldest due first
        indexes = [models.Index(fields=["due_date", "id"], name="milestone_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4),
                name="milestone_quarter_1_to_4",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.due_label})" if self.quarter else self.title

    @property
    def due_label(self) -> str:
        """'Triwulan III 2025' for a quarter, else the due date as the page's language writes it."""
        if self.quarter:
            return f"{self.get_quarter_display()} {self.due_date.year}"
        return formatting.day(self.due_date, get_language())

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        open_plan = self.plan.status not in (PlanStatus.DONE, PlanStatus.CANCELLED)
        return self.due_date < today and not self.is_verified_done and open_plan

    def clean(self):
        quarter_end = (
            self.quarter and self.due_date and dates.quarter_end(self.due_date.year, self.quarter)
        )
        if quarter_end and self.due_date != quarter_end:
            raise ValidationError(
                {"due_date": _("A milestone of a quarter is due on the quarter's last day.")}
            )
        if self.plan_id is None:
            return
        if errors := dates.outside_round_errors(self.plan.round.year, due_date=self.due_date):
            raise ValidationError(errors)


class ReviewOutcome(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted for approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for completion")
    ACTIVATED = "activated", _("Activated")
    CANCELLED = "cancelled", _("Cancelled")


class PlanReview(models.Model):
    """One step of a plan's life cycle (submitted, approved, returned, activated, cancelled): who,
    when and why. Kept for good, as a verification decision is for a report."""

    plan = models.ForeignKey(
        ActionPlan, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("plan")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    outcome = models.CharField(_("step"), max_length=16, choices=ReviewOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("plan review")
        verbose_name_plural = _("plan reviews")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome__in=["returned", "cancelled"]) | ~Q(note=""),
                name="plan_review_return_and_cancel_need_note",
            ),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} · {self.plan}"


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for verification")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned for revision")


class ProgressReport(models.Model):
    """A capaian: progress an OPD reports, official only once the Inspectorate accepts it."""

    plan = models.ForeignKey(
        ActionPlan, on_delete=models.PROTECT, related_name="reports", verbose_name=_("plan")
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="progress_reports",
        verbose_name=_("reported by"),
    )
    report_date = models.DateField(
        _("report date"), default=timezone.localdate, validators=PAST_DATE_VALIDATORS
    )
    percent = models.PositiveSmallIntegerField(_("progress (%)"), validators=PERCENT_VALIDATORS)
    narrative = models.TextField(_("narrative"))
    milestone = models.ForeignKey(
        Milestone,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("milestone completed"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    # the returned report this one answers; a returned report is answered at most once
    revises = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="revision",
        verbose_name=_("revision of"),
    )
    history = HistoricalRecords(get_user=history_user)

    objects = ProgressReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress report (capaian)")
        verbose_name_plural = _("progress reports (capaian)")
        ordering = ["submitted_at", "pk"]
        # the verification queue and the desk: reports by status, oldest first
        indexes = [
            models.Index(fields=["status", "submitted_at", "id"], name="report_status_submitted")
        ]
        permissions = [
            ("report_progress", _("Can report progress for the own OPD")),
            ("verify_progressreport", _("Can verify progress reports")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100), name="report_percent_range"
            ),
        ]

    def __str__(self):
        return f"{self.plan} · {self.percent}% ({self.get_status_display()})"

    def clean(self):
        if self.plan_id is None:
            return
        if errors := dates.report_date_errors(self.plan.round.year, self.report_date):
            raise ValidationError(errors)


class DecisionOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned for revision")


class VerificationDecision(models.Model):
    report = models.ForeignKey(
        ProgressReport, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("report")
    )
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("verified by"),
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=DecisionOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    # what the verifier decided on, as it was then: empty on decisions made before it was kept
    percent = models.PositiveSmallIntegerField(
        _("progress decided on (%)"),
        null=True,
        blank=True,
        editable=False,
        validators=PERCENT_VALIDATORS,
    )
    evidence_sha256 = models.JSONField(
        _("evidence decided on (file names and SHA-256)"),
        default=list,
        blank=True,
        editable=False,
    )
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("verification decision")
        verbose_name_plural = _("verification decisions")
        ordering = ["decided_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="accepted") | ~Q(note=""), name="returned_needs_note"
            ),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} · {self.report}"


def evidence_upload_to(instance, filename):
    """A generated name: the uploaded name never reaches the file system."""
    return f"evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{instance.extension}"


class Evidence(models.Model):
    """A bukti dukung file; served only through the scope-checking download view."""

    report = models.ForeignKey(
        ProgressReport, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("report")
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=200)
    extension = models.CharField(_("type"), max_length=8)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    effective_date = models.DateField(
        _("effective date"), null=True, blank=True, validators=PAST_DATE_VALIDATORS
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    # a file a revision keeps from the report it answers: the same stored file and SHA-256
    carried_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("kept from"),
    )

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence (bukti dukung)")
        verbose_name_plural = _("evidence (bukti dukung)")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("actionplans:evidence_download", args=[self.pk])


class ReminderKind(models.TextChoices):
    OPD = "opd", _("OPD digest")
    INSPECTORATE = "inspectorate", _("Inspectorate digest")


class ReminderLog(models.Model):
    """One digest sent to one recipient on one day; makes send_reminders idempotent."""

    kind = models.CharField(_("kind"), max_length=16, choices=ReminderKind.choices)
    opd = models.ForeignKey(OPD, on_delete=models.CASCADE, null=True, blank=True)
    sent_on = models.DateField(_("sent on"))
    recipients = models.TextField(_("recipients"))
    items = models.PositiveIntegerField(_("items"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "opd", "sent_on"], name="reminder_opd_once_a_day"
            ),
            models.UniqueConstraint(
                fields=["kind", "sent_on"],
                condition=Q(opd__isnull=True),
                name="reminder_inspectorate_once_a_day",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.opd or ''} · {self.sent_on}"


class NotificationKind(models.TextChoices):
    REPORT_SUBMITTED = "report_submitted", _("Report waiting for verification")
    REPORT_RETURNED = "report_returned", _("Report returned")
    REPORT_ACCEPTED = "report_accepted", _("Report accepted")
    PLAN_ASSIGNED = "plan_assigned", _("Plan assigned")


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something a user should know about, in the portal; never deleted, only marked read.

    The text is composed when shown, from `kind` and `params`, in the reader's language.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=NotificationKind.choices)
    params = models.JSONField(_("details"), default=dict, blank=True)
    plan = models.ForeignKey(
        ActionPlan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("plan"),
    )
    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("report"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self):
        return f"{self.recipient} · {self.get_kind_display()}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class UserPreference(models.Model):
    """A user's own settings for the portal: e-mail notifications and the interface language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="preference",
        verbose_name=_("user"),
    )
    email_notifications = models.BooleanField(
        _("e-mail me my notifications"),
        default=True,
        help_text=_(
            "Reports to verify, reports returned or accepted, plans assigned to your OPD. "
            "They stay in the portal's notification list either way."
        ),
    )
    language = models.CharField(
        _("interface language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="id",
        help_text=_("The language of the staff pages, from now on and whenever you sign in."),
    )
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("user preferences")
        verbose_name_plural = _("user preferences")

    def __str__(self):
        return str(self.user)


# Accounts and groups are who may do what: every change to them, their groups and their
# permissions is kept here. Former password hashes are not kept.
simple_history.register(
    get_user_model(),
    app="actionplans",
    records_class=ChangeHistory,
    excluded_fields=["password", "last_login"],
    m2m_fields=["groups", "user_permissions"],
    get_user=history_user,
)
simple_history.register(Group, app="actionplans", m2m_fields=["permissions"], get_user=history_user)
