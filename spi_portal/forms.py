from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spi_portal.followup_report import Document

REGENT, KPK = "bupati", "kpk"


class ReportDocumentForm(forms.Form):
    """Number, date and addressee of the follow-up report, chosen when it is issued (GET)."""

    number = forms.CharField(
        label=_("Document number"),
        max_length=80,
        required=False,
        help_text=_("From the agenda book; empty: the pattern from the portal settings."),
    )
    issued_on = forms.DateField(  # a date input sends ISO dates whatever the page language
        label=_("Date"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    to = forms.ChoiceField(
        label=_("To"),
        required=False,
        choices=[(REGENT, _("The Regent (Bupati)")), (KPK, _("KPK"))],
    )

    def __init__(self, data, *, letterhead):
        super().__init__(data or None)
        self.letterhead = letterhead
        today = timezone.localdate()
        self.fields["issued_on"].initial = today
        proposed = letterhead.proposed_document_number(today.year)
        self.fields["number"].widget.attrs["placeholder"] = proposed

    def document(self) -> Document:
        """The chosen values, each empty one replaced by its default."""
        data = self.cleaned_data if self.is_bound else {}
        addressee = KPK_LEADERSHIP if data.get("to") == KPK else self._regent()
        issued_on = data.get("issued_on") or timezone.localdate()
        return Document(
            number=data.get("number") or self.letterhead.proposed_document_number(issued_on.year),
            issued_on=issued_on,
            addressee=str(addressee),
        )

    def _regent(self):
        return self.letterhead.regent_title or _("The Regent")


KPK_LEADERSHIP = _("The Leadership of the Corruption Eradication Commission (KPK)")
