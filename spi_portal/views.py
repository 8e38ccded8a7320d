from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import get_language

from actionplans import selectors as plan_selectors
from surveys import charts, scoring, selectors


@login_required
def home(request):
    return redirect(plan_selectors.landing_page(request.user) or "dashboard")


@login_required
def dashboard(request):
    """The overview: index and bands, groups, what-if, trend, indicators, plan follow-up."""
    rounds = selectors.rounds_with_bands()
    context = {"rounds": rounds, "round": None, "current": None}
    if rounds:
        context.update(_round_context(request, rounds))
    return render(request, "spi_portal/dashboard.html", context)


def _selected_round(request, rounds):
    years = {r.year: r for r in rounds}
    try:
        return years.get(int(request.GET.get("year", "")), rounds[-1])
    except ValueError:
        return rounds[-1]


def _round_context(request, rounds):
    survey_round = _selected_round(request, rounds)
    trend = selectors.home_trend(rounds)
    current = next((p for p in trend if p["round"] == survey_round), None)
    context = {"round": survey_round, "trend": trend, "current": current}
    if trend:
        context["trend_figure"] = charts.trend_figure(trend)
    if current is not None:
        context.update(_index_context(survey_round, current, trend))
    codes, groups, rows, illustrative = selectors.indicator_matrix(survey_round)
    if codes:
        context["heatmap"] = {
            "codes": codes,
            "groups": groups,
            "rows": zip(codes, rows, strict=True),
        }
        context["heatmap_figure"] = charts.heatmap_figure(codes, groups, rows)
        context["heatmap_illustrative"] = illustrative
    return context


def _label_for(band):
    return band.label_en if get_language() == "en" else band.label_id


def _index_context(survey_round, current, trend):
    methodology = selectors.methodology_for(survey_round)
    result = current["result"]
    index = scoring.compute_index(result.group_scores(), methodology)
    previous = [p for p in trend if p["year"] < survey_round.year]
    change = index.headline_index - previous[-1]["index"] if previous else None
    aggregates = {g: result.group_scores().group(g) for g in scoring.GROUPS}
    return {
        "index": index,
        "change": change,
        "previous": previous[-1] if previous else None,
        "peers": selectors.peer_averages(survey_round, result.institution),
        "band_rows": selectors.band_rows(methodology),
        "index_figure": charts.banded_index_figure(
            index.headline_index, methodology.bands, _label_for
        ),
        "groups_figure": charts.groups_figure(aggregates, index.contributions),
        "result": result,
    }
