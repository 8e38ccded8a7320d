from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from actionplans import access, exporting, fragments, selectors, services
from actionplans import evidence as evidence_files
from actionplans.forms import (
    AssignForm,
    DecisionForm,
    MilestoneForm,
    PlanCancelForm,
    PlanCompleteForm,
    PlanFilterForm,
    PlanForm,
    PlanImportForm,
    PlanReturnForm,
    RecommendationForm,
    RecommendationWithdrawForm,
    ReportForm,
)
from actionplans.models import (
    OPD,
    ActionPlan,
    Evidence,
    ProgressReport,
    Recommendation,
)
from surveys import selectors as survey_selectors
from surveys.importing import ImportRejected
from surveys.importing import flow as import_flow
from surveys.models import Dimension, ImportKind, RespondentGroup, SurveyRound, sees_draft_rounds

PLANS_PER_PAGE = 50
REPORTS_PER_PAGE = 50
NOTIFICATIONS_PER_PAGE = 50
# cached sections hold the data generations in their keys: the timeout only frees memory
SECTION_CACHE_SECONDS = 24 * 60 * 60


def _visible_plan(request, pk):
    return get_object_or_404(selectors.plans_for_detail(request.user), pk=pk)


def _plan_for(request, pk, action):
    """The plan if the user may `action` it, else 404 (whether it exists stays unsaid)."""
    return get_object_or_404(access.restrict(ActionPlan.objects.all(), request.user, action), pk=pk)


@login_required
def plan_list(request):
    """The plans the user sees, filtered, 50 a page (fragments: content kept per reader, data
    and query string)."""
    build = partial(_plan_list_content, request)
    content = fragments.cached_content(
        request, "plan-list", (fragments.query_digest(request),), build
    )
    return fragments.page(request, content)


def _plan_list_content(request, generations) -> dict:
    """The filter's options and the roll-up are cached per data generation too: a miss after
    another filter or page reuses them."""
    cache_key = selectors.plan_filter_key(request.user, generations)
    form = PlanFilterForm(request.GET or None, user=request.user, cache_key=cache_key)
    filters = form.cleaned_data if form.is_valid() else {}
    plans = selectors.plans_for_list(request.user, filters=filters)
    today = timezone.localdate()
    rollup, count = selectors.plan_list_totals(request.user, plans, filters, generations[1], today)
    paginator = Paginator(plans, PLANS_PER_PAGE)
    paginator.count = count  # the cached count, in place of Paginator's own COUNT query
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "filter_fields": mark_safe(form.fields_html()),  # rendered (and escaped) by the form
        "plans": selectors.plan_rows(page.object_list, today),
        "page": page,
        "rollup": rollup,
        "today": today,
        "export_query": query.urlencode(),
    }
    html = fragments.render_content("actionplans/_plan_list.html", context, request.user)
    return {"title": _("Action plans (rencana aksi)"), "html": html}


@login_required
def plan_detail(request, pk):
    build = partial(_plan_detail_content, request, pk)
    return fragments.page(request, fragments.cached_content(request, "plan", (pk,), build))


def _plan_detail_content(request, pk, generations) -> dict:
    plan = _visible_plan(request, pk)
    today = timezone.localdate()
    history = _plan_history(request.user, plan, generations[1])
    milestones = list(plan.milestones.all())
    for milestone in milestones:
        milestone.overdue = milestone.is_overdue(today)
        milestone.report_waiting = milestone.pk in history["milestones_waiting"]
    context = {
        "plan": plan,
        "timeline_html": mark_safe(history["html"]),  # rendered (and escaped) below
        "successors": selectors.plan_successors(request.user, plan),
        "milestones": milestones,
        "overdue_milestones": sum(milestone.overdue for milestone in milestones),
        "can_edit": plan.can_change,
        "can_cancel": plan.can_cancel,
        "can_add_milestone": plan.can_add_milestone,
        "can_report": plan.can_report,
        "returned_waiting": history["returned"],
        "today": today,
        **_lifecycle_context(plan),
    }
    html = fragments.render_content("actionplans/_plan_detail.html", context, request.user)
    return {"title": f"{plan.title} · {_('rencana aksi')}", "html": html}


