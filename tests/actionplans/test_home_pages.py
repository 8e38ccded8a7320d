"""The first page after login, by role: the Inspectorate's work desk across every round, the
OPD's plan cards, and the current follow-up round they (and the overview) open on."""

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans import selectors, services
from actionplans.models import ActionPlan, Milestone, PlanStatus, Recommendation
from surveys import services as survey_services
from surveys.models import PortalSettings, RoundStatus
from tests.factories import cold_and_warm_queries, make_plan, submit

pytestmark = pytest.mark.django_db

OVERDUE = date(2025, 6, 30)  # the tests run after it: a plan of SPI 2024 due then is late
LATER = date.today() + timedelta(days=200)


def _publish(survey_round):
    survey_round.status = RoundStatus.PUBLISHED
    survey_round.save(update_fields=["status"])
    return survey_round


def _page(client, name, **query):
    response = client.get(reverse(name), query)
    assert response.status_code == 200
    return response


def _milestone(plan, title, due_date, actor):
    return services.milestone_create(actor=actor, plan=plan, title=title, due_date=due_date)


# --- the current follow-up round -------------------------------------------------------------


def test_it_defaults_to_the_latest_published_round_with_recommendations_or_plans(
    methodology, opd_a, inspector
):
    _publish(methodology[2023])
    _publish(methodology[2024])
    _publish(methodology[2025])
    assert selectors.current_round(inspector) == methodology[2025]  # nothing anywhere: latest
    Recommendation.objects.create(round=methodology[2023], code="R-01", text="Aktifkan UPG")
    assert selectors.current_round(inspector) == methodology[2023]
    make_plan(methodology[2024], opd_a)
    assert selectors.current_round(inspector) == methodology[2024]
    make_plan(methodology[2021], opd_a)  # a draft round is never the default
    assert selectors.current_round(inspector) == methodology[2024]


def test_the_inspectorate_chooses_the_current_round_and_the_choice_is_kept_in_history(
    inspector_client, inspector, methodology, opd_a
):
    _publish(methodology[2023])
    _publish(methodology[2024])
    make_plan(methodology[2024], opd_a)
    page = _page(inspector_client, "portal_settings")
    assert "SPI 2024" in page.content.decode()  # the default, said
    response = inspector_client.post(
        reverse("portal_settings"), {"version": 1, "current_round": 2023}
    )
    assert response.status_code == 302
    assert selectors.current_round(inspector) == methodology[2023]
    settings_row = PortalSettings.load()
    assert settings_row.history.first().history_user == inspector
    stale = inspector_client.post(reverse("portal_settings"), {"version": 1, "current_round": ""})
    assert stale.status_code == 409
    assert selectors.current_round(inspector) == methodology[2023]


def test_only_a_published_round_can_be_current_and_an_unpublished_choice_falls_back(
    inspector, methodology, opd_a
):
    _publish(methodology[2024])
    with pytest.raises(Exception, match="published"):
        survey_services.portal_settings_update(
            actor=inspector, version=1, current_round=methodology[2025]
        )
    _publish(methodology[2023])
    survey_services.portal_settings_update(
        actor=inspector, version=1, current_round=methodology[2023]
    )
    methodology[2023].status = RoundStatus.DRAFT
    methodology[2023].save(update_fields=["status"])
    assert selectors.current_round(inspector) == methodology[2024]


def test_an_opd_head_may_not_change_the_settings(head_a_client, head_a, methodology):
    assert head_a_client.get(reverse("portal_settings")).status_code == 403
    with pytest.raises(PermissionDenied):
        survey_services.portal_settings_update(actor=head_a, version=1, current_round=None)


def test_the_overview_and_the_public_page_open_on_the_current_round(
    inspector_client, client, inspector, published_2024, methodology, home, opd_a
):
    from tests.national_world import make_result as add_result

    _publish(methodology[2025])
    add_result(methodology[2025], home, "70", "80", "60", "70")
    make_plan(published_2024, opd_a)
    assert _page(inspector_client, "dashboard").context["round"] == published_2024
    assert "SPI 2024" in client.get("/").content.decode()
    survey_services.portal_settings_update(
        actor=inspector, version=1, current_round=methodology[2025]
    )
    assert _page(inspector_client, "dashboard").context["round"] == methodology[2025]


