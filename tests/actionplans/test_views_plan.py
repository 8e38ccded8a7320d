from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans import services
from actionplans.models import ActionPlan, PlanStatus
from surveys import public_cache
from tests.factories import make_plan, pdf_upload, submit

pytestmark = pytest.mark.django_db


def plan_post_data(plan_round, opd, indicator, **extra):
    return {
        "round": plan_round.pk,
        "title": "Publikasi SOP dan biaya layanan",
        "finding": "Biaya layanan tidak diumumkan",
        "root_cause": "Belum ada SOP",
        "indicators": [indicator.pk],
        "activity": "Menyusun SOP",
        "start_date": "2025-01-01",
        "due_date": "2025-06-30",
        "owner_opd": opd.pk,
        "weight": 1,
        "status": "active",
        **extra,
    }


def test_the_inspector_creates_a_plan(inspector_client, round_2024, opd_a):
    indicator = round_2024.dimensions.get(code="TRN")
    response = inspector_client.post(
        reverse("actionplans:plan_create"), plan_post_data(round_2024, opd_a, indicator)
    )
    plan = ActionPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == plan.get_absolute_url()
    assert list(plan.indicators.all()) == [indicator]
    assert plan.history.count() == 1


def test_the_create_form_is_prefilled_from_the_weak_point(inspector_client, round_2024):
    url = reverse("actionplans:plan_create") + "?round=2024&indicator=TRN"
    form = inspector_client.get(url).context["form"]
    assert form.initial["round"] == round_2024
    assert [d.code for d in form.initial["indicators"]] == ["TRN"]


def test_a_stale_edit_is_refused_and_keeps_what_was_typed(inspector_client, plan_a, round_2024):
    indicator = plan_a.indicators.get()
    url = reverse("actionplans:plan_edit", args=[plan_a.pk])
    first = plan_post_data(round_2024, plan_a.owner_opd, indicator, title="Judul A", version=1)
    second = plan_post_data(round_2024, plan_a.owner_opd, indicator, title="Judul B", version=1)
    assert inspector_client.post(url, first).status_code == 302
    response = inspector_client.post(url, second)
    assert response.status_code == 409
    assert "Someone else saved this plan" in response.content.decode()
    assert response.context["form"]["title"].value() == "Judul B"
    assert response.context["form"]["version"].value() == 2
    plan_a.refresh_from_db()
    assert plan_a.title == "Judul A"
    assert plan_a.history.filter(title="Judul A").count() == 1
    assert plan_a.history.filter(title="Judul B").count() == 0


def test_an_opd_head_reports_progress_with_evidence(head_a_client, plan_a):
    response = head_a_client.post(
        reverse("actionplans:report_create", args=[plan_a.pk]),
        {
            "report_date": "2025-03-01",
            "percent": 40,
            "narrative": "SOP disahkan",
            "files": [pdf_upload("SK Bupati.pdf")],
            "effective_date": "2025-02-20",
        },
    )
    assert response.status_code == 302
    report = plan_a.reports.get()
    evidence = report.evidence.get()
    assert evidence.original_name == "SK Bupati.pdf"
    assert evidence.effective_date == date(2025, 2, 20)
    assert "SK Bupati" not in evidence.file.name


def test_the_inspector_returns_a_report_with_a_note(inspector_client, report_a):
    url = reverse("actionplans:report_verify", args=[report_a.pk])
    refused = inspector_client.post(url, {"outcome": "returned", "note": ""})
    assert refused.status_code == 200
    report_a.refresh_from_db()
    assert report_a.status == "pending"
    inspector_client.post(url, {"outcome": "returned", "note": "Lampirkan SK"})
    report_a.refresh_from_db()
    assert report_a.status == "returned"
    assert report_a.decisions.get().note == "Lampirkan SK"


def test_the_verification_queue_lists_pending_reports_oldest_first(
    inspector_client, plan_a, head_a
):
    older = submit(plan_a, head_a, percent=10)
    newer = submit(plan_a, head_a, percent=20)
    response = inspector_client.get(reverse("actionplans:verification_queue"))
    assert list(response.context["reports"]) == [older, newer]


def _cards(client):
    response = client.get(reverse("actionplans:my_plans"))
    return {plan.title: plan for plan in response.context["plans"]}


def test_the_opd_home_shows_returned_reports_until_answered(
    head_a_client, plan_a, head_a, inspector
):
    report = submit(plan_a, head_a)
    services.report_return(actor=inspector, report=report, note="Kurang bukti")
    card = _cards(head_a_client)[plan_a.title]
    assert card.last_report == report
    assert card.last_report.last_decision.note == "Kurang bukti"
    submit(plan_a, head_a, percent=60)
    assert _cards(head_a_client)[plan_a.title].last_report.status == "pending"


def test_the_opd_home_flags_overdue_plans_and_lists_done_ones_last(
    head_a_client, round_2024, opd_a, today, soon
):
    make_plan(round_2024, opd_a, title="Lewat", due_date=date(2025, 1, 2))
    make_plan(round_2024, opd_a, title="Segera", due_date=soon)
    make_plan(round_2024, opd_a, title="Selesai", status=PlanStatus.DONE, due_date=date(2025, 1, 2))
    cards = _cards(head_a_client)
    assert list(cards) == ["Lewat", "Segera", "Selesai"]
    assert [card.overdue for card in cards.values()] == [True, False, False]


