"""The dashboard's sections are computed once per data generation and read as plain values."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans import services
from spi_portal import views
from surveys import public_cache
from surveys.models import RoundStatus
from tests.conftest import in_english
from tests.factories import make_plan, submit

PLAIN_TYPES = (dict, list, set, str, int, bool, type(None))


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def dashboard_html(client, year=2024) -> str:
    """The overview of `year` ("": the round it opens on)."""
    response = client.get(reverse("dashboard"), {"year": year})
    assert response.status_code == 200
    return response.content.decode()


def figure(html: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html).group(1)


def followup_rows(html: str) -> dict[str, str]:
    """OPD name -> plan count, from the follow-up table."""
    section = html[html.index('aria-labelledby="dash-followup"') :]
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td>', section)
    return dict(rows)


def test_the_follow_up_section_follows_each_plan_report_and_decision_at_once(
    inspector_client, inspector, head_a, published_2024, opd_a
):
    assert followup_rows(dashboard_html(inspector_client)) == {}
    plan = make_plan(published_2024, opd_a, due_date=date(2025, 1, 31))
    html = dashboard_html(inspector_client)
    assert followup_rows(html) == {"Dinas Kesehatan": "1"}
    assert figure(html, "dash-overdue") == "1"
    assert figure(html, "dash-waiting") == "0"
    report = submit(plan, head_a, percent=40)
    assert figure(dashboard_html(inspector_client), "dash-waiting") == "1"
    services.report_return(actor=inspector, report=report, note="Bukti kurang")
    assert figure(dashboard_html(inspector_client), "dash-waiting") == "0"
    report = submit(plan, head_a, percent=40)
    services.report_accept(actor=inspector, report=report)
    html = dashboard_html(inspector_client)
    assert figure(html, "dash-waiting") == "0"
    assert "40%" in html.replace("\xa0", "")
    plan.refresh_from_db()
    services.plan_cancel(actor=inspector, plan=plan, reason="Digabung", version=plan.version)
    html = dashboard_html(inspector_client)
    assert figure(html, "dash-overdue") == "0"


def test_every_write_on_plans_moves_the_plan_data_generation(
    inspector, head_a, published_2024, opd_a
):
    def moved(write):
        before = public_cache.generation(public_cache.PLAN_DATA)
        result = write()
        assert public_cache.generation(public_cache.PLAN_DATA) == before + 1
        return result

    plan = moved(lambda: make_plan(published_2024, opd_a))
    moved(
        lambda: services.milestone_create(
            actor=inspector, plan=plan, title="Draf SOP", due_date=date(2025, 6, 30)
        )
    )
    report = moved(lambda: submit(plan, head_a))
    moved(lambda: services.report_accept(actor=inspector, report=report))
    moved(
        lambda: services.recommendation_create(
            actor=inspector, survey_round=published_2024, code="R-1", text="Perbaiki SOP"
        )
    )
    plan.refresh_from_db()
    moved(lambda: services.plan_cancel(actor=inspector, plan=plan, reason="x", version=None))


def test_a_failed_write_leaves_the_plan_data_generation_alone(inspector, published_2024, opd_a):
    plan = make_plan(published_2024, opd_a)
    before = public_cache.generation(public_cache.PLAN_DATA)
    with pytest.raises(services.PlanConflict):
        services.plan_cancel(actor=inspector, plan=plan, reason="x", version=plan.version + 5)
    assert public_cache.generation(public_cache.PLAN_DATA) == before


def test_the_round_the_overview_opens_on_follows_the_plans_at_once(
    inspector_client, published_2024, methodology, opd_a
):
    later = methodology[2025]
    later.status = RoundStatus.PUBLISHED
    later.save(update_fields=["status"])
    make_plan(published_2024, opd_a)

    def opened_year(client) -> str:
        page = client.get(reverse("dashboard")).content.decode()
        return re.search(r"<h1[^>]*>[^<]* · SPI (\d+)</h1>", page)[1]

    assert opened_year(inspector_client) == "2024"  # the latest published round with work
    assert opened_year(inspector_client) == "2024"  # from the cache
    make_plan(later, opd_a)
    assert opened_year(inspector_client) == "2025"


def test_each_reader_gets_the_section_of_their_own_scope(
    inspector_client, head_a_client, head_b_client, published_2024, opd_a, opd_b
):
    make_plan(published_2024, opd_a, due_date=date(2025, 1, 31))
    make_plan(published_2024, opd_b, due_date=date.today() + timedelta(days=30))
    for _twice in range(2):  # the second pass reads every section from the cache
        inspector = dashboard_html(inspector_client)
        head_a = dashboard_html(head_a_client)
        head_b = dashboard_html(head_b_client)
        assert followup_rows(inspector) == {"Dinas Kesehatan": "1", "Dinas Pendidikan": "1"}
        assert figure(inspector, "dash-overdue") == "1"
        assert followup_rows(head_a) == {"Dinas Kesehatan": "1"}
        assert figure(head_a, "dash-overdue") == "1"
        assert followup_rows(head_b) == {"Dinas Pendidikan": "1"}
        assert figure(head_b, "dash-overdue") == "0"


def test_each_language_gets_its_own_sections(inspector_client, published_2024, opd_a):
    make_plan(published_2024, opd_a)
    for _twice in range(2):
        indonesian = dashboard_html(inspector_client)
        english = dashboard_html(in_english(inspector_client))
        assert ">Tindak lanjut rencana aksi</h2>" in indonesian
        assert ">Follow-up of action plans</h2>" in english
        assert "Tindak lanjut rencana aksi" not in english
        assert '<html lang="en">' in english and '<html lang="id">' in indonesian


def plain(value) -> bool:
    """Only dicts, lists, sets, exact str, int, bool and None: nothing a model or a SafeString
    pickles (the permission cache keeps a set of "app.codename" strings)."""
    if type(value) not in PLAIN_TYPES:
        return False
    if isinstance(value, dict):
        return all(type(k) is str and plain(v) for k, v in value.items())
    if isinstance(value, (list, set)):
        return all(plain(item) for item in value)
    return True


def test_the_cache_holds_plain_values_and_no_model_objects(
    monkeypatch, inspector_client, head_a_client, published_2024, opd_a
):
    stored = {}
    real_set = views.cache.set

    def recording_set(key, value, *args, **kwargs):
        stored[key] = value
        return real_set(key, value, *args, **kwargs)

    monkeypatch.setattr(views.cache, "set", recording_set)
    make_plan(published_2024, opd_a)
    dashboard_html(inspector_client)
    dashboard_html(head_a_client)
    sections = [key for key in stored if key.startswith("dashboard-followup:")]
    overviews = [key for key in stored if key.startswith("dashboard:")]
    assert len(sections) == 2  # every plan, and OPD A's
    assert len(overviews) == 2  # with the draft rounds the Inspectorate sees, and without
    for key, value in stored.items():
        assert plain(value), key
    assert type(stored[sections[0]]) is str


def warm_queries(client) -> list[int]:
    counts = []
    for year in (2024, ""):
        dashboard_html(client, year)  # fills the cache for this data
        with CaptureQueriesContext(connection) as queries:
            dashboard_html(client, year)
        counts.append(len(queries))
    return counts


def test_the_warm_dashboard_issues_the_same_few_queries_at_1x_and_10x(
    inspector_client, head_a_client, head_a, published_2024, opd_a, opd_b
):
    def grow(count):
        for n in range(count):
            plan = make_plan(published_2024, (opd_a, opd_b)[n % 2], title=f"Rencana {n}")
            if n % 2 == 0:
                submit(plan, head_a)

    grow(2)
    at_1x = (warm_queries(inspector_client), warm_queries(head_a_client))
    grow(18)
    at_10x = (warm_queries(inspector_client), warm_queries(head_a_client))
    # session, user, the survey, plan and access generations in one query (the page's content,
    # the permissions, the user's OPD and the menu's waiting count and OPD name are cached under
    # them), the rounds the user may see (in the content's key too), unread notifications; no
    # query computes a section, nor the round the overview opens on
    assert at_1x == at_10x == ([5, 5], [5, 5])
