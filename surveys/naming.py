"""How an indicator (or a band) is named to a reader: in the active language, by its name."""

from django.utils.translation import get_language


def indicator_name(indicator) -> str:
    """The name of a dimension, a weak indicator or a weak point in the active language (the
    Indonesian one when the round has no English name), else its code."""
    english = get_language() == "en" and getattr(indicator, "name_en", "")
    return english or getattr(indicator, "name_id", "") or indicator.code


def indicator_names(indicators) -> str:
    """Several indicators' names for one cell of an export, in the order of their codes."""
    return "; ".join(indicator_name(i) for i in sorted(indicators, key=lambda i: i.code))


def band_name(band) -> str:
    return band.label_en if get_language() == "en" else band.label_id
