"""The national explorer: KPK's published results of every institution, public, no JavaScript.

Every view is a GET link (search, filters, sort, page and year in the query string) and answers
`?format=csv` or `?format=xlsx` with the same rows it shows (all pages of a list).
"""

from urllib.parse import urlencode

from django.shortcuts import render as django_render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_safe

from spi_portal import national
from spi_portal.language import public_language
from surveys import exporting


def _export(request, rows, file_name):
    file_format = request.GET.get("format", "")
    if file_format not in ("csv", "xlsx"):
        return None
    language = get_language()
    return exporting.table_response(
        national.EXPORT_COLUMNS,
        [row.export_values(language) for row in rows],
        file_name=file_name,
        file_format=file_format,
    )


def render(request, template, context, status=200):
    """The page, with the query string its language links keep (without lang and format)."""
    kept = [(k, v) for k, v in request.GET.lists() if k not in ("lang", "format")]
    context["language_query"] = urlencode([(k, v) for k, values in kept for v in values])
    response = django_render(request, template, context, status=status)
    # The browser may fetch the render-blocking stylesheets as soon as the headers arrive,
    # before it has parsed the page: one round trip less before the first number on a slow link.
    response["Link"] = ", ".join(
        f"<{url}>; rel=preload; as=style"
        for url in (static("css/public.css"), reverse("surveys:bands_css"))
    )
    return response


def _year(context) -> str:
    return str(context["round"].year) if context.get("round") else "none"


@require_safe
@gzip_page
@public_language
def explorer(request):
    context = national.explorer_list(request.GET)
    if context["round"] is not None:
        exported = _export(request, context["rows"], f"spi-national-{_year(context)}")
        if exported:
            return exported
    return render(request, "public/national/list.html", context)


@require_safe
@gzip_page
@public_language
def institution(request, pk):
    context = national.institution_page(pk)
    exported = _export(request, national.institution_export_rows(context), f"spi-institution-{pk}")
    return exported or render(request, "public/national/institution.html", context)


@require_safe
@gzip_page
@public_language
def compare(request):
    context = national.comparison(request.GET)
    status = 400 if context["too_many"] else 200
    if "export_rows" in context:
        exported = _export(request, context["export_rows"], f"spi-compare-{_year(context)}")
        if exported:
            return exported
    return render(request, "public/national/compare.html", context, status=status)


@require_safe
@gzip_page
@public_language
def province(request):
    context = national.province_view(request.GET)
    if "current_rows" in context:
        exported = _export(request, context["current_rows"], f"spi-province-{_year(context)}")
        if exported:
            return exported
    return render(request, "public/national/province.html", context)
