"""Checks on the letterhead logo: PNG or JPEG by content (not by name), small, really an image."""

import io
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

LOGO_MAX_BYTES = 256 * 1024
LOGO_MAX_PIXELS = 2000  # per side: a letterhead logo is printed about 2 cm wide
LOGO_TYPES = {"png": "image/png", "jpg": "image/jpeg"}


@dataclass(frozen=True)
class CheckedLogo:
    content: bytes
    content_type: str


def logo_check(upload) -> CheckedLogo:
    """Refuse a logo that is too big, not PNG/JPEG by its first bytes, or not a readable image
    (SVG is refused: it can carry scripts and links)."""
    if upload.size > LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo is %(size)s; it may be at most %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(LOGO_MAX_BYTES)}
        )
    upload.seek(0)
    content = upload.read()
    kind = filetype.guess(content[:512])
    if kind is None or kind.extension not in LOGO_TYPES:
        raise ValidationError(_("The logo must be a PNG or JPEG image."))
    _check_image(content)
    return CheckedLogo(content=content, content_type=LOGO_TYPES[kind.extension])


def _check_image(content: bytes) -> None:
    try:
        with Image.open(io.BytesIO(content)) as image:
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(_("The logo file is damaged: it is not a readable image.")) from None
    if max(width, height) > LOGO_MAX_PIXELS:
        raise ValidationError(
            _("The logo is %(width)s × %(height)s pixels; at most %(limit)s on each side.")
            % {"width": width, "height": height, "limit": LOGO_MAX_PIXELS}
        )
