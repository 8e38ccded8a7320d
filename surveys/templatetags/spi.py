from django import template
from django.utils.html import format_html
from django.utils.translation import get_language, gettext

from surveys import formatting
from surveys.models import RespondentGroup
from surveys.naming import band_name, indicator_name

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
    return band_name(band)


@register.filter
def dimension_name(dimension):
    return indicator_name(dimension)


@register.filter
def indicator(item):
    """How every page shows an indicator: its name, with its code as a small tag."""
    return format_html(
        '{} <span class="badge rounded-pill text-bg-light border indicator-code">{}</span>',
        indicator_name(item),
        item.code,
    )


@register.filter
def gap_label(weak):
    """A weak score's gap, named by the band it is counted to: "selisih ke Waspada: 25,13"
    (weak_indicators and indicator_details always give the band)."""
    return gettext("gap to %(band)s: %(gap)s") % {
        "band": band_name(weak.band),
        "gap": formatting.number(weak.gap, get_language()),
    }


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


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
