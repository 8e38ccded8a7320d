from decimal import Decimal

import pytest
from django.urls import reverse

from actionplans import selectors, services
from actionplans.models import ActionPlan, PlanStatus, Recommendation
from surveys.models import IndicatorScore
from tests.actionplans.conftest import make_plan, submit

pytestmark = pytest.mark.django_db


def _score(survey_round, home, code, score):
    return IndicatorScore.objects.create(
        round=survey_round,
        institution=home,
        group="internal",
        dimension=survey_round.dimensions.get(code=code),
        score=Decimal(score),
    )


def _followup(client, year=2024):
    response = client.get(reverse("actionplans:round_followup", args=[year]))
    assert response.status_code == 200
    return response


def test_each_weak_indicator_lists_its_plans_and_one_without_is_flagged(
    inspector_client, bartim_2024, round_2024, home, opd_a
):
    _score(round_2024, home, "TRN", "60.00")
    _score(round_2024, home, "SDM", "65.00")
    _score(round_2024, home, "PBJ", "80.00")
    trn = round_2024.dimensions.get(code="TRN")
    plan = make_plan(round_2024, opd_a, title="SOP layanan", indicators=[trn])
    response = _followup(inspector_client)
    points = {point.code: point for point in response.context["weak_points"]}
    assert set(points) == {"TRN", "SDM"}
    assert points["TRN"].plans == [plan]
    assert points["SDM"].plans == []
    page = response.content.decode()
    assert "belum ada rencana aksi" in page
    assert reverse("actionplans:plan_create") + "?round=2024&amp;indicator=SDM" in page


def test_without_indicator_scores_the_weakest_group_is_the_weak_point(
    inspector_client, bartim_2024, round_2024, opd_a
):
    plan = make_plan(round_2024, opd_a, respondent_group="expert")
    make_plan(round_2024, opd_a, title="Untuk internal", respondent_group="internal")
    (point,) = _followup(inspector_client).context["weak_points"]
    assert (point.code, point.group, point.plans) == ("", "expert", [plan])


def test_opd_heads_see_no_create_link(head_a_client, published_2024):
    assert "?round=2024" not in _followup(head_a_client).content.decode()


def test_the_round_page_links_to_the_follow_up(inspector_client, bartim_2024):
    page = inspector_client.get(reverse("surveys:round_detail", args=[2024])).content.decode()
    assert reverse("actionplans:round_followup", args=[2024]) in page


def test_the_follow_up_rate_counts_recommendations_with_a_done_and_verified_plan(
    inspector_client, bartim_2024, round_2024, opd_a, head_a, inspector
):
    followed = Recommendation.objects.create(round=round_2024, code="R1", text="Perbaiki PBJ")
    pending = Recommendation.objects.create(round=round_2024, code="R2", text="Kanal WBS")
    done = make_plan(round_2024, opd_a, recommendations=[followed])
    make_plan(round_2024, opd_a, title="Belum", recommendations=[pending])
    services.report_accept(actor=inspector, report=submit(done, head_a, percent=100))
    rate = _followup(inspector_client).context["follow_up"]
    assert rate == {"followed": 1, "total": 2, "rate": Decimal("50.0")}


def test_a_plan_marked_done_without_verification_does_not_count_as_followed_up(round_2024, opd_a):
    recommendation = Recommendation.objects.create(round=round_2024, code="R1", text="x")
    make_plan(round_2024, opd_a, status=PlanStatus.DONE, recommendations=[recommendation])
    assert selectors.follow_up_rate(round_2024)["followed"] == 0


def test_rollups_are_weighted_and_leave_out_plans_without_an_accepted_report(
    inspector_client, bartim_2024, round_2024, opd_a, opd_b
):
    light = make_plan(round_2024, opd_a, title="Ringan", weight=1)
    heavy = make_plan(round_2024, opd_a, title="Berat", weight=3)
    make_plan(round_2024, opd_b, title="Belum dilaporkan")
    cancelled = make_plan(round_2024, opd_b, title="Batal", status=PlanStatus.CANCELLED)
    ActionPlan.objects.filter(pk=light.pk).update(verified_progress=40)
    ActionPlan.objects.filter(pk=heavy.pk).update(verified_progress=80)
    ActionPlan.objects.filter(pk=cancelled.pk).update(verified_progress=0)
    response = _followup(inspector_client)
    overall = response.context["rollup_round"]
    assert (overall.progress, overall.plans, overall.left_out) == (Decimal("70.00"), 3, 1)
    by_opd = {row.label: row for row in response.context["rollup_opd"]}
    assert by_opd["Dinas Kesehatan"].progress == Decimal("70.00")
    assert (by_opd["Dinas Pendidikan"].progress, by_opd["Dinas Pendidikan"].left_out) == (None, 1)
    assert "1 plan without an accepted report is left out" in response.content.decode()


def test_the_inspector_records_a_recommendation_once_per_code(inspector_client, round_2024):
    url = reverse("actionplans:recommendations", args=[2024])
    assert inspector_client.post(url, {"code": "R-01", "text": "Merit"}).status_code == 302
    again = inspector_client.post(url, {"code": "R-01", "text": "Lagi"})
    assert again.status_code == 200
    assert "already has a recommendation R-01" in again.content.decode()
    assert Recommendation.objects.get(round=round_2024).text == "Merit"
