"""The one preview/confirm flow of the web import pages, for every kind.

preview: the upload checked, every row checked by the pipeline (a dry run), the file kept under
a token, and what the confirmation must send back (token, SHA-256, file name). confirm: the kept
file imported by the pipeline, which refuses it if its hash is not the previewed one (the one
place the hash is checked: surveys.importing.batch.import_file).
"""

from __future__ import annotations

from surveys import uploads
from surveys.importing.batch import import_file
from surveys.importing.errors import ImportRejected


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
