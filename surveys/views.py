import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from surveys import charts, exporting, importing, scoring, selectors, services
from surveys.forms import (
    ImportConfirmForm,
    ImportUploadForm,
    MethodologyRevisionForm,
    RoundCreateForm,
    WhatIfForm,
)
from surveys.importing import flow as import_flow
from surveys.models import SurveyRound
from surveys.templatetags.spi import band_class_key, text_colour_on

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
# The comparison's peer choices; only these reach the page, the query and the file name.
COMPARISON_SCOPES = ("province", "type", "codes")


@login_required
def round_list(request):
    rounds = SurveyRound.objects.visible_to(request.user).order_by("-year")
    context = {"rounds": rounds, "create_form": RoundCreateForm()}
    return render(request, "surveys/round_list.html", context)


@login_required
def round_detail(request, year):
    return render(request, "surveys/round_detail.html", selectors.round_page(year, request.user))


@cache_control(public=True, max_age=3600)
def bands_css(request):
    """Band colours as CSS classes, so pages need no inline style under a strict CSP."""
    return HttpResponse(band_stylesheet(), content_type="text/css; charset=utf-8")


def band_stylesheet() -> str:
    rules = [
        f".band-{band_class_key(c)} {{ background-color: {c}; color: {text_colour_on(c)}; }}"
        for c in selectors.band_colours()
        if HEX_COLOUR.fullmatch(c)
    ]
    return "\n".join(rules)


@login_required
@permission_required("surveys.publish_surveyround", raise_exception=True)
@require_POST
def round_publish(request, year):
    survey_round = selectors.round_with_methodology(year, request.user)
    services.round_publish(survey_round=survey_round, actor=request.user)
    messages.success(request, _("SPI %(year)s is published.") % {"year": year})
    return redirect(survey_round.get_absolute_url())


@login_required
@permission_required("surveys.publish_surveyround", raise_exception=True)
@require_POST
def round_unpublish(request, year):
    survey_round = selectors.round_with_methodology(year, request.user)
    try:
        services.round_unpublish(
            survey_round=survey_round, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("SPI %(year)s is no longer public.") % {"year": year})
    return redirect(survey_round.get_absolute_url())


@login_required
def round_methodology(request, year):
    """The round's methodology and its versions; a change is a new version with a reason."""
    survey_round = selectors.round_with_methodology(year, request.user)  # a hidden draft: 404
    if not request.user.has_perm("surveys.revise_methodology"):
        raise PermissionDenied
    context = selectors.methodology_page(survey_round)
    form = MethodologyRevisionForm(
        request.POST or None, survey_round=survey_round, version=context["version"]
    )
    if request.method == "POST" and form.is_valid():
        try:
            revision = services.methodology_revise(
                actor=request.user, survey_round=survey_round, **form.revision()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("SPI %(year)s now uses methodology version %(version)s.")
                % {"year": year, "version": revision.version},
            )
            return redirect("surveys:round_methodology", year=year)
    return render(request, "surveys/methodology.html", context | {"form": form})


def header_guide() -> dict:
    """The one alias table of import headers, for the import page's help."""
    from surveys.importing import headers
    from surveys.importing.cells import INDICATOR_COLUMNS, RESULT_COLUMNS
    from surveys.models import ImportKind

    kinds = {
        ImportKind.RESULTS.label: [c.name for c in RESULT_COLUMNS],
        ImportKind.INDICATOR_SCORES.label: [c.name for c in INDICATOR_COLUMNS],
    }
    return {"rows": headers.guide(kinds), "ignored": headers.IGNORED}


