"""How the portal writes numbers, differences, percentages and dates, in Indonesian or English.

Pure Python (decimal and datetime only), so that templates (through the filters in
surveys/templatetags/spi.py), charts, documents and exports all write the same thing:

    number(Decimal("67.78"), "id")      67,78        (English 67.78)
    signed(Decimal("-1.74"), "id")      −1,74        a real minus sign (U+2212); +0,49; 0,00
    deduction(Decimal("1.12"), "id")    −1,12        an amount taken off; zero is 0,00
    percent(Decimal("16.67"), "id")     16,7%        no space before %, as PUEBI and English write
    day(date(2026, 12, 31), "id")       31 Des 2026  (English 31 Dec 2026)
    day_time(datetime(...), "id")       1 Des 2026 14.06   (English 1 Dec 2026 14:06)

A value that rounds to zero never carries a sign. Rounding is half away from zero, as the
scoring engine rounds. `places` below zero means "up to that many decimals": trailing zeros
of the decimals are dropped (as Django's floatformat does with a negative argument).
"""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

MINUS = "\u2212"
PLUS = "+"
MISSING = "—"
DECIMAL_SEPARATOR = {"id": ",", "en": "."}
TIME_SEPARATOR = {"id": ".", "en": ":"}
MONTHS = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
DEFAULT_LANGUAGE = "id"


def language_key(language: str | None) -> str:
    """ "en", "en-us" → "en"; anything the portal does not speak → Indonesian, its default."""
    key = (language or DEFAULT_LANGUAGE)[:2].lower()
    return key if key in DECIMAL_SEPARATOR else DEFAULT_LANGUAGE


def _rounded(value, places: int) -> Decimal:
    exponent = Decimal(1).scaleb(-abs(places))
    return Decimal(str(value)).quantize(exponent, rounding=ROUND_HALF_UP)


def _digits(magnitude: Decimal, places: int, language: str) -> str:
    text = f"{magnitude:f}"
    if places < 0 and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", DECIMAL_SEPARATOR[language_key(language)])


def number(value, language: str, places: int = 2) -> str:
    """67,78; a negative value with a real minus; "—" for no value."""
    if value is None or value == "":
        return MISSING
    rounded = _rounded(value, places)
    sign = MINUS if rounded < 0 else ""
    return sign + _digits(abs(rounded), places, language)


def signed(value, language: str, places: int = 2) -> str:
    """A difference: +0,49, −1,74, and 0,00 (no sign) for what rounds to zero."""
    if value is None or value == "":
        return MISSING
    rounded = _rounded(value, places)
    sign = PLUS if rounded > 0 else MINUS if rounded < 0 else ""
    return sign + _digits(abs(rounded), places, language)


def deduction(value, language: str, places: int = 2) -> str:
    """An amount subtracted (a correction of the index): −1,12; 0,00 when nothing is taken."""
    if value is None or value == "":
        return MISSING
    rounded = _rounded(value, places)
    return signed(-rounded, language, places)


def percent(value, language: str, places: int = -1) -> str:
    """A share of 100: 16,7%, 100%, 66,7%; by default one decimal, dropped when it is zero."""
    if value is None or value == "":
        return MISSING
    return f"{number(value, language, places)}%"


def day(value: date, language: str) -> str:
    """31 Des 2026 / 31 Dec 2026 (a datetime is written as its date: convert it to local
    time first)."""
    if value is None or value == "":
        return MISSING
    month = MONTHS[language_key(language)][value.month - 1]
    return f"{value.day} {month} {value.year}"


def day_time(value: datetime, language: str) -> str:
    """1 Des 2026 14.06 / 1 Dec 2026 14:06, for a moment where the hour matters (a decision,
    a notification); `value` already in local time."""
    if value is None or value == "":
        return MISSING
    separator = TIME_SEPARATOR[language_key(language)]
    return f"{day(value, language)} {value.hour:02d}{separator}{value.minute:02d}"
