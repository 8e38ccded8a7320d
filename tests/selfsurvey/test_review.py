"""The review list of flagged responses: who sees it, what a card shows, decisions (with a
reason, refused when stale, history kept), the stale-scores banner and its query count."""

import datetime
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from selfsurvey import reviewing, services
from selfsurvey.models import Response, ResponseChannel, ResponseReview, ReviewDecision
from tests.selfsurvey.world import add_responses, make_campaign, random_answers, unit_of

pytestmark = pytest.mark.django_db

TOKEN = re.compile(
    r'name="ids" value="([0-9,]+)">\s*<input type="hidden" name="token" value="(\w+)"'
)


@pytest.fixture
def survey(inspector, opd_a, opd_b):
    """20 identical answer vectors in OPD A, a straight-liner and a fast web response in OPD B."""
    campaign = make_campaign(inspector, [opd_a, opd_b], k=2)
    codes = internal_codes(campaign)
    identical = {code: 1 + position % 4 for position, code in enumerate(codes)}
    add_responses(unit_of(campaign, opd_a, "internal"), [identical] * 20)
    internal_b = unit_of(campaign, opd_b, "internal")
    add_responses(internal_b, [dict.fromkeys(codes, 3)])
    fast = random_answers(internal_b, 1, seed=7)
    add_responses(internal_b, fast, channel=ResponseChannel.WEB, duration_seconds=10)
    add_responses(internal_b, random_answers(internal_b, 5, seed=8))  # not flagged
    services.campaign_recompute(actor=inspector, campaign=campaign)
    return campaign


def internal_codes(campaign):
    items = campaign.questionnaire.items.filter(group="internal").order_by("position")
    return [item.code for item in items]


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def url(campaign, query=""):
    return reverse("selfsurvey:review_list", kwargs={"pk": campaign.pk}) + query


def entries_on(response):
    """(ids, token) of each card of the page, in order."""
    return TOKEN.findall(response.content.decode())


def decide(client, campaign, ids, token, decision=ReviewDecision.EXCLUDE, reason="Isian massal"):
    data = {"ids": ids, "token": token, "decision": decision, "reason": reason}
    return client.post(url(campaign), data)


def test_the_inspectorate_sees_the_flagged_responses_with_identical_vectors_as_one_entry(
    survey, inspector_client
):
    response = english(inspector_client).get(url(survey))
    assert response.status_code == 200
    text = response.content.decode()
    cards = entries_on(response)
    assert len(cards) == 3
    assert [len(ids.split(",")) for ids, _token in cards] == [20, 1, 1]
    assert "22 of 27 responses flagged, 0 excluded after review" in text
    assert "20 identical responses" in text
    assert "answers identical to those of 19 other respondents of this OPD" in text
    assert "same answer to every item" in text
    assert "too fast: 10 seconds for 13 items" in text
    assert "Strongly disagree (1)" in text and "Agree (3)" in text
    assert (
        "<strong>Dinas Kesehatan</strong> · Internal" in text
        and "Imported file" in text
        and "Web form" in text
    )
    assert text.count("awaiting a decision") == 3


@pytest.mark.parametrize("who", ["head_a_client", "head_b_client"])
def test_an_opd_head_may_not_open_the_review_list_nor_decide(survey, who, request):
    client = request.getfixturevalue(who)
    assert client.get(url(survey)).status_code == 403
    ids = ",".join(str(pk) for pk in survey.responses.values_list("pk", flat=True))
    assert decide(client, survey, ids, "x").status_code == 403
    assert not ResponseReview.objects.exists()


def test_an_anonymous_visitor_is_sent_to_log_in_and_an_unknown_campaign_is_not_found(
    survey, inspector_client
):
    assert Client().get(url(survey))["Location"].startswith(reverse("login"))
    missing = reverse("selfsurvey:review_list", kwargs={"pk": survey.pk + 1000})
    assert inspector_client.get(missing).status_code == 404


def test_a_decision_without_a_reason_is_refused_and_writes_nothing(survey, inspector_client):
    ids, token = entries_on(inspector_client.get(url(survey)))[0]
    response = decide(english(inspector_client), survey, ids, token, reason="   ")
    assert response.status_code == 200
    assert "Give the reason for this decision" in response.content.decode()
    assert not ResponseReview.objects.exists()
    assert not Response.objects.filter(excluded=True).exists()


