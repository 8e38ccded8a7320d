import base64
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from surveys import scoring
from surveys.audit import history_user
from surveys.institution_names import institution_key

SCORE_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


def score_field(verbose_name, **kwargs):
    return models.DecimalField(
        verbose_name, max_digits=5, decimal_places=2, validators=SCORE_VALIDATORS, **kwargs
    )


class RespondentGroup(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    EXTERNAL = "external", _("External")
    EXPERT = "expert", _("Expert")


class InstitutionType(models.TextChoices):
    PROVINCE = "provinsi", _("Province")
    REGENCY = "kabupaten", _("Regency")
    CITY = "kota", _("City")
    MINISTRY = "kementerian", _("Ministry")
    AGENCY = "lembaga", _("Agency")
    STATE_COMPANY = "bumn", _("State-owned company")
    OTHER = "lainnya", _("Other")


class Institution(models.Model):
    # Every institution has a code: the one a file gives, else one the portal generates from the
    # name (KAB-BARITO-TIMUR, BNPT). KPK's own files name institutions and do not code them, and
    # the code is what addresses, open data, indicator-score files and commands name them by.
    kpk_code = models.CharField(_("KPK code"), max_length=32, unique=True)
    region_code = models.CharField(
        _("region code"),
        max_length=13,
        blank=True,
        default="",
        validators=[RegexValidator(r"^[0-9]+$", _("Digits only, e.g. 6213 or 62."))],
        help_text=_("Kemendagri region code (kode wilayah), e.g. 6213; empty for ministries."),
    )
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(
        _("name key"),
        max_length=200,
        db_index=True,
        editable=False,
        default="",
        help_text=_("The name normalised for matching (see surveys/institution_names.py)."),
    )
    type = models.CharField(
        _("type"), max_length=16, choices=InstitutionType.choices, default=InstitutionType.OTHER
    )
    province = models.CharField(_("province"), max_length=100, blank=True)
    is_home = models.BooleanField(
        _("home institution"),
        default=False,
        help_text=_("The institution this portal is deployed for. Only one may be marked."),
    )
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_home"], condition=Q(is_home=True), name="one_home_institution"
            ),
            models.UniqueConstraint(
                fields=["region_code"],
                condition=~Q(region_code=""),
                name="institution_unique_region_code",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = institution_key(self.name, self.type)
        super().save(*args, **kwargs)


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


VIEW_DRAFT_ROUND = "surveys.view_draft_round"


def sees_draft_rounds(user) -> bool:
    """Unpublished rounds are the Inspectorate's: only holders of view_draft_round see them."""
    return user.is_authenticated and user.has_perm(VIEW_DRAFT_ROUND)


class SurveyRoundQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=RoundStatus.PUBLISHED)

    def visible_to(self, user):
        """The rounds a user may see: published ones, and drafts with view_draft_round.
        This is the one place round visibility is decided."""
        return self if sees_draft_rounds(user) else self.published()


class SurveyRound(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.DRAFT
    )
    weight_internal = models.DecimalField(_("internal weight"), max_digits=6, decimal_places=4)
    weight_external = models.DecimalField(_("external weight"), max_digits=6, decimal_places=4)
    weight_expert = models.DecimalField(_("expert weight"), max_digits=6, decimal_places=4)
    tolerance = models.DecimalField(
        _("recomputation tolerance"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.02"),
        validators=NON_NEGATIVE,
    )
    national_index = score_field(_("national index"), null=True, blank=True)
    national_target = score_field(_("national target"), null=True, blank=True)
    source_note = models.TextField(_("source note"), blank=True)
    unpublish_reason = models.TextField(_("reason for unpublishing"), blank=True)
    history = HistoricalRecords(get_user=history_user)

    objects = SurveyRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")
        ordering = ["-year"]
        permissions = [
            ("publish_surveyround", _("Can publish or unpublish a survey round")),
            ("view_draft_round", _("Can see survey rounds that are not published")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    weight_internal__gte=0,
                    weight_external__gte=0,
                    weight_expert__gte=0,
                ),
                name="round_weights_not_negative",
            ),
        ]

    def __str__(self):
        return f"SPI {self.year}"

    def get_absolute_url(self):
        return reverse("surveys:round_detail", args=[self.year])

    @property
    def is_published(self):
        return self.status == RoundStatus.PUBLISHED

    def clean(self):
        weights = [self.weight_internal, self.weight_external, self.weight_expert]
        if None not in weights and sum(weights) != Decimal("1"):
            raise ValidationError(
                _("The three group weights must add up to exactly 1 (they add up to %(total)s).")
                % {"total": sum(weights)}
            )


