"""Plotly figures built in Python; pages pass them as JSON to static/js/charts.js.

One light layout for all charts (no plotly default template), colours from the
round's category bands.
"""

import json
import textwrap
from decimal import Decimal

import plotly.graph_objects as go
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from surveys import formatting

GROUP_COLOURS = {"internal": "#1f4e79", "external": "#2e7d32", "expert": "#6a1b9a"}
INDEX_COLOUR = "#212529"
NATIONAL_COLOUR = "#757575"
PROGRESS_COLOUR = "#1f4e79"
NO_PROGRESS_COLOUR = "#adb5bd"
# plotly's layout.separators: the decimal mark, then the thousands mark
SEPARATORS = {"id": ",.", "en": ".,"}
BAND_LABEL_SHIFT = 16  # pixels between the two rows of band names over the index bar
LABEL_WIDTH = 24  # characters per line of a wrapped category label


def plotly_separators(language: str | None) -> str:
    """Decimal and thousands marks for plotly's ticks and hovers in the page's language."""
    return SEPARATORS.get((language or "id").split("-")[0], SEPARATORS["id"])


def _layout(**overrides):
    layout = {
        "template": "none",
        "margin": {"l": 50, "r": 20, "t": 30, "b": 40},
        "font": {"family": "system-ui, sans-serif", "size": 13},
        "height": 320,
        "legend": {"orientation": "h", "y": -0.2},
        "separators": plotly_separators(get_language()),
    }
    layout.update(overrides)
    return layout


def figure_json(figure: go.Figure) -> dict:
    """The figure as plain JSON data for json_script."""
    return json.loads(figure.to_json())