# --- where people land ---------------------------------------------------------------------


def test_the_inspectorate_lands_on_its_work_desk_and_an_opd_head_on_the_plans(
    inspector_client, head_a_client
):
    assert inspector_client.get(reverse("home")).url == reverse("actionplans:desk")
    assert head_a_client.get(reverse("home")).url == reverse("actionplans:my_plans")


# --- the Inspectorate's work desk --------------------------------------------------------------


@pytest.fixture
def two_rounds(methodology, opd_a, opd_b, head_a, head_b, inspector):
    """Work waiting in SPI 2024 and in SPI 2025: reports, a returned one, late plans and
    milestones."""
    rounds = [methodology[2024], methodology[2025]]
    work = {"waiting": [], "overdue_plans": [], "overdue_milestones": [], "returned": []}
    for survey_round in rounds:
        year = survey_round.year
        late = make_plan(survey_round, opd_a, title=f"Terlambat {year}", due_date=OVERDUE)
        work["overdue_plans"].append(late)
        on_time = make_plan(survey_round, opd_b, title=f"Tepat waktu {year}", due_date=LATER)
        work["overdue_milestones"].append(
            _milestone(on_time, f"Triwulan I {year}", date(2025, 3, 31), inspector)
        )
        _milestone(on_time, f"Triwulan IV {year}", LATER, inspector)
        work["waiting"].append(submit(late, head_a))
        returned = submit(on_time, head_b, percent=40)
        services.report_return(actor=inspector, report=returned, note=f"Lampirkan SK {year}")
        work["returned"].append(returned)
    return work


def test_the_desk_links_every_waiting_report_and_late_plan_and_milestone_of_every_round(
    inspector_client, two_rounds
):
    response = _page(inspector_client, "actionplans:desk")
    page = response.content.decode()
    for report in two_rounds["waiting"]:
        assert reverse("actionplans:report_verify", args=[report.pk]) in page
    for plan in two_rounds["overdue_plans"]:
        assert f'href="{plan.get_absolute_url()}"' in page
    for milestone in two_rounds["overdue_milestones"]:
        assert f'href="{milestone.plan.get_absolute_url()}#milestones"' in page
        assert milestone.title in page
    assert "Triwulan IV" not in page  # not due yet
    for report in two_rounds["returned"]:
        assert f"Lampirkan SK {report.plan.round.year}" in page
    context = response.context
    assert [r.pk for r in context["waiting"]] == [r.pk for r in two_rounds["waiting"]]
    assert all(report.age_days == 0 for report in context["waiting"])


def test_the_waiting_reports_are_oldest_first_with_their_age(
    inspector_client, two_rounds, inspector
):
    newest, oldest = two_rounds["waiting"]
    type(oldest).objects.filter(pk=oldest.pk).update(
        submitted_at=oldest.submitted_at - timedelta(days=9)
    )
    waiting = _page(inspector_client, "actionplans:desk").context["waiting"]
    assert [(r.pk, r.age_days) for r in waiting] == [(oldest.pk, 9), (newest.pk, 0)]


def test_each_count_links_to_the_list_it_counts(inspector_client, two_rounds):
    page = _page(inspector_client, "actionplans:desk").content.decode()
    plan_list = reverse("actionplans:plan_list")
    expected = {
        "overdue": {p.pk for p in two_rounds["overdue_plans"]},
        "milestone_overdue": {m.plan_id for m in two_rounds["overdue_milestones"]},
        "returned": {r.plan_id for r in two_rounds["returned"]},
        "waiting": {r.plan_id for r in two_rounds["waiting"]},
    }
    for state, plan_ids in expected.items():
        if state != "waiting":
            assert f'href="{plan_list}?state={state}&amp;round=all"' in page
        listed = _page(inspector_client, "actionplans:plan_list", state=state, round="all")
        assert {plan.pk for plan in listed.context["plans"]} == plan_ids
    assert f'href="{reverse("actionplans:verification_queue")}"' in page


