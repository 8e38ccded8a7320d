import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from surveys import scoring, selectors, services
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


@login_required
@permission_required("surveys.publish_surveyround", raise_exception=True)
@require_POST
def round_publish(request, year):
    survey_round = selectors.round_with_methodology(year)
    services.round_publish(survey_round=survey_round, actor=request.user)
    messages.success(request, _("SPI %(year)s is published.") % {"year": year})
    return redirect(survey_round.get_absolute_url())


@login_required
@permission_required("surveys.publish_surveyround", raise_exception=True)
@require_POST
def round_unpublish(request, year):
    survey_round = selectors.round_with_methodology(year)
    try:
        services.round_unpublish(
            survey_round=survey_round, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("SPI %(year)s is no longer public.") % {"year": year})
    return redirect(survey_round.get_absolute_url())
