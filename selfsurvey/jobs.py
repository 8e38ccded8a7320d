"""Long work of the self-run survey (imports, recomputations) as background jobs.

A `BackgroundJob` row is what the page reads; the task (selfsurvey/tasks.py, Django's Tasks API
through django-tasks and its database backend) only carries the job's id and payload. The task is
enqueued once the job's row is committed, so a worker never looks for a job that is not there.
"""

import logging
import sys
import time
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import OutputWrapper
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    IntegrityError,
    connection,
    connections,
    transaction,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys import uploads
from surveys.audit import acting_as
from surveys.importing import ImportRejected

from . import services
from .models import BackgroundJob, Campaign

logger = logging.getLogger(__name__)

RECOMPUTE = "recompute"
IMPORT = "import"
KINDS = (RECOMPUTE, IMPORT)
UNFINISHED = (BackgroundJob.State.QUEUED, BackgroundJob.State.RUNNING)
WRITE_EVERY_SECONDS = 0.5
# a national-size import runs for minutes; a job running this long lost its worker (killed)
STUCK_AFTER = timedelta(hours=6)


class JobAlreadyRunning(ValidationError):
    """A job of this kind for this campaign is queued or running; `job` is that one."""

    def __init__(self, job):
        super().__init__(
            _(
                "A job of this kind is already queued or running for this campaign: wait "
                "until it has finished, then start it again."
            )
        )
        self.job = job


def kind_label(kind: str) -> str:
    return {RECOMPUTE: _("Recompute the scores"), IMPORT: _("Import responses")}.get(kind, kind)


# --- starting ----------------------------------------------------------------------------------


@transaction.atomic
def job_start(*, actor, campaign, kind, payload: dict) -> BackgroundJob:
    """A queued job of `kind` for `campaign`, its task enqueued once the row is committed.
    Refused (JobAlreadyRunning) while another job of that kind for that campaign is unfinished."""
    services.require_manager(actor)
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    Campaign.objects.select_for_update().get(pk=campaign.pk)  # one start at a time per campaign
    _refuse_when_unfinished(campaign, kind)
    try:
        with transaction.atomic():
            job = BackgroundJob.objects.create(campaign=campaign, kind=kind, created_by=actor)
    except IntegrityError:  # the constraint, when a start on another connection won the race
        raise JobAlreadyRunning(unfinished_job(campaign, kind)) from None
    transaction.on_commit(lambda: _enqueue(job.pk, payload))
    return job


def unfinished_job(campaign, kind) -> BackgroundJob | None:
    return BackgroundJob.objects.filter(campaign=campaign, kind=kind, state__in=UNFINISHED).first()


def _refuse_when_unfinished(campaign, kind):
    running = unfinished_job(campaign, kind)
    if running is None or _forget_if_abandoned(running):
        return
    raise JobAlreadyRunning(running)


def _forget_if_abandoned(job) -> bool:
    """A job whose task ended without finishing it, or running for longer than STUCK_AFTER (its
    worker was killed), is marked failed, so it no longer blocks a new start."""
    status = _task_status(job)
    stuck = job.started_at is not None and timezone.now() - job.started_at > STUCK_AFTER
    if status not in ("FAILED", "SUCCESSFUL") and not stuck:
        return False
    logger.warning("Background job %s abandoned (task %s: %s)", job.pk, job.task_id, status)
    _finish(job.pk, BackgroundJob.State.FAILED, _("The worker stopped before finishing the job."))
    return True


def _task_status(job) -> str | None:
    from .tasks import run_job

    if not job.task_id or not run_job.get_backend().supports_get_result:
        return None
    try:
        return str(run_job.get_result(job.task_id).status)
    except Exception:  # an unknown id, a backend changed since: nothing to say about it
        return None


def _enqueue(job_id, payload):
    from .tasks import run_job

    try:
        result = run_job.enqueue(job_id, payload)
    except Exception:
        logger.exception("Background job %s could not be enqueued", job_id)
        _finish(job_id, BackgroundJob.State.FAILED, _("The job could not be queued: try again."))
        return
    BackgroundJob.objects.filter(pk=job_id).update(task_id=str(result.id))


# --- running -----------------------------------------------------------------------------------


def job_run(job_id: int, payload: dict) -> dict:
    """Run one queued job (the task's body): state running, the kind's work with progress, then
    done with a message, or failed with a message for the person (the error itself is logged)."""
    claimed = BackgroundJob.objects.filter(pk=job_id, state=BackgroundJob.State.QUEUED).update(
        state=BackgroundJob.State.RUNNING, started_at=timezone.now()
    )
    if not claimed:  # run already (a task enqueued twice) or no longer there
        logger.warning("Background job %s is not queued; not run again", job_id)
        return {"job": job_id, "state": "skipped"}
    job = BackgroundJob.objects.select_related("campaign", "created_by").get(pk=job_id)
    reporter = progress_reporter(job)
    try:
        with acting_as(job.created_by):
            message = RUNNERS[job.kind](job, payload, reporter)
    except Exception as error:
        logger.exception(
            "Background job %s (%s of campaign %s) failed", job.pk, job.kind, job.campaign_id
        )
        _finish(job.pk, BackgroundJob.State.FAILED, failure_message(error, job), reporter)
        return {"job": job.pk, "state": "failed"}
    finally:
        reporter.close()
    _finish(job.pk, BackgroundJob.State.DONE, message, reporter)
    return {"job": job.pk, "state": "done"}


def _run_recompute(job, payload, reporter) -> str:
    scores = services.campaign_recompute(
        actor=job.created_by, campaign=job.campaign, progress=reporter
    )
    return _("Scores recomputed: %(count)s scores stored.") % {"count": len(scores)}


