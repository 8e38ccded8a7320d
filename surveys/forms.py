from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.models import ImportKind

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


class ImportConfirmForm(forms.Form):
    kind = forms.ChoiceField(choices=SURVEY_IMPORT_KINDS)
    token = forms.CharField(max_length=64)
    sha256 = forms.CharField(max_length=64)
    file_name = forms.CharField(max_length=255)
    sheet = forms.CharField(max_length=100, required=False)
    replace = forms.BooleanField(required=False)


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
