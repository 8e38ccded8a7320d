"""Background jobs of the self-run survey: recomputations and imports run through the Tasks API
(the database queue and `db_worker`, or the immediate backend), report their progress to the
job row the page reads, fail with a message for the person, and never run twice at once."""

import datetime
import io
import logging
import re
import signal
import sys
import types
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

import selfsurvey
from selfsurvey import jobs, services
from selfsurvey.models import BackgroundJob, Campaign, CampaignScore
from tests.selfsurvey.world import make_campaign

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
Job = BackgroundJob.State


@pytest.fixture
def immediate(settings):
    """Tasks run inside enqueue, so a job has run as soon as its row is committed."""
    settings.TASKS = IMMEDIATE


def start(actor, campaign, kind=jobs.RECOMPUTE, payload=None):
    return jobs.job_start(actor=actor, campaign=campaign, kind=kind, payload=payload or {})


def run_committed(capture, actor, campaign, kind=jobs.RECOMPUTE, payload=None) -> BackgroundJob:
    with capture(execute=True):
        job = start(actor, campaign, kind, payload)
    job.refresh_from_db()
    return job


def run_worker():
    """One `db_worker --batch` in this process; its signal handlers taken back afterwards."""
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)


def stored_scores(campaign):
    return list(CampaignScore.objects.filter(campaign=campaign).order_by("pk").values_list())


# --- through the database queue and its worker ----------------------------------------------


@pytest.mark.transactional
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_recompute_goes_from_queued_to_done_through_the_database_queue_and_its_worker(
    campaign, inspector
):
    before = Campaign.objects.get(pk=campaign.pk).scores_computed_at
    job = start(inspector, campaign)
    job.refresh_from_db()
    assert job.state == Job.QUEUED and job.task_id and job.created_by == inspector
    task = DBTaskResult.objects.get(pk=job.task_id)
    assert task.status == "READY" and task.args_kwargs["args"] == [job.pk, {}]

    run_worker()

    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.percent) == (Job.DONE, 3, 3, 100)
    assert job.created_at <= job.started_at <= job.finished_at
    assert "scores stored" in job.message
    assert DBTaskResult.objects.get(pk=job.task_id).status == "SUCCESSFUL"
    assert Campaign.objects.get(pk=campaign.pk).scores_computed_at > before


@pytest.mark.transactional
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_job_rolled_back_with_its_transaction_is_never_enqueued(campaign, inspector):
    with pytest.raises(RuntimeError), transaction.atomic():
        start(inspector, campaign)
        raise RuntimeError("the request failed after starting the job")
    assert not BackgroundJob.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_inside_a_transaction_the_task_waits_for_the_commit(campaign, inspector):
    job = start(inspector, campaign)
    assert not DBTaskResult.objects.exists()  # the test's transaction never commits
    assert BackgroundJob.objects.get(pk=job.pk).state == Job.QUEUED


def test_a_task_run_twice_runs_its_job_once(campaign, inspector, monkeypatch):
    calls = []
    real = services.campaign_recompute
    monkeypatch.setattr(services, "campaign_recompute", lambda **kw: calls.append(1) or real(**kw))
    job = BackgroundJob.objects.create(campaign=campaign, kind=jobs.RECOMPUTE, created_by=inspector)
    assert jobs.job_run(job.pk, {})["state"] == "done"
    assert jobs.job_run(job.pk, {})["state"] == "skipped"
    assert len(calls) == 1


# --- the immediate backend ------------------------------------------------------------------


def test_with_the_immediate_backend_a_job_has_run_once_its_row_is_committed(
    campaign, inspector, immediate, django_capture_on_commit_callbacks
):
    job = run_committed(django_capture_on_commit_callbacks, inspector, campaign)
    assert (job.state, job.done, job.total) == (Job.DONE, 3, 3)
    assert job.task_id and job.finished_at


