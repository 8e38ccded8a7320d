"""Pages of the self-run survey: results (the OPD integrity map, one OPD's page, the trend across
campaigns, the scores as CSV). They only read stored scores (`selfsurvey.score_selectors`).

The Inspectorate sees every OPD; the head of an OPD only their own OPD's page (any other OPD is
not there for them: 404), and the trend, which is the institution's. No page here shows a
respondent's row or free text.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from actionplans import access
from selfsurvey import score_selectors
from selfsurvey.models import Campaign, CampaignUnit
from selfsurvey.services import MANAGE
from surveys import charts, exporting
from surveys.models import RespondentGroup

REPORT = "actionplans.report_progress"


def _campaign(pk) -> Campaign:
    campaigns = Campaign.objects.select_related("round", "questionnaire")
    return get_object_or_404(campaigns, pk=pk)


def _own_opd_code(user, campaign) -> str | None:
    """The code of the head's OPD when the campaign covers it."""
    opd_id = access.opd_id_of(user) if user.has_perm(REPORT) else None
    if opd_id is None:
        return None
    unit = CampaignUnit.objects.filter(campaign=campaign, opd_id=opd_id).select_related("opd")
    unit = unit.first()
    return unit.opd.code if unit else None


@login_required
def campaign_map(request, pk):
    campaign = _campaign(pk)
    if not request.user.has_perm(MANAGE):
        code = _own_opd_code(request.user, campaign)
        if code is None:
            raise PermissionDenied
        return redirect("selfsurvey:campaign_opd", pk=campaign.pk, code=code)
    group = request.GET.get("group", "")
    group = group if group in RespondentGroup.values else ""
    context = {
        "campaign": campaign,
        "map": score_selectors.integrity_map(campaign, group),
        "excluded": score_selectors.excluded_count(campaign),
        "k": campaign.min_cell_size,
    }
    return render(request, "selfsurvey/results/map.html", context)


@login_required
def campaign_opd(request, pk, code):
    campaign = _campaign(pk)
    opd = get_object_or_404(score_selectors.campaign_opds(campaign), code=code)
    user = request.user
    if not user.has_perm(MANAGE) and not (
        user.has_perm(REPORT) and access.opd_id_of(user) == opd.pk
    ):
        raise Http404
    context = {
        "campaign": campaign,
        "page": score_selectors.opd_scores(campaign, opd, user),
        "excluded": score_selectors.excluded_count(campaign),
        "k": campaign.min_cell_size,
        "can_plan": access.restrict(type(opd).objects.filter(pk=opd.pk), user, "add_plan").exists(),
        "sees_map": user.has_perm(MANAGE),
    }
    return render(request, "selfsurvey/results/opd.html", context)


@login_required
def campaign_trend(request):
    user = request.user
    if not (user.has_perm(MANAGE) or user.has_perm(REPORT)):
        raise PermissionDenied
    trend = score_selectors.campaign_trend(user)
    context = {
        "trend": trend,
        "figure": _trend_figure(trend),
        "sees_map": user.has_perm(MANAGE),
        "groups": score_selectors.GROUPS,
    }
    return render(request, "selfsurvey/results/trend.html", context)


def _trend_figure(trend):
    if not trend:
        return None
    labels = [charts.wrapped_label(row.campaign.name, width=14) for row in trend]
    return charts.comparison_figure(labels, score_selectors.trend_series(trend))


@login_required
def campaign_scores_csv(request, pk):
    if not request.user.has_perm(MANAGE):
        raise PermissionDenied
    campaign = _campaign(pk)
    rows = [
        score_selectors.csv_cells(row) for row in score_selectors.indicator_score_rows(campaign)
    ]
    return exporting.table_response(
        score_selectors.EXPORT_COLUMNS,
        rows,
        file_name=f"skor-survei-mandiri-{campaign.pk}",
        file_format="csv",
    )


urlpatterns = [
    path("<int:pk>/peta/", campaign_map, name="campaign_map"),
    path("<int:pk>/opd/<str:code>/", campaign_opd, name="campaign_opd"),
    path("<int:pk>/skor.csv", campaign_scores_csv, name="campaign_scores_csv"),
    path("tren/", campaign_trend, name="campaign_trend"),
]
