"""The self-run integrity survey (survei integritas mandiri): questionnaires as data, campaigns per
OPD and respondent group, anonymous responses, and the scores computed from them.

Answers are stored as one short string per response (one character per questionnaire item, see
`answer_codec`), not as a row per answer: a national-size campaign has 18 million answers, which
as rows would cost gigabytes and minutes to read back for every recomputation.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from actionplans.models import OPD
from surveys.audit import history_user
from surveys.models import RespondentGroup, SurveyRound


class Questionnaire(models.Model):
    """One version of a questionnaire. Frozen once a campaign using it has responses."""

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    title_id = models.CharField(_("title (Indonesian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    based_on = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="successors",
        verbose_name=_("based on"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="questionnaire_version_once")
        ]

    def __str__(self):
        return f"{self.title} (v{self.version})"

    @property
    def title(self):
        return self.title_en if get_language() == "en" else self.title_id


class QuestionnaireIndicator(models.Model):
    """What a set of items measures; its dimension is an SPI dimension code (TRN, SDM, ...)."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.CharField(_("code"), max_length=20)
    dimension_code = models.CharField(_("dimension"), max_length=20)
    name_id = models.CharField(_("name (Indonesian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["questionnaire", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "code"], name="questionnaire_indicator_once"
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def name(self):
        return self.name_en if get_language() == "en" else self.name_id


class Item(models.Model):
    """One question: its scale, its "tidak tahu" values, and whether a high answer is bad."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="items")
    indicator = models.ForeignKey(
        QuestionnaireIndicator, on_delete=models.PROTECT, related_name="items"
    )
    code = models.CharField(_("code"), max_length=20)
    position = models.PositiveSmallIntegerField(
        _("position"), help_text=_("The item's place in every stored answer string; never reused.")
    )
    group = models.CharField(_("respondent group"), max_length=16, choices=RespondentGroup.choices)
    wording_id = models.TextField(_("wording (Indonesian)"))
    wording_en = models.TextField(_("wording (English)"))
    scale_min = models.PositiveSmallIntegerField(_("scale minimum"))
    scale_max = models.PositiveSmallIntegerField(_("scale maximum"))
    # [{"value": 1, "label_id": "Sangat tidak setuju", "label_en": "Strongly disagree"}, ...]
    scale_labels = models.JSONField(_("answer labels"), default=list, blank=True)
    reverse = models.BooleanField(_("reverse-coded"), default=False)
    dont_know_values = models.JSONField(
        _("values meaning don't know / no answer"), default=list, blank=True
    )
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "code"], name="item_code_once"),
            models.UniqueConstraint(
                fields=["questionnaire", "position"], name="item_position_once"
            ),
            models.CheckConstraint(
                condition=Q(scale_max__gt=models.F("scale_min")), name="item_scale_rises"
            ),
            models.CheckConstraint(condition=Q(scale_max__lte=35), name="item_scale_fits_codec"),
        ]

    def __str__(self):
        return self.code

    @property
    def wording(self):
        return self.wording_en if get_language() == "en" else self.wording_id


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Collecting")
    CLOSED = "closed", _("Closed")


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("questionnaire"),
    )
    round = models.ForeignKey(
        SurveyRound,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("matching KPK round"),
        help_text=_("Its group weights combine the groups; its result is shown beside ours."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    min_cell_size = models.PositiveSmallIntegerField(
        _("minimum cell size (k)"),
        default=10,
        help_text=_("Any score with fewer respondents than this is not shown anywhere."),
    )
    identical_vector_threshold = models.PositiveSmallIntegerField(
        _("identical answers flagged from"), default=20
    )
    fast_seconds_per_item = models.PositiveSmallIntegerField(
        _("fastest plausible seconds per item"), default=2
    )
    burst_per_slot = models.PositiveSmallIntegerField(
        _("responses from one link in ten minutes flagged from"), default=30
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    scores_computed_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")
        ordering = ["-period_start", "name"]
        permissions = [
            ("manage_campaign", "Can run self-survey campaigns and see respondent-level data"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="campaign_period_rises"
            ),
            models.CheckConstraint(condition=Q(min_cell_size__gte=2), name="campaign_k_at_least_2"),
        ]

    def __str__(self):
        return self.name


class CampaignUnit(models.Model):
    """One OPD x respondent group of a campaign: its population, target sample and open link."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="units")
    opd = models.ForeignKey(OPD, on_delete=models.PROTECT, related_name="survey_units")
    group = models.CharField(_("respondent group"), max_length=16, choices=RespondentGroup.choices)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    target_sample = models.PositiveIntegerField(_("target sample"), null=True, blank=True)
    link_token = models.CharField(max_length=32, unique=True, editable=False)
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["campaign", "opd__name", "group"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "opd", "group"], name="campaign_unit_once")
        ]

    def __str__(self):
        return f"{self.campaign} · {self.opd} · {self.get_group_display()}"


