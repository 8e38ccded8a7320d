"""Staff pages kept as rendered content (actionplans.fragments): each request gets its own CSRF
token, a change shows at once, and no reader is ever served what another reader may see."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from actionplans import fragments, services
from actionplans.models import OPDMembership, ReportStatus
from tests.factories import make_plan, submit

pytestmark = pytest.mark.django_db

PLAN_LIST = reverse("actionplans:plan_list")


def html(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status
    return response.content.decode()


def test_a_cached_verification_desk_carries_this_request_s_csrf_token(inspector, report_a):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(inspector)
    url = reverse("actionplans:report_verify", args=[report_a.pk])
    first = html(browser, url)
    cached = html(browser, url)  # the content from the cache
    assert fragments.csrf_slot() not in first + cached
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', cached)
    posted = {"outcome": "accepted", "percent": "50", "note": "", "csrfmiddlewaretoken": token[1]}
    assert browser.post(url, posted).status_code == 302  # the token is valid
    report_a.refresh_from_db()
    assert report_a.status == ReportStatus.ACCEPTED


def test_a_report_shows_at_once_on_the_cached_plan_page_list_queue_and_desk(
    inspector_client, head_a, plan_a
):
    detail, queue = plan_a.get_absolute_url(), reverse("actionplans:verification_queue")
    desk = reverse("actionplans:desk")
    for url in (detail, queue, desk, PLAN_LIST):
        html(inspector_client, url)  # cached
    waiting_badge = '<span class="badge text-bg-info">waiting for verification</span>'
    assert waiting_badge not in html(inspector_client, PLAN_LIST)
    submit(plan_a, head_a, percent=35)  # through the service: the plan-data generation moves
    assert "35%" in html(inspector_client, detail)
    assert plan_a.title in html(inspector_client, queue)
    assert plan_a.title in html(inspector_client, desk)  # in the reports waiting
    assert waiting_badge in html(inspector_client, PLAN_LIST)


def test_each_filter_and_page_has_its_own_cached_list(inspector_client, round_2024, opd_a, opd_b):
    make_plan(round_2024, opd_a, title="Rencana Dinkes")
    make_plan(round_2024, opd_b, title="Rencana Disdik")
    services.plan_data_changed()
    dinkes = html(inspector_client, PLAN_LIST + "?round=2024&opd=DINKES")
    disdik = html(inspector_client, PLAN_LIST + "?opd=DISDIK&round=2024")
    assert "Rencana Dinkes" in dinkes and "Rencana Disdik" not in dinkes
    assert "Rencana Disdik" in disdik and "Rencana Dinkes" not in disdik
    same = html(inspector_client, PLAN_LIST + "?opd=DINKES&round=2024")  # the order aside
    assert "Rencana Dinkes" in same and "Rencana Disdik" not in same


def test_no_reader_is_served_another_reader_s_cached_page(
    inspector_client, head_a_client, head_b_client, round_2024, opd_a, opd_b
):
    plan = make_plan(round_2024, opd_a, title="Milik Dinkes")
    services.plan_data_changed()
    assert "Milik Dinkes" in html(inspector_client, PLAN_LIST)
    assert "Milik Dinkes" in html(head_a_client, PLAN_LIST)
    assert "Milik Dinkes" not in html(head_b_client, PLAN_LIST)
    html(head_a_client, plan.get_absolute_url())
    html(head_b_client, plan.get_absolute_url(), status=404)  # and a 404 is never kept
    html(head_b_client, plan.get_absolute_url(), status=404)


def test_a_reader_moved_to_another_opd_loses_the_cached_page_at_once(
    head_a, head_a_client, plan_a, opd_b
):
    assert plan_a.title in html(head_a_client, plan_a.get_absolute_url())
    membership = OPDMembership.objects.get(user=head_a)
    membership.opd = opd_b
    membership.save()  # as the admin saves it: the access generation moves
    html(head_a_client, plan_a.get_absolute_url(), status=404)
    assert plan_a.title not in html(head_a_client, PLAN_LIST)


def test_a_right_taken_away_leaves_the_cached_page_at_once(head_a, head_a_client, plan_a):
    report_button = reverse("actionplans:report_create", args=[plan_a.pk])
    assert report_button in html(head_a_client, plan_a.get_absolute_url())
    right = Permission.objects.get(codename="report_progress")
    for group in Group.objects.filter(permissions=right, user=head_a):
        group.permissions.remove(right)  # the access generation moves (permission_cache)
    assert report_button not in html(head_a_client, plan_a.get_absolute_url())


def menu_count(client) -> str | None:
    found = re.search(r'id="menu-waiting-count">(\d+)', html(client, reverse("dashboard")))
    return found and found[1]


def test_the_menu_s_waiting_count_follows_each_report_and_decision_at_once(
    inspector, inspector_client, head_a, plan_a
):
    assert menu_count(inspector_client) is None  # nothing waiting: no badge
    report = submit(plan_a, head_a, percent=20)
    assert menu_count(inspector_client) == "1"
    submit(make_plan(plan_a.round, plan_a.owner_opd, title="Kedua"), head_a, percent=10)
    assert menu_count(inspector_client) == "2"
    services.report_accept(actor=inspector, report=report, note="", percent=20)
    assert menu_count(inspector_client) == "1"


def test_the_cached_menu_comes_back_to_this_request_s_path_escaped_with_its_own_token(head_a):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(head_a)
    html(browser, PLAN_LIST)  # the menu cached
    page = html(browser, PLAN_LIST + '?opd="><script>x</script>')
    assert fragments.path_slot() not in page and fragments.csrf_slot() not in page
    assert 'name="next" value="/plans/?opd=%22%3E%3Cscript%3Ex%3C/script%3E"' in page
    assert "<script>x" not in page
    token = re.search(r'action="/accounts/logout/"[^>]*>\s*<input[^>]*value="([^"]+)"', page)
    assert browser.post("/accounts/logout/", {"csrfmiddlewaretoken": token[1]}).status_code == 302
    assert html(browser, PLAN_LIST, status=302) == ""  # signed out: the token was good