def test_opd_users_land_on_their_home_page(head_a_client, inspector_client, methodology):
    assert head_a_client.get(reverse("home"))["Location"] == reverse("actionplans:my_plans")
    assert inspector_client.get(reverse("home"))["Location"] != reverse("actionplans:my_plans")


def test_the_list_filters_overdue_plans(inspector_client, round_2024, opd_a):
    late = make_plan(round_2024, opd_a, title="Lewat", due_date=date(2025, 1, 2))
    make_plan(round_2024, opd_a, title="Nanti", due_date=date(2034, 12, 31))
    response = inspector_client.get(reverse("actionplans:plan_list"), {"overdue": "on"})
    assert list(response.context["plans"]) == [late]


def _bulk_plans(survey_round, opds, count):
    indicator = survey_round.dimensions.order_by("code").first()
    plans = ActionPlan.objects.bulk_create(
        ActionPlan(
            round=survey_round,
            title=f"Rencana {n}",
            finding="f",
            activity="a",
            start_date=date(2025, 1, 1),
            due_date=date(2025, 12, 31),
            owner_opd=opds[n % len(opds)],
            status=PlanStatus.ACTIVE,
            verified_progress=n % 100 if n % 3 else None,
        )
        for n in range(count)
    )
    ActionPlan.indicators.through.objects.bulk_create(
        ActionPlan.indicators.through(actionplan=plan, dimension=indicator) for plan in plans
    )


def _list_queries(client):
    """The queries of the plan list just after a data change (the bulk-written plans announced
    as the services announce theirs: the page is computed again) and of the next request (its
    content cached), and how many plans it counted."""
    client.get(reverse("actionplans:plan_list"))  # the permissions cached (access unchanged)
    services.plan_data_changed()
    with CaptureQueriesContext(connection) as cold:
        response = client.get(reverse("actionplans:plan_list"))
    with CaptureQueriesContext(connection) as warm:
        assert client.get(reverse("actionplans:plan_list")).status_code == 200
    assert response.status_code == 200
    return (len(cold), len(warm)), response.context["page"].paginator.count


# cold: session, user, the generations (survey, plan and access data: the permissions and the user's
# OPD are cached under the last), the filter's indicators, rounds and OPDs, the roll-up, the count,
# the page, its indicators, the menu's waiting count and unread notifications; warm (the content
# cached under the generations, the reader and the day): session, user, the generations, unread
# notifications
PLAN_LIST_QUERIES = (12, 4)


def test_the_plan_list_issues_the_same_number_of_queries_for_10_and_200_plans(
    inspector_client, round_2024, opd_a, opd_b
):
    _bulk_plans(round_2024, [opd_a, opd_b], 10)
    assert _list_queries(inspector_client) == (PLAN_LIST_QUERIES, 10)
    _bulk_plans(round_2024, [opd_a, opd_b], 190)
    assert _list_queries(inspector_client) == (PLAN_LIST_QUERIES, 200)


def test_an_opd_head_lists_plans_with_a_constant_number_of_queries(
    head_a_client, round_2024, opd_a, opd_b
):
    _bulk_plans(round_2024, [opd_a, opd_b], 10)
    few = _list_queries(head_a_client)
    _bulk_plans(round_2024, [opd_a, opd_b], 190)
    many = _list_queries(head_a_client)
    assert few[0] == many[0]
    assert (few[1], many[1]) == (5, 100)


def test_the_opd_filter_offers_an_opd_user_only_their_own_opd(head_a_client, opd_a, opd_b):
    form = head_a_client.get(reverse("actionplans:plan_list")).context["form"]
    assert list(form.fields["opd"].queryset) == [opd_a]


def test_a_malformed_prefill_query_is_ignored(inspector_client, methodology):
    response = inspector_client.get(reverse("actionplans:plan_create") + "?round=%C2%B2&indicator=")
    assert response.status_code == 200
    assert "form" not in response.context  # the round is chosen first
    assert list(response.context["rounds"]) == sorted(methodology.values(), key=lambda r: -r.year)


def test_answering_a_returned_report_starts_from_it(head_a_client, report_a, inspector):
    services.report_return(actor=inspector, report=report_a, note="Kurang SK")
    url = reverse("actionplans:report_create", args=[report_a.plan_id])
    form = head_a_client.get(f"{url}?answers={report_a.pk}").context["form"]
    assert form.initial["percent"] == report_a.percent
    assert head_a_client.get(f"{url}?answers=x").status_code == 200


def test_taking_a_plan_off_the_public_page_drops_the_cached_public_page(
    inspector_client, round_2024, opd_a, django_capture_on_commit_callbacks
):
    plan = make_plan(round_2024, opd_a, show_on_public_page=True, public_summary="SOP")
    before = public_cache.generation()
    data = plan_post_data(round_2024, opd_a, plan.indicators.get(), version=plan.version)
    with django_capture_on_commit_callbacks(execute=True):
        response = inspector_client.post(reverse("actionplans:plan_edit", args=[plan.pk]), data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert not plan.show_on_public_page
    assert public_cache.generation() != before


def test_the_plan_list_shows_fifty_plans_a_page_with_links_to_the_others(
    inspector_client, round_2024, opd_a
):
    _bulk_plans(round_2024, [opd_a], 60)
    first = inspector_client.get(reverse("actionplans:plan_list"))
    assert len(first.context["plans"]) == 50
    assert first.context["page"].paginator.count == 60
    second = inspector_client.get(reverse("actionplans:plan_list"), {"page": 2})
    assert len(second.context["plans"]) == 10
    assert "page=2" in first.content.decode()