def test_a_returned_report_answered_by_a_new_one_leaves_the_desk(
    inspector_client, two_rounds, head_b
):
    answered = two_rounds["returned"][0]
    submit(answered.plan, head_b, percent=50)
    returned = _page(inspector_client, "actionplans:desk").context["returned"]
    assert [r.pk for r in returned] == [two_rounds["returned"][1].pk]


def test_the_desk_lists_weak_points_and_recommendations_no_active_plan_answers(
    inspector_client, published_2024, opd_a
):
    recommendation = Recommendation.objects.create(round=published_2024, code="R-06", text="UPG")
    answered = Recommendation.objects.create(round=published_2024, code="R-01", text="SOP")
    make_plan(published_2024, opd_a, recommendations=[answered], respondent_group="expert")
    draft = make_plan(published_2024, opd_a, title="Konsep", status=PlanStatus.DRAFT)
    draft.recommendations.add(recommendation)
    context = _page(inspector_client, "actionplans:desk").context
    [group] = context["uncovered_recommendations"]
    assert [(r.code, r.n_drafts) for r in group["items"]] == [("R-06", 1)]
    assert context["uncovered_weak_points"] == []  # the expert group's plan is active
    ActionPlan.objects.filter(respondent_group="expert").update(status=PlanStatus.DRAFT)
    services.plan_data_changed()  # as the services announce their writes
    [point] = _page(inspector_client, "actionplans:desk").context["uncovered_weak_points"]
    assert (point.group, point.draft_count) == ("expert", 1)


def test_the_menu_shows_the_waiting_count_to_verifiers_only(
    inspector_client, head_a_client, two_rounds
):
    page = _page(inspector_client, "dashboard").content.decode()
    assert '<span class="badge rounded-pill text-bg-warning" id="menu-waiting-count">2' in page
    assert "menu-waiting-count" not in _page(head_a_client, "dashboard").content.decode()


def _queries(client, name) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse(name)).status_code == 200
    if QUERY_LOG:
        print("\n".join(q["sql"][:160] for q in captured.captured_queries))
    return len(captured)


QUERY_LOG = False


def _more_work(methodology, opd_a, head_a, inspector, start, times):
    for n in range(start, start + times):
        plan = make_plan(methodology[2024], opd_a, title=f"Rencana {n}", due_date=OVERDUE)
        _milestone(plan, f"Tahap {n}", date(2025, 3, 31), inspector)
        report = submit(plan, head_a, percent=10)
        services.report_return(actor=inspector, report=report, note="Kurang bukti")
        submit(plan, head_a, percent=20)
        Recommendation.objects.create(round=methodology[2024], code=f"R-{n}", text="Teks")


# cold: session, user, the generations (survey, plan and access data: the permissions and the user's
# OPD are cached under the last), the follow-up part (current round, weak points and recommendations
# without a plan), the four lists' totals, their first rows (waiting reports, returned reports and
# their decisions, overdue plans, overdue milestones), the menu's waiting count, unread
# notifications; warm (the content cached under the generations, the reader and the day): session,
# user, the generations, unread notifications
DESK_QUERIES = (20, 4)


def test_the_desk_costs_the_same_queries_at_1x_and_10x_data(
    inspector_client, bartim_2024, methodology, opd_a, head_a, inspector
):
    _publish(methodology[2024])
    _more_work(methodology, opd_a, head_a, inspector, 0, 1)
    url = reverse("actionplans:desk")
    inspector_client.get(url)  # the permissions cached
    at_1x = cold_and_warm_queries(inspector_client, url)
    _more_work(methodology, opd_a, head_a, inspector, 1, 9)
    at_10x = cold_and_warm_queries(inspector_client, url)
    assert at_1x == at_10x == DESK_QUERIES


# --- the OPD's home page -------------------------------------------------------------------------


