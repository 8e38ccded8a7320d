"""The trend drawn on the server as a small SVG line chart: no JavaScript, a few kilobytes."""

import math
from decimal import Decimal

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 12, 28
STEP = 5
SERIES = ("index", "national_index", "national_target")


def _scale(values: list[Decimal]) -> tuple[int, int]:
    low = math.floor(min(values) / STEP) * STEP
    high = math.ceil(max(values) / STEP) * STEP
    return low, max(high, low + STEP)


def trend_chart(points: list[dict]) -> dict | None:
    """Coordinates of the index, national index and national target per round.

    `points` are dicts with year and the SERIES keys (None where a figure is missing).
    """
    values = [p[key] for p in points for key in SERIES if p.get(key) is not None]
    if not values:
        return None
    low, high = _scale(values)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(position):
        return round(LEFT + (position + 0.5) * plot_width / len(points), 1)

    def y(value):
        return round(TOP + float(high - value) / (high - low) * plot_height, 1)

    series = {}
    for key in SERIES:
        marks = [
            {"x": x(i), "y": y(p[key]), "value": p[key], "year": p["year"]}
            for i, p in enumerate(points)
            if p.get(key) is not None
        ]
        series[key] = {"marks": marks, "path": " ".join(f"{m['x']},{m['y']}" for m in marks)}
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "baseline": HEIGHT - BOTTOM,
        "label_y": HEIGHT - BOTTOM + 18,
        "ticks": [{"value": v, "y": y(v)} for v in range(low, high + 1, STEP)],
        "years": [{"year": p["year"], "x": x(i)} for i, p in enumerate(points)],
        "series": series,
    }
