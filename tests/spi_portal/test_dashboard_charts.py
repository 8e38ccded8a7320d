"""The dashboard's charts: the indicator heat map as a server-rendered coloured table, and the
plotly figures' numbers, names and OPDs as the page's language and data say."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from pytest_django.asserts import assertContains, assertNotContains

from actionplans import services as plan_services
from tests.factories import indicator_score, make_plan, submit
from tests.spi_portal.test_dashboard import chart_json

SCORES = [
    ("PBJ", "internal", "69.32"),
    ("PBJ", "expert", "41.50"),
    ("TRN", "internal", "80.00"),
    ("TRN", "external", "75.25"),
    ("TRN", "expert", "61.07"),
]


@pytest.fixture
def scored_2024(bartim_2024):
    """SPI 2024 with indicator scores; PBJ has no external score."""
    for code, group, score in SCORES:
        indicator_score(bartim_2024.round, bartim_2024.institution, code, score, group=group)
    return bartim_2024.round


def dashboard(client, **headers):
    return client.get(reverse("dashboard"), {"year": 2024}, **headers)


def cell_html(colour_key, score, band):
    hidden = f'<span class="visually-hidden"> ({band})</span>'
    return f'<td class="heat-cell band-{colour_key}">{score}{hidden}</td>'


def indonesian(message):
    with translation.override("id"):
        return gettext(message)


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_heat_map_is_a_table_with_indicator_names_and_group_names(
    inspector_client, scored_2024
):
    response = dashboard(inspector_client)
    assertContains(response, '<table class="heat-table" id="indicator-heat-table"')
    header = (
        '<tr><th scope="col">Indikator</th><th scope="col" class="heat-group">Internal</th>'
        '<th scope="col" class="heat-group">Eksternal</th>'
        '<th scope="col" class="heat-group">Eksper</th></tr>'
    )
    assertContains(response, header, html=True)
    name = (
        '<th scope="row" class="heat-indicator">Pengelolaan pengadaan barang/jasa'
        ' <span class="code-tag">PBJ</span></th>'
    )
    assertContains(response, name, html=True)
    assertNotContains(response, "chart-heatmap")  # no plotly heatmap for the CSP to break


def test_the_heat_map_cells_print_the_score_with_a_comma_in_the_band_colour(
    inspector_client, scored_2024
):
    response = dashboard(inspector_client)
    weak = cell_html("c62828", "41,50", "Rentan")
    watch = cell_html("f9a825", "75,25", "Waspada")
    good = cell_html("2e7d32", "80,00", "Terjaga")
    for cell in (weak, watch, good):
        assertContains(response, cell, html=True)
    assertNotContains(response, "41.50")


def test_a_missing_score_is_an_explicit_dash_cell_with_a_label(inspector_client, scored_2024):
    table = dashboard(inspector_client).context["heat_table"]
    pbj = next(row for row in table.rows if row.dimension.code == "PBJ")
    assert [(cell.group, cell.score) for cell in pbj.cells] == [
        ("internal", Decimal("69.32")),
        ("external", None),
        ("expert", Decimal("41.50")),
    ]
    missing = (
        '<td class="heat-cell heat-missing"><span aria-hidden="true">—</span>'
        f'<span class="visually-hidden">{indonesian("no score")}</span></td>'
    )
    assertContains(dashboard(inspector_client), missing, count=1, html=True)


def test_the_heat_map_lists_the_weakest_indicator_first_with_a_legend_of_the_bands(
    inspector_client, scored_2024
):
    response = dashboard(inspector_client)
    table = response.context["heat_table"]
    assert [row.dimension.code for row in table.rows] == ["PBJ", "TRN"]
    assert [item["band"].label_id for item in table.legend] == ["Rentan", "Waspada", "Terjaga"]
    legend = response.content.decode().split('class="heat-legend', 1)[1].split("</ul>", 1)[0]
    assert "Rentan: 0,00 ≤ … &lt; 73,00" in legend
    assert "Terjaga: 78,00 – 100" in legend


def test_the_heat_map_speaks_english_on_an_english_page(inspector_client, scored_2024):
    response = dashboard(english(inspector_client))
    assertContains(response, '<th scope="col" class="heat-group">External</th>', html=True)
    assertContains(response, "Procurement of goods and services")
    assertContains(response, "41.50")


def test_no_heat_map_without_indicator_scores(inspector_client, bartim_2024):
    response = dashboard(inspector_client)
    assert response.context["heat_table"] is None
    assertNotContains(response, "indicator-heat-table")


def test_the_progress_chart_draws_every_opd_even_without_verified_progress(
    inspector_client, inspector, bartim_2024, opd_a, opd_b, head_a
):
    verified = make_plan(bartim_2024.round, opd_a)
    plan_services.report_accept(actor=inspector, report=submit(verified, head_a, percent=40))
    make_plan(bartim_2024.round, opd_b, title="Belum dilaporkan")
    figure = chart_json(dashboard(inspector_client), "chart-progress")
    [bars] = figure["data"]
    assert bars["y"] == ["Dinas Kesehatan", "Dinas Pendidikan"]
    assert bars["x"] == [40.0, 0.0]
    assert bars["text"][0] == "40%"
    assert bars["text"][1] == indonesian("none accepted")  # not a silent 0
    assert figure["layout"]["yaxis"]["automargin"] is True


def test_the_dashboard_figures_use_indonesian_separators_and_names(inspector_client, bartim_2024):
    response = dashboard(inspector_client)
    for chart_id in ("chart-index", "chart-groups", "chart-trend"):
        assert chart_json(response, chart_id)["layout"]["separators"] == ",."
    index = chart_json(response, "chart-index")
    assert index["data"][0]["text"] == ["67,78"]
    groups = chart_json(response, "chart-groups")
    assert groups["data"][0]["x"] == ["Internal", "Eksternal", "Eksper"]
    assert [bar["name"] for bar in groups["data"]] == ["Nilai agregat", "Kontribusi"]


def test_the_dashboard_figures_use_english_separators_and_names_in_english(
    inspector_client, bartim_2024
):
    response = dashboard(english(inspector_client))
    index = chart_json(response, "chart-index")
    assert index["layout"]["separators"] == ".,"
    assert index["data"][0]["text"] == ["67.78"]
    assert chart_json(response, "chart-groups")["data"][0]["x"] == [
        "Internal",
        "External",
        "Expert",
    ]