def _run_import(job, payload, reporter) -> str:
    from . import response_import  # written beside this module; imported when first needed

    file_name = payload["file_name"]
    _say(job.pk, _("Importing %(file)s.") % {"file": file_name})
    try:
        outcome = response_import.import_file(
            actor=job.created_by,
            campaign=job.campaign,
            path=Path(payload["path"]),
            file_name=file_name,
            progress=reporter,
        )
    finally:
        if payload.get("token"):
            uploads.pending_discard(payload["token"])  # the confirmed file is read once
    if not outcome.ok:
        raise ImportRefused(outcome)
    _say(job.pk, _("%(file)s imported; recomputing the scores.") % {"file": file_name})
    try:
        services.campaign_recompute(actor=job.created_by, campaign=job.campaign)
    except Exception as error:
        raise ImportedNotRecomputed from error
    return _("%(file)s imported and the scores recomputed.") % {"file": file_name}


RUNNERS = {RECOMPUTE: _run_recompute, IMPORT: _run_import}


class ImportRefused(Exception):
    """The file had errors (it changed since its preview): nothing was imported."""

    def __init__(self, outcome):
        first = "; ".join(str(error) for error in outcome.errors[:3])
        super().__init__(
            _("the file has %(count)s errors, first: %(first)s")
            % {"count": outcome.error_count, "first": first}
        )


class ImportedNotRecomputed(Exception):
    """The import was committed; the recomputation after it failed (the cause says why)."""


def failure_message(error, job) -> str:
    """What the person is told: the service's own words when it refused, never a traceback."""
    if isinstance(error, ImportedNotRecomputed):
        return _(
            "The responses were imported, but recomputing the scores failed: %(reason)s "
            "Start a recomputation from the campaign page."
        ) % {"reason": _reason(error.__cause__, job)}
    return _("Stopped, nothing was changed: %(reason)s") % {"reason": _reason(error, job)}


def _reason(error, job) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, PermissionDenied | ImportRejected | ImportRefused):
        return str(error)
    return _("an unexpected error; the administrators have the details (job %(id)s).") % {
        "id": job.pk
    }


def _say(job_id, message):
    BackgroundJob.objects.filter(pk=job_id).update(message=message)


def _finish(job_id, state, message, reporter=None):
    fields = {"state": state, "message": message, "finished_at": timezone.now()}
    if reporter is not None and reporter.total:
        fields |= {"done": reporter.done, "total": reporter.total}
    BackgroundJob.objects.filter(pk=job_id).update(**fields)


# --- progress ----------------------------------------------------------------------------------


class _Throttle:
    """Says yes for the first call, the last (done == total), a step of at least one per cent
    and otherwise once per WRITE_EVERY_SECONDS: a row-by-row caller costs at most about a hundred
    writes plus two a second."""

    def __init__(self):
        self.done = self.total = 0
        self._said_at = None
        self._said_done = 0

    def __call__(self, done, total) -> bool:
        self.done, self.total = done, total
        now = time.monotonic()
        due = (
            self._said_at is None
            or done >= total
            or (done - self._said_done) * 100 >= total
            or now - self._said_at >= WRITE_EVERY_SECONDS
        )
        if due:
            self._said_at, self._said_done = now, done
        return due


class ProgressReporter(_Throttle):
    """The `(done, total)` callable a service reports to; writes the job's progress, cheaply.

    A service reporting from inside its own transaction (an all-or-nothing import) would hide
    the progress until it commits; on PostgreSQL the reporter then writes on a connection of its
    own. SQLite has one writer at a time, so there the progress shows when the import commits."""

    def __init__(self, job):
        super().__init__()
        self.job_id = job.pk
        self._depth = len(connection.atomic_blocks)  # the transactions the runner is in
        self._side = None

    def __call__(self, done, total):
        if super().__call__(done, total):
            self._write(done, total)

    def _write(self, done, total):
        in_service_transaction = len(connection.atomic_blocks) > self._depth
        if in_service_transaction and connection.vendor == "postgresql":
            self._write_aside(done, total)
        else:
            BackgroundJob.objects.filter(pk=self.job_id).update(done=done, total=total)

    def _write_aside(self, done, total):
        try:
            if self._side is None:
                self._side = connections.create_connection(DEFAULT_DB_ALIAS)
                with self._side.cursor() as cursor:  # never wait on a lock the runner holds
                    cursor.execute("SET lock_timeout = '1s'")
            with self._side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {BackgroundJob._meta.db_table} SET done = %s, total = %s "
                    "WHERE id = %s",
                    [done, total, self.job_id],
                )
        except DatabaseError:  # progress is a courtesy: the job goes on, its end is written
            logger.warning("Background job %s: progress not written", self.job_id, exc_info=True)
            self.close()

    def close(self):
        if self._side is not None:
            self._side.close()
            self._side = None


def progress_reporter(job) -> ProgressReporter:
    return ProgressReporter(job)


def progress_line(stream=None, label=""):
    """A `(done, total)` callable printing `label: 2/3 (67%)` on one line of `stream` (stderr by
    default), rewritten in place with a carriage return, ended with a newline when done."""
    stream = stream if stream is not None else sys.stderr
    throttle = _Throttle()

    def show(done, total):
        if not throttle(done, total):
            return
        finished = done >= total
        share = round(done * 100 / total) if total else 100
        share = share if finished else min(share, 99)
        text = f"\r{label}: {done}/{total} ({share}%)" + ("\n" if finished else "")
        if isinstance(stream, OutputWrapper):  # a command's stdout/stderr adds a newline itself
            stream.write(text, ending="")
        else:
            stream.write(text)
        stream.flush()

    return show
