from dataclasses import dataclass
from functools import cached_property

from django import forms
from django.core.cache import cache
from django.db import models
from django.db.models import F, Min, Q
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from actionplans import dates, selectors
from actionplans.access import opd_id_of, sees_all_plans
from actionplans.models import (
    OPD,
    PAST_DATE_VALIDATORS,
    ActionPlan,
    Evidence,
    Milestone,
    PlanStatus,
    Quarter,
    Recommendation,
)
from surveys.models import Dimension, SurveyRound
from surveys.templatetags.spi import dimension_name

# the plan form's fields in the order of its sections; status is not among them: a new plan is
# a draft and its status moves only through the plan page's actions
PLAN_FIELDS = [
    "round",
    "title",
    "finding",
    "root_cause",
    "indicators",
    "recommendations",
    "respondent_group",
    "activity",
    "mcp_area",
    "budget",
    "output",
    "success_measure",
    "baseline",
    "target",
    "unit",
    "weight",
    "start_date",
    "due_date",
    "owner_opd",
    "supporting_opds",
    "public_summary",
    "show_on_public_page",
]
# on a new plan, one optional line per quarter of its first year, each becoming a milestone
FIRST_MILESTONE_FIELDS = tuple(f"milestone_q{quarter}" for quarter in Quarter.values)
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    fields: tuple[str, ...]
    note: str = ""


# the fieldsets of the plan form, top to bottom
PLAN_SECTIONS = (
    Section(
        "problem",
        _("Problem"),
        ("finding", "root_cause", "indicators", "recommendations", "respondent_group"),
    ),
    Section("activity", _("Activity"), ("activity", "mcp_area", "budget")),
    Section(
        "target",
        _("Target"),
        ("output", "success_measure", "baseline", "target", "unit", "weight"),
    ),
    Section(
        "schedule",
        _("Schedule"),
        ("start_date", "due_date", *FIRST_MILESTONE_FIELDS),
        _(
            "Say what is due at the end of each quarter (triwulan) of the plan's first year: "
            "each line becomes a milestone. More milestones, in later years or on dates of "
            "their own, are added on the plan's page."
        ),
    ),
    Section("responsibility", _("Responsibility"), ("owner_opd", "supporting_opds")),
    Section("publication", _("Publication"), ("public_summary", "show_on_public_page")),
)

# fields shown side by side on a wide screen
SHORT_FIELDS = {
    "mcp_area",
    "budget",
    "baseline",
    "target",
    "unit",
    "start_date",
    "due_date",
}

PLAN_LABELS = {
    "title": _("Plan title"),
    "finding": _("Finding (permasalahan)"),
    "root_cause": _("Root cause (akar masalah)"),
    "respondent_group": _("Respondent group targeted"),
    "activity": _("Activity (kegiatan)"),
    "mcp_area": _("MCP area"),
    "budget": _("Budget (IDR)"),
    "output": _("Output"),
    "success_measure": _("Success measure"),
    "baseline": _("Baseline"),
    "target": _("Target"),
    "unit": _("Unit"),
    "weight": _("Weight in roll-ups"),
    "start_date": _("Start date"),
    "due_date": _("Due date"),
    "owner_opd": _("Responsible OPD"),
    "supporting_opds": _("Supporting OPDs"),
    "public_summary": _("Public summary"),
    "show_on_public_page": _("Show on the public page"),
}

PLAN_HELP = {
    "title": _("A short name for the plan, as lists and the public page show it."),
    "finding": _("What the survey or KPK found wrong, in a few sentences."),
    "root_cause": _("Why it happens; the activity should remove this cause."),
    "respondent_group": _(
        "The respondents whose answers the plan should improve: internal staff, external "
        "service users or experts. Leave empty when the plan aims at all of them."
    ),
    "activity": _("What will be done, concretely, and by whom."),
    "mcp_area": _(
        "The area of KPK's Monitoring Center for Prevention (MCP) the activity belongs to, if any."
    ),
    "budget": _("Planned budget in rupiah, digits only. Leave empty when there is none."),
    "output": _("What the activity produces, for example a signed SOP or a published list."),
    "success_measure": _(
        "How you will know it worked, for example the share of services with published fees."
    ),
    "baseline": _("The value of the success measure today."),
    "target": _("The value to reach by the due date."),
    "unit": _("For example %, documents, services."),
    "weight": _(
        "How much this plan counts when the verified progress (capaian) of several plans is "
        "averaged for the round, an OPD or an indicator: a plan of weight 2 counts twice as "
        "much as a plan of weight 1. Leave 1 unless plans differ much in size."
    ),
    "start_date": _("Within the round's window: from the year before the survey."),
    "due_date": _("After this day the plan is marked overdue until it is done."),
    "owner_opd": _("The OPD that carries the plan out and reports its progress with evidence."),
    "supporting_opds": _("OPDs that help; they see the plan but do not report on it."),
    "public_summary": _("One or two plain sentences for citizens and journalists."),
    "show_on_public_page": _(
        "The public page then lists the plan with its title, summary and verified progress."
    ),
}