@pytest.fixture
def opd_plans(published_2024, opd_a, opd_b, head_a, inspector):
    waiting = make_plan(published_2024, opd_a, title="Menunggu", due_date=LATER)
    _milestone(waiting, "Triwulan III", date(2025, 9, 30), inspector)
    _milestone(waiting, "Triwulan IV", LATER, inspector)
    submit(waiting, head_a, percent=30)
    returned = make_plan(published_2024, opd_a, title="Dikembalikan", due_date=LATER)
    report = submit(returned, head_a, percent=40)
    services.report_return(actor=inspector, report=report, note="Lampirkan SK yang ditandatangani")
    accepted = make_plan(published_2024, opd_a, title="Diterima", due_date=LATER)
    services.report_accept(actor=inspector, report=submit(accepted, head_a, percent=60))
    supported = make_plan(published_2024, opd_b, title="Didukung", due_date=LATER)
    supported.supporting_opds.add(opd_a)
    make_plan(published_2024, opd_b, title="Bukan urusan A", due_date=LATER)
    return {"waiting": waiting, "returned": returned, "accepted": accepted, "supported": supported}


def test_the_opd_home_shows_a_card_per_plan_with_progress_milestone_and_last_report(
    head_a_client, opd_plans
):
    response = _page(head_a_client, "actionplans:my_plans")
    cards = {plan.title: plan for plan in response.context["plans"]}
    assert set(cards) == {"Menunggu", "Dikembalikan", "Diterima"}
    waiting = cards["Menunggu"]
    assert waiting.next_milestone.title == "Triwulan III"
    assert waiting.next_milestone_overdue
    assert waiting.last_report.status == "pending"
    assert cards["Dikembalikan"].last_report.last_decision.note.startswith("Lampirkan SK")
    assert cards["Diterima"].verified_progress == 60
    page = response.content.decode()
    assert "Lampirkan SK yang ditandatangani" in page
    for plan in cards.values():
        assert reverse("actionplans:report_create", args=[plan.pk]) in page
    answer = reverse("actionplans:report_create", args=[opd_plans["returned"].pk])
    assert f"{answer}?answers={cards['Dikembalikan'].last_report.pk}" in page
    assert [p.title for p in response.context["supporting"]] == ["Didukung"]
    assert "Bukan urusan A" not in page


def test_the_opd_home_links_every_active_plan_of_the_opd(head_a_client, opd_plans):
    page = _page(head_a_client, "actionplans:my_plans").content.decode()
    for plan in ActionPlan.objects.filter(owner_opd__code="OPD-A", status=PlanStatus.ACTIVE):
        assert f'href="{plan.get_absolute_url()}"' in page


def test_the_header_names_the_opd_of_the_user(head_a_client, opd_a):
    page = _page(head_a_client, "dashboard").content.decode()
    assert f'<strong class="text-light">{opd_a}</strong> · head_a' in page


def test_an_operator_reports_from_the_same_cards(client, opd_a, opd_plans):
    from actionplans.models import OPDRole
    from tests.factories import opd_user

    operator = opd_user("operator_a", opd_a, role=OPDRole.OPERATOR)
    client.force_login(operator)
    plans = _page(client, "actionplans:my_plans").context["plans"]
    assert len(plans) == 3


def test_the_opd_home_costs_the_same_queries_at_1x_and_10x_data(
    head_a_client, published_2024, opd_a, opd_b, head_a, inspector
):
    def more(start, times):
        for n in range(start, start + times):
            plan = make_plan(published_2024, opd_a, title=f"Rencana {n}", due_date=LATER)
            _milestone(plan, f"Tahap {n}", date(2025, 3, 31), inspector)
            report = submit(plan, head_a, percent=10)
            services.report_return(actor=inspector, report=report, note="Kurang")
            submit(plan, head_a, percent=20)
            supported = make_plan(published_2024, opd_b, title=f"Dukung {n}", due_date=LATER)
            supported.supporting_opds.add(opd_a)
            _milestone(supported, f"Tahap {n}", LATER, inspector)

    more(0, 1)
    head_a_client.get(reverse("actionplans:my_plans"))  # the permissions cached
    at_1x = cold_and_warm_queries(head_a_client, reverse("actionplans:my_plans"))
    more(1, 9)
    at_10x = cold_and_warm_queries(head_a_client, reverse("actionplans:my_plans"))
    # cold: session, user, the generations (survey, plan and access data: the permissions and
    # the user's OPD are cached under the last), the totals of running and supported plans,
    # drafts and plans waiting for approval, running plans (with the right to report), their
    # milestones, last reports, decisions, supported plans, their milestones, the OPD (its name
    # in the header and the menu), unread notifications; warm (the content cached under the
    # generations, the reader and the day): session, user, the generations, unread notifications
    assert at_1x == at_10x == OPD_HOME_QUERIES


