from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from actionplans import access, exporting, selectors, services
from actionplans import evidence as evidence_files
from actionplans.forms import (
    DecisionForm,
    MilestoneForm,
    PlanFilterForm,
    PlanForm,
    PlanImportForm,
    RecommendationForm,
    RecommendationWithdrawForm,
    ReportForm,
)
from actionplans.models import (
    OPD,
    ActionPlan,
    Evidence,
    Milestone,
    ProgressReport,
    Recommendation,
)
from surveys import selectors as survey_selectors
from surveys.importing import ImportRejected
from surveys.importing import flow as import_flow
from surveys.models import Dimension, ImportKind, SurveyRound

PLANS_PER_PAGE = 50


def _visible_plan(request, pk):
    return get_object_or_404(selectors.plans_for_detail(request.user), pk=pk)


def _plan_for(request, pk, action):
    """The plan if the user may `action` it, else 404 (whether it exists stays unsaid)."""
    return get_object_or_404(access.restrict(ActionPlan.objects.all(), request.user, action), pk=pk)


@login_required
def plan_list(request):
    form = PlanFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    plans = selectors.plans_for_list(request.user, filters=filters)
    page = Paginator(plans, PLANS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "plans": page.object_list,
        "page": page,
        "rollup": selectors.progress_rollup(plans)[0],
        "today": timezone.localdate(),
        "export_query": query.urlencode(),
    }
    return render(request, "actionplans/plan_list.html", context)


@login_required
def plan_detail(request, pk):
    plan = _visible_plan(request, pk)
    context = {
        "plan": plan,
        "timeline": selectors.plan_timeline(request.user, plan),
        "milestones": plan.milestones.all(),
        "can_edit": access.allows(request.user, "change", plan),
        "can_cancel": access.allows(request.user, "cancel", plan),
        "can_add_milestone": access.allows(request.user, "add_milestone", plan),
        "can_report": access.allows(request.user, "report", plan),
        "today": timezone.localdate(),
    }
    return render(request, "actionplans/plan_detail.html", context)


def _initial_from_query(request) -> dict:
    """Pre-fill a new plan from the weak-point list: ?round=2024&indicator=TRN."""
    initial = {"status": "draft"}
    year = request.GET.get("round", "")
    rounds = SurveyRound.objects.visible_to(request.user)
    survey_round = rounds.filter(year=year).first() if year.isdecimal() else None
    if survey_round is not None:
        initial["round"] = survey_round
        code = request.GET.get("indicator", "")
        initial["indicators"] = Dimension.objects.filter(round=survey_round, code=code)
        initial["respondent_group"] = request.GET.get("group", "")
    return initial


@login_required
@permission_required("actionplans.add_actionplan", raise_exception=True)
def plan_create(request):
    form = PlanForm(request.POST or None, initial=_initial_from_query(request), user=request.user)
    if form.is_valid():
        plan = services.plan_create(actor=request.user, fields=form.plan_fields())
        messages.success(request, _("The action plan was created."))
        return redirect(plan)
    return render(request, "actionplans/plan_form.html", {"form": form, "plan": None})


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
    return render(request, "actionplans/plan_form.html", {"form": form, "plan": plan})


def _conflict(request, form, pk, conflict):
    """Keep what the user typed; the next save is based on the current version."""
    current = ActionPlan.objects.get(pk=pk)
    data = request.POST.copy()
    data["version"] = current.version
    form = PlanForm(data, instance=current, user=request.user)
    form.is_valid()
    form.add_error(None, str(conflict))
    context = {"form": form, "plan": current, "conflict": True}
    return render(request, "actionplans/plan_form.html", context, status=409)


@login_required
@permission_required("actionplans.change_actionplan", raise_exception=True)
@require_POST
def plan_cancel(request, pk):
    plan = _plan_for(request, pk, "cancel")
    services.plan_cancel(actor=request.user, plan=plan)
    messages.success(request, _("The action plan was cancelled; it stays in the records."))
    return redirect(plan)


@login_required
@permission_required("actionplans.add_milestone", raise_exception=True)
def milestone_create(request, pk):
    plan = _plan_for(request, pk, "add_milestone")
    form = MilestoneForm(request.POST or None, instance=Milestone(plan=plan))
    if form.is_valid():
        services.milestone_create(actor=request.user, plan=plan, **form.cleaned_data)
        messages.success(request, _("The milestone was added."))
        return redirect(plan)
    return render(request, "actionplans/milestone_form.html", {"form": form, "plan": plan})


def _report_initial(request, plan) -> dict:
    initial = {"report_date": timezone.localdate()}
    answers = request.GET.get("answers", "")
    returned = plan.reports.filter(status="returned")
    answered = returned.filter(pk=answers).first() if answers.isdecimal() else None
    if answered is not None:
        initial.update(percent=answered.percent, narrative=answered.narrative)
    return initial


@login_required
@permission_required("actionplans.report_progress", raise_exception=True)
def report_create(request, pk):
    plan = _plan_for(request, pk, "report")
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        plan=plan,
        initial=_report_initial(request, plan),
    )
    if form.is_valid():
        try:
            services.report_submit(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your capaian was sent for verification."))
            return redirect(plan)
    return render(request, "actionplans/report_form.html", {"form": form, "plan": plan})


@login_required
@permission_required("actionplans.verify_progressreport", raise_exception=True)
def verification_queue(request):
    reports = selectors.verification_queue(request.user)
    return render(request, "actionplans/verification_queue.html", {"reports": reports})


@login_required
@permission_required("actionplans.verify_progressreport", raise_exception=True)
def report_verify(request, pk):
    reports = ProgressReport.objects.select_related("plan", "reporter")
    report = get_object_or_404(access.restrict(reports, request.user, "verify"), pk=pk)
    form = DecisionForm(request.POST or None)
    if form.is_valid():
        try:
            _decide(request, report, form.cleaned_data["note"])
        except ValidationError as error:
            form.add_error("note", error.messages)
        except services.ReportAlreadyDecided as error:
            messages.warning(request, str(error))
            return redirect("actionplans:verification_queue")
        else:
            return redirect("actionplans:verification_queue")
    return render(request, "actionplans/report_verify.html", {"form": form, "report": report})


def _decide(request, report, note):
    if request.POST.get("outcome") == "accepted":
        services.report_accept(actor=request.user, report=report, note=note)
        messages.success(request, _("The report was accepted; it now counts as capaian."))
    elif request.POST.get("outcome") == "returned":
        services.report_return(actor=request.user, report=report, note=note)
        messages.success(request, _("The report was returned to the OPD with your note."))
    else:
        raise ValidationError(_("Choose accept or return."))


@login_required
def evidence_download(request, pk):
    """Serve a bukti dukung file only within the user's scope, never inline."""
    files = access.restrict(Evidence.objects.all(), request.user, "download")
    evidence = get_object_or_404(files, pk=pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404(_("The file is missing from storage.")) from missing
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def my_plans(request):
    """Rencana aksi saya: what the user's OPD has to act on."""
    worklist = selectors.user_worklist(request.user)
    if worklist is None:
        raise PermissionDenied(_("Your account is not linked to an OPD."))
    return render(request, "actionplans/my_plans.html", {"worklist": worklist})


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
    """The round page with each weak point and the plans answering it."""
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
        rollup_round=selectors.progress_rollup(plans)[0],
        rollup_opd=selectors.progress_rollup(plans, "owner_opd__name"),
        rollup_indicator=selectors.progress_rollup(plans, "indicators__code"),
        can_create=access.allows_some(request.user, "add_plan", OPD),
    )
    return render(request, "actionplans/round_followup.html", context)
