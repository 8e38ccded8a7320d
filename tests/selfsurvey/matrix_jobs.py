"""URL-matrix cases of the self-run survey: jobs (merged into tests/test_url_matrix.py).

The matrix's world holds a finished recomputation job. Starting a recomputation is a write for
the Inspectorate: it adds a queued job (its task is enqueued only on commit, which a rolled-back
request never reaches)."""

from tests.test_url_matrix import (
    INSPECTOR_ONLY,
    INSPECTOR_POST_ONLY,
    INSPECTOR_WRITES,
    LOGIN,
    get,
    post,
)

# the Inspectorate's pages: an OPD head is refused before any lookup, so never learns what exists
NOT_THERE = (LOGIN, 404, 403, 403)


def _campaign(w):
    return {"pk": w.campaign.pk}


def _job(w):
    return {"pk": w.job.pk}


def _no_job(w):
    return {"pk": 987654}


CASES = {
    "selfsurvey:job_start_recompute": [
        get(INSPECTOR_POST_ONLY, kwargs=_campaign),
        post(INSPECTOR_WRITES, kwargs=_campaign, data=lambda w: {}, writes=True),
        post(NOT_THERE, "no such campaign", kwargs=_no_job, data=lambda w: {}),
    ],
    "selfsurvey:job_detail": [
        get(INSPECTOR_ONLY, kwargs=_job),
        get(NOT_THERE, "no such job", kwargs=_no_job),
    ],
    "selfsurvey:job_status": [
        get(INSPECTOR_ONLY, kwargs=_job),
        get(NOT_THERE, "no such job", kwargs=_no_job),
    ],
}
