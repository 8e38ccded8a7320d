"""Checks on an uploaded bukti dukung file: size, type by content, zip bombs, a safe name."""

import hashlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from surveys import uploads

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
EXTENSION_ALIASES = {"jpeg": "jpg"}
OOXML_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
DISPLAY_NAME_MAX = 150
UNSAFE_CHARACTERS = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]")


@dataclass(frozen=True)
class CheckedFile:
    upload: object
    display_name: str
    extension: str
    content_type: str
    size: int
    sha256: str


def display_name(name: str) -> str:
    """The uploaded name reduced to a harmless label: no folders, no control characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = UNSAFE_CHARACTERS.sub("_", name).strip(" .")
    if len(name) > DISPLAY_NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        name = (
            f"{stem[: DISPLAY_NAME_MAX - len(ext) - 1]}.{ext}" if dot else name[:DISPLAY_NAME_MAX]
        )
    return name


def _claimed_extension(name: str) -> str:
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    return EXTENSION_ALIASES.get(ext, ext)


def _sniffed_extension(head: bytes) -> str | None:
    kind = filetype.guess(head)
    if kind is None:
        return None
    if kind.extension in ("zip", "docx", "xlsx"):
        return "zip"
    return EXTENSION_ALIASES.get(kind.extension, kind.extension)


def _check_ooxml(upload, extension: str, name: str):
    """A DOCX/XLSX is a zip: it must really be one of that kind and must not unpack to a bomb."""
    try:
        entries = uploads.archive_check(upload)
    except (zipfile.BadZipFile, OSError) as error:
        raise ValidationError(
            _("The file is damaged: it is not a readable %(ext)s file.")
            % {"ext": extension.upper()}
        ) from error
    except uploads.ContentRefused as refused:
        raise ValidationError(f"{name}: {refused}") from None
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or OOXML_MAIN_PART[extension] not in names:
        raise ValidationError(
            _("The file is not a real %(ext)s document.") % {"ext": extension.upper()}
        )


def evidence_check(upload) -> CheckedFile:
    """Refuse a file that is too big, of a type not allowed, or whose content does not match
    its extension (an HTML page named .pdf); return what is needed to store it."""
    limit = settings.EVIDENCE_MAX_BYTES
    name = display_name(upload.name)
    if upload.size > limit:
        raise ValidationError(
            _("%(name)s is %(size)s; evidence files may be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    extension = _claimed_extension(name)
    if extension not in CONTENT_TYPES:
        raise ValidationError(
            _("%(name)s: only PDF, PNG, JPEG, XLSX and DOCX files are accepted.") % {"name": name}
        )
    upload.seek(0)
    head = upload.read(8192)
    sniffed = _sniffed_extension(head)
    expected = "zip" if extension in OOXML_MAIN_PART else extension
    if sniffed != expected:
        raise ValidationError(
            _("%(name)s does not contain what its name says (%(ext)s).")
            % {"name": name, "ext": extension.upper()}
        )
    if extension in OOXML_MAIN_PART:
        _check_ooxml(upload, extension, name)
    return CheckedFile(
        upload=upload,
        display_name=name,
        extension=extension,
        content_type=CONTENT_TYPES[extension],
        size=upload.size,
        sha256=_sha256(upload),
    )


def _sha256(upload) -> str:
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: upload.read(65536), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