def _plan_history(user, plan, plan_generation: int) -> dict:
    """The plan's timeline (reports, decisions, changes) as rendered HTML, the milestones with
    a report waiting and the returned reports not answered yet (plain values), once per
    plan-data generation, plan, plan scope and language; rendered without the request."""
    scope = access.plan_scope_key(user)
    key = f"plan-history:{plan_generation}:{plan.pk}:{scope}:{get_language()}"
    history = cache.get(key)
    if history is None:
        timeline = selectors.plan_timeline(user, plan)
        states = selectors.plan_report_states(timeline)
        html = render_to_string("actionplans/_timeline.html", {"timeline": timeline})
        history = {
            "html": str.__str__(html),
            "milestones_waiting": states["milestones_waiting"],
            "returned": [_returned_notice(report) for report in states["returned_waiting"]],
        }
        cache.set(key, history, SECTION_CACHE_SECONDS)
    return history


def _returned_notice(report) -> dict:
    """What the notice of a returned report shows: its date, percent and last note."""
    decisions = list(report.decisions.all())
    last = decisions[-1] if decisions else None
    return {
        "pk": report.pk,
        "submitted_at": report.submitted_at,
        "percent": report.percent,
        "decided": last is not None,
        "note": last.note if last else "",
    }


def _lifecycle_context(plan) -> dict:
    """What _plan_actions.html shows: the steps the user may take (rights loaded with the
    plan), what is missing, the open return note and the plan's approval history."""
    reviews = list(plan.reviews.select_related("actor").order_by("at", "pk"))
    missing = []
    if plan.can_submit or plan.can_activate or plan.can_review:
        missing = services.plan_missing_for_submit(plan)
    return {
        "can_complete": plan.can_complete,
        "can_submit": plan.can_submit,
        "can_activate": plan.can_activate,
        "can_review": plan.can_review,
        "missing": missing,
        "reviews": reviews,
        "open_return": selectors.open_return(plan, reviews),
        "cancel_form": PlanCancelForm(initial={"version": plan.version}),
        "return_form": PlanReturnForm(initial={"version": plan.version}),
    }


def _chosen_round(request):
    """The round a new plan is for: posted with the form, or chosen first (?round=2024)."""
    rounds = SurveyRound.objects.visible_to(request.user)
    if request.method == "POST":
        value = request.POST.get("round", "")
        known = value.isdecimal() and int(value) <= 2**63 - 1  # beyond: no column holds it
        return rounds.filter(pk=value).first() if known else None
    year = request.GET.get("round", "")
    return rounds.filter(year=year).first() if year.isdecimal() and len(year) <= 4 else None


def _initial_from_query(request, survey_round) -> dict:
    """Pre-fill a new plan from the weak-point list: ?round=2024&indicator=TRN&opd=DINKES."""
    initial = {"round": survey_round}
    code = request.GET.get("indicator", "")
    if code:
        initial["indicators"] = Dimension.objects.filter(round=survey_round, code=code)
    if request.GET.get("group", "") in RespondentGroup.values:
        initial["respondent_group"] = request.GET["group"]
    owner = _plannable_opd(request, request.GET.get("opd", ""))
    if owner is not None:
        initial["owner_opd"] = owner
    return initial


def _plannable_opd(request, code):
    """The OPD named by ?opd=<code> (from a self-survey OPD page), if the user may plan for it."""
    if not code:
        return None
    opds = OPD.objects.filter(code=code, is_active=True)
    return access.restrict(opds, request.user, "add_plan").first()