MAX_ID = 2**63 - 1


class ChoicesByIdField(forms.ModelMultipleChoiceField):
    """An id no database column can hold is an invalid choice, not an OverflowError (SQLite)."""

    def clean(self, value):
        for pk in value or ():
            if str(pk).strip().isdecimal() and int(pk) > MAX_ID:
                message = self.error_messages["invalid_choice"]
                raise forms.ValidationError(message, code="invalid_choice", params={"value": pk})
        return super().clean(value)


class Checklist(forms.CheckboxSelectMultiple):
    """Checkboxes in a scroll box (no ctrl-click); each option also carries its object and the
    details the page shows beside it (scores, gap). A filter box is added by checklist.js."""

    def __init__(self, attrs=None):
        super().__init__({"class": "form-check-input", **(attrs or {})})
        self.details = {}

    def __deepcopy__(self, memo):
        copy = super().__deepcopy__(memo)
        copy.details = {}
        return copy

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["instance"] = getattr(value, "instance", None)
        option["details"] = self.details.get(getattr(value, "value", value))
        return option


class IndicatorChoiceField(ChoicesByIdField):
    def label_from_instance(self, obj):
        return f"{obj.code} {dimension_name(obj)}"


class RecommendationChoiceField(ChoicesByIdField):
    def label_from_instance(self, obj):
        withdrawn = f" ({_('withdrawn')})" if obj.is_withdrawn else ""
        return f"{obj.code} · {obj.text}{withdrawn}"


def _round_of(data, rounds) -> SurveyRound | None:
    """The round a bound create form was posted for, among `rounds`."""
    value = str((data or {}).get("round", "")).strip()
    return rounds.filter(pk=value).first() if value.isdecimal() and int(value) <= MAX_ID else None


