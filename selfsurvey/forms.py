"""Forms of the self-run survey's staff pages: campaigns and questionnaires."""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actionplans.models import OPD
from surveys.models import RespondentGroup, SurveyRound

from .answer_codec import LARGEST
from .campaigning import ITEM_FIELDS, item_fingerprint
from .models import Questionnaire

SHIPPED_DEFAULT = "default"
LABEL_LINE = re.compile(r"^\s*(\d+)\s*\|([^|]*)\|([^|]*)$")


class QuestionnaireChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} · {obj.code} v{obj.version}"


class CampaignCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    period_start = forms.DateField(
        label=_("Period start"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    period_end = forms.DateField(
        label=_("Period end"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    questionnaire = forms.ChoiceField(label=_("Questionnaire version"))
    opds = forms.ModelMultipleChoiceField(
        label=_("OPDs"),
        queryset=OPD.objects.filter(is_active=True).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )
    groups = forms.MultipleChoiceField(
        label=_("Respondent groups"),
        choices=RespondentGroup.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    min_cell_size = forms.IntegerField(
        label=_("Minimum cell size (k)"),
        min_value=2,
        max_value=1000,
        initial=10,
        help_text=_("Any score with fewer respondents than this is not shown anywhere."),
    )
    survey_round = forms.ModelChoiceField(
        label=_("Matching KPK round"),
        queryset=SurveyRound.objects.order_by("-year"),
        required=False,
        help_text=_("Its group weights combine the groups; its result is shown beside ours."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        questionnaires = list(Questionnaire.objects.order_by("code", "-version"))
        choices = [(str(q.pk), f"{q.title} · {q.code} v{q.version}") for q in questionnaires]
        if not any(q.code == SHIPPED_DEFAULT for q in questionnaires):
            choices.insert(0, (SHIPPED_DEFAULT, _("The shipped default questionnaire")))
        self.fields["questionnaire"].choices = choices
        today = timezone.localdate()
        self.initial.setdefault("period_start", today)
        self.initial.setdefault("period_end", today + datetime.timedelta(days=30))
        self.initial.setdefault("questionnaire", choices[0][0] if choices else None)
        self.initial.setdefault("opds", list(self.fields["opds"].queryset))
        self.initial.setdefault("groups", RespondentGroup.values)

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period ends before it starts."))
        return data

    def questionnaire_choice(self) -> Questionnaire | None:
        """The chosen version, or None for the shipped default not loaded yet."""
        value = self.cleaned_data["questionnaire"]
        return None if value == SHIPPED_DEFAULT else Questionnaire.objects.get(pk=value)


def _labels_text(labels) -> str:
    return "\n".join(f"{lab['value']} | {lab['label_id']} | {lab['label_en']}" for lab in labels)


def _values_text(values) -> str:
    return "; ".join(str(value) for value in values)


class ItemForm(forms.Form):
    """One item's wording, scale, labels, reverse flag and "don't know" values."""

    fingerprint = forms.CharField(widget=forms.HiddenInput)
    wording_id = forms.CharField(
        label=_("Wording (Indonesian)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    wording_en = forms.CharField(
        label=_("Wording (English)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    scale_min = forms.IntegerField(label=_("Scale minimum"), min_value=0, max_value=LARGEST)
    scale_max = forms.IntegerField(label=_("Scale maximum"), min_value=0, max_value=LARGEST)
    reverse = forms.BooleanField(label=_("Reverse-coded (a high answer is bad)"), required=False)
    dont_know_values = forms.CharField(
        label=_('Values meaning "don\'t know / no answer"'),
        required=False,
        help_text=_("Separated by semicolons, e.g. 9; outside the scale."),
    )
    scale_labels = forms.CharField(
        label=_("Answer labels"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One answer a line: value | Indonesian label | English label, "
            "e.g. 1 | Sangat tidak setuju | Strongly disagree."
        ),
    )

    def __init__(self, *args, item, **kwargs):
        initial = {field: getattr(item, field) for field in ITEM_FIELDS}
        initial["scale_labels"] = _labels_text(item.scale_labels)
        initial["dont_know_values"] = _values_text(item.dont_know_values)
        initial["fingerprint"] = item_fingerprint(item)
        super().__init__(*args, initial=initial, **kwargs)

    def clean_dont_know_values(self):
        text = self.cleaned_data["dont_know_values"]
        parts = [part for part in re.split(r"[;,\s]+", text) if part]
        if not all(part.isdigit() for part in parts):
            raise ValidationError(_("Whole numbers separated by semicolons, e.g. 9."))
        return sorted({int(part) for part in parts})

    def clean_scale_labels(self):
        labels, problems = [], []
        lines = [line for line in self.cleaned_data["scale_labels"].splitlines() if line.strip()]
        for number, line in enumerate(lines, start=1):
            match = LABEL_LINE.match(line)
            if match is None:
                problems.append(
                    _("Line %(line)s: expected value | Indonesian label | English label.")
                    % {"line": number}
                )
                continue
            value, label_id, label_en = match.groups()
            labels.append(
                {"value": int(value), "label_id": label_id.strip(), "label_en": label_en.strip()}
            )
        if problems:
            raise ValidationError(problems)
        return sorted(labels, key=lambda label: label["value"])

    def changes(self) -> dict:
        return {field: self.cleaned_data[field] for field in ITEM_FIELDS}


class UnitSizeForm(forms.Form):
    """Population and target sample of one unit (OPD x group)."""

    population = forms.IntegerField(label=_("Population"), min_value=1, required=False)
    target_sample = forms.IntegerField(label=_("Target sample"), min_value=1, required=False)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


def unit_size_forms(units, data=None) -> list[tuple]:
    """(unit, its form) for every unit, each form prefixed by the unit's pk."""
    return [
        (
            unit,
            UnitSizeForm(
                data,
                prefix=f"unit-{unit.pk}",
                initial={"population": unit.population, "target_sample": unit.target_sample},
            ),
        )
        for unit in units
    ]
