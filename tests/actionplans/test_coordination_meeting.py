"""The coordination meeting (rapat koordinasi): one screen of the round's weak indicators and KPK
recommendations in force, each with its plans, where the Inspectorate assigns each to an OPD as
a draft plan in one click."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans import services
from actionplans.models import OPD, ActionPlan, PlanStatus, Recommendation
from tests.factories import indicator_score, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(bartim_2024, round_2024, home):
    """SPI 2024 with TRN weak for two groups, SDM weak, PBJ strong, and two recommendations
    (one withdrawn)."""
    indicator_score(round_2024, home, "TRN", "60.00")
    indicator_score(round_2024, home, "TRN", "62.50", group="expert")
    indicator_score(round_2024, home, "SDM", "65.00")
    indicator_score(round_2024, home, "PBJ", "95.00")
    Recommendation.objects.create(round=round_2024, code="R-01", text="Terapkan sistem merit")
    withdrawn = Recommendation.objects.create(round=round_2024, code="R-09", text="Ditarik")
    services.recommendation_withdraw(actor=_inspector(), recommendation=withdrawn, reason="Salah")
    return round_2024


def _inspector():
    from tests.factories import inspectorate_account

    return inspectorate_account("kpk-desk")


def _url(year=2024):
    return reverse("actionplans:round_meeting", args=[year])


def test_it_lists_the_weak_indicators_with_scores_and_gap_and_the_recommendations_in_force(
    inspector_client, meeting
):
    response = inspector_client.get(_url())
    assert response.status_code == 200
    rows = response.context["indicator_rows"]
    assert [row.indicator.code for row in rows] == ["TRN", "SDM"]
    assert [(weak.group, weak.score) for weak in rows[0].scores] == [
        ("internal", Decimal("60.00")),
        ("expert", Decimal("62.50")),
    ]
    recommendations = [row.recommendation.code for row in response.context["recommendation_rows"]]
    assert recommendations == ["R-01"]
    page = response.content.decode()
    assert "Terapkan sistem merit" in page
    assert "Ditarik" not in page
    first = rows[0].scores[0]
    assert f"gap to {first.band.label_en}: {first.gap}" in page


def test_each_row_shows_its_plans_in_any_state_with_drafts_marked(inspector_client, meeting, opd_a):
    trn = meeting.dimensions.get(code="TRN")
    active = make_plan(meeting, opd_a, title="SOP aktif", indicators=[trn])
    draft = make_plan(meeting, opd_a, title="SOP konsep", indicators=[trn], status=PlanStatus.DRAFT)
    response = inspector_client.get(_url())
    trn_row = response.context["indicator_rows"][0]
    assert set(trn_row.plans) == {active, draft}
    page = response.content.decode()
    assert "SOP konsep" in page and (">Draft<" in page or ">Draf<" in page)


def test_assign_creates_a_draft_linked_to_the_indicator_for_the_chosen_opds(
    inspector_client, inspector, meeting, opd_a, opd_b
):
    trn = meeting.dimensions.get(code="TRN")
    response = inspector_client.post(
        _url(),
        {
            "indicator": trn.pk,
            "owner_opd": opd_a.pk,
            "supporting_opds": [opd_b.pk, opd_a.pk],
            "row": f"ind-{trn.pk}",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"{_url()}#ind-{trn.pk}")
    plan = ActionPlan.objects.get()
    assert plan.status == PlanStatus.DRAFT
    assert (plan.owner_opd, list(plan.supporting_opds.all())) == (opd_a, [opd_b])
    assert list(plan.indicators.all()) == [trn]
    assert plan.title.startswith("TRN ")
    assert "TRN" in plan.finding
    assert plan.created_by == inspector
    assert plan.history.get().history_user == inspector


def test_assign_creates_a_draft_linked_to_the_recommendation(inspector_client, meeting, opd_b):
    recommendation = Recommendation.objects.get(code="R-01")
    inspector_client.post(_url(), {"recommendation": recommendation.pk, "owner_opd": opd_b.pk})
    plan = ActionPlan.objects.get()
    assert list(plan.recommendations.all()) == [recommendation]
    assert plan.title == "R-01: Terapkan sistem merit"
    assert "Terapkan sistem merit" in plan.finding
    assert (plan.owner_opd, plan.status) == (opd_b, PlanStatus.DRAFT)


def test_the_assigned_draft_reaches_its_opd_and_nobody_else(
    inspector_client, meeting, opd_a, head_a_client, head_b_client
):
    trn = meeting.dimensions.get(code="TRN")
    inspector_client.post(_url(), {"indicator": trn.pk, "owner_opd": opd_a.pk})
    plan = ActionPlan.objects.get()
    assert plan in head_a_client.get(reverse("actionplans:plan_list")).context["plans"]
    assert head_a_client.get(plan.get_absolute_url()).status_code == 200
    assert head_b_client.get(plan.get_absolute_url()).status_code == 404
    assert plan not in head_b_client.get(reverse("actionplans:plan_list")).context["plans"]
    worklist = head_a_client.get(reverse("actionplans:my_plans")).context["worklist"]
    assert worklist["to_complete"] == [plan]


@pytest.mark.parametrize(
    "data",
    [
        {"owner_opd": ""},  # no OPD chosen
        {"owner_opd": 999999},
        {},  # nothing to assign
    ],
    ids=["no OPD", "unknown OPD", "nothing"],
)
def test_it_refuses_an_incomplete_assignment_with_a_message(inspector_client, meeting, data):
    trn = meeting.dimensions.get(code="TRN")
    base = {"indicator": trn.pk} if data else {"owner_opd": OPD.objects.create(code="X").pk}
    response = inspector_client.post(_url(), base | data, follow=True)
    assert response.status_code == 200
    assert list(response.context["messages"])[0].level_tag == "error"
    assert not ActionPlan.objects.exists()


def test_it_refuses_a_withdrawn_recommendation_or_another_rounds_indicator(
    inspector_client, meeting, methodology, opd_a
):
    withdrawn = Recommendation.objects.get(code="R-09")
    other = methodology[2023].dimensions.first()
    inspector_client.post(_url(), {"recommendation": withdrawn.pk, "owner_opd": opd_a.pk})
    inspector_client.post(_url(), {"indicator": other.pk, "owner_opd": opd_a.pk})
    assert not ActionPlan.objects.exists()


def test_opd_heads_may_neither_open_nor_post_the_meeting(head_a_client, meeting, opd_a):
    trn = meeting.dimensions.get(code="TRN")
    assert head_a_client.get(_url()).status_code == 403
    response = head_a_client.post(_url(), {"indicator": trn.pk, "owner_opd": opd_a.pk})
    assert response.status_code == 403
    assert not ActionPlan.objects.exists()


def test_the_follow_up_page_links_the_inspectorate_to_the_meeting(
    inspector_client, head_a_client, meeting
):
    followup = reverse("actionplans:round_followup", args=[2024])
    assert _url() in inspector_client.get(followup).content.decode()
    assert _url() not in head_a_client.get(followup).content.decode()


def _grow(meeting, size):
    """`size` OPDs, recommendations and plans (each with indicators, a recommendation and
    supporting OPDs)."""
    trn, sdm = meeting.dimensions.get(code="TRN"), meeting.dimensions.get(code="SDM")
    for n in range(size):
        opd = OPD.objects.create(code=f"OPD{size}-{n}", name=f"Dinas {size}-{n}")
        recommendation = Recommendation.objects.create(
            round=meeting, code=f"S{size}-{n}", text=f"Rekomendasi {n}"
        )
        make_plan(
            meeting,
            opd,
            title=f"Rencana {n}",
            indicators=[trn, sdm],
            recommendations=[recommendation],
            supporting_opds=[opd],
            status=PlanStatus.DRAFT if n % 2 else PlanStatus.ACTIVE,
        )


def _queries(client):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(_url()).status_code == 200
    return len(captured)


MEETING_QUERIES = 15


def test_the_meeting_screen_queries_are_pinned_and_constant_in_data_size(inspector_client, meeting):
    _grow(meeting, 1)
    _queries(inspector_client)  # warm: the permissions cached
    small = _queries(inspector_client)
    _grow(meeting, 10)
    _queries(inspector_client)  # warm again: the menu's count cached
    large = _queries(inspector_client)
    assert small == large == MEETING_QUERIES
