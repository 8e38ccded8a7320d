from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.translation import get_language

from surveys import formatting
from surveys.models import RespondentGroup

register = template.Library()


@register.filter
def text_colour_on(hex_colour):
    """Black or white text, whichever reads better on the band colour (WCAG luminance)."""
    value = hex_colour.lstrip("#")
    try:
        red, green, blue = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    except (ValueError, IndexError):
        return "#000000"
    channels = [
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)
    ]
    luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    return "#000000" if luminance > 0.179 else "#ffffff"


@register.filter
def band_label(band):
    """The band's label in the active language."""
    return band.label_en if get_language() == "en" else band.label_id


@register.filter
def dimension_name(dimension):
    return dimension.name_en if get_language() == "en" else dimension.name_id


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


# --- numbers and dates: the one way of writing them (surveys/formatting.py) -------------------


@register.filter
def number(value, places=2):
    """67,78 / 67.78; a real minus; {{ weight|number:4 }} for 0,3325."""
    return formatting.number(value, get_language(), int(places))


@register.filter
def signed(value, places=2):
    """A difference: +0,49, −1,74 (real minus), 0,00 without a sign."""
    return formatting.signed(value, get_language(), int(places))


@register.filter
def deduction(value, places=2):
    """An amount taken off the index (a correction): −1,12, and 0,00 when it is zero."""
    return formatting.deduction(value, get_language(), int(places))


@register.filter
def percent(value, places=-1):
    """16,7%, 100%: one decimal by default, dropped when it is zero; no space before %."""
    return formatting.percent(value, get_language(), int(places))


@register.filter
def day(value):
    """31 Des 2026 / 31 Dec 2026 (a moment is written as its local date)."""
    return formatting.day(_local(value), get_language())


@register.filter
def day_time(value):
    """1 Des 2026 14.06 / 1 Dec 2026 14:06, where the time of day matters."""
    return formatting.day_time(_local(value), get_language())


def _local(value):
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.filter
def band_css_key(band):
    """The class suffix that /bands.css defines for this band's colour."""
    return band_class_key(band.colour)


def band_class_key(colour):
    return colour.lstrip("#").lower()


@register.filter
def group_label(code):
    """A respondent group's name in the active language ("expert" → "Eksper")."""
    return RespondentGroup(code).label if code in RespondentGroup.values else code
