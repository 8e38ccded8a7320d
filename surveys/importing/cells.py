"""Cells: text -> value, or a message; the columns of each kind."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

import numpy as np
import pandas as pd
from django.utils import translation
from django.utils.translation import gettext as _

from surveys import institution_names
from surveys.importing import numbers
from surveys.importing.headers import ALIASES
from surveys.models import InstitutionType, RespondentGroup

CENT = Decimal("0.01")
NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
WHOLE_NUMBER = re.compile(r"^\d+(\.0+)?$")
MAX_WHOLE_NUMBER = 2_147_483_647  # the largest integer every supported database column holds


class CellInvalid(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _decimal_between(low, high, expected: Callable[[], str]):
    """Text -> a Decimal with two decimals: a decimal comma or point, thousands points, and
    binary float noise (74.11999999999999 is 74.12) are read; real extra decimals refused."""

    def parse(text):
        try:
            value = numbers.read_decimal(text)
        except numbers.NotANumber:
            raise CellInvalid(
                _("is not a number (expected %(what)s)") % {"what": expected()}
            ) from None
        if not low <= value <= high:
            raise CellInvalid(_("is out of range (expected %(what)s)") % {"what": expected()})
        try:
            return numbers.to_places(value, 2)
        except numbers.TooPrecise:
            raise CellInvalid(_("has more than two decimals (at most two are allowed)")) from None

    return parse


def _whole_number(text):
    try:
        value = numbers.read_decimal(text, grouping=True)
    except numbers.NotANumber:
        raise CellInvalid(_("is not a whole number (expected 0 or more)")) from None
    if value > MAX_WHOLE_NUMBER:
        expected = f"0 – {MAX_WHOLE_NUMBER}"
        raise CellInvalid(_("is out of range (expected %(what)s)") % {"what": expected})
    try:
        whole = int(numbers.to_places(value, 0))
    except numbers.TooPrecise:
        raise CellInvalid(_("is not a whole number (expected 0 or more)")) from None
    if whole < 0:
        raise CellInvalid(_("is not a whole number (expected 0 or more)"))
    return whole


def _region_code(text):
    code = institution_names.region_code(text)
    if not code.isdigit() or len(code) > 13:
        raise CellInvalid(_("is not a region code (expected Kemendagri digits such as 6213)"))
    return code


def _year(text):
    if not WHOLE_NUMBER.match(text) or not 1900 <= Decimal(text) <= 2999:
        raise CellInvalid(_("is not a year (expected a year such as 2024)"))
    return int(Decimal(text))


def _text(max_length):
    def parse(text):
        if len(text) > max_length:
            raise CellInvalid(_("is longer than %(max)s characters") % {"max": max_length})
        return text

    return parse


def _choice(accepted: Callable[[], dict[str, str]]):
    def parse(text):
        choices = accepted()
        if text.lower() not in choices:
            names = ", ".join(dict.fromkeys(choices))
            raise CellInvalid(_("is not accepted (expected one of: %(names)s)") % {"names": names})
        return choices[text.lower()]

    return parse


def _institution_types() -> dict[str, str]:
    return _institution_types_in(translation.get_language())


@cache
def _institution_types_in(active_language) -> dict[str, str]:
    accepted = {value: value for value in InstitutionType.values}
    accepted.update(
        {
            written: InstitutionType.REGENCY
            for written in ("kab", "kab.", "pemkab", "pemerintah kabupaten", "regency")
        }
        | {written: InstitutionType.CITY for written in ("pemkot", "pemerintah kota", "city")}
        | {
            written: InstitutionType.PROVINCE
            for written in ("prov", "prov.", "propinsi", "pemprov", "pemerintah provinsi")
        }
        | {"kementrian": InstitutionType.MINISTRY, "badan": InstitutionType.AGENCY}
    )
    for language in ("en", active_language):
        with translation.override(language):
            accepted.update({str(label).lower(): value for value, label in InstitutionType.choices})
    return accepted


def _groups() -> dict[str, str]:
    return {
        "internal": RespondentGroup.INTERNAL,
        "external": RespondentGroup.EXTERNAL,
        "eksternal": RespondentGroup.EXTERNAL,
        "expert": RespondentGroup.EXPERT,
        "eksper": RespondentGroup.EXPERT,
    }


def _score_expected():
    return _("a score from 0 to 100")


def _correction_expected():
    return _("a correction from 0 to 100")


_score = _decimal_between(Decimal(0), Decimal(100), _score_expected)
_correction = _decimal_between(Decimal(0), Decimal(100), _correction_expected)


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...]
    parse: Callable[[str], object]
    required: bool = True
    default: object = None
    stored_as: str | None = None  # the model field this column compares with and updates


def parse_column(column: Column, texts: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A column of text parsed at once: (values, messages), a message (or None) per cell.

    Each distinct text is parsed once (a column holds few: years, codes, scores with two
    decimals), and the answers are spread back over the rows by pandas' factorisation.
    """
    codes, uniques = pd.factorize(texts, sort=False)
    values = np.empty(len(uniques), dtype=object)
    messages = np.empty(len(uniques), dtype=object)
    for position, text in enumerate(uniques):
        values[position], messages[position] = parse_cell(column, text)
    return (
        pd.Series(values[codes], index=texts.index, dtype=object),
        pd.Series(messages[codes], index=texts.index, dtype=object),
    )


def parse_cell(column: Column, text: str) -> tuple[object, str | None]:
    """One cell: (value, None), or (None, what is wrong with it)."""
    if text == "":
        if column.required:
            return None, _("is empty (a value is required)")
        return column.default, None
    try:
        return column.parse(text), None
    except CellInvalid as invalid:
        return None, invalid.message


def _optional_correction(name) -> Column:
    return Column(name, ALIASES[name], _correction, False, Decimal("0.00"), stored_as=name)


# The other headers each column accepts are headers.ALIASES: one table for every survey kind,
# shown on the import page.
RESULT_COLUMNS = (
    Column("year", ALIASES["year"], _year),
    Column("institution_code", ALIASES["institution_code"], _text(32), required=False),
    Column("region_code", ALIASES["region_code"], _region_code, required=False),
    Column("institution_name", ALIASES["institution_name"], _text(200), required=False),
    Column(
        "institution_type",
        ALIASES["institution_type"],
        _choice(_institution_types),
        required=False,
    ),
    Column("province", ALIASES["province"], _text(100), required=False),
    Column("internal", ALIASES["internal"], _score, stored_as="internal"),
    Column("external", ALIASES["external"], _score, stored_as="external"),
    Column("expert", ALIASES["expert"], _score, stored_as="expert"),
    _optional_correction("correction_integrity"),
    _optional_correction("correction_prevalence"),
    Column(
        "published_index",
        ALIASES["published_index"],
        _score,
        required=False,
        stored_as="published_index",
    ),
)
# A results row names its institution by at least one of these (code, region code, name).
INSTITUTION_KEYS = ("institution_code", "region_code", "institution_name")

INDICATOR_COLUMNS = (
    Column("year", ALIASES["year"], _year),
    Column("institution_code", ALIASES["institution_code"], _text(32)),
    Column("group", ALIASES["group"], _choice(_groups)),
    Column("indicator_code", ALIASES["indicator_code"], _text(20)),
    Column("score", ALIASES["score"], _score, stored_as="score"),
    Column(
        "respondents",
        ALIASES["respondents"],
        _whole_number,
        required=False,
        stored_as="respondents",
    ),
)