class CategoryBand(models.Model):
    round = models.ForeignKey(
        SurveyRound, on_delete=models.PROTECT, related_name="bands", verbose_name=_("round")
    )
    lower_bound = score_field(_("lower bound (inclusive)"))
    label_id = models.CharField(_("label (Indonesian)"), max_length=60)
    label_en = models.CharField(_("label (English)"), max_length=60)
    colour = models.CharField(
        _("colour"),
        max_length=7,
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a hex colour such as #c62828."))],
        help_text=_("Hex colour such as #c62828."),
    )
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("category band")
        verbose_name_plural = _("category bands")
        ordering = ["round", "lower_bound"]
        constraints = [
            models.UniqueConstraint(fields=["round", "lower_bound"], name="band_unique_lower"),
        ]

    def __str__(self):
        return f"{self.label_id} (≥ {self.lower_bound})"


class Dimension(models.Model):
    round = models.ForeignKey(
        SurveyRound, on_delete=models.PROTECT, related_name="dimensions", verbose_name=_("round")
    )
    code = models.CharField(_("code"), max_length=20)
    name_id = models.CharField(_("name (Indonesian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent dimension"),
    )
    answered_by_internal = models.BooleanField(_("answered by internal"), null=True, blank=True)
    answered_by_external = models.BooleanField(_("answered by external"), null=True, blank=True)
    answered_by_expert = models.BooleanField(_("answered by expert"), null=True, blank=True)
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("dimension / indicator")
        verbose_name_plural = _("dimensions / indicators")
        ordering = ["round", "code"]
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="dimension_unique_code"),
        ]

    def __str__(self):
        return f"{self.code} {self.name_id}"


class MethodologyRevision(models.Model):
    """A new methodology version of a round: why, by whom, and the methodology before and after.

    Version 1 is the methodology the round was published with; each revision makes the next.
    Written by `surveys.services.methodology_revise` only, never changed afterwards.
    """

    round = models.ForeignKey(
        SurveyRound,
        on_delete=models.PROTECT,
        related_name="methodology_revisions",
        verbose_name=_("round"),
    )
    version = models.PositiveSmallIntegerField(_("methodology version"))
    reason = models.TextField(_("reason"))
    actor = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    created_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    before = models.JSONField(_("methodology before"))
    after = models.JSONField(_("methodology after"))

    class Meta:
        verbose_name = _("methodology revision")
        verbose_name_plural = _("methodology revisions")
        ordering = ["round", "-version"]
        permissions = [
            ("revise_methodology", _("Can change a round's methodology as a new version"))
        ]
        constraints = [
            models.UniqueConstraint(fields=["round", "version"], name="revision_unique_version"),
            models.CheckConstraint(condition=Q(version__gte=2), name="revision_version_after_1"),
            models.CheckConstraint(condition=~Q(reason=""), name="revision_has_reason"),
        ]

    def __str__(self):
        return f"{self.round} · v{self.version}"


class ImportKind(models.TextChoices):
    RESULTS = "results", _("Institution results")
    INDICATOR_SCORES = "indicator_scores", _("Indicator scores")
    PLANS = "plans", _("Action plans")