@login_required
@permission_required("actionplans.add_actionplan", raise_exception=True)
def plan_create(request):
    """A new plan is a draft of one round: the round is chosen first, then the form."""
    survey_round = _chosen_round(request)
    if survey_round is None:
        rounds = SurveyRound.objects.visible_to(request.user).order_by("-year")
        return render(request, "actionplans/plan_round_choice.html", {"rounds": rounds})
    form = PlanForm(
        request.POST or None,
        initial=_initial_from_query(request, survey_round),
        user=request.user,
        survey_round=survey_round,
    )
    if form.is_valid():
        plan = services.plan_create(
            actor=request.user, fields=form.plan_fields(), milestones=form.first_milestones()
        )
        if request.POST.get("then") == "activate":
            return _activate_new(request, plan)
        messages.success(request, _("The action plan was created as a draft."))
        return redirect(plan)
    can_activate = access.has_inspectorate_say(request.user)
    context = {"form": form, "plan": None, "round": survey_round, "can_activate": can_activate}
    return render(request, "actionplans/plan_form.html", context)


def _activate_new(request, plan):
    """Save and activate: a plan the Inspectorate wrote whole is active at once; one that is
    not complete stays a draft, saying what is missing."""
    try:
        services.plan_activate(actor=request.user, plan=plan, version=plan.version)
    except (ValidationError, PermissionDenied) as refusal:
        reason = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else ""
        message = _("The plan was saved as a draft, not activated. %(reason)s")
        messages.warning(request, message % {"reason": reason})
    else:
        messages.success(request, _("The action plan was created and is active."))
    return redirect(plan)


@login_required
@permission_required("actionplans.change_actionplan", raise_exception=True)
def plan_edit(request, pk):
    plan = _plan_for(request, pk, "change")
    form = PlanForm(request.POST or None, instance=plan, user=request.user)
    if form.is_valid():
        try:
            services.plan_update(
                actor=request.user,
                plan=plan,
                version=form.cleaned_data["version"] or 0,
                fields=form.plan_fields(),
            )
        except services.PlanConflict as conflict:
            return _conflict(request, form, pk, conflict)
        messages.success(request, _("The action plan was saved."))
        return redirect(plan)
    context = {
        "form": form,
        "plan": plan,
        "round": plan.round,
        "open_return": selectors.open_return(plan),
    }
    return render(request, "actionplans/plan_form.html", context)


def _conflict(request, form, pk, conflict):
    """Keep what the user typed; the next save is based on the current version."""
    current = ActionPlan.objects.get(pk=pk)
    data = request.POST.copy()
    data["version"] = current.version
    form = PlanForm(data, instance=current, user=request.user)
    form.is_valid()
    form.add_error(None, str(conflict))
    context = {"form": form, "plan": current, "round": current.round, "conflict": True}
    return render(request, "actionplans/plan_form.html", context, status=409)


@login_required
@permission_required("actionplans.change_actionplan", raise_exception=True)
@require_POST
def plan_cancel(request, pk):
    plan = _plan_for(request, pk, "cancel")
    form = PlanCancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("reason", [_("Try again.")])))
        return redirect(plan)
    done = _("The action plan was cancelled; it stays in the records.")
    return _step(request, plan, services.plan_cancel, done, **form.cleaned_data)


def _step(request, plan, service, done: str, **kwargs):
    """Run one life-cycle service from a POST button; every refusal is said on the plan page."""
    try:
        service(actor=request.user, plan=plan, **kwargs)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    except services.PlanConflict as conflict:
        messages.error(request, str(conflict))
    else:
        messages.success(request, done)
    return redirect(plan)


def _posted_version(request) -> int | None:
    version = request.POST.get("version", "")
    return int(version) if version.isdecimal() and len(version) < 10 else -1


@login_required
@require_POST
def plan_submit(request, pk):
    plan = _plan_for(request, pk, "submit")
    done = _("The plan was submitted; it waits for the Inspectorate's approval.")
    return _step(request, plan, services.plan_submit, done, version=_posted_version(request))


@login_required
@require_POST
def plan_activate(request, pk):
    plan = _plan_for(request, pk, "activate")
    done = _("The plan is active; its OPD can report capaian on it.")
    return _step(request, plan, services.plan_activate, done, version=_posted_version(request))


