import re

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control

from surveys import scoring, selectors
from surveys.models import SurveyRound
from surveys.templatetags.spi import band_class_key, text_colour_on

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@login_required
def round_list(request):
    rounds = SurveyRound.objects.order_by("-year")
    return render(request, "surveys/round_list.html", {"rounds": rounds})


@login_required
def round_detail(request, year):
    survey_round = selectors.round_with_methodology(year)
    result = selectors.home_result(survey_round)
    context = {"round": survey_round, "result": result, "index": None}
    if result is not None:
        methodology = selectors.methodology_for(survey_round)
        index = scoring.compute_index(result.group_scores(), methodology)
        context.update(index=index, band_rows=selectors.band_rows(methodology))
        context.update(indicator_context(survey_round, index))
    return render(request, "surveys/round_detail.html", context)


def indicator_context(survey_round, index):
    scores = list(selectors.home_indicator_scores(survey_round))
    threshold = (index.next_band or index.category).lower_bound
    weak = scoring.weakest_indicators(
        [(s.dimension.code, s.group, s.score) for s in scores], threshold
    )
    return {
        "indicator_scores": scores,
        "weak_indicators": weak,
        "illustrative": any(s.is_illustrative for s in scores),
    }


@cache_control(public=True, max_age=3600)
def bands_css(request):
    """Band colours as CSS classes, so pages need no inline style under a strict CSP."""
    rules = [
        f".band-{band_class_key(c)} {{ background-color: {c}; color: {text_colour_on(c)}; }}"
        for c in selectors.band_colours()
        if HEX_COLOUR.fullmatch(c)
    ]
    return HttpResponse("\n".join(rules), content_type="text/css; charset=utf-8")
