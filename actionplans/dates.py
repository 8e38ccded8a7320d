"""Plausible dates for plans, milestones, progress reports and evidence.

A report of 1900 or a due date of 9999 is a typing slip, yet it would sort, count and show as
true (a plan never overdue, a capaian older than its round). The models refuse them in
`full_clean`, so forms, imports and services all do.
"""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from surveys.formatting import day

EARLIEST = date(2000, 1, 1)
FUTURE_DAYS = 7  # a report or evidence dated a few days ahead: time zones, the week's end
YEARS_BEFORE_ROUND = 1  # plans and reports start at the earliest the year before the survey
YEARS_AFTER_ROUND = 10  # and are due at the latest ten years after it


def validate_not_before_2000(value):
    if value < EARLIEST:
        raise ValidationError(_("Give a date from 1 January 2000 on."), code="date_too_early")


def validate_not_in_future(value):
    if value > timezone.localdate() + timedelta(days=FUTURE_DAYS):
        raise ValidationError(
            _("This date is more than %(days)s days ahead: give the day it happened."),
            code="date_in_future",
            params={"days": FUTURE_DAYS},
        )


def round_window(year: int) -> tuple[date, date]:
    """The first and last plausible date of a plan of the SPI round of `year`."""
    return date(year - YEARS_BEFORE_ROUND, 1, 1), date(year + YEARS_AFTER_ROUND, 12, 31)


def outside_round_errors(year: int, **dates) -> dict:
    """{field: error} for each given date outside the round's window (None, and a date before
    2000 that its field's validator refuses, are left alone: one message per slip)."""
    earliest, latest = round_window(year)
    message = _("For SPI %(year)s give a date from %(earliest)s to %(latest)s.")
    language = get_language()
    params = {"year": year, "earliest": day(earliest, language), "latest": day(latest, language)}
    return {
        name: ValidationError(message, code="date_outside_round", params=params)
        for name, value in dates.items()
        if value is not None and value >= EARLIEST and not earliest <= value <= latest
    }


def report_date_errors(year: int, report_date) -> dict:
    """A report is not dated before its round's window opens (its end is 'not in the future')."""
    earliest, _latest = round_window(year)
    if report_date is None or report_date < EARLIEST or report_date >= earliest:
        return {}
    message = _("A report on a plan of SPI %(year)s is dated from %(earliest)s on.")
    params = {"year": year, "earliest": day(earliest, get_language())}
    return {"report_date": ValidationError(message, code="date_outside_round", params=params)}


QUARTER_LAST_DAY = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}


def quarter_end(year: int, quarter: int) -> date:
    """The last day of triwulan `quarter` (1-4) of `year`: 30 September for Triwulan III."""
    month, day = QUARTER_LAST_DAY[quarter]
    return date(year, month, day)


def implementation_years(start_date, due_date) -> list[int]:
    """The calendar years a plan runs in, from its start to its due date.

    A milestone given as a quarter falls in one of them. The round's window (a year before the
    survey to ten after) is far too wide to name the year, so the plan's own dates decide: the
    first year is the default (a plan of SPI 2024 usually runs in 2025, from January), and a plan
    that runs into a later year lets the user choose which year's Triwulan is meant.
    """
    if start_date is None or due_date is None or due_date < start_date:
        return [start_date.year] if start_date else []
    return list(range(start_date.year, due_date.year + 1))
