"""Numbers, differences, percentages and dates written one way (surveys/formatting.py).

A template builtin (settings.TEMPLATES), so every template uses these without a {% load %}:

    {{ index|number }}          67,78       {{ weight|number:4 }}  0,3325
    {{ change|signed }}         −1,74 / +0,49 / 0,00
    {{ correction|deduction }}  −1,12 / 0,00
    {{ rate|percent }}          16,7% / 100%
    {{ due_date|day }}          31 Des 2026
    {{ decided_at|day_time }}   1 Des 2026 14.06
"""

from datetime import datetime
from decimal import InvalidOperation
from functools import wraps

from django import template
from django.utils import timezone
from django.utils.translation import get_language

from surveys import formatting

register = template.Library()


def _quiet(filter_function):
    """A value that is not a number (a template's typo) is shown as it is, as Django's own
    filters do, rather than breaking the page."""

    @wraps(filter_function)
    def guarded(value, *args):
        try:
            return filter_function(value, *args)
        except (InvalidOperation, TypeError, ValueError, AttributeError):
            return value

    return guarded


@register.filter
@_quiet
def number(value, places=2):
    """67,78 / 67.78; a real minus; {{ weight|number:4 }} for 0,3325."""
    return formatting.number(value, get_language(), int(places))


@register.filter
@_quiet
def signed(value, places=2):
    """A difference: +0,49, −1,74 (real minus), 0,00 without a sign."""
    return formatting.signed(value, get_language(), int(places))


@register.filter
@_quiet
def deduction(value, places=2):
    """An amount taken off the index (a correction): −1,12, and 0,00 when it is zero."""
    return formatting.deduction(value, get_language(), int(places))


@register.filter
@_quiet
def percent(value, places=-1):
    """16,7%, 100%: one decimal by default, dropped when it is zero; no space before %."""
    return formatting.percent(value, get_language(), int(places))


@register.filter
@_quiet
def day(value):
    """31 Des 2026 / 31 Dec 2026 (a moment is written as its local date)."""
    return formatting.day(_local(value), get_language())


@register.filter
@_quiet
def day_time(value):
    """1 Des 2026 14.06 / 1 Dec 2026 14:06, where the time of day matters."""
    return formatting.day_time(_local(value), get_language())


def _local(value):
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value