@login_required
@require_POST
def plan_approve(request, pk):
    plan = _plan_for(request, pk, "review")
    done = _("The plan was approved and is active.")
    note = request.POST.get("note", "")[:4000]
    return _step(
        request, plan, services.plan_approve, done, version=_posted_version(request), note=note
    )


@login_required
@require_POST
def plan_return(request, pk):
    plan = _plan_for(request, pk, "review")
    form = PlanReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("note", [_("Try again.")])))
        return redirect(plan)
    done = _("The plan was returned to the OPD with your note.")
    return _step(request, plan, services.plan_return, done, **form.cleaned_data)


@login_required
def plan_complete(request, pk):
    """The responsible OPD completes its draft: root cause, activity, target, dates."""
    plan = _plan_for(request, pk, "complete")
    form = PlanCompleteForm(request.POST or None, instance=plan)
    if form.is_valid():
        try:
            services.plan_complete(
                actor=request.user,
                plan=plan,
                version=form.cleaned_data["version"],
                fields=form.plan_fields(),
            )
        except services.PlanConflict as conflict:
            form.add_error(None, str(conflict))
        else:
            messages.success(request, _("The draft was saved. Add milestones, then submit it."))
            return redirect(plan)
    context = {
        "form": form,
        "plan": plan,
        "open_return": selectors.open_return(plan),
        "milestones": plan.milestones.all(),
    }
    return render(request, "actionplans/plan_complete.html", context)