@login_required
@permission_required("surveys.run_import", raise_exception=True)
def import_upload(request):
    """Upload a file and see what it would change; nothing is written here."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "header_guide": header_guide()}
    if request.method == "POST" and form.is_valid():
        context.update(_import_preview(form.cleaned_data))
    return render(request, "surveys/import.html", context)


def _import_preview(data):
    uploaded = data["file"]
    options = {
        "replace": data["replace"],
        "sheet": data["sheet"] or None,
        "create_institutions": data["create_institutions"],
    }
    answer = import_flow.preview(data["kind"], uploaded, file_name=uploaded.name, **options)
    if "report" not in answer:
        return answer
    confirm = ImportConfirmForm(initial={**data, **answer.pop("confirm")})
    return answer | {"confirm_form": confirm}


@login_required
@permission_required("surveys.run_import", raise_exception=True)
@require_POST
def import_confirm(request):
    """Import exactly the previewed file, re-validated inside one transaction."""
    form = ImportConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The confirmation was incomplete; upload the file again."))
        return redirect("surveys:import")
    data = form.cleaned_data
    try:
        report = import_flow.confirm(
            data["kind"],
            token=data["token"],
            sha256=data["sha256"],
            file_name=data["file_name"],
            actor=request.user,
            replace=data["replace"],
            sheet=data["sheet"] or None,
            create_institutions=data["create_institutions"],
        )
    except import_flow.Expired:
        messages.error(request, _("The uploaded file has expired; upload it again."))
        return redirect("surveys:import")
    except importing.ImportRejected as rejected:
        context = {"form": ImportUploadForm(), "rejected": rejected}
        return render(request, "surveys/import.html", context | {"header_guide": header_guide()})
    messages.success(
        request,
        _("%(name)s imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.")
        % {
            "name": data["file_name"],
            "created": report.created_count,
            "updated": report.updated_count,
            "unchanged": report.unchanged_count,
        },
    )
    return redirect("surveys:import")


@login_required
def what_if(request, year):
    """Try other group scores and corrections; the same engine recomputes the index."""
    survey_round = selectors.round_with_methodology(year, request.user)
    result = selectors.home_result(survey_round)
    form = WhatIfForm(request.GET or None, initial=_what_if_initial(result))
    figures = selectors.what_if_figures(survey_round, result, _what_if_scores(form, result))
    context = {"round": survey_round, "form": form, "result": result} | figures
    return render(request, "surveys/what_if.html", context)


def _what_if_initial(result):
    if result is None:
        return {}
    return {field: getattr(result, field) for field in WhatIfForm.base_fields}


def _what_if_scores(form, result):
    if form.is_bound:
        return scoring.GroupScores(**form.cleaned_data) if form.is_valid() else None
    if result is None:
        return None
    return scoring.GroupScores(**_what_if_initial(result))


@login_required
@permission_required("surveys.add_surveyround", raise_exception=True)
@require_POST
def round_create(request):
    form = RoundCreateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a year between 2000 and 2100."))
        return redirect("surveys:round_list")
    try:
        survey_round = services.round_create_from_previous(
            year=form.cleaned_data["year"], actor=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("surveys:round_list")
    messages.success(request, _("SPI %(year)s created as a draft.") % {"year": survey_round.year})
    return redirect(survey_round.get_absolute_url())


@login_required
def compare(request):
    """The home institution against chosen peers across rounds, as chart, table and file."""
    home = selectors.home_institution()
    if home is None:
        raise Http404(_("No home institution is set."))
    scope = request.GET.get("scope", "province")
    if scope not in COMPARISON_SCOPES:
        raise BadRequest("Unknown comparison scope.")
    codes = [c.strip() for c in request.GET.get("codes", "").split(",") if c.strip()]
    rounds = selectors.rounds_with_bands(request.user)
    institutions = selectors.comparison_institutions(home, scope, codes)
    rows = selectors.comparison_table(institutions, rounds)
    years = [r.year for r in rounds]
    export = request.GET.get("format")
    if export in ("csv", "xlsx"):
        return exporting.table_response(
            ["institution_code", "institution_name", *map(str, years)],
            [
                [row["institution"].kpk_code, row["institution"].name, *row["values"]]
                for row in rows
            ],
            file_name=f"spi-comparison-{scope}",
            file_format=export,
        )
    context = {"rows": rows, "years": years, "scope": scope, "codes": ",".join(codes)}
    context["figure"] = charts.comparison_figure(years, rows)
    return render(request, "surveys/compare.html", context)