def test_a_decision_on_a_cluster_excludes_all_its_responses_with_the_reason_and_the_actor(
    survey, inspector, inspector_client
):
    client = english(inspector_client)
    ids, token = entries_on(client.get(url(survey)))[0]
    response = decide(client, survey, ids, token, reason="Isian massal oleh satu orang")
    assert response.status_code == 302 and response["Location"] == url(survey)
    members = [int(pk) for pk in ids.split(",")]
    assert set(Response.objects.filter(excluded=True).values_list("pk", flat=True)) == set(members)
    reviews = ResponseReview.objects.filter(response__in=members)
    assert reviews.count() == 20
    assert set(reviews.values_list("decision", "reason", "actor")) == {
        ("exclude", "Isian massal oleh satu orang", inspector.pk)
    }
    text = client.get(url(survey)).content.decode()
    assert "20 responses excluded" in text
    assert "Exclude from the scores</strong> · inspector" in text
    assert "Isian massal oleh satu orang" in text
    assert "22 of 27 responses flagged, 20 excluded after review" in text
    assert "The scores need computing again" in text


def test_a_stale_decision_is_refused_and_nothing_is_written(survey, inspector, inspector_client):
    client = english(inspector_client)
    ids, token = entries_on(client.get(url(survey)))[1]
    reviewing.response_review(
        actor=inspector,
        campaign=survey,
        responses=ids.split(","),
        decision=ReviewDecision.KEEP,
        reason="Jawaban wajar",
        expected_state=token,
    )
    response = decide(client, survey, ids, token, reason="Dari halaman lama")
    assert response.status_code == 200
    text = response.content.decode()
    assert "were decided on or changed since the page was shown" in text
    assert ">Dari halaman lama</textarea>" in text  # offered again on the fresh entry
    assert list(ResponseReview.objects.values_list("reason", flat=True)) == ["Jawaban wajar"]
    assert not Response.objects.filter(excluded=True).exists()


def test_a_decision_on_responses_of_another_campaign_is_refused(
    survey, inspector, inspector_client, opd_a
):
    other = make_campaign(inspector, [opd_a], name="Survei lain")
    stranger = add_responses(unit_of(other, opd_a, "internal"), [{"I01": 1}])[0]
    token = reviewing.state_token([(stranger.pk, False, None)])
    response = decide(english(inspector_client), survey, str(stranger.pk), token)
    assert response.status_code == 200
    assert "not all in this campaign" in response.content.decode()
    assert not ResponseReview.objects.exists()


def test_keeping_after_excluding_restores_the_response_and_keeps_both_reviews(
    survey, inspector_client
):
    client = english(inspector_client)
    ids, token = entries_on(client.get(url(survey)))[2]
    decide(client, survey, ids, token, ReviewDecision.EXCLUDE, "Terlalu cepat")
    assert Response.objects.get(pk=ids).excluded
    ids_again, token_again = entries_on(client.get(url(survey)))[2]
    assert ids_again == ids and token_again != token
    decide(client, survey, ids, token_again, ReviewDecision.KEEP, "Dicek: jawaban konsisten")
    assert not Response.objects.get(pk=ids).excluded
    history = ResponseReview.objects.filter(response_id=ids).order_by("pk")
    assert list(history.values_list("decision", "reason")) == [
        ("exclude", "Terlalu cepat"),
        ("keep", "Dicek: jawaban konsisten"),
    ]
    text = client.get(url(survey)).content.decode()
    assert "Dicek: jawaban konsisten" in text and "Terlalu cepat" not in text


