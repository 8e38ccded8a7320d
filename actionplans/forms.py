from django import forms
from django.utils.translation import gettext_lazy as _

from actionplans import dates
from actionplans.access import opd_id_of, sees_all_plans
from actionplans.models import (
    OPD,
    PAST_DATE_VALIDATORS,
    ActionPlan,
    Milestone,
    PlanStatus,
    Recommendation,
)
from surveys.models import Dimension, SurveyRound

PLAN_FIELDS = [
    "round",
    "title",
    "finding",
    "root_cause",
    "recommendations",
    "indicators",
    "respondent_group",
    "activity",
    "output",
    "success_measure",
    "baseline",
    "target",
    "unit",
    "start_date",
    "due_date",
    "owner_opd",
    "supporting_opds",
    "budget",
    "mcp_area",
    "weight",
    "status",
    "public_summary",
    "show_on_public_page",
]
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


MAX_ID = 2**63 - 1


class ChoicesByIdField(forms.ModelMultipleChoiceField):
    """An id no database column can hold is an invalid choice, not an OverflowError (SQLite)."""

    def clean(self, value):
        for pk in value or ():
            if str(pk).strip().isdecimal() and int(pk) > MAX_ID:
                message = self.error_messages["invalid_choice"]
                raise forms.ValidationError(message, code="invalid_choice", params={"value": pk})
        return super().clean(value)


class IndicatorChoiceField(ChoicesByIdField):
    def label_from_instance(self, obj):
        return f"SPI {obj.round.year} · {obj.code} {obj.name_id}"


class RecommendationChoiceField(ChoicesByIdField):
    def label_from_instance(self, obj):
        withdrawn = f" ({_('withdrawn')})" if obj.is_withdrawn else ""
        return f"SPI {obj.round.year} · {obj}{withdrawn}"


class PlanForm(forms.ModelForm):
    """Create or edit a plan (Inspectorate only); `version` carries the edit's base version."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    indicators = IndicatorChoiceField(
        queryset=Dimension.objects.select_related("round").order_by("-round__year", "code"),
        label=_("weak indicators addressed"),
    )
    recommendations = RecommendationChoiceField(
        queryset=Recommendation.objects.select_related("round").order_by("-round__year", "code"),
        required=False,
        label=_("KPK recommendations answered"),
    )

    class Meta:
        model = ActionPlan
        fields = PLAN_FIELDS
        widgets = {"start_date": DATE_WIDGET, "due_date": DATE_WIDGET}
        field_classes = {"supporting_opds": ChoicesByIdField}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self._narrow_to_visible_rounds(user)
        active = OPD.objects.filter(is_active=True)
        self.fields["owner_opd"].queryset = active
        self.fields["supporting_opds"].queryset = active
        # done comes from an accepted report, cancelled from Cancel (see plan_update)
        current = self.instance.status if self.instance.pk else None
        self.fields["status"].choices = [
            c for c in PlanStatus.choices if c[0] in (PlanStatus.DRAFT, PlanStatus.ACTIVE, current)
        ]
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def _narrow_to_visible_rounds(self, user):
        """Only rounds the user may see (a draft is the Inspectorate's) and their items."""
        rounds = SurveyRound.objects.visible_to(user)
        self.fields["round"].queryset = rounds
        for name in ("indicators", "recommendations"):
            field = self.fields[name]
            field.queryset = field.queryset.filter(round__in=rounds)

    def clean(self):
        cleaned = super().clean()
        survey_round = cleaned.get("round")
        if survey_round is None:
            return cleaned
        for name in ("indicators", "recommendations"):
            chosen = cleaned.get(name) or []
            if any(item.round_id != survey_round.pk for item in chosen):
                self.add_error(
                    name, _("Choose only items of SPI %(year)s.") % {"year": survey_round.year}
                )
        return cleaned

    def plan_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in PLAN_FIELDS}


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


class ReportForm(forms.Form):
    report_date = forms.DateField(
        label=_("report date"), widget=DATE_WIDGET, validators=PAST_DATE_VALIDATORS
    )
    percent = forms.IntegerField(label=_("progress (%)"), min_value=0, max_value=100)
    narrative = forms.CharField(label=_("what was done"), widget=forms.Textarea(attrs={"rows": 4}))
    milestone = forms.ModelChoiceField(
        queryset=Milestone.objects.none(), required=False, label=_("milestone completed")
    )
    files = MultipleFileField(
        label=_("evidence (bukti dukung)"),
        help_text=_("PDF, PNG, JPEG, XLSX or DOCX. You can choose several files."),
    )
    effective_date = forms.DateField(
        label=_("date of the evidence"),
        required=False,
        widget=DATE_WIDGET,
        validators=PAST_DATE_VALIDATORS,
        help_text=_("For example the date the decree was signed; not the upload date."),
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["milestone"].queryset = plan.milestones.filter(is_verified_done=False)

    def clean_report_date(self):
        report_date = self.cleaned_data["report_date"]
        if errors := dates.report_date_errors(self.plan.round.year, report_date):
            raise errors["report_date"]
        return report_date


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("note for the OPD"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when returning the report."),
    )


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["title", "due_date", "weight"]
        widgets = {"due_date": DATE_WIDGET}


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


class PlanFilterForm(forms.Form):
    round = forms.ModelChoiceField(
        queryset=SurveyRound.objects.order_by("-year"),
        to_field_name="year",
        required=False,
        label=_("SPI round"),
    )
    opd = forms.ModelChoiceField(
        queryset=OPD.objects.all(), to_field_name="code", required=False, label=_("OPD")
    )
    status = forms.ChoiceField(
        choices=[("", "---------"), *PlanStatus.choices], required=False, label=_("status")
    )
    indicator = forms.CharField(required=False, max_length=20, label=_("indicator code"))
    overdue = forms.BooleanField(required=False, label=_("overdue only"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = SurveyRound.objects.visible_to(user).order_by("-year")
        if not sees_all_plans(user):
            self.fields["opd"].queryset = OPD.objects.filter(pk=opd_id_of(user))


class PlanImportForm(forms.Form):
    file = forms.FileField(label=_("XLSX file"))


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
