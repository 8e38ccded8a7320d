"""The self-run survey's scores on hand-computed cases (surveys/self_scoring.py, pure)."""

from decimal import Decimal as D

import numpy as np
import pandas as pd

from surveys import self_scoring
from surveys.self_scoring import ItemSpec, campaign_scores
from tests.factories import top_level_imports

NAN = np.nan
DONT_KNOW = frozenset({9})
AGREE = {"scale_min": 1, "scale_max": 4, "dont_know": DONT_KNOW}
YES_NO = {"scale_min": 0, "scale_max": 1, "dont_know": DONT_KNOW}
WEIGHTS = {"internal": D("0.3046"), "external": D("0.3279"), "expert": D("0.3675")}


def frame(group, answers, opd="DINKES"):
    rows = [{"opd": opd, "group": group, **row} for row in answers]
    return pd.DataFrame(rows)


def score_of(scores, level, key="", opd="DINKES", group="internal"):
    (match,) = [s for s in scores if (s.level, s.key, s.opd, s.group) == (level, key, opd, group)]
    return match


def test_an_item_scores_its_place_on_the_scale_and_a_reverse_item_the_rest():
    items = [
        ItemSpec("A", "internal", "I1", "TRN", **AGREE),
        ItemSpec("B", "internal", "I2", "SDM", reverse=True, **AGREE),
    ]
    scores = campaign_scores(items, frame("internal", [{"A": 2, "B": 2}]), weights=None, k=1)
    # (2 - 1) / (4 - 1) x 100 = 33,33; reversed 100 - 33,33 = 66,67
    assert score_of(scores, "indicator", "I1").score == D("33.33")
    assert score_of(scores, "indicator", "I2").score == D("66.67")
    # group = mean of the dimensions (33,333... and 66,666...) = 50 exactly
    assert score_of(scores, "group").score == D("50.00")


def test_dont_know_and_blanks_are_left_out_of_scores_and_respondent_counts():
    items = [ItemSpec("A", "internal", "I1", "TRN", **AGREE)]
    answers = [{"A": 4}, {"A": 9}, {"A": NAN}, {"A": 1}]
    indicator = score_of(
        campaign_scores(items, frame("internal", answers), weights=None, k=1), "indicator", "I1"
    )
    assert indicator.score == D("50.00")  # (100 + 0) / 2
    assert indicator.respondents == 2


def test_each_answered_item_counts_once_in_its_indicator():
    items = [
        ItemSpec("A", "internal", "I1", "TRN", **AGREE),
        ItemSpec("B", "internal", "I1", "TRN", **YES_NO),
    ]
    answers = [{"A": 4, "B": 0}, {"A": 3, "B": NAN}]
    indicator = score_of(
        campaign_scores(items, frame("internal", answers), weights=None, k=1), "indicator", "I1"
    )
    # three answered items: 100, 0 and 66,67 -> 55,56; two respondents
    assert indicator.score == D("55.56")
    assert indicator.respondents == 2


def test_a_cell_below_k_respondents_is_suppressed_and_at_k_shown():
    items = [ItemSpec("A", "internal", "I1", "TRN", **AGREE)]
    answers = [{"A": 4}, {"A": 1}, {"A": 4}]
    at_k = score_of(
        campaign_scores(items, frame("internal", answers), weights=None, k=3), "indicator", "I1"
    )
    assert (at_k.score, at_k.suppressed, at_k.respondents) == (D("66.67"), False, 3)
    below = campaign_scores(items, frame("internal", answers[:2]), weights=None, k=3)
    for level, key in (("indicator", "I1"), ("dimension", "TRN"), ("group", "")):
        cell = score_of(below, level, key)
        assert (cell.score, cell.suppressed, cell.respondents) == (None, True, 2)


def test_an_aggregate_over_a_suppressed_part_is_suppressed_so_the_part_cannot_be_worked_out():
    items = [
        ItemSpec("A", "internal", "I1", "TRN", **AGREE),
        ItemSpec("B", "internal", "I2", "TRN", **AGREE),
    ]
    answers = [{"A": 4, "B": 4}, {"A": 1}, {"A": 4}]  # I2 has one respondent, I1 three
    scores = campaign_scores(items, frame("internal", answers), weights=None, k=2)
    assert score_of(scores, "indicator", "I1").score == D("66.67")
    assert score_of(scores, "indicator", "I2").suppressed
    assert score_of(scores, "dimension", "TRN").suppressed
    assert score_of(scores, "dimension", "TRN").score is None


