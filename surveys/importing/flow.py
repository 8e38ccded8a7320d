"""The one preview/confirm flow of the web import pages, for every kind.

preview: the upload checked, every row checked by the pipeline (a dry run), the file kept under
a token, and what the confirmation must send back (token, SHA-256, file name). confirm: the kept
file imported by the pipeline, which refuses it if its hash is not the previewed one (the one
place the hash is checked: surveys.importing.batch.import_file).
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from django.utils.translation import gettext as _

from surveys import uploads
from surveys.importing.batch import import_file
from surveys.importing.errors import ImportRejected, file_error


class Expired(Exception):
    """The previewed file is no longer kept (or the token names none)."""


def preview(kind, upload, *, file_name, **options) -> dict:
    """{"report", "confirm"} for a valid file; {"rejected"} or {"refused"} otherwise."""
    try:
        uploads.upload_check(upload)
        report = import_file(kind, upload, file_name=file_name, dry_run=True, **options)
    except uploads.UploadRefused as refused:
        return {"refused": str(refused)}
    except ImportRejected as rejected:
        return {"rejected": rejected}
    upload.seek(0)
    confirm = {
        "token": uploads.pending_save(upload),
        "sha256": report.sha256,
        "file_name": file_name,
    }
    return {"report": report, "confirm": confirm}


def confirm(kind, *, token, sha256, file_name, actor, **options):
    """Import the previewed file; raises Expired, ImportRejected (a changed hash included)."""
    try:
        handle = uploads.pending_open(token)
    except (FileNotFoundError, OSError):
        raise Expired(token) from None
    with handle:
        report = import_file(
            kind,
            handle,
            file_name=file_name[:255],
            actor=actor,
            expected_sha256=sha256 or "",
            **options,
        )
    uploads.pending_discard(token)
    return report


def keep(upload, *, file_name) -> dict:
    """Keep an upload for its confirmation, for a kind that reads the kept file by path (the
    self-run survey's responses): what the confirmation must send back (token, SHA-256, name)."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return {
        "token": uploads.pending_save(upload),
        "sha256": digest.hexdigest(),
        "file_name": file_name,
    }


def kept_path(token, *, sha256, file_name, max_age=None) -> Path:
    """The local path of a kept file whose content is still the previewed one; raises Expired
    (gone, or older than `max_age`) or ImportRejected (its SHA-256 is not the previewed one)."""
    try:
        path = Path(uploads.pending_path(token))
        modified = path.stat().st_mtime
    except (FileNotFoundError, OSError):
        raise Expired(token) from None
    if max_age is not None and time.time() - modified > max_age.total_seconds():
        uploads.pending_discard(token)
        raise Expired(token)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    if digest.hexdigest() != str(sha256 or "").lower():
        message = _("has changed since it was checked; upload it again")
        raise ImportRejected([file_error(file_name, message)])
    return path