class ImportOutcome(models.TextChoices):
    APPLIED = "applied", _("Applied")
    REJECTED = "rejected", _("Rejected")


class ImportBatch(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_by = models.ForeignKey(
        "auth.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_created = models.PositiveIntegerField(_("rows created"), default=0)
    rows_updated = models.PositiveIntegerField(_("rows updated"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("rows unchanged"), default=0)
    outcome = models.CharField(_("outcome"), max_length=16, choices=ImportOutcome.choices)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at"]
        permissions = [("run_import", _("Can import survey results and indicator scores"))]

    def __str__(self):
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"


class InstitutionResult(models.Model):
    round = models.ForeignKey(
        SurveyRound, on_delete=models.PROTECT, related_name="results", verbose_name=_("round")
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="results", verbose_name=_("institution")
    )
    internal = score_field(_("internal aggregate"))
    external = score_field(_("external aggregate"))
    expert = score_field(_("expert aggregate"))
    correction_integrity = models.DecimalField(
        _("integrity correction"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=NON_NEGATIVE,
    )
    correction_prevalence = models.DecimalField(
        _("prevalence correction"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=NON_NEGATIVE,
    )
    published_index = score_field(_("published index (KPK)"), null=True, blank=True)
    is_published = models.BooleanField(_("published by KPK"), default=True)
    not_published_reason = models.TextField(_("reason not published"), blank=True)
    import_batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="results",
        verbose_name=_("import batch"),
    )
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("institution result")
        verbose_name_plural = _("institution results")
        ordering = ["round", "institution__name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "institution"], name="result_unique"),
            models.CheckConstraint(
                condition=Q(correction_integrity__gte=0, correction_prevalence__gte=0),
                name="result_corrections_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.institution} · {self.round}"

    def group_scores(self):
        return scoring.GroupScores(
            internal=self.internal,
            external=self.external,
            expert=self.expert,
            correction_integrity=self.correction_integrity,
            correction_prevalence=self.correction_prevalence,
            published_index=self.published_index,
        )


class IndicatorScore(models.Model):
    round = models.ForeignKey(
        SurveyRound,
        on_delete=models.PROTECT,
        related_name="indicator_scores",
        verbose_name=_("round"),
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="indicator_scores",
        verbose_name=_("institution"),
    )
    group = models.CharField(_("respondent group"), max_length=16, choices=RespondentGroup.choices)
    dimension = models.ForeignKey(
        Dimension,
        on_delete=models.PROTECT,
        related_name="scores",
        verbose_name=_("dimension / indicator"),
    )
    score = score_field(_("score"))
    respondents = models.PositiveIntegerField(_("respondents"), null=True, blank=True)
    is_illustrative = models.BooleanField(
        _("illustrative"),
        default=False,
        help_text=_("Example data, not KPK's. Shown labelled as an example."),
    )
    import_batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicator_scores",
        verbose_name=_("import batch"),
    )
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("indicator score")
        verbose_name_plural = _("indicator scores")
        ordering = ["round", "institution", "dimension__code", "group"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "institution", "group", "dimension"],
                name="indicator_score_unique",
            ),
        ]

    def __str__(self):
        return f"{self.dimension.code} {self.get_group_display()}: {self.score}"


class PublicDataGeneration(models.Model):
    """One row per data generation (surveys.public_cache: survey data, plan data; both made by
    migration 0010): the number every cached public or dashboard page is keyed by.

    It lives in the database so that every app server and command sees the same number, and a
    writer moves it in its own transaction, so the number changes when the data does.
    """

    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("public data generation")
        verbose_name_plural = _("public data generations")

    def __str__(self):
        return str(self.value)


# 700 is the classification code of supervision (pengawasan) in the regional archive codes
# (Permendagri 83/2022); the middle number comes from the Inspectorate's agenda book.
DOCUMENT_NUMBER_PATTERN = "700/…/INSP/{year}"
# what the follow-up document takes from the settings (the logo apart: it is a file)
LETTERHEAD_FIELDS = (
    "letterhead_government",
    "letterhead_institution",
    "letterhead_address",
    "regent_title",
    "signatory_title",
    "signatory_name",
    "signatory_nip",
    "signing_place",
    "document_number_pattern",
)


class PortalSettings(models.Model):
    """One row: the portal's settings the Inspectorate chooses, with their history.

    `current_round` is the follow-up round the home pages, the dashboard and the public page
    open on; empty means the default (the latest published round with recommendations or
    plans, decided in actionplans.selectors.current_round)."""

    current_round = models.ForeignKey(
        SurveyRound,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current follow-up round"),
        limit_choices_to={"status": RoundStatus.PUBLISHED},
        help_text=_(
            "The round the home pages, the overview and the public page open on. Empty: the "
            "latest published round that has KPK recommendations or action plans."
        ),
    )
    letterhead_government = models.CharField(
        _("government"),
        max_length=150,
        blank=True,
        help_text=_("e.g. Pemerintah Kabupaten Barito Timur"),
    )
    letterhead_institution = models.CharField(
        _("institution"), max_length=150, blank=True, help_text=_("e.g. Inspektorat Daerah")
    )
    letterhead_address = models.CharField(
        _("address"),
        max_length=300,
        blank=True,
        help_text=_("Street, town, telephone and e-mail, as printed under the name."),
    )
    # The logo lives in the database, not under MEDIA: it only ever reaches a page or a PDF
    # embedded in what an access-checked view renders. Left out of the history (bytes).
    letterhead_logo = models.BinaryField(_("logo"), blank=True, default=b"", editable=False)
    letterhead_logo_type = models.CharField(max_length=20, blank=True, editable=False)
    regent_title = models.CharField(
        _("title of the Regent"),
        max_length=150,
        blank=True,
        help_text=_("e.g. Bupati Barito Timur"),
    )
    signatory_title = models.CharField(
        _("title of the signatory"),
        max_length=150,
        blank=True,
        help_text=_("e.g. Inspektur Kabupaten Barito Timur"),
    )
    signatory_name = models.CharField(_("name of the signatory"), max_length=150, blank=True)
    signatory_nip = models.CharField(
        _("NIP of the signatory"),
        max_length=18,
        blank=True,
        validators=[RegexValidator(r"^\d{18}$", _("A NIP has 18 digits."))],
    )
    signing_place = models.CharField(
        _("place of signing"), max_length=100, blank=True, help_text=_("e.g. Tamiang Layang")
    )
    document_number_pattern = models.CharField(
        _("document number pattern"),
        max_length=80,
        blank=True,
        default=DOCUMENT_NUMBER_PATTERN,
        help_text=_(
            "Proposed when a report is generated; {year} becomes the document's year and … is "
            "left for the number from the agenda book."
        ),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    history = HistoricalRecords(get_user=history_user, excluded_fields=["letterhead_logo"])

    class Meta:
        verbose_name = _("portal settings")
        verbose_name_plural = _("portal settings")

    def __str__(self):
        return str(_("Portal settings"))

    @classmethod
    def load(cls) -> "PortalSettings":
        """The one row (unsaved and empty until someone saves a setting)."""
        return cls.objects.select_related("current_round").order_by("pk").first() or cls()

    def proposed_document_number(self, year: int) -> str:
        return (self.document_number_pattern or DOCUMENT_NUMBER_PATTERN).replace(
            "{year}", str(year)
        )

    @property
    def logo_data_uri(self) -> str:
        """The logo as a data: URI (the CSP allows data: images), or "" without a logo."""
        if not self.letterhead_logo:
            return ""
        encoded = base64.b64encode(bytes(self.letterhead_logo)).decode("ascii")
        return f"data:{self.letterhead_logo_type};base64,{encoded}"