OPD_HOME_QUERIES = (14, 4)


# --- coverage that tells the truth ---------------------------------------------------------------


def test_a_draft_plan_covers_no_weak_point_and_is_listed_as_a_draft(
    inspector_client, published_2024, opd_a
):
    make_plan(published_2024, opd_a, respondent_group="expert", status=PlanStatus.DRAFT)
    [point] = _page(inspector_client, "dashboard").context["weak_points"]
    assert not point.has_plan
    assert point.draft_count == 1
    page = inspector_client.get(reverse("dashboard")).content.decode()
    assert "no action plan yet" in page
    [followup_point] = _page_followup(inspector_client).context["weak_points"]
    assert not followup_point.has_plan
    assert [p.status for p in followup_point.drafts] == [PlanStatus.DRAFT]


def _page_followup(client):
    response = client.get(reverse("actionplans:round_followup", args=[2024]))
    assert response.status_code == 200
    return response


def test_an_opd_head_is_not_told_no_plan_for_a_weak_point_an_active_plan_answers(
    head_a_client, head_b_client, published_2024, opd_a
):
    make_plan(published_2024, opd_a, respondent_group="expert")
    for client in (head_a_client, head_b_client):
        [point] = _page(client, "dashboard").context["weak_points"]
        assert point.has_plan
        assert "no action plan yet" not in client.get(reverse("dashboard")).content.decode()
        [followup_point] = _page_followup(client).context["weak_points"]
        assert followup_point.has_plan


def test_a_cancelled_plan_covers_nothing_and_follow_up_counts_only_done_verified_plans(
    inspector_client, published_2024, opd_a
):
    recommendation = Recommendation.objects.create(round=published_2024, code="R-01", text="SOP")
    make_plan(published_2024, opd_a, respondent_group="expert", status=PlanStatus.CANCELLED)
    make_plan(published_2024, opd_a, recommendations=[recommendation], status=PlanStatus.DRAFT)
    [point] = _page(inspector_client, "dashboard").context["weak_points"]
    assert not point.has_plan and point.draft_count == 0
    [row] = selectors.recommendations_with_follow_up(published_2024, None)
    assert (row.n_plans, row.n_drafts, row.n_done) == (0, 1, 0)
    assert selectors.follow_up_rate(published_2024)["followed"] == 0


def test_milestones_overdue_means_past_due_not_verified_done_of_an_open_plan(
    round_2024, opd_a, inspector
):
    today = date(2026, 1, 10)
    plan = make_plan(round_2024, opd_a)
    late = _milestone(plan, "Triwulan I", date(2025, 3, 31), inspector)
    _milestone(plan, "Triwulan IV", date(2026, 12, 31), inspector)
    done = _milestone(plan, "Triwulan II", date(2025, 6, 30), inspector)
    Milestone.objects.filter(pk=done.pk).update(is_verified_done=True)
    closed = make_plan(round_2024, opd_a, title="Selesai", status=PlanStatus.DONE)
    _milestone(closed, "Lama", date(2025, 3, 31), inspector)
    assert list(Milestone.objects.overdue(today=today)) == [late]


