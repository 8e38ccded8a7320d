"""URL-matrix cases of the self-run survey: imports (merged into tests/test_url_matrix.py)."""

import hashlib

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from surveys import uploads
from tests.test_url_matrix import (
    INSPECTOR_ONLY,
    INSPECTOR_POST_ONLY,
    INSPECTOR_WRITES,
    LOGIN,
    get,
    post,
)

RESPONSES_CSV = b"opd,group,I01,E01\nDINKES,internal,4,\nDISDIK,eksternal,,Setuju\n"
WRONG_CSV = b"opd,group,I01\nDISHUB,internal,4\n"


def campaign(w):
    return {"pk": w.campaign.pk}


def _upload(content):
    return lambda w: {"file": SimpleUploadedFile("jawaban.csv", content, content_type="text/csv")}


def _confirm(w):
    token = uploads.pending_save(ContentFile(RESPONSES_CSV))
    sha256 = hashlib.sha256(RESPONSES_CSV).hexdigest()
    return {"token": token, "sha256": sha256, "file_name": "jawaban.csv"}


CASES = {
    "selfsurvey:import_upload": [
        get(INSPECTOR_ONLY, kwargs=campaign),
        get((LOGIN, 404, 403, 403), "no such campaign", kwargs=lambda w: {"pk": 10**9}),
        post(
            INSPECTOR_ONLY,
            "a valid file: its preview",
            kwargs=campaign,
            data=_upload(RESPONSES_CSV),
        ),
        post(INSPECTOR_ONLY, "a wrong file: its errors", kwargs=campaign, data=_upload(WRONG_CSV)),
        post(INSPECTOR_ONLY, "not a table", kwargs=campaign, data=_upload(b"\x89PNG\x00\x00")),
    ],
    "selfsurvey:import_confirm": [
        get(INSPECTOR_POST_ONLY, kwargs=campaign),
        post(INSPECTOR_WRITES, kwargs=campaign, data=_confirm, writes=True),
        post(
            INSPECTOR_WRITES,
            "a changed file",
            kwargs=campaign,
            data=lambda w: _confirm(w) | {"sha256": "0" * 64},
        ),
        post(
            INSPECTOR_WRITES,
            "expired token",
            kwargs=campaign,
            data=lambda w: {"token": "nope", "sha256": "0" * 64, "file_name": "x.csv"},
        ),
    ],
}
