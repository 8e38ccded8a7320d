"""Numbers as files write them: 74.12, "74,12", "1.234,5", 74.11999999999999. Pure Python.

Cells arrive as text. A decimal comma or point is read either way; a thousands separator
(point, comma or space) is read when it groups digits by three and the other mark is the decimal
one. Spreadsheets store 74.12 as the nearest binary number and may write it back as
74.11999999999999: a value within NOISE of the stated precision is that value, while real extra
decimals (74.125) are refused.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

NOISE = Decimal("1e-9")
_PLAIN = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
_GROUPED_POINT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$")  # 1.234.567,89
_GROUPED_COMMA = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")  # 1,234,567.89
_GROUPED_SPACE = re.compile(r"^[+-]?\d{1,3}( \d{3})+([.,]\d*)?$")  # 1 234 567,89


class NotANumber(ValueError):
    """The text is not a number in any of the accepted forms."""


class TooPrecise(ValueError):
    """The number has more decimals than allowed (and not as float noise)."""

    def __init__(self, value: Decimal):
        super().__init__(str(value))
        self.value = value


def read_decimal(text: str, *, grouping: bool = False) -> Decimal:
    """The number a cell's text writes. With `grouping`, "1.234" is one thousand two hundred
    thirty-four (a count); without it, a single mark is always the decimal one."""
    text = text.strip().replace("\u00a0", " ").replace("\u2212", "-")
    if _PLAIN.match(text) and not (grouping and _GROUPED_POINT.match(text)):
        if grouping and _GROUPED_COMMA.match(text):
            return _decimal(text.replace(",", ""))
        return _decimal(text.replace(",", "."))
    if _GROUPED_POINT.match(text):
        return _decimal(text.replace(".", "").replace(",", "."))
    if _GROUPED_COMMA.match(text):
        return _decimal(text.replace(",", ""))
    if _GROUPED_SPACE.match(text):
        return _decimal(text.replace(" ", "").replace(",", "."))
    raise NotANumber(text)


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise NotANumber(text) from None
    if not value.is_finite():
        raise NotANumber(text)
    return value


def to_places(value: Decimal, places: int) -> Decimal:
    """`value` with `places` decimals; float noise below NOISE is rounded away, more is refused."""
    step = Decimal(1).scaleb(-places)
    try:
        rounded = value.quantize(step)
    except InvalidOperation:  # more digits than a decimal context holds
        raise TooPrecise(value) from None
    if rounded != value and abs(rounded - value) >= NOISE:
        raise TooPrecise(value)
    return rounded


def read_whole(text: str) -> int:
    """A count: "1.234", "1,234", "1234", 1234.0 and 1233.9999999999998 are 1234."""
    value = to_places(read_decimal(text, grouping=True), 0)
    return int(value)
