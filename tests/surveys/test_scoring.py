from decimal import Decimal as D

import pandas as pd
import pytest

from surveys import scoring
from surveys.scoring import Band, GroupScores, Methodology, compute_index
from tests.factories import top_level_imports

WEIGHTS = {"internal": D("0.3046"), "external": D("0.3279"), "expert": D("0.3675")}
BANDS_2024 = (
    Band(D("0"), "Rentan", "Vulnerable", "#c62828"),
    Band(D("73"), "Waspada", "Watch", "#f9a825"),
    Band(D("78"), "Terjaga", "Maintained", "#2e7d32"),
)
BANDS_2022 = (
    Band(D("0"), "Sangat Rentan", "Highly vulnerable", "#7f0000"),
    Band(D("68"), "Rentan", "Vulnerable", "#c62828"),
    Band(D("73.7"), "Waspada", "Watch", "#f9a825"),
    Band(D("77.5"), "Terjaga", "Maintained", "#2e7d32"),
)
M2024 = Methodology(weights=WEIGHTS, bands=BANDS_2024)
M2022 = Methodology(weights=WEIGHTS, bands=BANDS_2022)
BARTIM_2024 = GroupScores(D("66.93"), D("84.27"), D("56.79"), D("1.12"), D("0"), D("67.78"))


def test_it_reproduces_barito_timur_2024():
    result = compute_index(BARTIM_2024, M2024)
    assert result.raw_index == D("67.769336")
    assert result.computed_index == D("67.77")
    assert result.published_index == D("67.78")
    assert result.headline_index == D("67.78")
    assert result.difference == D("0.01")
    assert result.exceeds_tolerance is False
    assert result.category.label_id == "Rentan"
    assert result.weakest_group == "expert"


def test_it_computes_the_weighted_contribution_of_each_group():
    result = compute_index(BARTIM_2024, M2024)
    assert result.contributions == {
        "internal": D("20.39"),
        "external": D("27.63"),
        "expert": D("20.87"),
    }


def test_what_if_matches_the_reference_for_barito_timur_2024():
    what_if = compute_index(BARTIM_2024, M2024).what_if
    assert what_if["expert"].gain == D("14.22")
    assert what_if["expert"].new_score == D("71.01")
    assert what_if["internal"].gain == D("17.16")
    assert what_if["internal"].new_score == D("84.09")
    assert what_if["external"].reachable is False
    assert what_if["expert"].target_band.label_id == "Waspada"


def test_what_if_gain_is_the_smallest_step_that_reaches_the_band():
    result = compute_index(BARTIM_2024, M2024)
    for group in ("internal", "expert"):
        gain = result.what_if[group].gain
        weight = WEIGHTS[group]
        reached = scoring.round_half_away(result.raw_index + weight * gain)
        missed = scoring.round_half_away(result.raw_index + weight * (gain - D("0.01")))
        assert reached >= D("73")
        assert missed < D("73")


def test_what_if_is_not_reachable_when_the_score_would_pass_100():
    scores = GroupScores(D("99.00"), D("99.00"), D("10.00"))
    result = compute_index(scores, M2024)
    assert result.what_if["internal"].reachable is False
    assert result.what_if["internal"].gain is None


def test_what_if_is_empty_in_the_highest_band():
    scores = GroupScores(D("90"), D("90"), D("90"))
    result = compute_index(scores, M2024)
    assert result.category.label_id == "Terjaga"
    assert result.next_band is None
    assert all(not item.reachable for item in result.what_if.values())


def index_of(value):
    # Equal aggregates make the index equal to that aggregate (weights sum to 1).
    return GroupScores(D(value), D(value), D(value))


@pytest.mark.parametrize(
    ("value", "label"),
    [("72.99", "Rentan"), ("73.00", "Waspada"), ("77.99", "Waspada"), ("78.00", "Terjaga")],
)
def test_band_edges_2024(value, label):
    assert compute_index(index_of(value), M2024).category.label_id == label


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("0.00", "Sangat Rentan"),
        ("67.99", "Sangat Rentan"),
        ("68.00", "Rentan"),
        ("73.69", "Rentan"),
        ("73.70", "Waspada"),
        ("77.49", "Waspada"),
        ("77.50", "Terjaga"),
        ("100.00", "Terjaga"),
    ],
)
def test_band_edges_2022(value, label):
    assert compute_index(index_of(value), M2022).category.label_id == label


