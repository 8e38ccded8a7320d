from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans import selectors, services
from actionplans.models import ActionPlan, PlanStatus, Recommendation
from tests.factories import indicator_score, make_plan, submit

pytestmark = pytest.mark.django_db


def _followup(client, year=2024):
    response = client.get(reverse("actionplans:round_followup", args=[year]))
    assert response.status_code == 200
    return response


def test_each_weak_indicator_lists_its_plans_and_one_without_is_flagged(
    inspector_client, bartim_2024, round_2024, home, opd_a
):
    indicator_score(round_2024, home, "TRN", "60.00")
    indicator_score(round_2024, home, "SDM", "65.00")
    indicator_score(round_2024, home, "PBJ", "80.00")
    trn = round_2024.dimensions.get(code="TRN")
    plan = make_plan(round_2024, opd_a, title="SOP layanan", indicators=[trn])
    response = _followup(inspector_client)
    points = {point.code: point for point in response.context["weak_points"]}
    assert set(points) == {"TRN", "SDM"}
    assert points["TRN"].plans == [plan]
    assert points["SDM"].plans == []
    page = response.content.decode()
    assert "no action plan yet" in page
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


def _title(html: str) -> str:
    return html.split("<title>", 1)[1].split("</title>", 1)[0]


def test_the_follow_up_page_has_its_own_title_and_does_not_repeat_the_round_page(
    inspector_client, bartim_2024, round_2024, opd_a
):
    make_plan(round_2024, opd_a)
    round_page = inspector_client.get(reverse("surveys:round_detail", args=[2024])).content
    followup = _followup(inspector_client).content.decode()
    round_page = round_page.decode()
    assert _title(followup) != _title(round_page)
    assert "<h1" in followup and "SPI 2024" in followup.split("<h1", 1)[1].split("</h1>", 1)[0]
    for round_block in ('id="groups"', 'id="whatif"', 'id="bands"', 'id="indicators"'):
        assert round_block in round_page
        assert round_block not in followup
    for followup_block in ('id="plan-states"', 'id="recommendation-coverage"', 'id="followup"'):
        assert followup_block in followup
        assert followup_block not in round_page
    assert reverse("surveys:round_detail", args=[2024]) in followup


def test_the_follow_up_counts_the_rounds_plans_by_state_and_the_overdue_ones(
    inspector_client, bartim_2024, round_2024, opd_a, opd_b
):
    make_plan(round_2024, opd_a, title="Berjalan", due_date=date(2030, 1, 1))
    make_plan(round_2024, opd_a, title="Terlambat", due_date=date(2025, 6, 30))
    make_plan(round_2024, opd_b, title="Konsep", status=PlanStatus.DRAFT, due_date=date(2030, 1, 1))
    response = _followup(inspector_client)
    states = response.context["plan_states"]
    counts = {row.status: row.count for row in states["rows"]}
    assert counts[PlanStatus.ACTIVE] == 2
    assert counts[PlanStatus.DRAFT] == 1
    assert (states["total"], states["overdue"]) == (3, 1)
    page = response.content.decode()
    plan_list = reverse("actionplans:plan_list")
    assert f"{plan_list}?round=2024&amp;status=active" in page
    assert f"{plan_list}?round=2024&amp;overdue=on" in page


def test_an_opd_head_counts_only_the_plans_of_their_own_opd(
    head_a_client, published_2024, opd_a, opd_b
):
    make_plan(published_2024, opd_a, title="Milik A")
    make_plan(published_2024, opd_b, title="Milik B")
    assert _followup(head_a_client).context["plan_states"]["total"] == 1


def test_the_follow_up_counts_recommendations_under_way_apart_from_drafts(
    inspector_client, bartim_2024, round_2024, opd_a
):
    under_way = Recommendation.objects.create(round=round_2024, code="R1", text="PBJ")
    drafted = Recommendation.objects.create(round=round_2024, code="R2", text="WBS")
    Recommendation.objects.create(round=round_2024, code="R3", text="Gratifikasi")
    make_plan(round_2024, opd_a, recommendations=[under_way])
    make_plan(round_2024, opd_a, status=PlanStatus.DRAFT, recommendations=[drafted])
    assert _followup(inspector_client).context["recommendations_covered"] == 1


def _followup_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        _followup(client)
    return len(captured)


def test_the_follow_up_page_costs_the_same_queries_with_more_plans(
    inspector_client, bartim_2024, round_2024, opd_a, opd_b
):
    recommendation = Recommendation.objects.create(round=round_2024, code="R1", text="PBJ")
    make_plan(round_2024, opd_a, recommendations=[recommendation])
    _followup_queries(inspector_client)  # warm: the permissions cached
    few = _followup_queries(inspector_client)
    for n in range(8):
        make_plan(round_2024, (opd_a, opd_b)[n % 2], title=f"Rencana {n}", weight=n + 1)
    _followup_queries(inspector_client)  # warm again: the menu's count cached
    assert _followup_queries(inspector_client) == few
