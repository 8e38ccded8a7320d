"""Chart helpers: separators in the page's language, labels wrapped whole and escaped."""

from decimal import Decimal

from django.utils import translation

from surveys import charts

LONG_OPD = "Badan Pengelolaan Keuangan dan Aset Daerah"


def test_plotly_separators_follow_the_language():
    assert charts.plotly_separators("id") == ",."
    assert charts.plotly_separators("en") == ".,"
    assert charts.plotly_separators("en-gb") == ".,"
    assert charts.plotly_separators(None) == ",."


def test_a_long_label_is_wrapped_between_whole_words():
    label = charts.wrapped_label(LONG_OPD)
    lines = label.split("<br>")
    assert len(lines) > 1
    assert " ".join(lines) == LONG_OPD
    assert all(len(line) <= charts.LABEL_WIDTH for line in lines)


def test_a_wrapped_label_is_escaped_line_by_line():
    label = charts.wrapped_label("<b>Dinas</b> Kesehatan & Keluarga Berencana")
    assert "<b>" not in label
    assert label.startswith("&lt;b&gt;Dinas&lt;/b&gt;")


def test_every_figure_names_its_series_in_the_page_language():
    points = [{"year": 2024, "index": Decimal("67.78"), "internal": Decimal("66.93")}]
    with translation.override("en"):
        trend = charts.trend_figure(points)
        groups = charts.groups_figure(
            {"internal": 1, "external": 2, "expert": 3}, {"internal": 1, "external": 1, "expert": 1}
        )
    assert [t["name"] for t in trend["data"]][:4] == ["Index", "Internal", "External", "Expert"]
    assert trend["layout"]["separators"] == ".,"
    assert groups["data"][0]["x"] == ["Internal", "External", "Expert"]
    with translation.override("id"):
        trend = charts.trend_figure(points)
    assert [t["name"] for t in trend["data"]][:4] == ["Indeks", "Internal", "Eksternal", "Eksper"]
    assert trend["layout"]["separators"] == ",."
