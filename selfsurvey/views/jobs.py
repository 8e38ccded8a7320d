"""Pages of the self-run survey: background jobs (start a recomputation, follow a job's progress).
The Inspectorate's only; the progress page refreshes itself while the job is unfinished (without
JavaScript through a refresh, with it through status.json)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import jobs
from ..models import BackgroundJob, Campaign
from ..services import MANAGE


@login_required
@permission_required(MANAGE, raise_exception=True)
@require_POST
def job_start_recompute(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        job = jobs.job_start(actor=request.user, campaign=campaign, kind=jobs.RECOMPUTE, payload={})
    except jobs.JobAlreadyRunning as refused:
        messages.error(request, refused.messages[0])
        job = refused.job
    return redirect("selfsurvey:job_detail", pk=job.pk)


@login_required
@permission_required(MANAGE, raise_exception=True)
def job_detail(request, pk):
    job = _job(pk)
    context = {"job": job, "kind_label": jobs.kind_label(job.kind)} | _progress(job)
    return render(request, "selfsurvey/jobs/detail.html", context)


@login_required
@permission_required(MANAGE, raise_exception=True)
def job_status(request, pk):
    job = _job(pk)
    moments = {
        name: getattr(job, name).isoformat() if getattr(job, name) else None
        for name in ("created_at", "started_at", "finished_at")
    }
    return JsonResponse(
        {
            "id": job.pk,
            "kind": job.kind,
            "state": job.state,
            "state_label": job.get_state_display(),
            "done": job.done,
            "total": job.total,
            "message": job.message,
        }
        | _progress(job)
        | moments
    )


def _job(pk) -> BackgroundJob:
    return get_object_or_404(BackgroundJob.objects.select_related("campaign", "created_by"), pk=pk)


def _progress(job) -> dict:
    """The bar's percentage and its sentence: "12.000 of 30.000 rows (40%)"."""
    finished = job.state not in jobs.UNFINISHED
    percent = 100 if job.state == BackgroundJob.State.DONE else job.percent
    return {
        "finished": finished,
        "percent": percent,
        "text": _progress_text(job, percent),
    }


def _progress_text(job, percent) -> str:
    if not job.total:
        if job.state == BackgroundJob.State.QUEUED:
            return _("Waiting for a worker to start it.")
        return _("Started; no progress reported yet.") if not job.finished_at else ""
    counts = {
        "done": number_format(job.done, force_grouping=True),
        "total": number_format(job.total, force_grouping=True),
        "percent": percent,
    }
    if job.kind == jobs.IMPORT:
        return _("%(done)s of %(total)s rows (%(percent)s%%)") % counts
    return _("%(done)s of %(total)s steps (%(percent)s%%)") % counts


urlpatterns = [
    path("<int:pk>/hitung-ulang/", job_start_recompute, name="job_start_recompute"),
    path("job/<int:pk>/", job_detail, name="job_detail"),
    path("job/<int:pk>/status.json", job_status, name="job_status"),
]
