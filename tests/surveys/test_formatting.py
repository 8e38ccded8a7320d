"""The one way of writing numbers and dates (surveys/formatting.py) and its template filters."""

from datetime import UTC, date, datetime
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from surveys import charts, formatting
from surveys.formatting import MINUS
from tests.factories import top_level_imports


@pytest.mark.parametrize(
    ("value", "indonesian", "english"),
    [
        (D("67.78"), "67,78", "67.78"),
        (D("67.785"), "67,79", "67.79"),
        (D("-67.785"), f"{MINUS}67,79", f"{MINUS}67.79"),
        (D("0"), "0,00", "0.00"),
        (D("-0.001"), "0,00", "0.00"),
        (56.79, "56,79", "56.79"),
        (70, "70,00", "70.00"),
        (None, "—", "—"),
    ],
)
def test_a_number_has_two_decimals_in_the_language_of_the_page(value, indonesian, english):
    assert formatting.number(value, "id") == indonesian
    assert formatting.number(value, "en") == english


def test_a_number_takes_its_places_and_drops_trailing_zeros_when_asked():
    assert formatting.number(D("0.3325"), "id", 4) == "0,3325"
    assert formatting.number(D("50.00"), "id", -2) == "50"
    assert formatting.number(D("66.70"), "id", -2) == "66,7"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("-1.74"), f"{MINUS}1,74"),
        (D("0.49"), "+0,49"),
        (D("0"), "0,00"),
        (D("-0.00"), "0,00"),
        (D("-0.004"), "0,00"),
        (D("0.004"), "0,00"),
        (D("0.005"), "+0,01"),
    ],
)
def test_a_difference_has_a_real_minus_a_plus_and_no_signed_zero(value, expected):
    assert formatting.signed(value, "id") == expected


def test_a_deduction_is_written_as_taken_off_and_zero_plainly():
    assert formatting.deduction(D("1.12"), "id") == f"{MINUS}1,12"
    assert formatting.deduction(D("0"), "id") == "0,00"
    assert formatting.deduction(D("0.00"), "en") == "0.00"


@pytest.mark.parametrize(
    ("value", "indonesian", "english"),
    [
        (D("16.7"), "16,7%", "16.7%"),
        (D("100.0"), "100%", "100%"),
        (D("100.00"), "100%", "100%"),
        (D("66.67"), "66,7%", "66.7%"),
        (D("33.33"), "33,3%", "33.3%"),
        (50, "50%", "50%"),
        (0, "0%", "0%"),
    ],
)
def test_a_percentage_has_at_most_one_decimal_and_no_space(value, indonesian, english):
    assert formatting.percent(value, "id") == indonesian
    assert formatting.percent(value, "en") == english


def test_a_percentage_may_keep_two_decimals():
    assert formatting.percent(D("66.67"), "id", -2) == "66,67%"


def test_dates_are_day_short_month_year():
    assert formatting.day(date(2026, 12, 31), "id") == "31 Des 2026"
    assert formatting.day(date(2026, 12, 31), "en") == "31 Dec 2026"
    assert formatting.day(date(2026, 8, 1), "id") == "1 Agu 2026"
    assert formatting.day(date(2026, 5, 1), "en-us") == "1 May 2026"


def test_a_moment_adds_the_time_of_day_in_the_languages_style():
    moment = datetime(2026, 12, 1, 14, 6)
    assert formatting.day_time(moment, "id") == "1 Des 2026 14.06"
    assert formatting.day_time(moment, "en") == "1 Dec 2026 14:06"


def test_an_unknown_language_writes_indonesian():
    assert formatting.number(D("1.5"), "fr") == "1,50"
    assert formatting.day(date(2026, 12, 31), None) == "31 Des 2026"


def test_the_formatting_module_imports_neither_django_nor_project_apps():
    imported = top_level_imports(formatting)
    assert imported == {"datetime", "decimal"}


def _render(source, language, **context):
    with translation.override(language):
        return Template(source).render(Context(context))  # builtins: no {% load %} needed


def test_the_filters_write_the_language_of_the_request(settings):
    settings.TIME_ZONE = "Asia/Jakarta"
    moment = datetime(2026, 12, 1, 7, 6, tzinfo=UTC)  # 14.06 in Jakarta
    source = (
        "{{ x|number }} {{ d|signed }} {{ c|deduction }} {{ r|percent }} {{ w|number:4 }} "
        "{{ due|day }} {{ at|day_time }} {{ at|day }}"
    )
    values = {
        "x": D("67.78"),
        "d": D("-1.74"),
        "c": D("0"),
        "r": D("16.7"),
        "w": D("0.3325"),
        "due": date(2026, 12, 31),
        "at": moment,
    }
    assert _render(source, "id", **values) == (
        f"67,78 {MINUS}1,74 0,00 16,7% 0,3325 31 Des 2026 1 Des 2026 14.06 1 Des 2026"
    )
    assert _render(source, "en", **values) == (
        f"67.78 {MINUS}1.74 0.00 16.7% 0.3325 31 Dec 2026 1 Dec 2026 14:06 1 Dec 2026"
    )


def test_the_index_bar_is_labelled_as_the_page_writes_the_index():
    bands = [SimpleNamespace(lower_bound=D("0"), colour="#c62828", label="Rentan")]
    for language, label in (("id", "67,78"), ("en", "67.78")):
        with translation.override(language):
            figure = charts.banded_index_figure(D("67.78"), bands, lambda band: band.label)
        assert figure["data"][0]["text"] == [label]


def test_a_filter_given_no_number_shows_the_value_as_it_is():
    assert _render("{{ x|number }} {{ x|percent }} {{ x|day }}", "id", x="n/a") == "n/a n/a n/a"
