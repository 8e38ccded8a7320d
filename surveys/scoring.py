"""The SPI scoring engine: pure Python and pandas, no Django.

It recomputes KPK's composite index from the three respondent-group aggregates
and the two corrections, with the methodology of one survey round passed in:

    index = w_internal * internal + w_external * external + w_expert * expert
            - correction_integrity - correction_prevalence

Arithmetic is decimal; the index is rounded half away from zero to two decimals
and the category is decided on that rounded value. KPK computes from unrounded
aggregates, so a recomputation from the published two-decimal figures is often
0.01 off: that is expected and is never hidden by tuning weights or rounding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

import pandas as pd

GROUPS = ("internal", "external", "expert")
CENT = Decimal("0.01")
HALF_CENT = Decimal("0.005")
MAX_SCORE = Decimal("100")


def round_half_away(value: Decimal) -> Decimal:
    """Round to two decimals, half away from zero (Decimal's ROUND_HALF_UP)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Band:
    lower_bound: Decimal
    label_id: str
    label_en: str
    colour: str


@dataclass(frozen=True)
class Methodology:
    """A round's weights, category bands (any order) and recomputation tolerance."""

    weights: dict[str, Decimal]
    bands: tuple[Band, ...]
    tolerance: Decimal = Decimal("0.02")

    def __post_init__(self):
        object.__setattr__(self, "bands", tuple(sorted(self.bands, key=lambda b: b.lower_bound)))
        problems = methodology_problems(self.weights, self.bands)
        if problems:
            raise ValueError("; ".join(problems))

    def band_for(self, index: Decimal) -> Band:
        chosen = self.bands[0]
        for band in self.bands:
            if index >= band.lower_bound:
                chosen = band
        return chosen

    def band_above(self, band: Band) -> Band | None:
        position = self.bands.index(band)
        return self.bands[position + 1] if position + 1 < len(self.bands) else None


def methodology_problems(weights: dict[str, Decimal], bands) -> list[str]:
    """Return what is wrong with weights and bands, in plain words; empty when valid."""
    problems = []
    if set(weights) != set(GROUPS):
        problems.append(f"weights must be given for exactly {', '.join(GROUPS)}")
    elif any(Decimal(w) < 0 for w in weights.values()):
        problems.append("weights must not be negative")
    elif sum(Decimal(w) for w in weights.values()) != Decimal("1"):
        problems.append(f"weights must add up to 1, not {sum(weights.values())}")
    problems.extend(band_problems([b.lower_bound for b in bands]))
    return problems


def band_problems(lower_bounds) -> list[str]:
    """Bands are defined by lower bounds; they must start at 0, stay below 100, be distinct."""
    bounds = sorted(Decimal(b) for b in lower_bounds)
    if not bounds:
        return ["at least one category band is needed"]
    problems = []
    if bounds[0] != 0:
        problems.append(f"the lowest band must start at 0, not {bounds[0]} (a gap below it)")
    if bounds[-1] >= MAX_SCORE:
        problems.append("a band must start below 100")
    if len(set(bounds)) != len(bounds):
        problems.append("two bands start at the same value (they overlap)")
    return problems


@dataclass(frozen=True)
class GroupScores:
    internal: Decimal
    external: Decimal
    expert: Decimal
    correction_integrity: Decimal = Decimal("0")
    correction_prevalence: Decimal = Decimal("0")
    published_index: Decimal | None = None

    def group(self, name: str) -> Decimal:
        return Decimal(getattr(self, name))


@dataclass(frozen=True)
class WhatIf:
    """The smallest gain one group alone needs to reach the next category."""

    group: str
    target_band: Band | None
    gain: Decimal | None
    new_score: Decimal | None

    @property
    def reachable(self) -> bool:
        return self.gain is not None


@dataclass(frozen=True)
class IndexResult:
    raw_index: Decimal
    computed_index: Decimal
    category: Band
    headline_category: Band
    published_index: Decimal | None
    difference: Decimal | None
    exceeds_tolerance: bool
    contributions: dict[str, Decimal]
    weakest_group: str
    what_if: dict[str, WhatIf] = field(default_factory=dict)

    @property
    def headline_index(self) -> Decimal:
        """KPK's published index is authoritative when present."""
        return self.published_index if self.published_index is not None else self.computed_index

    @property
    def next_band(self) -> Band | None:
        return next(iter(self.what_if.values())).target_band if self.what_if else None


@dataclass(frozen=True)
class IndexChange:
    """A what-if index beside the index recomputed from the real figures."""

    real_index: Decimal
    trial_index: Decimal
    real_category: Band
    trial_category: Band

    @property
    def difference(self) -> Decimal:
        return self.trial_index - self.real_index

    @property
    def category_changed(self) -> bool:
        return self.trial_category != self.real_category


def index_change(real: IndexResult, trial: IndexResult) -> IndexChange:
    """Compare recomputed with recomputed: KPK's published index is not part of a what-if."""
    return IndexChange(real.computed_index, trial.computed_index, real.category, trial.category)


def raw_index(scores: GroupScores, methodology: Methodology) -> Decimal:
    weighted = sum(Decimal(methodology.weights[g]) * scores.group(g) for g in GROUPS)
    return weighted - Decimal(scores.correction_integrity) - Decimal(scores.correction_prevalence)


def compute_index(scores: GroupScores, methodology: Methodology) -> IndexResult:
    """Recompute one institution's index, category, difference, contributions and what-if.

    `category` is the recomputed index's band (the what-if starts from it);
    `headline_category` is the band of the headline index, KPK's published one when present.
    """
    raw = raw_index(scores, methodology)
    computed = round_half_away(raw)
    category = methodology.band_for(computed)
    published = None if scores.published_index is None else Decimal(scores.published_index)
    difference = None if published is None else published - computed
    target = methodology.band_above(category)
    return IndexResult(
        raw_index=raw,
        computed_index=computed,
        category=category,
        headline_category=category if published is None else methodology.band_for(published),
        published_index=published,
        difference=difference,
        exceeds_tolerance=difference is not None and abs(difference) > methodology.tolerance,
        contributions={
            g: round_half_away(Decimal(methodology.weights[g]) * scores.group(g)) for g in GROUPS
        },
        weakest_group=min(GROUPS, key=scores.group),
        what_if={g: what_if_gain(scores, methodology, g, raw, target) for g in GROUPS},
    )


def what_if_gain(scores, methodology, group, raw, target) -> WhatIf:
    """Smallest gain in steps of 0.01 for `group` alone to lift the rounded index into `target`."""
    weight = Decimal(methodology.weights[group])
    if target is None or weight == 0:
        return WhatIf(group, target, None, None)
    needed_raw = target.lower_bound - HALF_CENT
    gain = max(Decimal("0"), ((needed_raw - raw) / weight).quantize(CENT, rounding=ROUND_CEILING))
    while round_half_away(raw + weight * gain) < target.lower_bound:
        gain += CENT
    new_score = scores.group(group) + gain
    if new_score > MAX_SCORE:
        return WhatIf(group, target, None, None)
    return WhatIf(group, target, gain, new_score)


@dataclass(frozen=True)
class WeakIndicator:
    code: str
    group: str | None
    score: Decimal
    gap: Decimal
    # what pages name it by: the indicator's names, and the band the gap is counted to
    name_id: str = ""
    name_en: str = ""
    band: Band | None = None


def weakest_indicators(indicator_scores, threshold: Decimal) -> list[WeakIndicator]:
    """Indicators (code, group, score) scoring below `threshold`, weakest first, with the gap."""
    weak = [
        WeakIndicator(code, group, Decimal(score), Decimal(threshold) - Decimal(score))
        for code, group, score in indicator_scores
        if Decimal(score) < Decimal(threshold)
    ]
    return sorted(weak, key=lambda item: (item.score, item.code, item.group or ""))


def compute_frame(frame: pd.DataFrame, methodology: Methodology) -> pd.DataFrame:
    """Compute many institutions at once.

    `frame` has columns internal, external, expert and optionally correction_integrity,
    correction_prevalence and published_index. Returns computed_index, published_index,
    difference, exceeds_tolerance, category_id, category_en and weakest_group, on the same index.
    """
    rows = [compute_index(_scores_from_row(row), methodology) for row in frame.itertuples()]
    return pd.DataFrame(
        {
            "computed_index": [r.computed_index for r in rows],
            "published_index": [r.published_index for r in rows],
            "difference": [r.difference for r in rows],
            "exceeds_tolerance": [r.exceeds_tolerance for r in rows],
            "category_id": [r.category.label_id for r in rows],
            "category_en": [r.category.label_en for r in rows],
            "weakest_group": [r.weakest_group for r in rows],
        },
        index=frame.index,
    )


def _decimal_or(value, default):
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return default
    return Decimal(str(value))


def _scores_from_row(row) -> GroupScores:
    return GroupScores(
        internal=_decimal_or(row.internal, None),
        external=_decimal_or(row.external, None),
        expert=_decimal_or(row.expert, None),
        correction_integrity=_decimal_or(getattr(row, "correction_integrity", None), Decimal(0)),
        correction_prevalence=_decimal_or(getattr(row, "correction_prevalence", None), Decimal(0)),
        published_index=_decimal_or(getattr(row, "published_index", None), None),
    )