def test_the_overview_counts_link_to_the_plans_they_count(inspector_client, published_2024, opd_a):
    late = make_plan(published_2024, opd_a, title="Terlambat", due_date=OVERDUE)
    page = _page(inspector_client, "dashboard", year=2024).content.decode()
    overdue_link = f"{reverse('actionplans:plan_list')}?state=overdue&amp;round=2024"
    assert f'href="{overdue_link}">1</a>' in page
    listed = _page(inspector_client, "actionplans:plan_list", state="overdue", round=2024)
    assert list(listed.context["plans"]) == [late]


def _card_form(page, plan):
    """The fields of the revision form on `plan`'s card, as a browser would post them."""
    action = reverse("actionplans:report_create", args=[plan.pk])
    form = re.search(rf'<form[^>]*action="{action}\?answers=(\d+)"(.*?)</form>', page, re.S)
    assert form, "the returned card holds its revision form"
    body = form.group(2)
    data = {
        "report_date": re.search(r'name="report_date" value="([^"]+)"', body).group(1),
        "percent": re.search(r'name="percent"[^>]*value="(\d+)"', body).group(1),
        "narrative": re.search(r'name="narrative"[^>]*>([^<]*)</textarea>', body).group(1),
        "keep": re.findall(r'name="keep" value="(\d+)"', body),
    }
    return f"{action}?answers={form.group(1)}", data


def test_a_returned_card_answers_the_return_in_place_keeping_the_evidence(head_a_client, opd_plans):
    returned = opd_plans["returned"]
    earlier = returned.reports.get()
    page = _page(head_a_client, "actionplans:my_plans").content.decode()
    assert page.count('class="card-revision') == 1  # only the returned card
    url, data = _card_form(page, returned)
    assert url.endswith(f"?answers={earlier.pk}")
    assert data["percent"] == "40" and data["narrative"] == "SOP disusun"
    assert data["keep"] == [str(item.pk) for item in earlier.evidence.all()]
    assert "laporan.pdf" in page
    response = head_a_client.post(url, {**data, "percent": "55"})
    assert response.status_code == 302
    revision = returned.reports.get(revises=earlier)
    assert revision.percent == 55 and revision.status == "pending"
    assert [str(item.carried_from_id) for item in revision.evidence.all()] == data["keep"]
    again = _page(head_a_client, "actionplans:my_plans").content.decode()
    assert "card-revision" not in again  # no stale form once answered


def test_a_cached_opd_home_carries_each_request_s_own_csrf_token(head_a, opd_plans):
    from django.test import Client

    from actionplans import fragments

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(head_a)
    first = _page(browser, "actionplans:my_plans").content.decode()
    cached = _page(browser, "actionplans:my_plans").content.decode()  # the content from the cache
    assert fragments.csrf_slot() not in first + cached
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', cached)
    assert len(tokens) >= 2  # the card's revision form and the menu's log-out form
    url, data = _card_form(cached, opd_plans["returned"])
    token = re.search(
        r'class="card-revision.*?name="csrfmiddlewaretoken" value="([^"]+)"', cached, re.S
    ).group(1)
    posted = {**data, "percent": "55", "csrfmiddlewaretoken": token}
    assert browser.post(url, posted).status_code == 302  # the token is valid
    assert opd_plans["returned"].reports.filter(status="pending").count() == 1
    assert token not in first  # a new token each page: the cached content holds none of its own


def test_the_cached_opd_home_shows_a_change_at_once_and_never_another_reader_s_page(
    head_a, head_a_client, head_b_client, opd_a, opd_b, published_2024
):
    plan = make_plan(published_2024, opd_a, title="Kartu berubah", due_date=LATER)
    assert "not reported yet" in _page(head_a_client, "actionplans:my_plans").content.decode()
    submit(plan, head_a, percent=30)  # through the service: the plan-data generation moves
    page = _page(head_a_client, "actionplans:my_plans").content.decode()
    assert "waiting for verification" in page and "30%" in page
    make_plan(published_2024, opd_b, title="Milik OPD lain", due_date=LATER)
    other_page = _page(head_b_client, "actionplans:my_plans").content.decode()
    assert "Milik OPD lain" in other_page and "Kartu berubah" not in other_page
    assert "Milik OPD lain" not in _page(head_a_client, "actionplans:my_plans").content.decode()