@login_required
def milestone_create(request, pk):
    plan = _plan_for(request, pk, "add_milestone")
    form = MilestoneForm(request.POST or None, plan=plan)
    if form.is_valid():
        try:
            services.milestone_create(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The milestone was added."))
            return redirect(plan)
    return render(request, "actionplans/milestone_form.html", {"form": form, "plan": plan})


def _add_errors(form, error):
    """A service's ValidationError onto the form: by field where the form has the field."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _answered_report(request, plan):
    """The returned report a revision answers (?answers=<pk>): returned, of this plan and not
    answered yet; None without a well-formed parameter. A stale link raises ReportAnswered."""
    answers = request.GET.get("answers", "")
    if not answers.isdecimal() or len(answers) > 18:
        return None  # no parameter, or a malformed one: a plain report
    waiting = selectors.answerable(plan.reports.all()).filter(answerable=True)
    report = waiting.filter(pk=answers).first()
    if report is None:
        raise ReportAnswered
    return report


class ReportAnswered(Exception):
    """The returned report was answered already (or is not a returned report of the plan)."""


def _report_initial(answered) -> dict:
    initial = {"report_date": timezone.localdate()}
    if answered is not None:
        initial.update(percent=answered.percent, narrative=answered.narrative)
    return initial


@login_required
@permission_required("actionplans.report_progress", raise_exception=True)
def report_create(request, pk):
    plan = _plan_for(request, pk, "report")
    try:
        answered = _answered_report(request, plan)
    except ReportAnswered:
        messages.warning(request, _("This returned report has been answered already."))
        return redirect(plan)
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        plan=plan,
        revises=answered,
        initial=_report_initial(answered),
    )
    if form.is_valid():
        try:
            services.report_submit(actor=request.user, plan=plan, **form.report_fields())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your capaian was sent for verification."))
            return redirect(plan)
    context = {
        "form": form,
        "plan": plan,
        "answered": answered,
        "return_note": _return_note(answered),
        "returned_waiting": [] if answered else selectors.returned_waiting(plan),
    }
    return render(request, "actionplans/report_form.html", context)


def _return_note(report):
    if report is None:
        return None
    return report.decisions.filter(outcome="returned").order_by("-decided_at", "-pk").first()


@login_required
@permission_required("actionplans.verify_progressreport", raise_exception=True)
def verification_queue(request):
    build = partial(_queue_content, request)
    content = fragments.cached_content(request, "queue", (fragments.query_digest(request),), build)
    return fragments.page(request, content)


def _queue_content(request, generations) -> dict:
    reports = selectors.verification_queue(request.user)
    page = Paginator(reports, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "reports": selectors.queue_rows(page.object_list)}
    html = fragments.render_content("actionplans/_verification_queue.html", context, request.user)
    return {"title": _("Verification queue (verifikasi)"), "html": html}


@login_required
@permission_required("actionplans.verify_progressreport", raise_exception=True)
def report_verify(request, pk):
    """The verification desk: the report beside its plan, its files previewed, the plan's
    earlier decisions; after a decision, straight on to the next waiting report. Its empty
    form is kept as cached content; a posted one is rendered each time."""
    if request.method != "POST":
        build = partial(_verify_content, request, pk, DecisionForm)
        return fragments.page(request, fragments.cached_content(request, "verify", (pk,), build))
    form_class = partial(DecisionForm, request.POST)
    content = _verify_content(request, pk, form_class)
    if isinstance(content, dict):
        return fragments.page(request, content)
    return content


def _verify_content(request, pk, form_class, generations=None):
    """The desk's content (a dict), or, once a posted decision is made, the redirect on."""
    try:
        desk = selectors.verification_desk(request.user, pk)
    except ProgressReport.DoesNotExist as missing:
        raise Http404 from missing
    report = desk.report
    form = form_class(report=report)
    if form.is_bound and form.is_valid():
        try:
            _decide(request, report, form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        except services.ReportAlreadyDecided as error:
            messages.warning(request, str(error))
            return _next_report(request)
        else:
            return _next_report(request)
    context = {"form": form, "desk": desk, "report": report, "plan": desk.plan}
    html = fragments.render_content("actionplans/_report_verify.html", context, request.user)
    return {"title": f"{_('Verify capaian')} · {desk.plan.title}", "html": html}


def _form_errors(form, error):
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error("note", error.messages)


def _next_report(request):
    following = selectors.next_to_verify(request.user)
    if following is None:
        return redirect("actionplans:verification_queue")
    return redirect("actionplans:report_verify", pk=following.pk)


def _decide(request, report, cleaned):
    note = cleaned["note"]
    if request.POST.get("outcome") == "accepted":
        percent = cleaned["percent"]
        services.report_accept(actor=request.user, report=report, note=note, percent=percent)
        messages.success(request, _("The report was accepted; it now counts as capaian."))
    elif request.POST.get("outcome") == "returned":
        services.report_return(actor=request.user, report=report, note=note)
        messages.success(request, _("The report was returned to the OPD with your note."))
    else:
        raise ValidationError(_("Choose accept or return."))


@login_required
@xframe_options_sameorigin
def evidence_preview(request, pk):
    """Show a PDF or an image inline, for the verification desk's frame: only within the
    user's scope, sandboxed (no script, no form, no plugin but the viewer), framable only by
    the portal's own pages. Other types are only downloaded."""
    files = access.restrict(Evidence.objects.all(), request.user, "download")
    evidence = get_object_or_404(files.filter(extension__in=selectors.PREVIEWABLE), pk=pk)
    response = _evidence_file(evidence, as_attachment=False)
    response["Content-Security-Policy"] = PREVIEW_CSP
    return response


PREVIEW_CSP = (
    "sandbox; default-src 'none'; img-src 'self'; object-src 'self'; frame-ancestors 'self'"
)


def _evidence_file(evidence, *, as_attachment):
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404(_("The file is missing from storage.")) from missing
    response = FileResponse(
        handle,
        as_attachment=as_attachment,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def evidence_download(request, pk):
    """Serve a bukti dukung file only within the user's scope, never inline."""
    files = access.restrict(Evidence.objects.all(), request.user, "download")
    evidence = get_object_or_404(files, pk=pk)
    response = _evidence_file(evidence, as_attachment=True)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def my_plans(request):
    """Rencana aksi saya, the OPD's first page: a card per plan of the OPD."""
    if access.opd_id_of(request.user) is None:
        raise PermissionDenied(_("Your account is not linked to an OPD."))
    build = partial(_opd_home_content, request)
    return fragments.page(request, fragments.cached_content(request, "opd-home", (), build))


def _opd_home_content(request, generations) -> dict:
    """The OPD home, with the OPD's name for the menu (the page has loaded it)."""
    user = request.user
    today = timezone.localdate()
    context = selectors.opd_home(user, today=today, plan_generation=generations[1])
    html = fragments.render_content("actionplans/_opd_home.html", context, user)
    return {
        "title": _("Rencana aksi saya"),
        "html": html,
        "menu": {"menu_opd_name": str(context["opd"])},
    }


@login_required
@permission_required("actionplans.view_all_plans", raise_exception=True)
def desk(request):
    """The Inspectorate's first page: its work across every round."""
    build = partial(_desk_content, request)
    return fragments.page(request, fragments.cached_content(request, "desk", (), build))


def _desk_content(request, generations) -> dict:
    followup = _desk_follow_up(request.user, generations)
    desk = selectors.inspector_desk(request.user, plan_generation=generations[1])
    context = {**desk, "followup": followup}
    context["followup_html"] = mark_safe(followup["html"])  # rendered (and escaped) below
    html = fragments.render_content("actionplans/_desk.html", context, request.user)
    return {"title": _("Work desk"), "html": html}


def _desk_follow_up(user, generations) -> dict:
    """The desk's follow-up part as plain values (the round's year, the counts) and rendered
    HTML, once per survey and plan generation, language, plan scope, round visibility and
    whether the reader may create plans; rendered without the request."""
    rounds = "drafts" if sees_draft_rounds(user) else "published"
    can_add_plan = user.has_perm("actionplans.add_actionplan")
    key = (
        f"desk-followup:{generations[0]}:{generations[1]}:{get_language()}:"
        f"{access.plan_scope_key(user)}:{rounds}:{can_add_plan}"
    )
    followup = cache.get(key)
    if followup is None:
        context = selectors.desk_follow_up(user) | {"can_add_plan": can_add_plan}
        html = render_to_string("actionplans/_desk_followup.html", context)
        current = context["current_round"]
        followup = {
            "year": None if current is None else current.year,
            "weak_points": len(context["uncovered_weak_points"]),
            "recommendations": context["uncovered_recommendation_count"],
            "html": str.__str__(html),
        }
        cache.set(key, followup, SECTION_CACHE_SECONDS)
    return followup


@login_required
def plan_export(request, file_format):
    form = PlanFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    plans = selectors.plans_for_list(request.user, filters=filters)
    return exporting.plans_response(plans, file_format)


@login_required
def recommendations(request, year):
    """KPK's recommendations of a round and their follow-up; the Inspectorate records them."""
    survey_round = get_object_or_404(SurveyRound.objects.visible_to(request.user), year=year)
    visible_plans = ActionPlan.objects.visible_to(request.user)
    can_add = access.allows(request.user, "add_recommendation", survey_round)
    form = RecommendationForm(request.POST or None, instance=Recommendation(round=survey_round))
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        if form.is_valid():
            services.recommendation_create(
                actor=request.user, survey_round=survey_round, **form.cleaned_data
            )
            messages.success(request, _("The recommendation was recorded."))
            return redirect("actionplans:recommendations", year=year)
    context = {
        "round": survey_round,
        "recommendations": selectors.recommendations_with_follow_up(survey_round, visible_plans),
        "withdrawn": selectors.recommendations_withdrawn(survey_round),
        "follow_up": selectors.follow_up_rate(survey_round, visible_plans),
        "form": form if can_add else None,
        "can_withdraw": request.user.has_perm("actionplans.change_recommendation"),
    }
    return render(request, "actionplans/recommendations.html", context)


@login_required
@permission_required("actionplans.change_recommendation", raise_exception=True)
def recommendation_withdraw(request, pk):
    """Withdraw a KPK recommendation with a reason: it stays listed, out of every rate."""
    recommendations = Recommendation.objects.select_related("round")
    recommendation = get_object_or_404(
        access.restrict(recommendations, request.user, "withdraw"), pk=pk
    )
    form = RecommendationWithdrawForm(request.POST or None)
    if form.is_valid():
        try:
            services.recommendation_withdraw(
                actor=request.user, recommendation=recommendation, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            withdrawn = _("The recommendation was withdrawn; it stays in the records.")
            messages.success(request, withdrawn)
            return redirect("actionplans:recommendations", year=recommendation.round.year)
    context = {"form": form, "recommendation": recommendation}
    return render(request, "actionplans/recommendation_withdraw.html", context)


@login_required
@permission_required("actionplans.import_actionplan", raise_exception=True)
def plan_import(request):
    """Upload a plan file and see what it would change; nothing is written here."""
    form = PlanImportForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if form.is_valid():
        context.update(_plan_import_preview(form.cleaned_data["file"]))
    return render(request, "actionplans/plan_import.html", context)


def _plan_import_preview(upload):
    file_name = evidence_files.display_name(upload.name)
    answer = import_flow.preview(ImportKind.PLANS, upload, file_name=file_name)
    if "refused" in answer:
        return {"errors": [answer["refused"]]}
    if "rejected" in answer:
        return {"errors": answer["rejected"].errors}
    return answer


@login_required
@permission_required("actionplans.import_actionplan", raise_exception=True)
@require_POST
def plan_import_confirm(request):
    """Import exactly the previewed file, checked again inside one transaction."""
    try:
        report = import_flow.confirm(
            ImportKind.PLANS,
            token=request.POST.get("token", ""),
            sha256=request.POST.get("sha256", ""),
            file_name=request.POST.get("file_name", ""),
            actor=request.user,
        )
    except import_flow.Expired:
        messages.error(request, _("The uploaded file has expired; upload it again."))
        return redirect("actionplans:plan_import")
    except ImportRejected as rejected:
        context = {"form": PlanImportForm(), "errors": rejected.errors}
        return render(request, "actionplans/plan_import.html", context)
    messages.success(
        request,
        _("Imported: %(created)s new plans, %(updated)s changed, %(unchanged)s unchanged.")
        % {
            "created": len(report.created),
            "updated": len(report.updated),
            "unchanged": len(report.unchanged),
        },
    )
    return redirect("actionplans:plan_list")


@login_required
def round_followup(request, year):
    """The round's follow-up: its plans by state, KPK's recommendations and each weak point
    with the plans answering it (the index itself is the round page's)."""
    context = survey_selectors.round_page(year, request.user)
    survey_round = context["round"]
    visible_plans = ActionPlan.objects.visible_to(request.user)
    plans = visible_plans.filter(round=survey_round)
    context.update(
        weak_points=selectors.weak_points(
            request.user,
            survey_round,
            context.get("weak_indicators"),
            context["index"].weakest_group if context["index"] else None,
        ),
        follow_up=selectors.follow_up_rate(survey_round, visible_plans),
        plan_states=selectors.plans_by_state(plans),
        recommendations_covered=selectors.recommendations_covered(survey_round, visible_plans),
        rollup_round=selectors.progress_rollup(plans)[0],
        rollup_opd=selectors.progress_rollup(plans, "owner_opd__name"),
        rollup_indicator=selectors.indicator_rollup(plans),
        can_create=access.allows_some(request.user, "add_plan", OPD),
        can_carry_over=access.allows(request.user, "carry_over", survey_round),
        can_meet=access.sees_all_plans(request.user)
        and request.user.has_perm("actionplans.add_actionplan"),
    )
    return render(request, "actionplans/round_followup.html", context)


@login_required
def notification_list(request):
    """The user's own notifications, unread first; marking read is a POST."""
    items = selectors.notifications_for(request.user)
    page = Paginator(items, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    entries = [selectors.notification_entry(item) for item in page.object_list]
    # the unread count comes from the context processor: one query for the menu and the page
    return render(request, "actionplans/notification_list.html", {"page": page, "entries": entries})


@login_required
@require_POST
def notifications_mark_read(request):
    ids = request.POST.getlist("notification")
    if request.POST.get("all"):
        services.notifications_mark_read(actor=request.user)
    elif ids and all(value.isdecimal() for value in ids):
        services.notifications_mark_read(actor=request.user, ids=[int(value) for value in ids])
    return redirect("actionplans:notifications")


def _chosen_ids(request) -> set[int]:
    values = request.POST.getlist("plans")
    return {int(v) for v in values if v.isdecimal() and int(v) <= 2**63 - 1}


@login_required
def plan_carry_over(request, year):
    """Copy chosen plans of the previous round into this one, as drafts (the Inspectorate)."""
    survey_round = get_object_or_404(SurveyRound.objects.visible_to(request.user), year=year)
    if not access.allows(request.user, "carry_over", survey_round):
        raise PermissionDenied(_("Only the Inspectorate copies plans of the previous round."))
    source_round = services.previous_round(survey_round)
    candidates = selectors.carry_over_candidates(request.user, source_round, survey_round)
    if request.method == "POST":
        chosen = _chosen_ids(request)
        plans = [c.plan for c in candidates if c.plan.pk in chosen and c.mappable]
        if plans:
            result = services.plan_carry_over(
                actor=request.user, source_plans=plans, target_round=survey_round
            )
            _carry_over_messages(request, result, survey_round)
            return redirect("actionplans:plan_carry_over", year=year)
        messages.error(request, _("Tick at least one plan that can be copied."))
    context = {
        "round": survey_round,
        "source_round": source_round,
        "candidates": candidates,
        "today": timezone.localdate(),
    }
    return render(request, "actionplans/plan_carry_over.html", context)


def _carry_over_messages(request, result, survey_round):
    if result.created:
        text = ngettext(
            "%(count)s plan was copied into SPI %(year)s as a draft.",
            "%(count)s plans were copied into SPI %(year)s as drafts.",
            len(result.created),
        ) % {"count": len(result.created), "year": survey_round.year}
        messages.success(request, text)
    if result.already:
        titles = ", ".join(plan.title for plan in result.already)
        messages.info(
            request, _("Carried over before, not copied again: %(titles)s.") % {"titles": titles}
        )
    if result.not_copied:
        titles = ", ".join(plan.title for plan in result.not_copied)
        messages.warning(
            request,
            _("Not copied, no indicator of SPI %(year)s has their codes: %(titles)s.")
            % {"year": survey_round.year, "titles": titles},
        )


@login_required
@permission_required("actionplans.add_actionplan", raise_exception=True)
def round_meeting(request, year):
    """The coordination meeting (rapat koordinasi): each weak point and KPK recommendation of
    the round with its plans, and a form per row that assigns it to an OPD as a draft."""
    if not access.sees_all_plans(request.user):
        raise PermissionDenied
    context = survey_selectors.round_page(year, request.user)
    survey_round = context["round"]
    if request.method == "POST":
        form = AssignForm(request.POST, survey_round=survey_round)
        if form.is_valid():
            try:
                plan = services.plan_assign(
                    actor=request.user, survey_round=survey_round, **form.cleaned_data
                )
            except (ValidationError, PermissionDenied) as refused:
                messages.error(request, " ".join(getattr(refused, "messages", [str(refused)])))
            else:
                messages.success(
                    request,
                    _("Draft plan “%(title)s” assigned to %(opd)s.")
                    % {"title": plan.title, "opd": plan.owner_opd.name},
                )
        else:
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        anchor = request.POST.get("row", "")
        suffix = f"#{anchor}" if anchor.replace("-", "").isalnum() and len(anchor) < 40 else ""
        return redirect(reverse("actionplans:round_meeting", args=[year]) + suffix)
    context.update(selectors.meeting_rows(survey_round, context.get("weak_indicators") or []))
    return render(request, "actionplans/round_meeting.html", context)