def test_progress_is_written_to_the_job_row_while_the_recompute_runs(
    campaign, inspector, immediate, django_capture_on_commit_callbacks, monkeypatch
):
    seen = []
    write = jobs.ProgressReporter._write

    def recording(reporter, done, total):
        write(reporter, done, total)
        seen.append(BackgroundJob.objects.values_list("state", "done", "total").get())

    monkeypatch.setattr(jobs.ProgressReporter, "_write", recording)
    run_committed(django_capture_on_commit_callbacks, inspector, campaign)
    assert seen == [(Job.RUNNING, 1, 3), (Job.RUNNING, 2, 3), (Job.RUNNING, 3, 3)]


def test_progress_is_written_at_most_once_per_per_cent_while_time_stands_still(
    campaign, inspector, monkeypatch
):
    job = BackgroundJob.objects.create(campaign=campaign, kind=jobs.IMPORT, created_by=inspector)
    writes = []
    monkeypatch.setattr(jobs.ProgressReporter, "_write", lambda r, d, t: writes.append((d, t)))
    monkeypatch.setattr(jobs.time, "monotonic", lambda: 1000.0)
    report = jobs.progress_reporter(job)
    for row in range(1, 30_001):
        report(row, 30_000)
    assert len(writes) == 101
    assert writes[0] == (1, 30_000) and writes[-1] == (30_000, 30_000)
    assert all(b[0] - a[0] >= 300 for a, b in zip(writes, writes[1:-1], strict=False))


def test_slow_progress_is_still_written_every_half_second(campaign, inspector, monkeypatch):
    job = BackgroundJob.objects.create(campaign=campaign, kind=jobs.IMPORT, created_by=inspector)
    clock = iter(range(0, 100))
    monkeypatch.setattr(jobs.time, "monotonic", lambda: next(clock) * 0.6)
    report = jobs.progress_reporter(job)
    report(1, 1_000_000)
    report(2, 1_000_000)
    assert BackgroundJob.objects.values_list("done", "total").get() == (2, 1_000_000)


# --- failures -------------------------------------------------------------------------------


def test_a_refused_recompute_fails_with_the_services_own_words(
    campaign, inspector, immediate, django_capture_on_commit_callbacks, monkeypatch
):
    def refuse(**kwargs):
        raise ValidationError("The questionnaire of this campaign has no items.")

    monkeypatch.setattr(services, "campaign_recompute", refuse)
    job = run_committed(django_capture_on_commit_callbacks, inspector, campaign)
    assert job.state == Job.FAILED and job.finished_at
    assert job.message == (
        "Stopped, nothing was changed: The questionnaire of this campaign has no items."
    )


def test_an_unexpected_error_is_logged_and_the_person_reads_no_traceback(
    campaign,
    inspector,
    immediate,
    django_capture_on_commit_callbacks,
    monkeypatch,
    caplog,
    inspector_client,
):
    def crash(**kwargs):
        raise RuntimeError("connection string postgres://secret")

    monkeypatch.setattr(services, "campaign_recompute", crash)
    with caplog.at_level(logging.ERROR, logger="selfsurvey.jobs"):
        job = run_committed(django_capture_on_commit_callbacks, inspector, campaign)
    assert job.state == Job.FAILED
    assert "secret" not in job.message and f"job {job.pk}" in job.message
    logged = [r for r in caplog.records if r.name == "selfsurvey.jobs"]
    assert logged and logged[0].exc_info and "secret" in str(logged[0].exc_info[1])
    page = inspector_client.get(reverse("selfsurvey:job_detail", args=[job.pk])).content.decode()
    assert "Traceback" not in page and "secret" not in page and f"job {job.pk}" in page


def test_a_recompute_failing_while_storing_leaves_the_stored_scores_as_they_were(
    campaign, inspector, immediate, django_capture_on_commit_callbacks, monkeypatch
):
    scores = stored_scores(campaign)
    computed_at = Campaign.objects.get(pk=campaign.pk).scores_computed_at

    def half_way(locked, scores):
        CampaignScore.objects.filter(campaign=locked).delete()
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_store_scores", half_way)
    job = run_committed(django_capture_on_commit_callbacks, inspector, campaign)
    assert job.state == Job.FAILED
    assert stored_scores(campaign) == scores
    assert Campaign.objects.get(pk=campaign.pk).scores_computed_at == computed_at