class AccessCode(models.Model):
    """A single-use code for an internal respondent. Only its hash and whether it was used are kept:
    no time, no link to the response it allowed."""

    unit = models.ForeignKey(CampaignUnit, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, unique=True)
    used = models.BooleanField(default=False)

    def __str__(self):
        return f"{self.unit} · {'used' if self.used else 'unused'}"


class ResponseChannel(models.TextChoices):
    WEB = "web", _("Web form")
    IMPORT = "import", _("Imported file")


class Response(models.Model):
    """One respondent's answers, with nothing that identifies the respondent."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="responses")
    unit = models.ForeignKey(CampaignUnit, on_delete=models.PROTECT, related_name="responses")
    channel = models.CharField(max_length=8, choices=ResponseChannel.choices)
    answers = models.CharField(max_length=200)
    # the ten-minute slot it arrived in (web only): shows bursts, too coarse to find a person
    received_slot = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    import_batch = models.ForeignKey(
        "ResponseImport", on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    comment = models.TextField(blank=True)
    flag_straight_lining = models.BooleanField(default=False)
    flag_identical_vector = models.BooleanField(default=False)
    flag_too_fast = models.BooleanField(default=False)
    flag_burst = models.BooleanField(default=False)
    excluded = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["campaign", "unit"], name="response_campaign_unit")]

    def __str__(self):
        return f"{self.campaign} #{self.pk}"

    @property
    def is_flagged(self):
        return (
            self.flag_straight_lining
            or self.flag_identical_vector
            or self.flag_too_fast
            or self.flag_burst
        )


class ReviewDecision(models.TextChoices):
    EXCLUDE = "exclude", _("Exclude from the scores")
    KEEP = "keep", _("Keep in the scores")


class ResponseReview(models.Model):
    """The Inspectorate's recorded decision on a flagged response; the newest one counts."""

    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="reviews")
    decision = models.CharField(_("decision"), max_length=8, choices=ReviewDecision.choices)
    reason = models.TextField(_("reason"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self):
        return f"{self.response} · {self.decision}"


class ResponseImport(models.Model):
    """One imported respondent-level file (KoboToolbox, ODK, LimeSurvey, Google Forms export)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="imports")
    file_name = models.CharField(max_length=255)
    source_format = models.CharField(max_length=40, blank=True)
    rows = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.file_name


class ScoreLevel(models.TextChoices):
    INDICATOR = "indicator", _("Indicator")
    DIMENSION = "dimension", _("Dimension")
    GROUP = "group", _("Group aggregate")
    COMPOSITE = "composite", _("Composite")


class CampaignScore(models.Model):
    """A computed score, stored when the responses change so pages only read. `opd` null is the
    institution as a whole; `group` blank is the composite."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="scores")
    opd = models.ForeignKey(OPD, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    group = models.CharField(max_length=16, blank=True, choices=RespondentGroup.choices)
    level = models.CharField(max_length=12, choices=ScoreLevel.choices)
    key = models.CharField(max_length=20, blank=True)
    respondents = models.PositiveIntegerField()
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    suppressed = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["campaign", "level"], name="score_campaign_level")]
        constraints = [
            models.CheckConstraint(
                condition=Q(suppressed=False) | Q(score__isnull=True),
                name="suppressed_score_has_no_value",
            )
        ]

    def __str__(self):
        return f"{self.campaign} {self.level} {self.key}"


class BackgroundJob(models.Model):
    """Progress of a long task (an import, a recomputation), read by the page's progress bar."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=20)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    done = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(default=0)
    message = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # two recomputations of one campaign at once would race to store its scores
            models.UniqueConstraint(
                fields=["campaign", "kind"],
                condition=Q(state__in=["queued", "running"]),
                name="one_unfinished_job_per_campaign_and_kind",
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.state}"

    @property
    def percent(self):
        return int(self.done * 100 / self.total) if self.total else 0
