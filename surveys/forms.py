from django import forms
from django.utils.translation import gettext_lazy as _

from surveys import logos
from surveys.models import LETTERHEAD_FIELDS, ImportKind, PortalSettings, SurveyRound
from surveys.services import KEEP_LOGO, REMOVE_LOGO

# What the survey importer reads (plans have their own import page).
SURVEY_IMPORT_KINDS = [
    (ImportKind.RESULTS.value, ImportKind.RESULTS.label),
    (ImportKind.INDICATOR_SCORES.value, ImportKind.INDICATOR_SCORES.label),
]


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=SURVEY_IMPORT_KINDS)
    file = forms.FileField(label=_("File (CSV or XLSX)"))
    sheet = forms.CharField(label=_("Sheet (XLSX only, optional)"), required=False, max_length=100)
    replace = forms.BooleanField(
        label=_("Replace values that differ from the stored ones (the old values stay in history)"),
        required=False,
    )
    create_institutions = forms.BooleanField(
        label=_(
            "Results: create the institutions the file names that the portal does not know "
            "(otherwise an unknown name is an error)"
        ),
        required=False,
    )


class ImportConfirmForm(forms.Form):
    kind = forms.ChoiceField(choices=SURVEY_IMPORT_KINDS)
    token = forms.CharField(max_length=64)
    sha256 = forms.CharField(max_length=64)
    file_name = forms.CharField(max_length=255)
    sheet = forms.CharField(max_length=100, required=False)
    replace = forms.BooleanField(required=False)
    create_institutions = forms.BooleanField(required=False)


def _score(label):
    """A 0-100 figure with two decimals, typed in the active language's format (67,78)."""
    return forms.DecimalField(
        label=label, min_value=0, max_value=100, max_digits=5, decimal_places=2, localize=True
    )


class WhatIfForm(forms.Form):
    internal = _score(_("Internal aggregate"))
    external = _score(_("External aggregate"))
    expert = _score(_("Expert aggregate"))
    correction_integrity = _score(_("Integrity correction"))
    correction_prevalence = _score(_("Prevalence correction"))


class RoundCreateForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


def _weight(label):
    return forms.DecimalField(
        label=label, min_value=0, max_value=1, max_digits=6, decimal_places=4, localize=True
    )


class MethodologyRevisionForm(forms.Form):
    """A round's weights, tolerance and bands, changed as a new version with a reason."""

    WEIGHTS = ("weight_internal", "weight_external", "weight_expert")
    BAND_LABELS = {
        "lower_bound": _("From (inclusive)"),
        "label_id": _("Label (Indonesian)"),
        "label_en": _("Label (English)"),
        "colour": _("Colour"),
    }

    weight_internal = _weight(_("Internal weight"))
    weight_external = _weight(_("External weight"))
    weight_expert = _weight(_("Expert weight"))
    tolerance = forms.DecimalField(
        label=_("Recomputation tolerance"),
        min_value=0,
        max_digits=4,
        decimal_places=2,
        localize=True,
    )
    reason = forms.CharField(
        label=_("Why the methodology changes (shown on the public page)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, survey_round, version, **kwargs):
        bands = list(survey_round.bands.order_by("lower_bound"))
        initial = {"version": version, "tolerance": survey_round.tolerance}
        initial |= {name: getattr(survey_round, name) for name in self.WEIGHTS}
        super().__init__(*args, initial=initial, **kwargs)
        self.band_count = len(bands)
        for position, band in enumerate(bands):
            self._add_band_fields(position, band)

    def _add_band_fields(self, position, band):
        self.fields[f"band_{position}_lower_bound"] = _score(self.BAND_LABELS["lower_bound"])
        for name in ("label_id", "label_en"):
            self.fields[f"band_{position}_{name}"] = forms.CharField(
                label=self.BAND_LABELS[name], max_length=60
            )
        self.fields[f"band_{position}_colour"] = forms.RegexField(
            label=self.BAND_LABELS["colour"], regex=r"^#[0-9a-fA-F]{6}$", max_length=7
        )
        for name in self.BAND_LABELS:
            self.initial[f"band_{position}_{name}"] = getattr(band, name)

    def band_rows(self):
        """The band fields, one list per band, for a table row each."""
        return [
            [self[f"band_{position}_{name}"] for name in self.BAND_LABELS]
            for position in range(self.band_count)
        ]

    def revision(self) -> dict:
        """The cleaned values as methodology_revise's arguments."""
        data = self.cleaned_data
        return {
            "reason": data["reason"],
            "expected_version": data["version"],
            "weights": {name.removeprefix("weight_"): data[name] for name in self.WEIGHTS},
            "tolerance": data["tolerance"],
            "bands": [
                {name: data[f"band_{position}_{name}"] for name in self.BAND_LABELS}
                for position in range(self.band_count)
            ],
        }


class PortalSettingsForm(forms.Form):
    """The portal's settings: which published round is the current follow-up round."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    current_round = forms.ModelChoiceField(
        queryset=SurveyRound.objects.published().order_by("-year"),
        to_field_name="year",
        required=False,
        label=_("Current follow-up round"),
        empty_label=_("Default"),
        help_text=_(
            "The round the work desk, the OPD home pages, the overview and the public page open "
            "on. Leave empty for the default: the latest published round that has KPK "
            "recommendations or action plans."
        ),
    )


class PortalLetterheadForm(forms.ModelForm):
    """The follow-up document's letterhead and signature block; the service writes them."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    logo = forms.FileField(
        required=False,
        label=_("Logo"),
        help_text=_("PNG or JPEG, at most 256 KB and 2000 pixels on each side."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(required=False, label=_("Remove the logo"))
    signatory_nip = forms.CharField(
        required=False,
        max_length=24,
        label=_("NIP of the signatory"),
        help_text=_("18 digits; spaces are left out."),
    )

    class Meta:
        model = PortalSettings
        fields = list(LETTERHEAD_FIELDS)

    def clean_signatory_nip(self):
        return "".join(self.cleaned_data["signatory_nip"].split())  # printed with spaces

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        return logos.logo_check(upload) if upload else None

    def logo_change(self):
        """What the service does with the logo: a checked new one, remove, or keep."""
        if self.cleaned_data["logo"] is not None:
            return self.cleaned_data["logo"]
        return REMOVE_LOGO if self.cleaned_data["remove_logo"] else KEEP_LOGO