def plotly_text(text) -> str:
    """Text shown literally: plotly.js reads <a href>, <b>, <br> and entities in names, labels
    and category values, so an imported name could otherwise draw a live link."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def wrapped_label(text, width: int = LABEL_WIDTH) -> str:
    """A category label broken onto lines (plotly's <br>), each line escaped: long OPD names
    stay whole beside a bar instead of being cut at the margin."""
    return "<br>".join(plotly_text(line) for line in _label_lines(text, width))


def _label_lines(text, width: int = LABEL_WIDTH) -> list[str]:
    """Whole words only: a name is never cut inside a word."""
    wrapped = textwrap.wrap(str(text), width=width, break_long_words=False, break_on_hyphens=False)
    return wrapped or [""]


def _f(value):
    return None if value is None else float(value)


def banded_index_figure(index: Decimal, bands, label_for) -> dict:
    """The index as a bar over the round's category bands drawn behind it."""
    uppers = [b.lower_bound for b in bands[1:]] + [Decimal(100)]
    shapes = [
        {
            "type": "rect",
            "xref": "x",
            "yref": "paper",
            "x0": float(band.lower_bound),
            "x1": float(upper),
            "y0": 0,
            "y1": 1,
            "fillcolor": band.colour,
            "opacity": 0.35,
            "line": {"width": 0},
            "layer": "below",
        }
        for band, upper in zip(bands, uppers, strict=True)
    ]
    # every other band's name one line higher: narrow neighbours (73-78, 78-100) never overlap
    annotations = [
        {
            "x": float(band.lower_bound + upper) / 2,
            "y": 1.0,
            "yref": "paper",
            "yshift": BAND_LABEL_SHIFT * (position % 2),
            "text": plotly_text(label_for(band)),
            "showarrow": False,
            "yanchor": "bottom",
        }
        for position, (band, upper) in enumerate(zip(bands, uppers, strict=True))
    ]
    figure = go.Figure(
        go.Bar(
            x=[float(index)],
            y=[_("Index")],
            orientation="h",
            marker={"color": INDEX_COLOUR},
            width=0.4,
            text=[formatting.number(index, get_language())],
            textposition="outside",
            hovertemplate="%{x:.2f}<extra></extra>",
        ),
        layout=_layout(
            height=176,
            shapes=shapes,
            annotations=annotations,
            showlegend=False,
            xaxis={"range": [0, 100]},
            margin={"l": 60, "r": 20, "t": 30 + BAND_LABEL_SHIFT, "b": 30},
        ),
    )
    return figure_json(figure)


def trend_figure(points: list[dict]) -> dict:
    """Index, the three groups and the national index over the rounds."""
    years = [p["year"] for p in points]
    series = [
        ("index", _("Index"), INDEX_COLOUR, "solid"),
        ("internal", _("Internal"), GROUP_COLOURS["internal"], "dot"),
        ("external", _("External"), GROUP_COLOURS["external"], "dot"),
        ("expert", _("Expert"), GROUP_COLOURS["expert"], "dot"),
        ("national_index", _("National index"), NATIONAL_COLOUR, "dash"),
    ]
    figure = go.Figure(layout=_layout(xaxis={"dtick": 1}, yaxis={"range": [40, 100]}))
    for key, name, colour, dash in series:
        figure.add_trace(
            go.Scatter(
                x=years,
                y=[_f(p.get(key)) for p in points],
                name=name,
                mode="lines+markers",
                line={"color": colour, "dash": dash},
            )
        )
    return figure_json(figure)


def groups_figure(aggregates: dict, contributions: dict) -> dict:
    """The three group aggregates with their weighted contributions."""
    groups = ["internal", "external", "expert"]
    names = [_("Internal"), _("External"), _("Expert")]
    figure = go.Figure(
        [
            go.Bar(
                x=names,
                y=[_f(aggregates[g]) for g in groups],
                name=_("Aggregate"),
                marker={"color": [GROUP_COLOURS[g] for g in groups]},
            ),
            go.Bar(
                x=names,
                y=[_f(contributions[g]) for g in groups],
                name=_("Contribution"),
                marker={"color": "#90a4ae"},
            ),
        ],
        layout=_layout(barmode="group", yaxis={"range": [0, 100]}),
    )
    return figure_json(figure)


def progress_figure(labels: list[str], values: list) -> dict:
    """Verified progress per OPD as horizontal bars, every OPD drawn: one without an accepted
    report sits at 0 in grey and says so, rather than dropping out of the chart."""
    none_yet = _("none accepted")  # short: a phone gives the bars little room
    lines = sum(len(_label_lines(label)) for label in labels)
    figure = go.Figure(
        go.Bar(
            x=[_f(v) or 0.0 for v in values],
            y=[wrapped_label(label) for label in labels],
            orientation="h",
            marker={
                "color": [NO_PROGRESS_COLOUR if v is None else PROGRESS_COLOUR for v in values]
            },
            text=[none_yet if v is None else formatting.percent(v, get_language()) for v in values],
            # a long bar carries its value inside, so no value runs past the chart's edge
            textposition=["inside" if v is not None and v >= 50 else "outside" for v in values],
            insidetextanchor="end",
            insidetextfont={"color": "#ffffff"},
            textangle=0,
            cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
        ),
        layout=_layout(
            height=70 + 18 * lines + 14 * len(labels),
            xaxis={"range": [0, 100], "dtick": 50, "ticksuffix": "%", "automargin": True},
            yaxis={"autorange": "reversed", "automargin": True},
            showlegend=False,
            margin={"l": 10, "r": 30, "t": 10, "b": 30},
        ),
    )
    return figure_json(figure)


def comparison_figure(years: list[int], rows: list[dict]) -> dict:
    """One line per institution across the rounds; the home institution drawn heavier."""
    figure = go.Figure(layout=_layout(xaxis={"dtick": 1}, yaxis={"range": [40, 100]}))
    for position, row in enumerate(rows):
        figure.add_trace(
            go.Scatter(
                x=years,
                y=[_f(v) for v in row["values"]],
                name=plotly_text(row["institution"].name),
                mode="lines+markers",
                line={"width": 4 if position == 0 else 1.5},
            )
        )
    return figure_json(figure)