def test_a_job_whose_actor_lost_the_right_fails_with_the_refusal(
    campaign, inspector, immediate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = start(inspector, campaign)
    inspector.groups.clear()
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.state == Job.FAILED
    assert "Only the Inspectorate runs self-survey campaigns." in job.message


def test_a_job_that_cannot_be_enqueued_is_failed_rather_than_left_queued(
    campaign, inspector, django_capture_on_commit_callbacks, monkeypatch
):
    from selfsurvey.tasks import run_job

    def broken(*args):
        raise ConnectionError("queue unreachable")

    monkeypatch.setattr(type(run_job), "enqueue", lambda self, *args: broken())
    job = run_committed(django_capture_on_commit_callbacks, inspector, campaign)
    assert job.state == Job.FAILED and "could not be queued" in job.message


# --- one at a time --------------------------------------------------------------------------


def test_a_second_recompute_of_a_campaign_is_refused_while_the_first_is_unfinished(
    campaign, inspector, methodology, opd_a
):
    first = start(inspector, campaign)
    with pytest.raises(jobs.JobAlreadyRunning) as refused:
        start(inspector, campaign)
    assert refused.value.job == first
    assert "already queued or running" in refused.value.messages[0]
    other = make_campaign(inspector, [opd_a], name="Survei mandiri lain")
    assert start(inspector, other).state == Job.QUEUED  # another campaign
    assert start(inspector, campaign, jobs.IMPORT, {"path": "x", "file_name": "x"})  # another kind
    BackgroundJob.objects.filter(pk=first.pk).update(state=Job.DONE)
    assert start(inspector, campaign).state == Job.QUEUED  # once the first has finished


def test_the_database_refuses_two_unfinished_jobs_of_one_kind_for_one_campaign(campaign, inspector):
    BackgroundJob.objects.create(campaign=campaign, kind=jobs.RECOMPUTE, state=Job.RUNNING)
    BackgroundJob.objects.create(campaign=campaign, kind=jobs.RECOMPUTE, state=Job.FAILED)
    with pytest.raises(IntegrityError), transaction.atomic():
        BackgroundJob.objects.create(campaign=campaign, kind=jobs.RECOMPUTE, state=Job.QUEUED)


def test_a_job_whose_task_ended_without_finishing_it_no_longer_blocks_a_new_start(
    campaign, inspector
):
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="selfsurvey.tasks.run_job",
        backend_name="default",
        run_after="9999-01-01T00:00:00Z",
        status="FAILED",
    )
    stuck = BackgroundJob.objects.create(
        campaign=campaign, kind=jobs.RECOMPUTE, state=Job.RUNNING, task_id=str(task.pk)
    )
    assert start(inspector, campaign).state == Job.QUEUED
    stuck.refresh_from_db()
    assert stuck.state == Job.FAILED and "worker stopped" in stuck.message


def test_a_job_running_for_hours_lost_its_worker_and_no_longer_blocks_a_new_start(
    campaign, inspector
):
    started = timezone.now() - jobs.STUCK_AFTER
    stuck = BackgroundJob.objects.create(
        campaign=campaign, kind=jobs.RECOMPUTE, state=Job.RUNNING, started_at=started
    )
    assert start(inspector, campaign).state == Job.QUEUED
    stuck.refresh_from_db()
    assert stuck.state == Job.FAILED and stuck.finished_at


def test_a_job_running_for_minutes_still_blocks(campaign, inspector):
    started = timezone.now() - datetime.timedelta(minutes=30)
    BackgroundJob.objects.create(
        campaign=campaign, kind=jobs.RECOMPUTE, state=Job.RUNNING, started_at=started
    )
    with pytest.raises(jobs.JobAlreadyRunning):
        start(inspector, campaign)


def test_only_the_inspectorate_starts_a_job(campaign, head_a):
    with pytest.raises(PermissionDenied):
        start(head_a, campaign)
    assert not BackgroundJob.objects.exists()