def test_category_is_decided_on_the_rounded_index():
    # raw 72.995 rounds half away from zero to 73.00: Waspada, not Rentan.
    scores = GroupScores(D("72.995"), D("72.995"), D("72.995"))
    result = compute_index(scores, M2024)
    assert result.computed_index == D("73.00")
    assert result.category.label_id == "Waspada"


@pytest.mark.parametrize(
    ("raw", "rounded"),
    [("1.005", "1.01"), ("1.004", "1.00"), ("-1.005", "-1.01"), ("2.675", "2.68")],
)
def test_rounding_is_half_away_from_zero(raw, rounded):
    assert scoring.round_half_away(D(raw)) == D(rounded)


def test_difference_beyond_tolerance_is_flagged_as_unexplained_correction():
    bartim_2022 = GroupScores(D("73.03"), D("80.32"), D("71.54"), D("3.60"), D("0.16"), D("67.81"))
    result = compute_index(bartim_2022, M2022)
    assert result.computed_index == D("71.11")
    assert result.difference == D("-3.30")
    assert result.exceeds_tolerance is True


def test_weights_that_do_not_sum_to_one_are_refused():
    with pytest.raises(ValueError, match="add up to 1"):
        Methodology(weights={**WEIGHTS, "expert": D("0.3674")}, bands=BANDS_2024)


@pytest.mark.parametrize(
    ("bounds", "message"),
    [
        (["5", "73"], "start at 0"),
        (["0", "73", "73"], "overlap"),
        (["0", "100"], "below 100"),
        ([], "at least one"),
    ],
)
def test_bands_with_gaps_or_overlaps_are_refused(bounds, message):
    assert any(message in problem for problem in scoring.band_problems(bounds))


def test_weakest_indicators_are_ranked_with_their_gap():
    weak = scoring.weakest_indicators(
        [("PBJ", "expert", D("51.20")), ("TRN", "external", D("80")), ("SDM", "internal", D("60"))],
        threshold=D("73"),
    )
    assert [(w.code, w.gap) for w in weak] == [("PBJ", D("21.80")), ("SDM", D("13"))]


def test_it_computes_a_whole_national_round_as_a_frame():
    frame = pd.DataFrame(
        {
            "internal": ["66.93", "90"],
            "external": ["84.27", "90"],
            "expert": ["56.79", "90"],
            "correction_integrity": ["1.12", None],
            "published_index": ["67.78", None],
        }
    )
    out = scoring.compute_frame(frame, M2024)
    assert list(out["computed_index"]) == [D("67.77"), D("90.00")]
    assert list(out["category_id"]) == ["Rentan", "Terjaga"]
    assert list(out["exceeds_tolerance"]) == [False, False]


def test_scoring_module_imports_neither_django_nor_project_apps():
    imported = top_level_imports(scoring)
    assert imported, "the parser found no imports at all"
    forbidden = {"django", "surveys", "actionplans", "spi_portal"}
    assert not imported & forbidden


def test_the_headline_category_follows_kpks_published_index():
    bartim_2022 = GroupScores(D("73.03"), D("80.32"), D("71.54"), D("3.60"), D("0.16"), D("67.81"))
    result = compute_index(bartim_2022, M2022)
    assert result.category.label_id == "Rentan"  # recomputed 71.11
    assert result.headline_category.label_id == "Sangat Rentan"  # published 67.81


def test_without_a_published_index_the_headline_category_is_the_recomputed_one():
    result = compute_index(index_of("75"), M2024)
    assert result.headline_category == result.category


def test_a_what_if_change_compares_recomputed_with_recomputed_and_names_both_categories():
    real = compute_index(BARTIM_2024, M2024)  # KPK published 67.78; recomputed 67.77
    trial_scores = GroupScores(D("66.93"), D("84.27"), D("72.00"), D("1.12"), D("0"))
    change = scoring.index_change(real, compute_index(trial_scores, M2024))
    assert (change.real_index, change.trial_index, change.difference) == (
        D("67.77"),
        D("73.36"),
        D("5.59"),
    )
    assert (change.real_category.label_id, change.trial_category.label_id) == ("Rentan", "Waspada")
    assert change.category_changed


def test_a_what_if_of_the_real_scores_changes_nothing():
    real = compute_index(BARTIM_2024, M2024)
    unchanged = scoring.index_change(real, compute_index(BARTIM_2024, M2024))
    assert unchanged.difference == 0
    assert not unchanged.category_changed
