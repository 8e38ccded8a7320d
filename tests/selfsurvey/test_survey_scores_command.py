"""survey_scores: a campaign's stored indicator scores per OPD and group, and its flag counts."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from selfsurvey import services
from selfsurvey.models import CampaignScore, Response, ScoreLevel
from tests.selfsurvey.world import add_responses, make_campaign, random_answers

pytestmark = pytest.mark.django_db

FLAG_KEYS = {"straight_lining", "identical_vectors", "too_fast", "bursts", "excluded"}
ROW_KEYS = {"opd", "group", "indicator", "respondents", "score", "suppressed"}


def _run(campaign, file_format) -> str:
    out = io.StringIO()
    call_command("survey_scores", campaign=campaign.name, format=file_format, stdout=out)
    return out.getvalue()


@pytest.fixture
def small_unit_campaign(methodology, inspector, opd_a, opd_b):
    """12 responses per unit, but only k - 1 = 9 in OPD B's internal group; OPD A's internal
    group has 3 straight-lined responses (one answer to every item), one of them excluded."""
    campaign = make_campaign(inspector, [opd_a, opd_b], methodology[2024])
    for unit in campaign.units.all():
        count = 9 if (unit.opd == opd_b and unit.group == "internal") else 12
        add_responses(unit, random_answers(unit, count, seed=unit.pk))
    internal_a = campaign.units.get(opd=opd_a, group="internal")
    items = [i for i in campaign.questionnaire.items.all() if i.group == "internal"]
    flat = add_responses(internal_a, [{item.code: 1 for item in items}] * 3)
    Response.objects.filter(pk=flat[0].pk).update(excluded=True)
    services.campaign_recompute(actor=inspector, campaign=campaign)
    return campaign


def test_the_json_has_exactly_scores_and_flags(small_unit_campaign):
    payload = json.loads(_run(small_unit_campaign, "json"))
    assert set(payload) == {"scores", "flags"}
    assert set(payload["flags"]) == FLAG_KEYS
    assert payload["scores"] and all(set(row) == ROW_KEYS for row in payload["scores"])


def test_the_json_has_one_row_per_opd_group_and_indicator(small_unit_campaign):
    payload = json.loads(_run(small_unit_campaign, "json"))
    stored = CampaignScore.objects.filter(
        campaign=small_unit_campaign, level=ScoreLevel.INDICATOR, opd__isnull=False
    )
    keys = [(row["opd"], row["group"], row["indicator"]) for row in payload["scores"]]
    assert len(keys) == len(set(keys)) == stored.count()
    assert {row.opd.code for row in stored.select_related("opd")} == {k[0] for k in keys}


def test_a_score_below_k_is_null_and_suppressed(small_unit_campaign, opd_b):
    payload = json.loads(_run(small_unit_campaign, "json"))
    small = [r for r in payload["scores"] if r["opd"] == opd_b.code and r["group"] == "internal"]
    assert small
    assert all(r["score"] is None and r["suppressed"] is True for r in small)
    assert all(r["respondents"] < small_unit_campaign.min_cell_size for r in small)


def test_a_shown_score_is_the_stored_number_with_two_decimals(small_unit_campaign, opd_a):
    payload = json.loads(_run(small_unit_campaign, "json"), parse_float=Decimal)
    shown = [r for r in payload["scores"] if not r["suppressed"]]
    assert shown
    for row in shown:
        stored = CampaignScore.objects.get(
            campaign=small_unit_campaign,
            opd__code=row["opd"],
            group=row["group"],
            level=ScoreLevel.INDICATOR,
            key=row["indicator"],
        )
        assert row["score"] == stored.score
        assert row["score"] == row["score"].quantize(Decimal("0.01"))
        assert row["respondents"] == stored.respondents >= small_unit_campaign.min_cell_size


def test_the_flags_count_respondents_from_the_response_flags(small_unit_campaign):
    flags = json.loads(_run(small_unit_campaign, "json"))["flags"]
    responses = Response.objects.filter(campaign=small_unit_campaign)
    assert flags == {
        "straight_lining": responses.filter(flag_straight_lining=True).count(),
        "identical_vectors": responses.filter(flag_identical_vector=True).count(),
        "too_fast": responses.filter(flag_too_fast=True).count(),
        "bursts": responses.filter(flag_burst=True).count(),
        "excluded": 1,
    }
    assert flags["straight_lining"] >= 3


def test_the_csv_has_the_same_rows_with_suppressed_scores_empty(small_unit_campaign, opd_b):
    rows = list(csv.DictReader(io.StringIO(_run(small_unit_campaign, "csv"))))
    payload = json.loads(_run(small_unit_campaign, "json"))
    assert list(rows[0]) == ["opd", "group", "indicator", "respondents", "score", "suppressed"]
    assert len(rows) == len(payload["scores"])
    for row, expected in zip(rows, payload["scores"], strict=True):
        assert (row["opd"], row["group"], row["indicator"]) == (
            expected["opd"],
            expected["group"],
            expected["indicator"],
        )
        if expected["suppressed"]:
            assert row["score"] == "" and row["suppressed"] == "true"
        else:
            assert Decimal(row["score"]) == Decimal(str(expected["score"]))
            assert row["suppressed"] == "false"


def test_an_unknown_campaign_is_an_error():
    with pytest.raises(CommandError, match="No campaign"):
        call_command("survey_scores", campaign="Tidak ada", format="json", stdout=io.StringIO())
