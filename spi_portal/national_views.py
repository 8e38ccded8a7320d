"""The national explorer: KPK's published results of every institution, public, no JavaScript.

Every view is a GET link (search, filters, sort, page and year in the query string) and answers
`?format=csv` or `?format=xlsx` with the same rows it shows (all pages of a list).
"""

import base64
import functools
import hashlib
from pathlib import Path
from urllib.parse import urlencode

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.shortcuts import render as django_render
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_safe

from spi_portal import national
from spi_portal.language import public_language
from surveys import exporting
from surveys.templatetags.spi import band_class_key, text_colour_on
from surveys.views import HEX_COLOUR

PUBLIC_CSS = "css/public.css"


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


@functools.cache
def _public_css() -> str:
    path = finders.find(PUBLIC_CSS)
    if path is None:  # a deployment without the source tree: the collected copy
        with staticfiles_storage.open(PUBLIC_CSS) as handle:
            return handle.read().decode("utf-8")
    return Path(path).read_text(encoding="utf-8")


def _band_rules(rounds) -> str:
    """The colour classes of the published rounds' bands (read with the rounds: no query)."""
    colours = sorted({band.colour for r in rounds for band in r.bands.all()})
    return "\n".join(
        f".band-{band_class_key(c)} {{ background-color: {c}; color: {text_colour_on(c)}; }}"
        for c in colours
        if HEX_COLOUR.fullmatch(c)
    )


def render(request, template, context, status=200):
    """The page with its stylesheet inline: on a slow link the first number then needs one
    round trip, not two. The Content-Security-Policy allows exactly this stylesheet (its hash),
    so style-src stays without 'unsafe-inline'. The language links keep the query string."""
    kept = [
        (k, v) for k, values in request.GET.lists() if k not in ("lang", "format") for v in values
    ]
    context["language_query"] = urlencode(kept)
    css = _public_css() + "\n" + _band_rules(context.get("rounds") or [])
    context["inline_css"] = mark_safe(css)  # our own file and validated hex colours only
    response = django_render(request, template, context, status=status)
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    response._csp_update = {"style-src": [f"'sha256-{digest}'"]}
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
