"""Pages of the self-run survey: imports of respondent-level exports (upload, preview, confirm).

The upload is size- and type-checked and kept as a waiting file (surveys.uploads) under a token;
the preview is a dry run of the import. The confirmation names the token and the SHA-256 of the
previewed bytes: a file that changed or is gone (or older than KEPT_FOR) is refused.
"""

from datetime import timedelta
from pathlib import PurePath

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from surveys import uploads
from surveys.importing import flow as import_flow
from surveys.importing.errors import ImportRejected
from surveys.models import RespondentGroup

from .. import jobs, response_import
from ..models import Campaign
from ..services import MANAGE

MAX_BYTES = 200 * 1024 * 1024  # a national CSV export is about 60 MB
KEPT_FOR = timedelta(hours=24)
TEMPLATE = "selfsurvey/imports/upload.html"


class ResponseFileForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Export file (CSV or XLSX)"))


class ConfirmForm(forms.Form):
    token = forms.CharField(max_length=64)
    sha256 = forms.CharField(max_length=64)
    file_name = forms.CharField(max_length=255)


@login_required
@permission_required(MANAGE, raise_exception=True)
def import_upload(request, pk):
    """Upload an export and see what it would import; nothing is written here."""
    campaign = get_object_or_404(Campaign, pk=pk)
    form = ResponseFileForm(request.POST or None, request.FILES or None)
    context = {"campaign": campaign, "form": form}
    if request.method == "POST" and form.is_valid():
        context |= _preview(request.user, campaign, form.cleaned_data["file"])
    return render(request, TEMPLATE, context)


def _preview(actor, campaign, upload) -> dict:
    try:
        uploads.upload_check(upload, max_bytes=MAX_BYTES)
    except uploads.UploadRefused as refused:
        return {"refused": str(refused)}
    file_name = PurePath(upload.name).name[:255]
    kept = import_flow.keep(upload, file_name=file_name)
    outcome = response_import.import_file(
        actor=actor,
        campaign=campaign,
        path=uploads.pending_path(kept["token"]),
        file_name=file_name,
        dry_run=True,
    )
    if not outcome.ok:
        uploads.pending_discard(kept["token"])
        return {"outcome": outcome}
    confirm = ConfirmForm(initial=kept)
    return {"outcome": outcome, "confirm_form": confirm, "counts": counts_table(outcome)}


def counts_table(outcome) -> dict:
    """Responses per OPD (rows) and group (columns), for the preview."""
    groups = list(RespondentGroup)
    by_opd = {}
    for count in outcome.unit_counts:
        row = by_opd.setdefault(count["opd"], {"opd": count["opd"], "name": count["opd_name"]})
        row[count["group"]] = count["count"]
    rows = [
        {**row, "cells": [row.get(group.value, 0) for group in groups]} for row in by_opd.values()
    ]
    return {"groups": [group.label for group in groups], "rows": rows}


@login_required
@permission_required(MANAGE, raise_exception=True)
@require_POST
def import_confirm(request, pk):
    """Import exactly the previewed file, checked again inside one transaction."""
    campaign = get_object_or_404(Campaign, pk=pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The confirmation was incomplete; upload the file again."))
        return redirect("selfsurvey:import_upload", pk=campaign.pk)
    data = form.cleaned_data
    try:
        kept = import_flow.kept_path(
            data["token"], sha256=data["sha256"], file_name=data["file_name"], max_age=KEPT_FOR
        )
    except import_flow.Expired:
        messages.error(request, _("The uploaded file has expired; upload it again."))
        return redirect("selfsurvey:import_upload", pk=campaign.pk)
    except ImportRejected as changed:
        messages.error(request, str(changed))
        return redirect("selfsurvey:import_upload", pk=campaign.pk)
    return redirect("selfsurvey:job_detail", pk=start_import(request, campaign, kept, data).pk)


def start_import(request, campaign, kept_path, data):
    """The confirmed import as a background job (then a recomputation); the job discards the
    waiting file when it ends. A second import while one runs goes to the running one."""
    payload = {"path": str(kept_path), "file_name": data["file_name"], "token": data["token"]}
    try:
        return jobs.job_start(
            actor=request.user, campaign=campaign, kind=jobs.IMPORT, payload=payload
        )
    except jobs.JobAlreadyRunning as refused:
        messages.error(request, refused.messages[0])
        return refused.job


urlpatterns = [
    path("<int:pk>/impor/", import_upload, name="import_upload"),
    path("<int:pk>/impor/konfirmasi/", import_confirm, name="import_confirm"),
]