# --- imports (the importer is another module's; here a stand-in with its signature) ----------


@pytest.fixture
def importer(monkeypatch):
    """selfsurvey.response_import.import_file replaced by a stand-in recording its arguments and
    reporting progress over 30,000 rows; `importer.fail` makes it refuse the file."""
    state = types.SimpleNamespace(calls=[], fail=None, errors=[])

    def import_file(*, actor, campaign, path, file_name, progress):
        state.calls.append(
            {"actor": actor, "campaign": campaign, "path": path, "file_name": file_name}
        )
        if state.fail:
            raise state.fail
        for done in range(0, 30_001, 3_000):
            progress(done, 30_000)
        errors = state.errors
        return types.SimpleNamespace(
            rows=30_000, ok=not errors, errors=errors, error_count=len(errors)
        )

    module = types.SimpleNamespace(import_file=import_file)
    monkeypatch.setitem(sys.modules, "selfsurvey.response_import", module)
    monkeypatch.setattr(selfsurvey, "response_import", module, raising=False)
    return state


def test_an_import_job_imports_the_file_then_recomputes_the_scores(
    campaign, inspector, immediate, django_capture_on_commit_callbacks, importer, tmp_path
):
    computed_at = Campaign.objects.get(pk=campaign.pk).scores_computed_at
    payload = {"path": str(tmp_path / "upload.csv"), "file_name": "kobo-export.csv"}
    job = run_committed(
        django_capture_on_commit_callbacks, inspector, campaign, jobs.IMPORT, payload
    )
    (call,) = importer.calls
    assert call["actor"] == inspector and call["campaign"] == campaign
    assert call["path"] == tmp_path / "upload.csv" and call["file_name"] == "kobo-export.csv"
    assert (job.state, job.done, job.total) == (Job.DONE, 30_000, 30_000)
    assert job.message == "kobo-export.csv imported and the scores recomputed."
    assert Campaign.objects.get(pk=campaign.pk).scores_computed_at > computed_at


def test_a_file_with_errors_fails_the_job_with_its_first_errors_and_discards_the_file(
    campaign, inspector, immediate, django_capture_on_commit_callbacks, importer, settings, tmp_path
):
    from surveys import uploads

    settings.MEDIA_ROOT = tmp_path
    token = uploads.pending_save(io.BytesIO(b"opd,group\n"))
    importer.errors = ["jawaban.csv, row 3, column I01: expected 1 to 4, found 7"]
    payload = {"path": "/tmp/x.csv", "file_name": "jawaban.csv", "token": token}
    job = run_committed(
        django_capture_on_commit_callbacks, inspector, campaign, jobs.IMPORT, payload
    )
    assert job.state == Job.FAILED
    assert "row 3, column I01: expected 1 to 4, found 7" in job.message
    assert not Path(uploads.pending_path(token)).exists()


def test_a_refused_import_fails_with_its_reason_and_recomputes_nothing(
    campaign, inspector, immediate, django_capture_on_commit_callbacks, importer, monkeypatch
):
    importer.fail = ValidationError("Row 3, column Q1: expected 1 to 4, found 7.")
    recomputed = []
    monkeypatch.setattr(services, "campaign_recompute", lambda **kw: recomputed.append(kw))
    payload = {"path": "/tmp/x.csv", "file_name": "x.csv"}
    job = run_committed(
        django_capture_on_commit_callbacks, inspector, campaign, jobs.IMPORT, payload
    )
    assert job.state == Job.FAILED
    assert (
        job.message == "Stopped, nothing was changed: Row 3, column Q1: expected 1 to 4, found 7."
    )
    assert not recomputed


def test_an_import_whose_recompute_fails_says_the_responses_are_in(
    campaign, inspector, immediate, django_capture_on_commit_callbacks, importer, monkeypatch
):
    def refuse(**kwargs):
        raise ValidationError("No scores without items.")

    monkeypatch.setattr(services, "campaign_recompute", refuse)
    payload = {"path": "/tmp/x.csv", "file_name": "x.csv"}
    job = run_committed(
        django_capture_on_commit_callbacks, inspector, campaign, jobs.IMPORT, payload
    )
    assert job.state == Job.FAILED
    assert job.message.startswith("The responses were imported, but recomputing the scores failed")
    assert "No scores without items." in job.message


