"""URL-matrix cases of the self-run survey: jobs (merged into tests/test_url_matrix.py).

The matrix's world holds no job, and a row made while building the world would not be this
area's to add; so each job page's case makes the job it asks for inside its own rolled-back
savepoint, and BackgroundJob is the one table such a case may change. Starting a recomputation is
a write for the Inspectorate: it adds a queued job (its task is enqueued only on commit, which a
rolled-back request never reaches)."""

from selfsurvey.models import BackgroundJob
from tests.test_url_matrix import (
    INSPECTOR_ONLY,
    INSPECTOR_POST_ONLY,
    INSPECTOR_WRITES,
    LOGIN,
    get,
    post,
)

MADE_HERE = frozenset({"selfsurvey.BackgroundJob"})
# the Inspectorate's pages: an OPD head is refused before any lookup, so never learns what exists
NOT_THERE = (LOGIN, 404, 403, 403)


def _campaign(w):
    return {"pk": w.campaign.pk}


def _job(w):
    job = BackgroundJob.objects.create(
        campaign=w.campaign,
        kind="recompute",
        state=BackgroundJob.State.RUNNING,
        done=2,
        total=3,
        created_by=w.users["inspector"],
    )
    return {"pk": job.pk}


def _no_job(w):
    return {"pk": 987654}


CASES = {
    "selfsurvey:job_start_recompute": [
        get(INSPECTOR_POST_ONLY, kwargs=_campaign),
        post(INSPECTOR_WRITES, kwargs=_campaign, data=lambda w: {}, writes=True),
        post(NOT_THERE, "no such campaign", kwargs=_no_job, data=lambda w: {}),
    ],
    "selfsurvey:job_detail": [
        get(INSPECTOR_ONLY, kwargs=_job, also_changes=MADE_HERE),
        get(NOT_THERE, "no such job", kwargs=_no_job),
    ],
    "selfsurvey:job_status": [
        get(INSPECTOR_ONLY, kwargs=_job, also_changes=MADE_HERE),
        get(NOT_THERE, "no such job", kwargs=_no_job),
    ],
}
