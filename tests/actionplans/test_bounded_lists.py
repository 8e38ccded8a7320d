"""The staff lists stay bounded as data grows: pages of the verification queue, the first rows
of the work desk and the OPD home with a link to the rest, the same queries at 1x and 10x,
and (on PostgreSQL) the list queries read an index at 10x the benchmark's data."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actionplans import access, selectors
from actionplans.models import ActionPlan, Milestone, PlanStatus, ProgressReport, ReportStatus
from tests.factories import cold_and_warm_queries, make_plan, submit

pytestmark = pytest.mark.django_db

LONG_AGO = date(2025, 1, 31)


def _plans(survey_round, opd, count, *, status=PlanStatus.ACTIVE, due=date(2025, 12, 31)):
    return ActionPlan.objects.bulk_create(
        ActionPlan(
            round=survey_round,
            title=f"Rencana {status} {n}",
            finding="f",
            activity="a",
            start_date=date(2025, 1, 1),
            due_date=due + timedelta(days=n % 30),
            owner_opd=opd,
            status=status,
        )
        for n in range(count)
    )


def _pending_reports(plans, reporter):
    start = timezone.now() - timedelta(days=30)
    return ProgressReport.objects.bulk_create(
        ProgressReport(
            plan=plan,
            reporter=reporter,
            percent=10,
            narrative="n",
            submitted_at=start + timedelta(minutes=n),
        )
        for n, plan in enumerate(plans)
    )


def _get(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(captured)


# --- the verification queue ----------------------------------------------------------------------


def test_the_queue_pages_every_waiting_report_oldest_first(
    inspector_client, round_2024, opd_a, head_a
):
    reports = _pending_reports(_plans(round_2024, opd_a, 120), head_a)
    url = reverse("actionplans:verification_queue")
    seen = []
    for number in (1, 2, 3):
        response, _ = _get(inspector_client, f"{url}?page={number}")
        seen += [report.pk for report in response.context["reports"]]
    assert seen == [report.pk for report in reports]
    first = inspector_client.get(url).content.decode()
    assert "Page 1 of 3" in first and 'href="?page=2"' in first
    assert reverse("actionplans:report_verify", args=[reports[0].pk]) in first
    assert reverse("actionplans:report_verify", args=[reports[50].pk]) not in first


# cold: session, user, the generations (survey, plan and access data: the permissions and the user's
# OPD are cached under the last), count, page (evidence counted in it), the menu's waiting count,
# unread notifications; warm (the content cached under the generations, the reader and the day):
# session, user, the generations, unread notifications
QUEUE_QUERIES = (7, 4)


def test_the_queue_takes_the_same_queries_at_1x_and_10x_data(
    inspector_client, round_2024, opd_a, head_a
):
    url = reverse("actionplans:verification_queue")
    _pending_reports(_plans(round_2024, opd_a, 12), head_a)
    _get(inspector_client, url)  # the permissions cached
    assert cold_and_warm_queries(inspector_client, url) == QUEUE_QUERIES
    _pending_reports(_plans(round_2024, opd_a, 108), head_a)
    assert cold_and_warm_queries(inspector_client, url) == QUEUE_QUERIES


def test_a_queue_row_counts_its_files_and_marks_a_revision(inspector_client, plan_a, head_a):
    submit(plan_a, head_a)
    [row] = _get(inspector_client, reverse("actionplans:verification_queue"))[0].context["reports"]
    assert row.evidence_count == 1
    assert row.verify_url == reverse("actionplans:report_verify", args=[row.pk])
    assert row.plan_url == plan_a.get_absolute_url()


# --- the work desk -------------------------------------------------------------------------------


def test_the_desk_shows_the_first_rows_of_each_list_with_their_totals(
    inspector_client, round_2024, opd_a, head_a
):
    late = _plans(round_2024, opd_a, 25, due=LONG_AGO)
    Milestone.objects.bulk_create(
        Milestone(plan=plan, title=f"Tahap {n}", due_date=LONG_AGO) for n, plan in enumerate(late)
    )
    _pending_reports(late, head_a)
    response, _ = _get(inspector_client, reverse("actionplans:desk"))
    context = response.context
    for name in ("waiting", "overdue_plans", "overdue_milestones"):
        assert len(context[name]) == selectors.HOME_LIST_LENGTH
        assert context[f"{name}_total"] == 25
    page = response.content.decode()
    assert page.count('class="mt-2 see-all"') == 3
    assert "See all 25" in page
    assert f'href="{reverse("actionplans:plan_list")}?state=overdue&amp;round=all"' in page
    plans = inspector_client.get(reverse("actionplans:plan_list"), {"state": "overdue"})
    assert plans.context["page"].paginator.count == 25


# --- the OPD home --------------------------------------------------------------------------------


def test_the_opd_home_shows_its_first_cards_and_links_to_the_rest(head_a_client, round_2024, opd_a):
    _plans(round_2024, opd_a, 30)
    _plans(round_2024, opd_a, 3, status=PlanStatus.DONE, due=date(2025, 1, 1))
    _plans(round_2024, opd_a, 12, status=PlanStatus.DRAFT)
    _plans(round_2024, opd_a, 2, status=PlanStatus.SUBMITTED)
    response, _ = _get(head_a_client, reverse("actionplans:my_plans"))
    context = response.context
    assert (len(context["plans"]), context["plans_total"]) == (selectors.OPD_HOME_CARDS, 33)
    assert all(plan.status == PlanStatus.ACTIVE for plan in context["plans"])  # done ones last
    worklist = context["worklist"]
    assert (len(worklist["to_complete"]), worklist["to_complete_total"]) == (10, 12)
    assert (len(worklist["submitted"]), worklist["submitted_total"]) == (2, 2)
    page = response.content.decode()
    assert "12 of 33 shown" in page
    assert f"?opd={opd_a.code}&amp;round=all" in page
    assert "All 12 drafts" in page


def test_the_cards_may_be_reported_on_only_where_the_rules_allow(
    head_a_client, head_a, round_2024, opd_a
):
    make_plan(round_2024, opd_a, title="Berjalan")
    [done] = _plans(round_2024, opd_a, 1, status=PlanStatus.DONE)
    cards = _get(head_a_client, reverse("actionplans:my_plans"))[0].context["plans"]
    for card in cards:
        assert card.can_report == access.allows(head_a, "report", card)
    assert {card.title: card.can_report for card in cards} == {"Berjalan": True, done.title: False}


# --- plan detail ---------------------------------------------------------------------------------


DETAIL_USERS = ("inspector", "head_a", "head_b", "dual_role")


@pytest.mark.parametrize("status", [PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.ACTIVE])
def test_the_rights_loaded_with_the_plan_are_the_rules_answers(
    request, round_2024, opd_a, opd_b, status
):
    plan = make_plan(round_2024, opd_a)
    plan.supporting_opds.add(opd_b)
    ActionPlan.objects.filter(pk=plan.pk).update(status=status)
    plan.refresh_from_db()
    for name in DETAIL_USERS:
        user = request.getfixturevalue(name)
        user = get_user_model().objects.get(pk=user.pk)  # fresh permission cache
        loaded = selectors.plans_for_detail(user).filter(pk=plan.pk).first()
        if loaded is None:
            assert not access.allows(user, "view", plan)
            continue
        for action in selectors.DETAIL_RIGHTS:
            assert getattr(loaded, f"can_{action}") == access.allows(user, action, plan), (
                name,
                action,
            )


# cold: session, user, the generations (survey, plan and access data: the permissions and the user's
# OPD are cached under the last), the plan with its rights, milestones, indicators, recommendations,
# supporting OPDs, the timeline (reports, their files and decisions, the plan's history),
# successors, reviews, the menu's waiting count, unread notifications; warm (the content cached
# under the generations, the reader and the day): session, user, the generations, unread
# notifications
DETAIL_QUERIES = (17, 4)


def test_plan_detail_takes_the_same_queries_at_1x_and_10x_data(
    inspector_client, round_2024, opd_a, head_a, inspector
):
    counts = []
    for scale in (1, 10):
        plan = make_plan(round_2024, opd_a, title=f"Rinci {scale}")
        for n in range(scale):
            Milestone.objects.create(plan=plan, title=f"Tahap {n}", due_date=LONG_AGO)
            submit(plan, head_a, percent=10 + n)
        inspector_client.get(plan.get_absolute_url())  # the permissions cached
        counts.append(cold_and_warm_queries(inspector_client, plan.get_absolute_url()))
    assert counts == [DETAIL_QUERIES, DETAIL_QUERIES]


# --- indexes, at 10x the benchmark's data (PostgreSQL's planner) ----------------------------------

BENCHMARK_PLANS = 10 * 1000  # 10 rounds of 1,000 plans
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the index check reads PostgreSQL's EXPLAIN: runs in CI's PostgreSQL pass "
    "(DATABASE_URL=postgres://...)",
)


def _explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def ten_times_the_benchmark(round_2024, opd_a, opd_b, head_a):
    """100,000 plans over two OPDs, a report on every tenth plan (a fifth of them waiting)."""
    plans = []
    for opd in (opd_a, opd_b):
        for status in (PlanStatus.ACTIVE, PlanStatus.DONE):
            chunk = _plans(round_2024, opd, 10 * BENCHMARK_PLANS // 4, status=status)
            plans += chunk
    reports = _pending_reports(plans[::10], head_a)
    accepted = [report.pk for n, report in enumerate(reports) if n % 5]
    ProgressReport.objects.filter(pk__in=accepted).update(status=ReportStatus.ACCEPTED)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return len(plans)


@on_postgresql
def test_the_lists_read_their_first_page_through_an_index_at_10x_data(
    ten_times_the_benchmark, inspector, opd_a
):
    assert ten_times_the_benchmark == 10 * BENCHMARK_PLANS
    every_opd = _explain(selectors.plans_for_list(inspector)[:50])
    assert "plan_due" in every_opd, every_opd
    one_opd = _explain(selectors.plans_for_list(inspector, filters={"opd": opd_a})[:50])
    assert "plan_opd_due" in one_opd, one_opd
    queue = _explain(selectors.verification_queue(inspector)[:50])
    assert "report_status_submitted" in queue, queue
    waiting = selectors.waiting_reports(inspector).order_by("submitted_at", "pk")[:10]
    assert "report_status_submitted" in _explain(waiting)