@pytest.mark.transactional
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_progress_reported_inside_the_importers_transaction_shows_at_once_on_postgresql(
    campaign, inspector, importer, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer: there progress shows when the import commits")
    seen = []

    def import_file(*, progress, **kwargs):
        with transaction.atomic():
            progress(12_000, 30_000)
            other = connections.create_connection("default")
            try:
                with other.cursor() as cursor:
                    cursor.execute("SELECT done, total FROM selfsurvey_backgroundjob")
                    seen.extend(cursor.fetchall())
            finally:
                other.close()
        return types.SimpleNamespace(ok=True)

    monkeypatch.setattr(sys.modules["selfsurvey.response_import"], "import_file", import_file)
    monkeypatch.setattr(services, "campaign_recompute", lambda **kw: [])
    job = start(inspector, campaign, jobs.IMPORT, {"path": "/tmp/x.csv", "file_name": "x.csv"})
    run_worker()
    assert seen == [(12_000, 30_000)]
    assert BackgroundJob.objects.get(pk=job.pk).state == Job.DONE


# --- pages ----------------------------------------------------------------------------------


def detail_url(job):
    return reverse("selfsurvey:job_detail", args=[job.pk])


def test_the_inspectorate_starts_a_recompute_and_lands_on_its_progress_page(
    campaign, inspector_client, immediate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = inspector_client.post(
            reverse("selfsurvey:job_start_recompute", args=[campaign.pk])
        )
    job = BackgroundJob.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(job)
    page = inspector_client.get(detail_url(job)).content.decode()
    assert job.state == Job.DONE
    assert re.search(r"3 (of|dari) 3 (steps|langkah) \(100%\)", page)
    assert 'http-equiv="refresh"' not in page and "job-progress.js" not in page


def test_a_second_start_while_one_runs_leads_to_the_running_one_with_the_reason(
    campaign, inspector, inspector_client
):
    running = start(inspector, campaign)
    response = inspector_client.post(
        reverse("selfsurvey:job_start_recompute", args=[campaign.pk]), follow=True
    )
    assert response.redirect_chain == [(detail_url(running), 302)]
    assert BackgroundJob.objects.count() == 1
    assert "masih dalam antrean atau sedang" in response.content.decode()


def test_a_running_import_shows_its_bar_counts_and_refreshes_itself(
    campaign, inspector, inspector_client
):
    job = BackgroundJob.objects.create(
        campaign=campaign,
        kind=jobs.IMPORT,
        state=Job.RUNNING,
        done=12_000,
        total=30_000,
        created_by=inspector,
        message="Importing kobo.csv.",
    )
    page = inspector_client.get(detail_url(job)).content.decode()
    assert re.search(r"12\.000 (of|dari) 30\.000 (rows|baris) \(40%\)", page)
    assert (
        '<progress id="job-progress" class="job-progress w-100" max="30000" value="12000"' in page
    )
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert "js/job-progress.js" in page and "Importing kobo.csv." in page


def test_a_queued_job_shows_a_bar_without_a_value_until_a_worker_reports(
    campaign, inspector, inspector_client
):
    job = start(inspector, campaign)
    page = inspector_client.get(detail_url(job)).content.decode()
    assert '<progress id="job-progress" class="job-progress w-100" aria-describedby' in page
    assert "Waiting for a worker" in page or "Menunggu" in page


def test_a_failed_job_shows_its_message_as_an_alert_and_stops_refreshing(
    campaign, inspector, inspector_client
):
    job = BackgroundJob.objects.create(
        campaign=campaign,
        kind=jobs.RECOMPUTE,
        state=Job.FAILED,
        done=1,
        total=3,
        message="Stopped, nothing was changed: <b>no items</b>",
        created_by=inspector,
    )
    page = inspector_client.get(detail_url(job)).content.decode()
    assert 'class="alert alert-danger" role="alert"' in page
    assert "&lt;b&gt;no items&lt;/b&gt;" in page and "<b>no items" not in page
    assert 'http-equiv="refresh"' not in page


@pytest.mark.parametrize(
    ("who", "status"), [("head_a_client", 403), ("head_b_client", 403), ("client", 302)]
)
def test_no_one_but_the_inspectorate_sees_or_starts_a_job(
    campaign, inspector, request, who, status
):
    client = request.getfixturevalue(who)
    job = start(inspector, campaign)
    for url in (detail_url(job), reverse("selfsurvey:job_status", args=[job.pk])):
        assert client.get(url).status_code == status
    response = client.post(reverse("selfsurvey:job_start_recompute", args=[campaign.pk]))
    assert response.status_code == status and BackgroundJob.objects.count() == 1


def test_the_status_json_says_state_and_progress(campaign, inspector, inspector_client):
    job = BackgroundJob.objects.create(
        campaign=campaign,
        kind=jobs.IMPORT,
        state=Job.RUNNING,
        done=12_000,
        total=30_000,
        created_by=inspector,
    )
    status = inspector_client.get(reverse("selfsurvey:job_status", args=[job.pk])).json()
    assert {k: status[k] for k in ("id", "state", "done", "total", "percent", "finished")} == {
        "id": job.pk,
        "state": "running",
        "done": 12_000,
        "total": 30_000,
        "percent": 40,
        "finished": False,
    }
    assert re.fullmatch(r"12\.000 (of|dari) 30\.000 (rows|baris) \(40%\)", status["text"])
    assert status["created_at"] and status["finished_at"] is None


# --- the command line -----------------------------------------------------------------------


def test_survey_recompute_prints_a_progress_line_on_stderr(campaign, inspector):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "survey_recompute",
        "--campaign",
        campaign.name,
        "--actor",
        "inspector",
        stdout=out,
        stderr=err,
    )
    assert err.getvalue() == (
        "\rrecompute: 1/3 (33%)\rrecompute: 2/3 (67%)\rrecompute: 3/3 (100%)\n"
    )
    assert campaign.name in out.getvalue()


def test_survey_recompute_in_the_background_queues_a_job_and_prints_its_id(campaign, inspector):
    out = io.StringIO()
    call_command(
        "survey_recompute",
        "--campaign",
        campaign.name,
        "--background",
        "--actor",
        "inspector",
        stdout=out,
    )
    job = BackgroundJob.objects.get()
    assert out.getvalue() == f"{job.pk}\n"
    assert (job.state, job.created_by, job.kind) == (Job.QUEUED, inspector, jobs.RECOMPUTE)


def test_survey_recompute_says_what_is_wrong(campaign, inspector, head_a):
    with pytest.raises(CommandError, match="No campaign named Nope"):
        call_command("survey_recompute", "--campaign", "Nope", "--actor", "inspector")
    with pytest.raises(CommandError, match="Only the Inspectorate"):
        call_command("survey_recompute", "--campaign", campaign.name, "--actor", "head_a")
    start(inspector, campaign)
    with pytest.raises(CommandError, match="already queued or running"):
        call_command(
            "survey_recompute", "--campaign", campaign.name, "--background", "--actor", "inspector"
        )


def test_progress_line_rewrites_one_line_and_ends_it_when_done():
    stream = io.StringIO()
    show = jobs.progress_line(stream, "import")
    for done in (0, 1, 2, 3):
        show(done, 3)
    assert stream.getvalue() == (
        "\rimport: 0/3 (0%)\rimport: 1/3 (33%)\rimport: 2/3 (67%)\rimport: 3/3 (100%)\n"
    )


def test_progress_line_never_says_100_per_cent_before_the_end():
    stream = io.StringIO()
    show = jobs.progress_line(stream, "import")
    show(999, 1000)
    assert stream.getvalue() == "\rimport: 999/1000 (99%)"
