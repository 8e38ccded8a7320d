"""Pages of the self-run survey: the review of flagged responses (Inspectorate only)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from actionplans.models import OPD

from .. import reviewing, services
from ..models import Campaign, ReviewDecision

ENTRIES_PER_PAGE = 25
ALL = _("All")
FLAG_CHOICES = [
    ("", ALL),
    ("straight_lining", _("Straight-lining")),
    ("identical_vectors", _("Identical answers")),
    ("too_fast", _("Too fast")),
    ("bursts", _("Burst from one link")),
]
DECISION_CHOICES = [
    ("", ALL),
    (reviewing.AWAITING, _("Awaiting a decision")),
    (reviewing.EXCLUDED, _("Excluded")),
    (reviewing.KEPT, _("Kept")),
]


class ReviewFilterForm(forms.Form):
    opd = forms.ModelChoiceField(
        queryset=OPD.objects.none(), required=False, label=_("OPD"), empty_label=ALL
    )
    flag = forms.ChoiceField(choices=FLAG_CHOICES, required=False, label=_("Flag"))
    decision = forms.ChoiceField(choices=DECISION_CHOICES, required=False, label=_("Decision"))

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        opds = OPD.objects.filter(survey_units__campaign=campaign).distinct().order_by("name")
        self.fields["opd"].queryset = opds
        self.fields["opd"].label_from_instance = lambda opd: opd.name


class ReviewDecisionForm(forms.Form):
    ids = forms.CharField(widget=forms.HiddenInput)
    token = forms.CharField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=ReviewDecision.choices)
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)


def _campaign(pk):
    return get_object_or_404(Campaign, pk=pk)


@login_required
@permission_required(services.MANAGE, raise_exception=True)
def review_list(request, pk):
    """The flagged responses of a campaign, identical vectors grouped, each with its decision
    form; a decision comes back here (with the list's filters and page)."""
    campaign = _campaign(pk)
    failed = None
    if request.method == "POST":
        failed = _decide(request, campaign)
        if failed is None:
            return redirect(request.get_full_path())
    context = _page_context(request, campaign) | {"failed": failed}
    return render(request, "selfsurvey/review/review_list.html", context)


def _decide(request, campaign):
    """None when the decision was saved, else what to show on the entry that failed (found by
    its responses, so a reason typed on a stale page is offered again on the fresh entry)."""
    form = ReviewDecisionForm(request.POST)
    if not form.is_valid():
        failed = {"ids": request.POST.get("ids", ""), "reason": request.POST.get("reason", "")}
        return failed | {"errors": _form_messages(form)}
    data = form.cleaned_data
    try:
        count = reviewing.response_review(
            actor=request.user,
            campaign=campaign,
            responses=data["ids"].split(","),
            decision=data["decision"],
            reason=data["reason"],
            expected_state=data["token"],
        )
    except (ValidationError, reviewing.StaleReview) as error:
        shown = error.messages if isinstance(error, ValidationError) else [str(error)]
        return {"ids": data["ids"], "reason": data["reason"], "errors": shown}
    messages.success(request, _saved_message(data["decision"], count))
    return None


def _form_messages(form):
    return [message for errors in form.errors.values() for message in errors]


def _saved_message(decision, count):
    if decision == ReviewDecision.EXCLUDE:
        text = ngettext(
            "%(count)s response excluded. The scores change at the next recomputation.",
            "%(count)s responses excluded. The scores change at the next recomputation.",
            count,
        )
    else:
        text = ngettext(
            "%(count)s response kept. The scores change at the next recomputation.",
            "%(count)s responses kept. The scores change at the next recomputation.",
            count,
        )
    return text % {"count": count}


def _page_context(request, campaign):
    filters = ReviewFilterForm(request.GET or None, campaign=campaign)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    entries = reviewing.review_entries(
        campaign,
        kind=chosen.get("flag", ""),
        opd_id=chosen["opd"].pk if chosen.get("opd") else None,
        decision=chosen.get("decision", ""),
    )
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "campaign": campaign,
        "filters": filters,
        "page": page,
        "cards": reviewing.review_page(campaign, page.object_list),
        "summary": reviewing.flag_summary(campaign),
        "stale": reviewing.scores_are_stale(campaign),
        "query": query.urlencode(),
        "action_query": request.GET.urlencode(),
        "decisions": ReviewDecision,
    }


urlpatterns = [
    path("<int:pk>/tinjau/", review_list, name="review_list"),
]
