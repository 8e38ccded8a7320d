from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from actionplans import access, fragments
from actionplans import selectors as plan_selectors
from actionplans.models import ActionPlan, ReportStatus
from spi_portal import followup_report as followup_document
from spi_portal.forms import ReportDocumentForm
from surveys import charts, exporting, scoring, selectors, services
from surveys.forms import PortalLetterheadForm, PortalSettingsForm
from surveys.models import LETTERHEAD_FIELDS, PortalSettings, sees_draft_rounds
from surveys.views import band_stylesheet

OVERVIEW_CACHE_SECONDS = 24 * 3600
REPORT_PDF_CSS = "css/report-pdf.css"


@login_required
def home(request):
    return redirect(plan_selectors.landing_page(request.user) or "dashboard")


@login_required
@permission_required("surveys.change_portalsettings", raise_exception=True)
def portal_settings(request):
    """The Inspectorate chooses the current follow-up round (empty: the default)."""
    current = PortalSettings.load()
    initial = {"version": current.version, "current_round": current.current_round}
    form = PortalSettingsForm(request.POST or None, initial=initial)
    status = 200
    if form.is_valid():
        try:
            services.portal_settings_update(
                actor=request.user,
                version=form.cleaned_data["version"],
                current_round=form.cleaned_data["current_round"],
            )
        except services.SettingsConflict as conflict:
            # keep what was chosen; the next save is based on the current version
            current = PortalSettings.load()
            data = request.POST.copy()
            data["version"] = current.version
            form = PortalSettingsForm(data)
            form.is_valid()
            form.add_error(None, str(conflict))
            status = 409
        else:
            messages.success(request, _("The settings were saved."))
            return redirect("portal_settings")
    return _settings_page(request, current, form=form, status=status)


def _settings_page(request, current, *, form=None, letterhead_form=None, status=200):
    initial = {"version": current.version, "current_round": current.current_round}
    context = {
        "form": form or PortalSettingsForm(initial=initial),
        "letterhead_form": letterhead_form
        or PortalLetterheadForm(instance=current, initial={"version": current.version}),
        "settings_row": current,
        "default_round": plan_selectors.current_round(request.user)
        if current.current_round is None
        else None,
        "changes": selectors.portal_settings_changes(current),
    }
    return render(request, "spi_portal/portal_settings.html", context, status=status)


@login_required
@permission_required("surveys.change_portalsettings", raise_exception=True)
@require_POST
def portal_letterhead(request):
    """The letterhead and signature block of the follow-up document; nothing changes on an error."""
    current = PortalSettings.load()
    form = PortalLetterheadForm(request.POST, request.FILES, instance=PortalSettings.load())
    if not form.is_valid():
        return _settings_page(request, current, letterhead_form=form, status=400)
    try:
        services.portal_letterhead_update(
            actor=request.user,
            version=form.cleaned_data["version"],
            letterhead={field: form.cleaned_data[field] for field in LETTERHEAD_FIELDS},
            logo=form.logo_change(),
        )
    except services.SettingsConflict as conflict:
        form.add_error(None, str(conflict))
        return _settings_page(request, current, letterhead_form=form, status=409)
    messages.success(request, _("The letterhead was saved."))
    return redirect("portal_settings")


@login_required
def dashboard(request):
    """The overview: index and bands, groups, what-if, trend, indicators, plan follow-up, kept
    as content per reader (actionplans.fragments) and chosen year."""
    visible = selectors.visible_round_years(request.user)  # in the key, see _survey_overview
    build = partial(_dashboard_content, request, visible)
    parts = (request.GET.get("year", ""), ",".join(map(str, visible)))
    return fragments.page(request, fragments.cached_content(request, "dashboard", parts, build))


def _dashboard_content(request, visible, generations) -> dict:
    """Both sections are cached as rendered HTML (plain strings) too, shared by the readers who
    see the same rounds and plans."""
    year = request.GET.get("year", "")
    overview, computed = _survey_overview(request.user, year, visible, generations)
    context = {
        "round_choices": overview["rounds"],
        "round_year": overview["year"],
        "survey_section": mark_safe(overview["html"]),  # rendered (and escaped) by this view
    }
    if overview["round_pk"] is not None:
        followup = _followup_section(request.user, overview, generations, computed)
        context["followup_section"] = mark_safe(followup)
    html = fragments.render_content("spi_portal/_dashboard.html", context, request.user)
    return {"title": _("Overview"), "html": html, "charts": True}