class PlanForm(forms.ModelForm):
    """Create or edit a plan (Inspectorate only) within one round; `version` carries the edit's
    base version. The round is chosen before the form (on edit it is the plan's); indicators and
    recommendations are those of that round only."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    indicators = IndicatorChoiceField(
        queryset=Dimension.objects.all(),
        widget=Checklist,
        label=_("Weak indicators addressed"),
    )
    recommendations = RecommendationChoiceField(
        queryset=Recommendation.objects.all(),
        widget=Checklist,
        required=False,
        label=_("KPK recommendations answered"),
    )

    class Meta:
        model = ActionPlan
        fields = PLAN_FIELDS
        widgets = {
            "round": forms.HiddenInput,
            "start_date": DATE_WIDGET,
            "due_date": DATE_WIDGET,
            "finding": forms.Textarea(attrs={"rows": 3}),
            "root_cause": forms.Textarea(attrs={"rows": 3}),
            "activity": forms.Textarea(attrs={"rows": 3}),
            "public_summary": forms.Textarea(attrs={"rows": 2}),
            "supporting_opds": Checklist,
        }
        field_classes = {"supporting_opds": ChoicesByIdField}
        labels = PLAN_LABELS
        help_texts = PLAN_HELP

    def __init__(self, *args, user=None, survey_round=None, **kwargs):
        super().__init__(*args, **kwargs)
        rounds = SurveyRound.objects.all()
        if user is not None:
            rounds = SurveyRound.objects.visible_to(user)
        self.fields["round"].queryset = rounds
        if self.instance.pk:
            survey_round = self.instance.round
            self.fields["round"].disabled = True  # a plan stays in its round
            self.fields["version"].initial = self.instance.version
        elif survey_round is None:
            survey_round = _round_of(self.data, rounds) or self.initial.get("round")
        if survey_round is not None and not self.instance.pk:
            self.initial["round"] = survey_round
        self.survey_round = survey_round
        self._narrow_to_round(survey_round)
        active = OPD.objects.filter(is_active=True)
        self.fields["owner_opd"].queryset = active
        self.fields["supporting_opds"].queryset = active
        if not self.instance.pk:
            self._add_first_milestones()

    def _add_first_milestones(self):
        for quarter, name in zip(Quarter, FIRST_MILESTONE_FIELDS, strict=True):
            self.fields[name] = forms.CharField(
                label=_("Milestone %(quarter)s") % {"quarter": quarter.label},
                max_length=Milestone._meta.get_field("title").max_length,
                required=False,
            )

    def _narrow_to_round(self, survey_round):
        """Only the round's indicators (weakest first, with scores and gap) and its
        recommendations in force (plus those the plan answers already)."""
        indicators, recommendations = self.fields["indicators"], self.fields["recommendations"]
        if survey_round is None:
            indicators.queryset = Dimension.objects.none()
            recommendations.queryset = Recommendation.objects.none()
            return
        home = Q(scores__institution__is_home=True)
        weakest = Min("scores__score", filter=home)
        indicators.queryset = (
            Dimension.objects.filter(round=survey_round)
            .annotate(weakest=weakest)
            .order_by(F("weakest").asc(nulls_last=True), "code")
        )
        indicators.widget.details = selectors.indicator_details(survey_round)
        in_force = Q(withdrawn_at__isnull=True)
        if self.instance.pk:
            in_force |= Q(pk__in=self.instance.recommendations.values("pk"))
        recommendations.queryset = Recommendation.objects.filter(in_force, round=survey_round)
        year = survey_round.year
        indicators.help_text = _(
            "Indicators of SPI %(year)s, weakest first: the home institution's score per "
            "respondent group and how far the weakest is below the next category."
        ) % {"year": year}
        recommendations.help_text = _(
            "KPK's recommendations for SPI %(year)s. A recommendation counts as followed up "
            "once a plan answering it is done and verified."
        ) % {"year": year}

    @cached_property
    def chosen(self) -> dict[str, str]:
        """Per checkbox list, what is ticked, shortly ("SDM, TRN"), for the line under it."""
        short = {"indicators": "code", "recommendations": "code"}
        return {
            name: ", ".join(
                getattr(option.data["instance"], short[name], "")
                if name in short
                else str(option.choice_label)
                for option in self[name]
                if option.data["selected"]
            )
            for name in ("indicators", "recommendations", "supporting_opds")
        }

    def sections(self):
        """The fieldsets in order, each as rows: a wide field alone, or short fields side by
        side (on a wide screen)."""
        return [{"section": s, "rows": self._rows(s.fields)} for s in PLAN_SECTIONS]

    def _rows(self, names) -> list[list]:
        rows: list[list] = []
        for name in (name for name in names if name in self.fields):
            if name in SHORT_FIELDS and rows and rows[-1][0].name in SHORT_FIELDS:
                rows[-1].append(self[name])
            else:
                rows.append([self[name]])
        return rows

    def clean(self):
        cleaned = super().clean()
        survey_round = cleaned.get("round")
        if survey_round is None:
            return cleaned
        self._check_first_milestones(cleaned.get("start_date"), cleaned.get("due_date"))
        for name in ("indicators", "recommendations"):
            chosen = cleaned.get(name) or []
            if any(item.round_id != survey_round.pk for item in chosen):
                self.add_error(
                    name, _("Choose only items of SPI %(year)s.") % {"year": survey_round.year}
                )
        return cleaned

    def plan_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in PLAN_FIELDS}

    def _check_first_milestones(self, start_date, due_date):
        """A quarter's line is due within the plan's own dates (of its first year)."""
        if start_date is None:
            return
        for quarter, name in zip(Quarter, FIRST_MILESTONE_FIELDS, strict=True):
            if not self.cleaned_data.get(name, "").strip():
                continue
            end = dates.quarter_end(start_date.year, quarter)
            params = {"quarter": quarter.label, "year": start_date.year}
            if end < start_date:
                message = _("%(quarter)s %(year)s ends before the plan starts.")
            elif due_date is not None and end > due_date:
                message = _("%(quarter)s %(year)s ends after the plan's due date.")
            else:
                continue
            self.add_error(name, message % params)

    def first_milestones(self) -> list[dict]:
        """The quarters given a line on a new plan, as milestone_create's arguments (the
        year is the plan's first, the service's default)."""
        return [
            {"title": self.cleaned_data[name].strip(), "quarter": int(quarter)}
            for quarter, name in zip(Quarter, FIRST_MILESTONE_FIELDS, strict=True)
            if self.cleaned_data.get(name, "").strip()
        ]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class KeptEvidenceField(ChoicesByIdField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.original_name


class ReportForm(forms.Form):
    """A capaian; as a revision (`revises`) it starts from the returned report and keeps its
    files unless the reporter unticks them."""

    report_date = forms.DateField(
        label=capfirst(_("report date")), widget=DATE_WIDGET, validators=PAST_DATE_VALIDATORS
    )
    percent = forms.IntegerField(label=capfirst(_("progress (%)")), min_value=0, max_value=100)
    narrative = forms.CharField(
        label=capfirst(_("what was done")), widget=forms.Textarea(attrs={"rows": 4})
    )
    milestone = forms.ModelChoiceField(
        queryset=Milestone.objects.none(), required=False, label=capfirst(_("milestone completed"))
    )
    files = MultipleFileField(
        label=capfirst(_("evidence (bukti dukung)")),
        help_text=_("PDF, PNG, JPEG, XLSX or DOCX. You can choose several files."),
    )
    effective_date = forms.DateField(
        label=capfirst(_("date of the evidence")),
        required=False,
        widget=DATE_WIDGET,
        validators=PAST_DATE_VALIDATORS,
        help_text=_("For example the date the decree was signed; not the upload date."),
    )

    keep = KeptEvidenceField(
        queryset=Evidence.objects.none(),
        required=False,
        label=_("Evidence kept from the returned report"),
        help_text=_("Untick a file to leave it out of the revision; it stays in the records."),
    )

    def __init__(self, *args, plan, revises=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.revises = revises
        self.fields["milestone"].queryset = plan.milestones.filter(is_verified_done=False)
        if revises is None:
            del self.fields["keep"]
        else:
            order = ["report_date", "percent", "narrative", "milestone", "keep", "files"]
            self.order_fields(order)
            self.fields["keep"].queryset = revises.evidence.order_by("pk")
            self.fields["keep"].initial = [item.pk for item in revises.evidence.all()]
            self.fields["files"].required = False
            self.fields["files"].help_text = _(
                "Add new or corrected files; the files you keep count too."
            )

    def clean_report_date(self):
        report_date = self.cleaned_data["report_date"]
        if errors := dates.report_date_errors(self.plan.round.year, report_date):
            raise errors["report_date"]
        return report_date

    def clean(self):
        cleaned = super().clean()
        if self.revises is not None and not cleaned.get("files") and not cleaned.get("keep"):
            self.add_error("files", _("Attach at least one evidence file (bukti dukung)."))
        return cleaned

    def report_fields(self) -> dict:
        fields = {k: v for k, v in self.cleaned_data.items() if k != "keep"}
        if self.revises is not None:
            fields.update(revises=self.revises, keep=list(self.cleaned_data.get("keep") or []))
        return fields


class DecisionForm(forms.Form):
    percent = forms.IntegerField(
        label=_("Progress accepted (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_(
            "The claimed percent unless you change it; you may accept less than claimed, "
            "with a note saying why, never more."
        ),
    )
    note = forms.CharField(
        label=_("Note for the OPD"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when returning the report or accepting less than claimed."),
    )

    def __init__(self, *args, report, **kwargs):
        kwargs.setdefault("initial", {"percent": report.percent})
        super().__init__(*args, **kwargs)
        self.fields["percent"].widget.attrs["max"] = report.percent


class MilestoneForm(forms.Form):
    """A milestone due at the end of a quarter (triwulan) or on a date of its own."""

    title = forms.CharField(label=_("Title"), max_length=200)
    quarter = forms.TypedChoiceField(
        label=_("Quarter (triwulan)"),
        choices=[("", _("— a date of its own —")), *Quarter.choices],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Due on the quarter's last day, e.g. 30 September for Triwulan III."),
    )
    year = forms.TypedChoiceField(
        label=_("Year of the quarter"),
        coerce=int,
        required=False,
        help_text=_("The plan runs in more than one year: say which year's quarter is meant."),
    )
    due_date = forms.DateField(
        label=_("Or a due date"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Only when the milestone is not due at a quarter's end."),
    )
    weight = forms.IntegerField(
        label=_("Weight"),
        min_value=1,
        max_value=100,
        initial=1,
        help_text=_(
            "How much this milestone counts in the plan's verified progress, compared with its "
            "other milestones (1 = all count the same)."
        ),
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        years = dates.implementation_years(plan.start_date, plan.due_date)
        self.fields["year"].choices = [(year, str(year)) for year in years]
        self.fields["year"].initial = years[0] if years else None
        if len(years) <= 1:
            self.fields["year"].widget = forms.HiddenInput()

    def clean(self):
        cleaned = super().clean()
        quarter, due_date = cleaned.get("quarter"), cleaned.get("due_date")
        if quarter and due_date:
            self.add_error("due_date", _("Give a quarter or a due date, not both."))
        elif not quarter and not due_date and "due_date" not in self.errors:
            self.add_error("quarter", _("Choose a quarter (triwulan) or give a due date."))
        if not quarter:
            cleaned["year"] = None
        return cleaned


class RecommendationForm(forms.ModelForm):
    class Meta:
        model = Recommendation
        fields = ["code", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        taken = Recommendation.objects.filter(round=self.instance.round_id, code=code)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                _("This round already has a recommendation %(code)s.") % {"code": code}
            )
        return code


class RecommendationWithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawal"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the recommendation is withdrawn.")},
    )


class RoundOrAllField(forms.ModelChoiceField):
    """A round by its year; `all` (what the home pages link with) means every round."""

    EVERY_ROUND = "all"

    def to_python(self, value):
        if value == self.EVERY_ROUND:
            return None
        return super().to_python(value)


class PlanState(models.TextChoices):
    OVERDUE = "overdue", _("overdue")
    MILESTONE_OVERDUE = "milestone_overdue", _("with an overdue milestone")
    WAITING = "waiting", _("with a report waiting for verification")
    RETURNED = "returned", _("with a returned report not yet answered")


ALL = _("All")  # a filter's empty choice


class PlanFilterForm(forms.Form):
    round = RoundOrAllField(
        queryset=SurveyRound.objects.order_by("-year"),
        to_field_name="year",
        required=False,
        label=_("SPI round"),
        empty_label=ALL,
    )
    opd = forms.ModelChoiceField(
        queryset=OPD.objects.all(),
        to_field_name="code",
        required=False,
        label=_("OPD"),
        empty_label=ALL,
    )
    status = forms.ChoiceField(
        choices=[("", ALL), *PlanStatus.choices],
        required=False,
        label=capfirst(_("status")),
    )
    indicator = forms.ChoiceField(required=False, label=_("Indicator"))
    overdue = forms.BooleanField(required=False, label=capfirst(_("overdue only")))
    state = forms.ChoiceField(
        choices=[("", ALL), *PlanState.choices],
        required=False,
        label=capfirst(_("work state")),
    )

    def __init__(self, *args, user, cache_key=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.cache_key = user, cache_key
        rounds = SurveyRound.objects.visible_to(user)
        self.fields["round"].queryset = rounds.order_by("-year")
        self.fields["indicator"].choices = selectors.indicator_filter_choices(
            rounds, self.data.get("round"), self.data.get("indicator"), cache_key=cache_key
        )
        if not sees_all_plans(user):
            self.fields["opd"].queryset = OPD.objects.filter(pk=opd_id_of(user))

    def fields_html(self) -> str:
        """The fields as `_plan_filter_fields.html` renders them. With a cache key (see
        selectors.plan_filter_key) their options are rendered once per key and chosen round,
        and the other choices are marked in that HTML; a form with errors, or a choice the
        cached options lack (an old link's indicator), is rendered in full."""
        if self.cache_key is None or (self.is_bound and not self.is_valid()):
            return self._render_fields()
        chosen_round = self.data.get("round", "")
        key = f"plan-filter-html:{self.cache_key}:{chosen_round}"
        html = cache.get(key)
        if html is None:
            data = {"round": chosen_round} if chosen_round else None
            plain = PlanFilterForm(data, user=self.user, cache_key=self.cache_key)
            html = plain._render_fields()
            cache.set(key, html, selectors.FILTER_CACHE_SECONDS)
        return self._with_choices(html) or self._render_fields()

    def _render_fields(self) -> str:
        return render_to_string("actionplans/_plan_filter_fields.html", {"filter_form": self})

    def _with_choices(self, html: str) -> str | None:
        """`html` (rendered with nothing chosen but the round) with this form's choices
        selected, as the widgets would render them; None if an option is not there."""
        for name in ("opd", "status", "indicator", "state"):
            value = self.data.get(name, "")
            if value:
                html = _option_selected(html, name, str(value))
                if html is None:
                    return None
        if self.is_bound and self.cleaned_data.get("overdue"):
            box = html.index('<input type="checkbox" name="overdue"')
            end = html.index(">", box)
            html = f"{html[:end]} checked{html[end:]}"
        return html


def _option_selected(html: str, name: str, value: str) -> str | None:
    """`html` with the option `value` of the select `name` selected instead of its empty one."""
    start = html.index(f'<select name="{name}"')
    end = html.index("</select>", start)
    options = html[start:end].replace('<option value="" selected>', '<option value="">', 1)
    option = f'<option value="{escape(value)}">'
    if option not in options:
        return None
    options = options.replace(option, f"{option[:-1]} selected>", 1)
    return html[:start] + options + html[end:]


class PlanImportForm(forms.Form):
    file = forms.FileField(label=_("XLSX file"))


# Each language is named in itself, so a reader finds theirs whatever the page speaks.
LANGUAGE_NAMES = (("id", "Bahasa Indonesia"), ("en", "English"))


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Interface language"),
        choices=LANGUAGE_NAMES,
        help_text=_("The language of the staff pages, from now on and whenever you sign in."),
    )
    email_notifications = forms.BooleanField(
        label=_("E-mail me my notifications"),
        required=False,
        help_text=_(
            "Reports to verify, reports returned or accepted, plans assigned to your OPD. "
            "They stay in the portal's notification list either way."
        ),
    )


