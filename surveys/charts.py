"""Plotly figures built in Python; pages pass them as JSON to static/js/charts.js.

One light layout for all charts (no plotly default template), colours from the
round's category bands.
"""

import json
from decimal import Decimal

import plotly.graph_objects as go
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from surveys import formatting

GROUP_COLOURS = {"internal": "#1f4e79", "external": "#2e7d32", "expert": "#6a1b9a"}
INDEX_COLOUR = "#212529"
NATIONAL_COLOUR = "#757575"


def _layout(**overrides):
    layout = {
        "template": "none",
        "margin": {"l": 50, "r": 20, "t": 30, "b": 40},
        "font": {"family": "system-ui, sans-serif", "size": 13},
        "height": 320,
        "legend": {"orientation": "h", "y": -0.2},
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
    annotations = [
        {
            "x": float(band.lower_bound + upper) / 2,
            "y": 1.0,
            "yref": "paper",
            "text": plotly_text(label_for(band)),
            "showarrow": False,
            "yanchor": "bottom",
        }
        for band, upper in zip(bands, uppers, strict=True)
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
        ),
        layout=_layout(
            height=160,
            shapes=shapes,
            annotations=annotations,
            showlegend=False,
            xaxis={"range": [0, 100]},
            margin={"l": 60, "r": 20, "t": 30, "b": 30},
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


def heatmap_figure(indicators: list[str], groups: list[str], scores: list[list]) -> dict:
    """Indicator x respondent group scores, weakest indicator first (top)."""
    figure = go.Figure(
        go.Heatmap(
            z=[[_f(v) for v in row] for row in scores],
            x=[plotly_text(g) for g in groups],
            y=[plotly_text(code) for code in indicators],
            zmin=0,
            zmax=100,
            colorscale=[[0, "#c62828"], [0.73, "#f9a825"], [1, "#2e7d32"]],
            hoverongaps=False,
        ),
        layout=_layout(height=60 + 32 * max(len(indicators), 1), yaxis={"autorange": "reversed"}),
    )
    return figure_json(figure)


def progress_figure(labels: list[str], values: list) -> dict:
    """Verified progress per OPD, as horizontal bars."""
    figure = go.Figure(
        go.Bar(
            x=[_f(v) for v in values],
            y=[plotly_text(label) for label in labels],
            orientation="h",
            marker={"color": "#1f4e79"},
        ),
        layout=_layout(
            height=60 + 28 * max(len(labels), 1),
            xaxis={"range": [0, 100]},
            showlegend=False,
            margin={"l": 160, "r": 20, "t": 20, "b": 30},
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
