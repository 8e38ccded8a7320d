"""Uploaded import files waiting between preview and confirm.

They are kept in the default storage (shared by every app server) under a random
token, so the confirm step imports exactly the bytes that were previewed.
"""

import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

PENDING_DIR = "imports/pending"
ACCEPTED_SUFFIXES = (".csv", ".xlsx")


class UploadRefused(Exception):
    pass


def upload_check(uploaded) -> None:
    """Refuse files over the size limit or that are not named CSV or XLSX."""
    if uploaded.size > settings.IMPORT_MAX_BYTES:
        limit = settings.IMPORT_MAX_BYTES // (1024 * 1024)
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


def pending_discard(token: str) -> None:
    default_storage.delete(f"{PENDING_DIR}/{token}")
