"""Checks on uploaded files, and import files waiting between preview and confirm.

Waiting files are kept in the default storage (shared by every app server) under a random
token, so the confirm step imports exactly the bytes that were previewed. XLSX and DOCX files
are zips: `archive_check` and `sheet_rows` refuse one that would unpack or read to far more
than it weighs, before anything parses it.
"""

import secrets
import zipfile

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

PENDING_DIR = "imports/pending"
ACCEPTED_SUFFIXES = (".csv", ".xlsx")
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_RATIO = 100
ZIP_RATIO_FROM = 1024 * 1024  # smaller parts cannot be a bomb, whatever their ratio
ZIP_MAX_UNPACKED = 50 * 1024 * 1024
IMPORT_MAX_UNPACKED = 20 * 1024 * 1024  # an import file is parsed: about 4 s per 20 MB
IMPORT_MAX_CELLS = 500_000  # rows x columns up to the last cell of each row, as a reader sees


class UploadRefused(Exception):
    pass


class ContentRefused(UploadRefused):
    """The file's content would cost far more to read than its size suggests (a zip bomb).

    The message's subject is the file: show it after the file's name."""


def archive_check(file, *, max_unpacked=ZIP_MAX_UNPACKED) -> list[zipfile.ZipInfo]:
    """The entries of a zip (XLSX, DOCX), or ContentRefused if it holds too many, unpacks to
    more than `max_unpacked` bytes or a part is compressed suspiciously well.

    Only the zip's directory is read. zipfile never unpacks a part past the size listed there,
    so the listed sizes bound what any reader unpacks. A damaged zip raises BadZipFile.
    """
    file.seek(0)
    with zipfile.ZipFile(file) as archive:
        entries = archive.infolist()
    file.seek(0)
    if len(entries) > ZIP_MAX_ENTRIES:
        message = _("holds %(count)s packed parts, more than the limit of %(limit)s")
        raise ContentRefused(message % {"count": len(entries), "limit": ZIP_MAX_ENTRIES})
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > max_unpacked:
        message = _("unpacks to %(size)s, more than the limit of %(limit)s: too much data")
        size, limit = filesizeformat(unpacked), filesizeformat(max_unpacked)
        raise ContentRefused(message % {"size": size, "limit": limit})
    for entry in entries:
        _ratio_check(entry)
    return entries


def _ratio_check(entry: zipfile.ZipInfo) -> None:
    ratio = entry.file_size / max(entry.compress_size, 1)
    if entry.file_size >= ZIP_RATIO_FROM and ratio > ZIP_MAX_RATIO:
        message = _(
            "is compressed suspiciously well (a zip bomb?): its part %(part)s unpacks to "
            "%(ratio)s times its packed size, more than the limit of %(limit)s times"
        )
        values = {"part": entry.filename, "ratio": int(ratio), "limit": ZIP_MAX_RATIO}
        raise ContentRefused(message % values)


def sheet_rows(sheet, *, max_cells=IMPORT_MAX_CELLS) -> list[tuple]:
    """The values of a read-only openpyxl sheet, row by row, or ContentRefused past
    `max_cells`: a single cell in a far column makes a reader fill the whole row."""
    sheet.reset_dimensions()  # the size the file declares is not to be trusted
    rows, cells = [], 0
    for values in sheet.iter_rows(values_only=True):
        cells += max(len(values), 1)
        if cells > max_cells:
            message = _(
                'has too many cells to read in sheet "%(sheet)s" (the limit is %(limit)s, '
                "counting each row up to its last cell); delete unused columns and rows"
            )
            raise ContentRefused(message % {"sheet": sheet.title, "limit": max_cells})
        rows.append(values)
    return rows


def upload_check(uploaded, *, max_bytes=None) -> None:
    """Refuse files over the size limit (settings.IMPORT_MAX_BYTES unless `max_bytes` is given)
    or that are not named CSV or XLSX."""
    max_bytes = max_bytes or settings.IMPORT_MAX_BYTES
    if uploaded.size > max_bytes:
        limit = max_bytes // (1024 * 1024)
        raise UploadRefused(
            _("%(name)s is larger than the limit of %(limit)s MB.")
            % {"name": uploaded.name, "limit": limit}
        )
    if not uploaded.name.lower().endswith(ACCEPTED_SUFFIXES):
        raise UploadRefused(_("%(name)s is not a CSV or XLSX file.") % {"name": uploaded.name})


def pending_save(uploaded) -> str:
    token = secrets.token_urlsafe(24)
    default_storage.save(f"{PENDING_DIR}/{token}", ContentFile(uploaded.read()))
    return token


def pending_open(token: str):
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        raise FileNotFoundError(token)
    return default_storage.open(f"{PENDING_DIR}/{token}", "rb")


def pending_path(token: str):
    """The local path of a waiting file (a background task reads it from the shared folder)."""
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        raise FileNotFoundError(token)
    return default_storage.path(f"{PENDING_DIR}/{token}")


def pending_discard(token: str) -> None:
    default_storage.delete(f"{PENDING_DIR}/{token}")
