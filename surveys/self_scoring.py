"""Scores of a self-run integrity survey, per OPD and for the institution as a whole. Pure: pandas,
fractions and decimals only, no Django (a test parses this module and fails on a Django import).

item score     = (answer - scale minimum) / (scale maximum - scale minimum) x 100; reverse-coded
                 items 100 minus that; "tidak tahu" values and blanks left out
indicator      = mean of every answered item score of its items, by the unit's respondents
dimension      = mean of its indicators; group aggregate = mean of its dimensions
composite      = the round's group weights over the group aggregates, when every group has data

Sums are exact (fractions of integers) and rounded half away from zero to two decimals at the end
only. A score with fewer than k respondents is suppressed, and so is every aggregate built on a
suppressed part: an aggregate over a shown and a hidden part would give the hidden one away.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import numpy as np
import pandas as pd

INDICATOR, DIMENSION, GROUP, COMPOSITE = "indicator", "dimension", "group", "composite"
CENT = Decimal("0.01")
INSTITUTION = ""  # the row of the per-OPD tables that holds the institution's totals


@dataclass(frozen=True)
class ItemSpec:
    code: str
    group: str
    indicator: str
    dimension: str
    scale_min: int
    scale_max: int
    reverse: bool = False
    dont_know: frozenset = field(default_factory=frozenset)


@dataclass(frozen=True)
class Score:
    """One score row; `opd` None is the institution, `group` None the composite."""

    opd: str | None
    group: str | None
    level: str
    key: str
    respondents: int
    score: Decimal | None
    suppressed: bool


@dataclass
class _Cell:
    value: Fraction | None
    respondents: int
    suppressed: bool


def rounded(value: Fraction) -> Decimal:
    """Half away from zero to two decimals, from the exact fraction."""
    with localcontext() as context:
        context.prec = 40
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def valid_answers(items: list[ItemSpec], answers: pd.DataFrame) -> pd.DataFrame:
    """The answers that count: on the scale, not blank, not a "tidak tahu" value (else NaN)."""
    valid = {}
    for item in items:
        column = answers[item.code]
        keep = column.between(item.scale_min, item.scale_max)
        if item.dont_know:
            keep &= ~column.isin(list(item.dont_know))
        valid[item.code] = column.where(keep)
    return pd.DataFrame(valid, index=answers.index)


def campaign_scores(
    items: Iterable[ItemSpec],
    responses: pd.DataFrame,
    *,
    weights: Mapping[str, Decimal] | None,
    k: int,
) -> list[Score]:
    """Every score of a campaign. `responses` has columns `opd`, `group` and one per item code
    (numbers, NaN for a blank); only the included responses are passed in."""
    items = list(items)
    tables = {}
    for group in sorted({item.group for item in items}):
        group_items = [item for item in items if item.group == group]
        answers = responses.loc[responses["group"] == group]
        if not answers.empty:
            tables[group] = _GroupTable(group_items, answers)
    opds = sorted({opd for table in tables.values() for opd in table.opds})
    scores: list[Score] = []
    for opd in [*opds, INSTITUTION]:
        aggregates = {}
        for group, table in tables.items():
            cell, rows = table.scores(opd, k)
            scores.extend(rows)
            if cell is not None:
                aggregates[group] = cell
        composite = _composite(aggregates, weights, k)
        if composite is not None:
            scores.append(_score(opd, None, COMPOSITE, "", composite))
    return scores


class _GroupTable:
    """Per-OPD sums of one group's answers (one groupby per item), with the institution as the
    row INSTITUTION: the totals of every OPD."""

    def __init__(self, items: list[ItemSpec], answers: pd.DataFrame):
        self.items = items
        self.group = items[0].group
        valid = valid_answers(items, answers)
        opd = answers["opd"].astype(str).to_numpy()
        minimums = pd.Series({item.code: item.scale_min for item in items})
        self.sums = _with_total((valid - minimums).groupby(opd).sum())
        self.counts = _with_total(valid.notna().groupby(opd).sum())
        # plain dicts for the per-OPD loops below: a DataFrame lookup costs ~50 us each
        self.sum_rows = self.sums.to_dict("index")
        self.count_rows = self.counts.to_dict("index")
        self.opds = [opd for opd in self.sums.index if opd != INSTITUTION]
        self.respondents = {}
        for key, key_items in self._item_sets().items():
            answered = valid[[item.code for item in key_items]].notna().any(axis=1)
            self.respondents[key] = _with_total(answered.groupby(opd).sum())

    def _item_sets(self):
        sets = defaultdict(list)
        for item in self.items:
            sets[(INDICATOR, item.indicator)].append(item)
            sets[(DIMENSION, item.dimension)].append(item)
            sets[(GROUP, "")].append(item)
        return sets

    def scores(self, opd, k):
        if opd not in self.sums.index:
            return None, []
        codes = _codes(self.items, "indicator")
        indicators = {code: self._indicator(opd, code, k) for code in codes}
        rows = [_score(opd, self.group, INDICATOR, code, cell) for code, cell in indicators.items()]
        dimensions = []
        for dimension in _codes(self.items, "dimension"):
            codes = {item.indicator for item in self.items if item.dimension == dimension}
            parts = [indicators[code] for code in sorted(codes)]
            cell = _mean_cell(parts, self._respondents(DIMENSION, dimension, opd), k)
            if cell is not None:
                dimensions.append(cell)
                rows.append(_score(opd, self.group, DIMENSION, dimension, cell))
        aggregate = _mean_cell(dimensions, self._respondents(GROUP, "", opd), k)
        if aggregate is not None:
            rows.append(_score(opd, self.group, GROUP, "", aggregate))
        return aggregate, rows

    def _respondents(self, level, key, opd) -> int:
        return int(self.respondents[(level, key)].get(opd, 0))

    def _indicator(self, opd, code, k) -> _Cell:
        total, answered = Fraction(0), 0
        sums, counts = self.sum_rows[opd], self.count_rows[opd]
        for item in self.items:
            count = int(counts[item.code]) if item.indicator == code else 0
            if not count:
                continue
            raw_sum = int(round(sums[item.code]))
            raw = Fraction(raw_sum * 100, item.scale_max - item.scale_min)
            total += 100 * count - raw if item.reverse else raw
            answered += count
        respondents = self._respondents(INDICATOR, code, opd)
        value = total / answered if answered else None
        return _Cell(value, respondents, respondents < k)


def _with_total(table):
    """The table with a row INSTITUTION holding its column totals."""
    total = table.sum()
    if isinstance(table, pd.Series):
        return pd.concat([table, pd.Series({INSTITUTION: total})])
    return pd.concat([table, total.to_frame().T.set_axis([INSTITUTION])])


def _codes(items, attribute):
    return sorted({getattr(item, attribute) for item in items})


def _mean_cell(parts: list[_Cell], respondents: int, k: int) -> _Cell | None:
    with_data = [part for part in parts if part.value is not None]
    if not with_data:
        return None
    suppressed = respondents < k or any(part.suppressed for part in with_data)
    value = sum((part.value for part in with_data), Fraction(0)) / len(with_data)
    return _Cell(value, respondents, suppressed)


def _composite(aggregates, weights, k) -> _Cell | None:
    if not weights or any(group not in aggregates for group in weights):
        return None
    parts = [aggregates[group] for group in weights]
    respondents = sum(part.respondents for part in parts)
    weighted = (Fraction(weights[group]) * aggregates[group].value for group in weights)
    value = sum(weighted, Fraction(0))
    suppressed = respondents < k or any(part.suppressed for part in parts)
    return _Cell(value, respondents, suppressed)


def _score(opd, group, level, key, cell: _Cell) -> Score:
    shown = None if cell.suppressed or cell.value is None else rounded(cell.value)
    return Score(opd or None, group, level, key, cell.respondents, shown, cell.suppressed)


# Quality flags: each takes the responses of one campaign and returns a boolean Series on its index.


def straight_lining(answers: pd.DataFrame, items: list[ItemSpec], groups: pd.Series) -> pd.Series:
    """One and the same answer (a "tidak tahu" included) to every item of the respondent's group,
    over at least three answered items. Yes/no items are left out when the group has three items
    on wider scales: a "3" on every 1-4 item cannot be a yes/no item's answer too."""
    flags = pd.Series(False, index=answers.index)
    for group in {item.group for item in items}:
        codes = [item.code for item in items if item.group == group]
        wide = [item.code for item in items if item.group == group and _wide(item)]
        codes = wide if len(wide) >= 3 else codes
        rows = groups == group
        block = answers.loc[rows, codes]
        values = block.to_numpy(dtype=float)
        answered = np.count_nonzero(~np.isnan(values), axis=1)
        # one distinct answer: the largest equals the smallest (fmax/fmin skip blanks; a row
        # without answers gives NaN, equal to nothing); nunique(axis=1) loops in Python per row
        same = np.fmax.reduce(values, axis=1) == np.fmin.reduce(values, axis=1)
        flags.loc[rows] = (answered >= min(3, len(codes))) & same
    return flags


