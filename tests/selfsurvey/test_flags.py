"""Quality flags of the self-run survey, on hand-built responses through the recomputation, and
the exclusion of a response from the scores after review."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from selfsurvey import reviewing, services
from selfsurvey.models import CampaignScore, Response, ResponseChannel, ReviewDecision
from tests.selfsurvey.world import add_responses, make_campaign, unit_of

pytestmark = pytest.mark.django_db

SLOT = timezone.make_aware(datetime.datetime(2026, 3, 2, 9, 10))


@pytest.fixture
def survey(inspector, opd_a, opd_b):
    return make_campaign(inspector, [opd_a, opd_b], k=2)


def internal_codes(campaign):
    items = campaign.questionnaire.items.filter(group="internal").order_by("position")
    return [item.code for item in items]


def vector(campaign, *values):
    """Answers to the internal items, in order; values repeat when fewer are given."""
    codes = internal_codes(campaign)
    return {code: values[position % len(values)] for position, code in enumerate(codes)}


def recompute(inspector, campaign):
    services.campaign_recompute(actor=inspector, campaign=campaign)


def flagged(responses, field):
    ids = [response.pk for response in responses]
    return list(Response.objects.filter(pk__in=ids).order_by("pk").values_list(field, flat=True))


def test_one_answer_to_every_item_is_straight_lining_and_one_differing_answer_is_not(
    survey, inspector, opd_a
):
    unit = unit_of(survey, opd_a, "internal")
    same = vector(survey, 1)
    one_off = same | {internal_codes(survey)[5]: 2}
    responses = add_responses(unit, [same, one_off, vector(survey, 9)])
    recompute(inspector, survey)
    assert flagged(responses, "flag_straight_lining") == [True, False, True]
    assert flagged(responses, "flag_identical_vector") == [False, False, False]


def test_the_same_agreement_to_every_scaled_item_is_straight_lining_whatever_the_yes_no_items_say(
    survey, inspector, opd_a
):
    """The default questionnaire mixes 1-4 items with yes/no (0-1) ones: a respondent cannot
    give a 1-4 answer to a yes/no item, so straight-lining looks at the wider scales."""
    unit = unit_of(survey, opd_a, "internal")
    items = survey.questionnaire.items.filter(group="internal")
    yes_no = {item.code for item in items if item.scale_max - item.scale_min == 1}
    assert yes_no == {"I04", "I12"}
    agree = vector(survey, 3) | dict.fromkeys(yes_no, 1)
    mixed = agree | {"I07": 2}
    responses = add_responses(unit, [agree, mixed])
    recompute(inspector, survey)
    assert flagged(responses, "flag_straight_lining") == [True, False]


def test_twenty_identical_answer_vectors_in_one_opd_are_flagged_at_the_threshold_of_twenty(
    survey, inspector, opd_a, opd_b
):
    assert survey.identical_vector_threshold == 20
    twenty = add_responses(unit_of(survey, opd_a, "internal"), [vector(survey, 1, 2, 3)] * 20)
    nineteen = add_responses(unit_of(survey, opd_b, "internal"), [vector(survey, 2, 3, 1)] * 19)
    split = add_responses(unit_of(survey, opd_a, "internal"), [vector(survey, 3, 1, 2)] * 10)
    split += add_responses(unit_of(survey, opd_b, "internal"), [vector(survey, 3, 1, 2)] * 10)
    recompute(inspector, survey)
    assert set(flagged(twenty, "flag_identical_vector")) == {True}
    assert set(flagged(nineteen, "flag_identical_vector")) == {False}
    assert set(flagged(split, "flag_identical_vector")) == {False}
    assert reviewing.flag_summary(survey)["identical_vectors"] == 20


def test_a_web_response_faster_than_the_campaign_allows_per_answered_item_is_too_fast(
    survey, inspector, opd_a
):
    assert survey.fast_seconds_per_item == 2
    unit = unit_of(survey, opd_a, "internal")
    full = vector(survey, 1, 2, 3, 4)  # 13 answered items: 26 seconds at least
    five = dict(list(full.items())[:5])  # 5 answered items: 10 seconds at least
    web = ResponseChannel.WEB
    responses = [
        *add_responses(unit, [full], channel=web, duration_seconds=25),
        *add_responses(unit, [full], channel=web, duration_seconds=26),
        *add_responses(unit, [five], channel=web, duration_seconds=9),
        *add_responses(unit, [five], channel=web, duration_seconds=12),
        *add_responses(unit, [full]),  # imported: no duration
    ]
    recompute(inspector, survey)
    assert flagged(responses, "flag_too_fast") == [True, False, True, False, False]


def test_a_ten_minute_slot_of_one_link_holding_the_burst_threshold_flags_its_responses(
    survey, inspector, opd_a, opd_b
):
    survey.burst_per_slot = 3
    survey.save()
    internal_a, external_a = unit_of(survey, opd_a, "internal"), unit_of(survey, opd_a, "external")
    later = SLOT + datetime.timedelta(minutes=10)
    web = ResponseChannel.WEB
    burst = add_responses(internal_a, [vector(survey, 1, 2)] * 3, channel=web, received_slot=SLOT)
    calm = [
        *add_responses(internal_a, [vector(survey, 2, 1)] * 2, channel=web, received_slot=later),
        *add_responses(external_a, [{"E01": 1}] * 2, channel=web, received_slot=SLOT),
        *add_responses(
            unit_of(survey, opd_b, "internal"),
            [vector(survey, 3)] * 2,
            channel=web,
            received_slot=SLOT,
        ),
    ]
    recompute(inspector, survey)
    assert set(flagged(burst, "flag_burst")) == {True}
    assert set(flagged(calm, "flag_burst")) == {False}


def _trn1_internal_a(campaign, opd):
    return CampaignScore.objects.get(
        campaign=campaign, opd=opd, group="internal", level="indicator", key="TRN1"
    )


def test_an_excluded_response_is_left_out_of_the_scores_after_recomputation(
    survey, inspector, opd_a
):
    unit = unit_of(survey, opd_a, "internal")
    kept = add_responses(unit, [{"I01": 4}, {"I01": 4}])
    doubtful = add_responses(unit, [{"I01": 1}])[0]
    recompute(inspector, survey)
    before = _trn1_internal_a(survey, opd_a)
    assert (before.score, before.respondents) == (Decimal("66.67"), 3)  # (100 + 100 + 0) / 3

    state = reviewing.state_token([(doubtful.pk, False, None)])
    reviewing.response_review(
        actor=inspector,
        campaign=survey,
        responses=[doubtful.pk],
        decision=ReviewDecision.EXCLUDE,
        reason="Responden uji coba",
        expected_state=state,
    )
    assert _trn1_internal_a(survey, opd_a).score == Decimal("66.67")  # until recomputed
    recompute(inspector, survey)
    after = _trn1_internal_a(survey, opd_a)
    assert (after.score, after.respondents) == (Decimal("100.00"), 2)
    assert after.score - before.score == Decimal("33.33")
    summary = reviewing.flag_summary(survey)
    assert (summary["excluded"], summary["responses"]) == (1, len(kept) + 1)
