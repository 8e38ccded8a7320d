from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.models import ImportKind


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[
            (ImportKind.RESULTS.value, ImportKind.RESULTS.label),
            (ImportKind.INDICATOR_SCORES.value, ImportKind.INDICATOR_SCORES.label),
        ],
    )
    file = forms.FileField(label=_("File (CSV or XLSX)"))
    sheet = forms.CharField(label=_("Sheet (XLSX only, optional)"), required=False, max_length=100)
    replace = forms.BooleanField(
        label=_("Replace values that differ from the stored ones (the old values stay in history)"),
        required=False,
    )


class ImportConfirmForm(forms.Form):
    kind = forms.ChoiceField(choices=ImportKind.choices)
    token = forms.CharField(max_length=64)
    sha256 = forms.CharField(max_length=64)
    file_name = forms.CharField(max_length=255)
    sheet = forms.CharField(max_length=100, required=False)
    replace = forms.BooleanField(required=False)