def _survey_overview(user, requested_year: str, visible, generations) -> tuple[dict, dict | None]:
    """The survey side of the dashboard, the same for every user who sees the same rounds:
    computed once per change of the survey data and then read from the cache as plain values
    (the rounds of the selector and the rendered section). Whether the user sees drafts, and
    which rounds, are read from the database first and are part of the key, so an overview with
    a draft never reaches a user who may not see drafts. On a miss the computed context comes
    too, so the follow-up section need not compute it again."""
    year = _requested_year(requested_year, visible)
    if year is None:
        year = _current_year(user, visible, generations)
    scope = "drafts" if sees_draft_rounds(user) else "published"
    rounds_key = f"{scope}:{','.join(map(str, visible))}"
    key = f"dashboard:{generations[0]}:{get_language()}:{rounds_key}:{year}"
    overview = cache.get(key)
    if overview is not None:
        return overview, None
    computed = _compute_survey_overview(user, year)
    overview = _plain_overview(computed)
    cache.set(key, overview, timeout=OVERVIEW_CACHE_SECONDS)
    return overview, computed


def _plain_overview(computed: dict) -> dict:
    survey_round = computed["round"]
    return {
        "rounds": [{"year": r.year, "is_published": r.is_published} for r in computed["rounds"]],
        "year": None if survey_round is None else survey_round.year,
        "round_pk": None if survey_round is None else survey_round.pk,
        "has_index": "index" in computed,
        "html": _rendered("spi_portal/_dashboard_survey.html", computed),
    }


def _rendered(template_name: str, context: dict) -> str:
    """A section as a plain str (not a SafeString) to cache; rendered without the request, so
    nothing of the reader (user, CSRF token) gets into what other readers are served."""
    return str.__str__(render_to_string(template_name, context))


def _followup_section(user, overview: dict, generations: tuple[int, int], computed) -> str:
    """The plan follow-up section, rendered once per survey and plan generation, language,
    plan scope (every plan, or one OPD's), round and day (overdue is counted against today)."""
    scope = access.plan_scope_key(user)
    key = (
        f"dashboard-followup:{generations[0]}:{generations[1]}:{get_language()}:{scope}:"
        f"{overview['round_pk']}:{timezone.localdate().isoformat()}"
    )
    section = cache.get(key)
    if section is None:
        survey_round, index, scores = _weak_point_inputs(user, overview, computed)
        context = {"round": survey_round, **_followup_context(user, survey_round, index, scores)}
        section = _rendered("spi_portal/_dashboard_followup.html", context)
        cache.set(key, section, timeout=OVERVIEW_CACHE_SECONDS)
    return section


def _weak_point_inputs(user, overview: dict, computed: dict | None):
    """The round, its index and indicator scores: from the overview just computed, else read."""
    if computed is not None:
        return computed["round"], computed.get("index"), computed["indicator_scores"]
    survey_round = selectors.round_with_methodology(overview["year"], user)
    index = selectors.home_index(survey_round) if overview["has_index"] else None
    return survey_round, index, list(selectors.home_indicator_scores(survey_round))


def _current_year(user, visible: list[int], generations) -> int | None:
    """The current follow-up round's year (see plan_selectors.current_round), if visible. The
    same for every reader (always a published round), so cached per survey and plan generation:
    the portal settings and publications move the first, plans and recommendations the second."""
    key = f"dashboard-current-round:{generations[0]}:{generations[1]}"
    year = cache.get(key)
    if year is None:
        current = plan_selectors.current_round(user)
        year = 0 if current is None else current.year
        cache.set(key, year, timeout=OVERVIEW_CACHE_SECONDS)
    return year if year in visible else None


def _requested_year(requested_year: str, visible: list[int]) -> int | None:
    """The year asked for (None: the latest); 404 for a year the user may not see, so a
    draft answers exactly like a year that does not exist."""
    try:
        year = int(requested_year[:8])
    except ValueError:
        return None
    if year not in visible:
        raise Http404
    return year


def _compute_survey_overview(user, year):
    rounds = selectors.rounds_with_bands(user)
    context = {"rounds": rounds, "round": None, "current": None}
    if not rounds:
        return context
    survey_round = _selected_round(year, rounds)
    trend = selectors.home_trend(rounds)
    current = next((p for p in trend if p["round"] == survey_round), None)
    context.update(round=survey_round, trend=trend, current=current)
    if trend:
        context["trend_figure"] = charts.trend_figure(trend)
    if current is not None:
        context.update(_index_context(survey_round, current, trend))
    scores = list(selectors.home_indicator_scores(survey_round))
    context["indicator_scores"] = scores
    methodology = selectors.methodology_for(survey_round)
    context["heat_table"] = selectors.indicator_heat_table(scores, methodology)
    return context