def test_recomputing_from_the_review_page_counts_the_decisions_and_drops_the_banner(
    survey, inspector_client, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    client = english(inspector_client)
    ids, token = entries_on(client.get(url(survey)))[0]
    decide(client, survey, ids, token)
    assert reviewing.scores_are_stale(survey)
    page = client.get(url(survey)).content.decode()
    recompute = reverse("selfsurvey:job_start_recompute", kwargs={"pk": survey.pk})
    assert f'action="{recompute}"' in page  # the banner's button starts the background job
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(recompute)
    assert response.status_code == 302 and "/job/" in response["Location"]
    survey.refresh_from_db()
    assert not reviewing.scores_are_stale(survey)
    assert "The scores need computing again" not in client.get(url(survey)).content.decode()


def test_the_list_filters_by_flag_kind_by_opd_and_by_decision(survey, inspector_client, opd_b):
    client = english(inspector_client)

    def sizes(query):
        return [len(ids.split(",")) for ids, _ in entries_on(client.get(url(survey, query)))]

    assert sizes("?flag=identical_vectors") == [20]
    assert sizes("?flag=too_fast") == [1]
    assert sizes(f"?opd={opd_b.pk}") == [1, 1]
    ids, token = entries_on(client.get(url(survey)))[0]
    decide(client, survey, ids, token)
    assert sizes("?decision=excluded") == [20]
    assert sizes("?decision=awaiting") == [1, 1]
    assert sizes("?decision=kept") == []
    ids, token = entries_on(client.get(url(survey, "?flag=too_fast")))[0]
    decide(client, survey, ids, token, ReviewDecision.KEEP, "Pengisi cepat tapi wajar")
    assert sizes("?decision=kept") == [1]
    assert sizes("?decision=awaiting") == [1]
    assert sizes("?flag=too_fast&decision=excluded") == []


def test_a_burst_from_one_link_is_one_entry_showing_each_response_and_decided_at_once(
    survey, inspector, inspector_client, opd_a
):
    survey.burst_per_slot = 3
    survey.save()
    unit = unit_of(survey, opd_a, "external")
    slot = timezone.make_aware(datetime.datetime(2026, 3, 2, 9, 10))
    web = ResponseChannel.WEB
    burst = add_responses(
        unit, random_answers(unit, 3, seed=4), channel=web, received_slot=slot, duration_seconds=90
    )
    services.campaign_recompute(actor=inspector, campaign=survey)
    client = english(inspector_client)
    response = client.get(url(survey, "?flag=bursts"))
    text = response.content.decode()
    [(ids, token)] = entries_on(response)
    assert sorted(int(pk) for pk in ids.split(",")) == [r.pk for r in burst]
    assert "3 responses from one link" in text
    assert "burst from one link: 3 responses in the same ten minutes (flagged from 3)" in text
    assert text.count(">90</td>") == 3  # one table row per response, its seconds first
    decide(client, survey, ids, token, reason="Satu orang mengisi berulang kali")
    assert Response.objects.filter(excluded=True).count() == 3


def _fast_web_responses(campaign, opd, count, seed):
    unit = unit_of(campaign, opd, "internal")
    answers = random_answers(unit, count, seed=seed)
    add_responses(unit, answers, channel=ResponseChannel.WEB, duration_seconds=5)


def _queries_of_page(client, campaign, query=""):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(campaign, query))
    assert response.status_code == 200
    return len(queries), len(entries_on(response))


def test_the_list_costs_the_same_queries_whatever_its_size_and_is_paginated(
    survey, inspector, inspector_client, opd_a
):
    _queries_of_page(inspector_client, survey)  # warm: the permissions and the menu's count
    small = _queries_of_page(inspector_client, survey)
    _fast_web_responses(survey, opd_a, 60, seed=3)
    identical = dict.fromkeys(internal_codes(survey), 2) | {"I01": 4}
    add_responses(unit_of(survey, opd_a, "internal"), [identical] * 25)
    services.campaign_recompute(actor=inspector, campaign=survey)
    entries = list(reviewing.review_entries(survey))
    some = entries[:2]
    reviewing.response_review(
        actor=inspector,
        campaign=survey,
        responses=[row["first_id"] for row in some],
        decision=ReviewDecision.EXCLUDE,
        reason="Uji",
        expected_state=reviewing.state_token((row["first_id"], False, None) for row in some),
    )
    large = _queries_of_page(inspector_client, survey)
    assert large[0] == small[0]
    assert (small[1], large[1]) == (3, 25)
    assert len(entries) == 64
    assert _queries_of_page(inspector_client, survey, "?page=3")[1] == 14
