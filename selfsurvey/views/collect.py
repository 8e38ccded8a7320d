"""Pages of the self-run survey: collect.

The respondent form is public and anonymous: no login, no session, no cookie identity, works
without JavaScript (each page posts the next; what was answered travels in a signed field, see
forms_collect.FormState). The Inspectorate prints a unit's single-use codes and its QR poster.
"""

import csv
import io
from datetime import UTC, datetime
from urllib.parse import quote

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from spi_portal.language import chosen_public_language, public_language
from surveys.models import RespondentGroup

from .. import collection
from ..forms_collect import CodeForm, CodeIssueForm, FormState, PageForm
from ..models import CampaignUnit
from ..services import MANAGE

TEMPLATES = "selfsurvey/collect/"


def _unit_or_404(token):
    unit = collection.unit_by_token(token)
    if unit is None:
        raise Http404
    return unit


def _page(request, template, unit, status=200, **context):
    context = {"unit": unit, "campaign": unit.campaign, **context}
    return render(request, TEMPLATES + template, context, status=status)


@never_cache
@public_language
@require_http_methods(["GET", "POST"])
def respond(request, token):
    """The respondent form: an intro (and for internal units the code), then pages of
    questions, then the thank-you page."""
    unit = _unit_or_404(token)
    if not collection.is_open(unit.campaign):
        return _page(request, "closed.html", unit)
    survey = collection.survey_form(unit)
    if request.method == "GET":
        return _intro(request, unit, survey)
    if "state" not in request.POST:
        return _start(request, unit, survey)
    try:
        state = FormState.loads(token, request.POST["state"])
    except signing.BadSignature:
        message = _("This form could not be read (it expired or was changed). Please start again.")
        return _page(request, "refused.html", unit, status=400, message=message)
    translation.activate(_known_language(state.language))
    return _step(request, unit, survey, state)


def _intro(request, unit, survey, code_form=None):
    if unit.group == RespondentGroup.INTERNAL:
        code_form = code_form or CodeForm(unit=unit)
    return _page(request, "intro.html", unit, survey=survey, code_form=code_form)


def _start(request, unit, survey):
    code, client = "", _client_key(request)
    if unit.group == RespondentGroup.INTERNAL:
        if collection.code_guesses_exhausted(unit, client):
            return _too_many(request, unit, collection.TOO_MANY_GUESSES)
        form = CodeForm(request.POST, unit=unit)
        if not form.is_valid():
            collection.code_guess_failed(unit, client)
            return _intro(request, unit, survey, form)
        code = form.cleaned_data["code"]
    elif collection.open_link_exhausted(unit, client):
        return _too_many(request, unit)
    state = FormState.begin(language=translation.get_language(), code=code)
    return _show(request, unit, survey, state)


def _step(request, unit, survey, state):
    state.page = min(max(state.page, 0), len(survey.pages) - 1)
    last = state.page == len(survey.pages) - 1
    form = PageForm(request.POST, items=survey.pages[state.page], state=state, last=last)
    if not form.is_valid():
        return _show(request, unit, survey, state, form)
    _keep(state, form, last)
    choice = request.POST.get("lang", "")
    if choice:
        state.language = _known_language(choice)
        translation.activate(state.language)
    elif request.POST.get("go") == "back":
        state.page = max(0, state.page - 1)
    elif request.POST.get("go") == "send" and last:
        return _submit(request, unit, survey, state)
    elif not last:
        state.page += 1
    return _show(request, unit, survey, state)


def _keep(state, form, last):
    for code, value in form.answers().items():
        if value is None:
            state.answers.pop(code, None)
        else:
            state.answers[code] = value
    if last:
        state.comment = form.cleaned_data["comment"]


def _show(request, unit, survey, state, form=None, errors=()):
    last = state.page == len(survey.pages) - 1
    if form is None:
        form = PageForm(items=survey.pages[state.page], state=state, last=last)
    languages = [code for code, _name in settings.LANGUAGES if code != state.language]
    context = {
        "form": form,
        "state": state.dumps(unit.link_token),
        "page_number": state.page + 1,
        "page_count": len(survey.pages),
        "last": last,
        "other_languages": languages,
        "errors": [*errors, *form.non_field_errors()],
    }
    return _page(request, "page.html", unit, **context)