def _selected_round(year, rounds):
    by_year = {r.year: r for r in rounds}
    return by_year.get(year, rounds[-1])


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


def _followup_context(user, survey_round, index, scores):
    """Plan follow-up of the round: verified progress by OPD, overdue, backlog, follow-up rate."""
    visible_plans = ActionPlan.objects.visible_to(user)
    plans = visible_plans.filter(round=survey_round)
    by_opd = plan_selectors.progress_rollup(plans, key="owner_opd__name")
    context = {
        "progress_by_opd": by_opd,
        "left_out": sum(row.left_out for row in by_opd),
        **_plan_counts(plans),
        "follow_up": plan_selectors.follow_up_rate(survey_round, visible_plans),
    }
    if by_opd:
        context["progress_figure"] = charts.progress_figure(
            [row.label for row in by_opd], [row.progress for row in by_opd]
        )
    if index is not None:
        context["weak_points"] = _weak_points(user, survey_round, index, scores)
    return context


def _plan_counts(plans):
    overdue = Q(pk__in=plans.overdue().values("pk"))
    pending = Q(reports__status=ReportStatus.PENDING)
    return plans.aggregate(
        overdue_count=Count("pk", filter=overdue, distinct=True),
        backlog_count=Count("reports", filter=pending, distinct=True),
    )


def _weak_points(user, survey_round, index, scores):
    weak = selectors.weak_indicators(index, scores)
    return plan_selectors.weak_point_coverage(user, survey_round, weak, index.weakest_group)


@login_required
def followup_report(request, year):
    """The round's follow-up report for the Regent and KPK: an official document with letterhead,
    number, date, addressee and signature block, as a page, a PDF, or an XLSX of the same."""
    if not access.sees_all_plans(request.user):
        raise Http404
    survey_round = selectors.round_with_methodology(year, request.user)
    letterhead = PortalSettings.load()
    form = ReportDocumentForm(request.GET, letterhead=letterhead)
    if form.is_bound and not form.is_valid():
        return _report_page(request, form, survey_round, letterhead, status=400)
    output = request.GET.get("format")
    if output == "xlsx":
        content = followup_document.report_content(survey_round)
        workbook = followup_document.report_workbook(content, form.document(), letterhead)
        return _attachment(workbook, exporting.XLSX_TYPE, f"laporan-tindak-lanjut-spi-{year}.xlsx")
    if output == "pdf":
        return _report_pdf(request, form, survey_round, letterhead)
    return _report_page(request, form, survey_round, letterhead)


def _report_context(form, survey_round, letterhead) -> dict:
    return {
        "form": form,
        "document": form.document(),
        "letterhead": letterhead,
        **followup_document.report_content(survey_round),
    }


def _report_page(request, form, survey_round, letterhead, status=200):
    context = _report_context(form, survey_round, letterhead)
    context["pdf_missing"] = weasyprint_missing()
    return render(request, "spi_portal/followup_report.html", context, status=status)


def weasyprint_missing() -> bool:
    """Whether WeasyPrint cannot load (Debian's pango is not installed): the page then says
    how to install it instead of offering a PDF that would fail."""
    try:
        import weasyprint  # noqa: F401  imported here: it loads pango when imported
    except OSError:
        return True
    return False


def _report_pdf(request, form, survey_round, letterhead):
    """The same report as an A4 PDF (wide tables on landscape pages), made by WeasyPrint."""
    try:
        from weasyprint import CSS, HTML
        from weasyprint.urls import URLFetcher
    except OSError:
        context = _report_context(form, survey_round, letterhead)
        context["pdf_missing"] = True
        return render(request, "spi_portal/followup_report.html", context, status=503)
    context = _report_context(form, survey_round, letterhead)
    context["pdf"] = True
    html = render_to_string("spi_portal/followup_report_pdf.html", context, request=request)
    stylesheets = [CSS(filename=finders.find(REPORT_PDF_CSS)), CSS(string=band_stylesheet())]
    # the page embeds all it shows (the logo is a data: URI): the renderer fetches nothing else
    fetcher = URLFetcher(allowed_protocols={"data"})
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=stylesheets)
    return _attachment(pdf, "application/pdf", f"laporan-tindak-lanjut-spi-{survey_round.year}.pdf")


def _attachment(body: bytes, content_type: str, file_name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