def test_rounding_is_half_away_from_zero_and_only_at_the_end():
    items = [
        ItemSpec("A", "internal", "I1", "TRN", **YES_NO),
        ItemSpec("B", "internal", "I2", "TRN", **YES_NO),
    ]
    # I1: one "yes" in 32 answers = 3,125 -> 3,13 (half away from zero, not to even);
    # I2: all "no" = 0; TRN = 1,5625 -> 1,56 (rounding I1 first would give 1,565 -> 1,57)
    answers = [{"A": 1, "B": 0}] + [{"A": 0, "B": 0}] * 31
    scores = campaign_scores(items, frame("internal", answers), weights=None, k=1)
    assert score_of(scores, "indicator", "I1").score == D("3.13")
    assert score_of(scores, "dimension", "TRN").score == D("1.56")


def test_the_composite_weighs_the_group_aggregates_only_when_every_group_has_data():
    items = [
        ItemSpec("I", "internal", "X1", "INT", **AGREE),
        ItemSpec("E", "external", "X1", "INT", **AGREE),
        ItemSpec("X", "expert", "X1", "INT", **AGREE),
    ]
    responses = pd.concat(
        [frame("internal", [{"I": 4}]), frame("external", [{"E": 1}]), frame("expert", [{"X": 3}])]
    )
    scores = campaign_scores(items, responses, weights=WEIGHTS, k=1)
    composite = score_of(scores, "composite", group=None)
    # 0,3046 x 100 + 0,3279 x 0 + 0,3675 x 66,666... = 30,46 + 24,50 = 54,96
    assert composite.score == D("54.96")
    assert composite.respondents == 3
    two_groups = responses.loc[responses["group"] != "expert"]
    assert not [
        s
        for s in campaign_scores(items, two_groups, weights=WEIGHTS, k=1)
        if s.level == "composite"
    ]


def test_the_institution_is_scored_over_the_respondents_of_every_opd():
    items = [ItemSpec("A", "internal", "I1", "TRN", **AGREE)]
    responses = pd.concat(
        [frame("internal", [{"A": 4}] * 3, opd="DINKES"), frame("internal", [{"A": 1}], "DISDIK")]
    )
    scores = campaign_scores(items, responses, weights=None, k=2)
    assert score_of(scores, "indicator", "I1", opd=None).score == D("75.00")
    assert score_of(scores, "indicator", "I1", opd=None).respondents == 4
    assert score_of(scores, "indicator", "I1", opd="DISDIK").suppressed


def test_straight_lining_flags_one_answer_to_every_item_and_not_one_that_differs():
    items = [ItemSpec(code, "internal", "I1", "TRN", **AGREE) for code in "ABCD"]
    answers = pd.DataFrame(
        [
            {"A": 4, "B": 4, "C": 4, "D": 4},
            {"A": 4, "B": 4, "C": 4, "D": 3},
            {"A": 9, "B": 9, "C": 9, "D": 9},
            {"A": 2, "B": NAN, "C": NAN, "D": NAN},
        ]
    )
    groups = pd.Series(["internal"] * 4)
    flags = self_scoring.straight_lining(answers, items, groups)
    assert flags.tolist() == [True, False, True, False]


def test_identical_vectors_are_flagged_from_the_threshold_within_one_unit():
    answers = pd.DataFrame([{"A": 4, "B": 1}] * 5 + [{"A": 4, "B": 2}])
    one_unit = pd.Series([1] * 6)
    assert self_scoring.identical_vectors(answers, one_unit, 5).tolist() == [True] * 5 + [False]
    assert not self_scoring.identical_vectors(answers, one_unit, 6).any()
    split = pd.Series([1, 1, 1, 2, 2, 1])
    assert not self_scoring.identical_vectors(answers, split, 5).any()


def test_self_scoring_imports_neither_django_nor_project_apps():
    imported = top_level_imports(self_scoring)
    assert "pandas" in imported
    assert not imported & {"django", "surveys", "actionplans", "selfsurvey", "spi_portal"}