class LanguageForm(forms.Form):
    """The menu's language switch: the language and the page to return to."""

    language = forms.ChoiceField(choices=LANGUAGE_NAMES)
    next = forms.CharField(required=False)


class PlanCompleteForm(forms.ModelForm):
    """What the responsible OPD writes into a draft assigned to it (services.COMPLETE_FIELDS)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = ActionPlan
        fields = [
            "root_cause",
            "activity",
            "output",
            "success_measure",
            "baseline",
            "target",
            "unit",
            "start_date",
            "due_date",
        ]
        widgets = {
            "start_date": DATE_WIDGET,
            "due_date": DATE_WIDGET,
            "root_cause": forms.Textarea(attrs={"rows": 3}),
            "activity": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "root_cause": _("Why the weakness exists in your OPD, in a sentence or two."),
            "activity": _("What your OPD will do about it. Required to submit."),
            "target": _("The value to reach by the due date, e.g. 100. Required to submit."),
            "success_measure": _("How anyone can check the result, e.g. SOP published."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version

    def plan_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class PlanCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the plan is cancelled.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PlanReturnForm(forms.Form):
    note = forms.CharField(
        label=_("What the OPD has to complete"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what has to be completed when returning a plan.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class AssignForm(forms.Form):
    """One row of the coordination meeting: a weak indicator or a recommendation to an OPD."""

    indicator = forms.ModelChoiceField(queryset=Dimension.objects.none(), required=False)
    recommendation = forms.ModelChoiceField(queryset=Recommendation.objects.none(), required=False)
    owner_opd = forms.ModelChoiceField(
        queryset=OPD.objects.filter(is_active=True),
        label=_("Responsible OPD"),
        error_messages={"required": _("Choose the responsible OPD.")},
    )
    supporting_opds = ChoicesByIdField(
        queryset=OPD.objects.filter(is_active=True),
        required=False,
        label=_("Supporting OPDs"),
    )

    def __init__(self, *args, survey_round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = Dimension.objects.filter(round=survey_round)
        self.fields["recommendation"].queryset = Recommendation.objects.in_force().filter(
            round=survey_round
        )

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("indicator") is None) ^ (cleaned.get("recommendation") is None):
            raise forms.ValidationError(_("Assign one weak indicator or one recommendation."))
        return cleaned