def _submit(request, unit, survey, state):
    try:
        collection.response_submit(
            unit=unit,
            answers=state.answers,
            started_at=datetime.fromtimestamp(state.started, UTC),
            code=state.code or None,
            client_key=_client_key(request),
            comment=state.comment,
        )
    except collection.TooManySubmissions:
        return _too_many(request, unit)
    except collection.SubmissionRefused as refused:
        return _page(request, "refused.html", unit, status=409, message=str(refused))
    except ValidationError as error:
        return _show(request, unit, survey, state, errors=error.messages)
    thanks = reverse("selfsurvey:respond_thanks", kwargs={"token": unit.link_token})
    return redirect(f"{thanks}?lang={state.language}")


def _too_many(request, unit, message=collection.TOO_MANY):
    return _page(request, "refused.html", unit, status=429, message=message)


def _known_language(language):
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _client_key(request) -> str:
    """The hashed address of the client (the proxy's header first, as for the login lockout)."""
    for header in settings.AXES_IPWARE_META_PRECEDENCE_ORDER:
        address = request.META.get(header, "").split(",")[0].strip()
        if address:
            return collection.client_key(address)
    return collection.client_key("unknown")


@never_cache
@require_GET
def respond_thanks(request, token):
    """The thank-you page, in the form's language (?lang=) without setting a cookie: on a shared
    phone or a counter's tablet the next respondent starts afresh."""
    translation.activate(chosen_public_language(request))
    return _page(request, "thanks.html", _unit_or_404(token))


# --- the Inspectorate's printouts ---------------------------------------------------------------


def _staff_unit(pk, **conditions):
    units = CampaignUnit.objects.select_related("campaign", "opd")
    return get_object_or_404(units, pk=pk, **conditions)


@login_required
@permission_required(MANAGE, raise_exception=True)
@never_cache
@require_http_methods(["GET", "POST"])
def codes(request, pk):
    """Issue single-use codes for an internal unit: the answer to the POST is the only place the
    plain codes ever appear (a printable sheet of slips and the same batch as CSV)."""
    unit = _staff_unit(pk, group=RespondentGroup.INTERNAL)
    form = CodeIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = collection.codes_issue(
                actor=request.user, unit=unit, count=form.cleaned_data["count"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _codes_sheet(request, unit, issued)
    counts = collection.code_counts(unit)
    return _page(request, "codes.html", unit, form=form, counts=counts)


def _codes_sheet(request, unit, issued):
    url = collection.form_url(unit)
    context = {
        "codes": issued,
        "url": url,
        "short_url": _without_scheme(url),
        "csv_href": "data:text/csv;charset=utf-8," + quote(_codes_csv(unit, url, issued)),
        "csv_name": f"kode-{unit.opd.code}-{unit.pk}.csv",
    }
    return _page(request, "codes_sheet.html", unit, status=201, **context)


def _codes_csv(unit, url, issued) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["opd", "campaign", "link", "code"])
    writer.writerows([unit.opd.name, unit.campaign.name, url, code] for code in issued)
    return out.getvalue()


def _without_scheme(url: str) -> str:
    return url.split("://", 1)[-1]


@login_required
@permission_required(MANAGE, raise_exception=True)
@require_GET
def poster(request, pk):
    """An A4 poster for a service counter: the form's QR code and address."""
    unit = _staff_unit(pk)
    url = collection.form_url(unit)
    qr = segno.make(url, error="m").svg_inline(
        scale=1, border=4, omitsize=True, svgclass="qr", title=_("QR code of the survey form")
    )
    # segno's SVG is drawn from our own URL: paths and attributes, no script, no style
    context = {"qr": mark_safe(qr), "url": url, "short_url": _without_scheme(url)}
    return _page(request, "poster.html", unit, **context)


urlpatterns = [
    path("isi/<str:token>/", respond, name="respond"),
    path("isi/<str:token>/terima-kasih/", respond_thanks, name="respond_thanks"),
    path("unit/<int:pk>/codes/", codes, name="codes"),
    path("unit/<int:pk>/poster/", poster, name="poster"),
]
