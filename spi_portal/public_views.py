"""The public integrity page and the open data: no login, cached per publication generation."""

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control
from django.views.decorators.gzip import gzip_page

from actionplans import selectors as plan_selectors
from spi_portal import open_data, public_bytes, selectors
from spi_portal.language import public_language
from surveys import public_cache
from surveys import selectors as survey_selectors

CACHE_SECONDS = 6 * 3600


def _cached(name: str, year, build, generation=None) -> str:
    """`build()` once per publication generation, year, language and day (overdue flags).

    The generation is read from the database (one query) unless the caller has just read it,
    so an entry cached before any change, by this process or another, is never found again.
    """
    key = ":".join(
        str(part)
        for part in (
            "public",
            public_cache.generation() if generation is None else generation,
            name,
            year or "latest",
            get_language(),
            timezone.localdate().isoformat(),
        )
    )
    content = cache.get(key)
    if content is None:
        content = build()
        cache.set(key, content, CACHE_SECONDS)
    return content


def _kept_page(name: str, year, build) -> HttpResponse:
    """A cached page that worker memory may answer from now on (spi_portal.public_bytes)."""
    generation = public_cache.generation()
    return public_bytes.keep(HttpResponse(_cached(name, year, build, generation)), generation)


def _year_from_query(request) -> int:
    text = request.GET["year"]
    if not text.isdecimal():  # also refuses "-1", which no public address can hold
        raise Http404("Not a year.")
    return int(text)


def _plan_filters(request) -> dict:
    return {name: request.GET[name] for name in selectors.FILTER_NAMES if request.GET.get(name)}


@gzip_page
@public_language
def public_page(request, year=None):
    filters = _plan_filters(request)
    if year is None and request.GET.get("year"):
        target = reverse("public_round", args=[_year_from_query(request)])
        return redirect(f"{target}?{urlencode(filters)}" if filters else target)
    if filters:  # not cached: the address chooses the entry, so it could fill the cache
        html = render_to_string("public/page.html", selectors.public_page(year, filters))
        return HttpResponse(html)
    return _kept_page(
        "page", year, lambda: render_to_string("public/page.html", selectors.public_page(year))
    )


@gzip_page
@public_language
def public_plan(request, year, pk):
    return _kept_page(
        f"plan-{pk}",
        year,
        lambda: render_to_string("public/plan.html", selectors.public_plan_page(year, pk)),
    )


FAVICON_MAX_AGE = 7 * 24 * 3600


@cache_control(public=True, max_age=FAVICON_MAX_AGE)
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: send them to the drawn icon."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


@gzip_page
@public_language
def data_index(request):
    context = {
        "rounds": selectors.published_rounds(),
        "sections": open_data.FIELD_SECTIONS,
        "licence": open_data.LICENCE,
        "licence_url": open_data.LICENCE_URL,
        "formula": open_data.FORMULA,
    }
    return render(request, "public/data.html", context)


def _csv_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _json_response(text: str) -> HttpResponse:
    response = HttpResponse(text, content_type="application/json")
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _json_text(document) -> str:
    return JsonResponse(document, encoder=DjangoJSONEncoder, safe=False).content.decode()


def results_csv(request, year):
    def build():
        survey_round = selectors.published_round_or_404(year)
        methodology = survey_selectors.methodology_for(survey_round)
        rows = [
            open_data.result_row(r, methodology, year=survey_round.year)
            for r in selectors.public_results(survey_round)
        ]
        return open_data.csv_text(open_data.RESULT_FIELDS, rows)

    return _csv_response(_cached("results.csv", year, build), f"spi-{year}-results.csv")


def indicators_csv(request, year):
    def build():
        survey_round = selectors.published_round_or_404(year)
        scores = selectors.public_indicator_scores(survey_round)
        rows = [open_data.indicator_row(score) for score in scores]
        return open_data.csv_text(open_data.INDICATOR_FIELDS, rows)

    return _csv_response(_cached("indicators.csv", year, build), f"spi-{year}-indicators.csv")


def plans_csv(request, year):
    def build():
        survey_round = selectors.published_round_or_404(year)
        today = timezone.localdate()
        plans = plan_selectors.public_plans(survey_round)
        return open_data.csv_text(
            open_data.PLAN_FIELDS, [open_data.plan_row(plan, today) for plan in plans]
        )

    return _csv_response(_cached("plans.csv", year, build), f"spi-{year}-plans.csv")


def _methodology(survey_round) -> dict:
    return open_data.methodology_document(
        survey_round,
        survey_selectors.methodology_for(survey_round),
        selectors.round_dimensions(survey_round),
        selectors.methodology_revisions(survey_round),
    )


def methodology_json(request, year):
    def build():
        return _json_text(_methodology(selectors.published_round_or_404(year)))

    return _json_response(_cached("methodology.json", year, build))


def _round_document(survey_round) -> dict:
    methodology = survey_selectors.methodology_for(survey_round)
    today = timezone.localdate()
    year = survey_round.year
    return {
        "year": year,
        "licence": open_data.LICENCE,
        "methodology": _methodology(survey_round),
        "results": [
            open_data.result_row(r, methodology, year=year)
            for r in selectors.public_results(survey_round)
        ],
        "indicator_scores": [
            open_data.indicator_row(s) for s in selectors.public_indicator_scores(survey_round)
        ],
        "plans": [open_data.plan_row(p, today) for p in plan_selectors.public_plans(survey_round)],
        "follow_up": plan_selectors.follow_up_rate(survey_round),
        "downloads": {
            name: reverse(f"open_data_{name}", args=[year])
            for name in ("results", "indicators", "plans", "methodology")
        },
    }


def api_round(request, year):
    def build():
        return _json_text(_round_document(selectors.published_round_or_404(year)))

    return _json_response(_cached("api-round", year, build))


def _round_summary(survey_round, point) -> dict:
    category = point["category"] if point else None
    return {
        "year": survey_round.year,
        "index": point["index"] if point else None,
        "category_id": category.label_id if category else None,
        "category_en": category.label_en if category else None,
        "national_index": survey_round.national_index,
        "national_target": survey_round.national_target,
        "url": reverse("api_round", args=[survey_round.year]),
    }


def api_rounds(request):
    def build():
        rounds = selectors.published_rounds()
        points = {point["year"]: point for point in selectors.public_trend(rounds)}
        summaries = [_round_summary(r, points.get(r.year)) for r in reversed(rounds)]
        return _json_text({"licence": open_data.LICENCE, "rounds": summaries})

    return _json_response(_cached("api-rounds", None, build))