def _wide(item: ItemSpec) -> bool:
    return item.scale_max - item.scale_min >= 2


def identical_vectors(answers: pd.DataFrame, units: pd.Series, threshold: int) -> pd.Series:
    """Responses whose whole answer vector is shared by at least `threshold` responses of one unit
    (OPD and group)."""
    if answers.empty:
        return pd.Series(False, index=answers.index)
    vector = pd.util.hash_pandas_object(answers.fillna(-1), index=False)
    sizes = vector.groupby([units.to_numpy(), vector.to_numpy()]).transform("size")
    return pd.Series(sizes.to_numpy() >= threshold, index=answers.index)


def too_fast(durations: pd.Series, answered: pd.Series, seconds_per_item: int) -> pd.Series:
    """Web responses finished faster than `seconds_per_item` for each answered item."""
    limit = answered * seconds_per_item
    return (durations.notna() & (durations < limit)).fillna(False).astype(bool)


def bursts(units: pd.Series, slots: pd.Series, threshold: int) -> pd.Series:
    """Responses of a link's ten-minute slot that holds at least `threshold` responses."""
    known = slots.notna()
    flags = pd.Series(False, index=units.index)
    if known.any():
        keys = pd.DataFrame({"unit": units[known], "slot": slots[known]})
        sizes = keys.groupby(["unit", "slot"])["unit"].transform("size")
        flags.loc[known] = sizes.to_numpy() >= threshold
    return flags


def answered_counts(answers: pd.DataFrame) -> pd.Series:
    return answers.notna().sum(axis=1).astype(np.int64)
