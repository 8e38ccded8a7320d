"""Dates outside a plausible window are refused by the models, so by forms, views and services:
nothing before 2000, report and evidence dates not more than a week ahead, plan and milestone
dates within the round's window (the year before the survey to ten years after it)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from actionplans import dates, services
from actionplans.forms import PlanForm
from actionplans.models import ActionPlan, Evidence, Milestone, ProgressReport
from tests.factories import make_plan, pdf_upload, plan_form_data, submit

pytestmark = pytest.mark.django_db

ANCIENT = date(1900, 1, 1)
FAR_FUTURE = date(9999, 12, 31)


def stored_rows():
    return (ProgressReport.objects.count(), Evidence.objects.count(), Milestone.objects.count())


def days_ahead(days):
    return timezone.localdate() + timedelta(days=days)


def test_the_window_of_a_round_runs_from_the_year_before_to_ten_years_after():
    assert dates.round_window(2024) == (date(2023, 1, 1), date(2034, 12, 31))


# Progress reports and evidence (through the service, the path every writer takes)


@pytest.mark.parametrize(
    ("report_date", "message"),
    [
        (ANCIENT, "Give a date from 1 January 2000 on."),
        (date(1999, 12, 31), "Give a date from 1 January 2000 on."),
        (FAR_FUTURE, "more than 7 days ahead"),
        (days_ahead(8), "more than 7 days ahead"),
        (date(2022, 12, 31), "A report on a plan of SPI 2024 is dated from"),
    ],
)
def test_a_report_date_outside_the_window_is_refused_and_nothing_is_stored(
    plan_a, head_a, report_date, message, settings
):
    with pytest.raises(ValidationError) as refused:
        submit(plan_a, head_a, report_date=report_date)
    assert message in " ".join(refused.value.message_dict["report_date"])
    assert stored_rows() == (0, 0, 0)
    assert not (settings.MEDIA_ROOT / "evidence").exists()


@pytest.mark.parametrize("report_date", [date(2023, 1, 1), timezone.localdate(), days_ahead(7)])
def test_a_report_date_inside_the_window_is_accepted(plan_a, head_a, report_date):
    assert submit(plan_a, head_a, report_date=report_date).report_date == report_date


@pytest.mark.parametrize(
    ("effective_date", "message"),
    [
        (ANCIENT, "Give a date from 1 January 2000 on."),
        (FAR_FUTURE, "more than 7 days ahead"),
        (days_ahead(8), "more than 7 days ahead"),
    ],
)
def test_an_evidence_date_outside_the_window_is_refused_and_nothing_is_stored(
    plan_a, head_a, effective_date, message, settings
):
    with pytest.raises(ValidationError) as refused:
        submit(plan_a, head_a, effective_date=effective_date)
    assert message in " ".join(refused.value.message_dict["effective_date"])
    assert stored_rows() == (0, 0, 0)
    assert not (settings.MEDIA_ROOT / "evidence").exists()


def test_an_old_decree_from_2000_on_is_accepted_as_evidence(plan_a, head_a):
    report = submit(plan_a, head_a, effective_date=date(2000, 1, 1))
    assert report.evidence.get().effective_date == date(2000, 1, 1)


def test_the_report_form_names_the_field_with_the_implausible_date(head_a_client, plan_a):
    data = {
        "report_date": "1900-01-01",
        "percent": 70,
        "narrative": "x",
        "files": [pdf_upload()],
        "effective_date": "9999-12-31",
    }
    response = head_a_client.post(reverse("actionplans:report_create", args=[plan_a.pk]), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["report_date"] == ["Give a date from 1 January 2000 on."]
    assert "more than 7 days ahead" in errors["effective_date"][0]
    assert stored_rows() == (0, 0, 0)


def test_the_report_form_refuses_a_date_before_the_round(head_a_client, plan_a):
    data = {"report_date": "2022-06-30", "percent": 70, "narrative": "x", "files": [pdf_upload()]}
    response = head_a_client.post(reverse("actionplans:report_create", args=[plan_a.pk]), data)
    assert response.status_code == 200
    assert "SPI 2024" in response.context["form"].errors["report_date"][0]
    assert stored_rows() == (0, 0, 0)


# Plans and milestones


@pytest.mark.parametrize(
    ("dates_given", "field"),
    [
        ({"start_date": ANCIENT}, "start_date"),
        ({"due_date": FAR_FUTURE}, "due_date"),
        ({"due_date": date(2035, 1, 1)}, "due_date"),
        ({"start_date": date(2022, 12, 31)}, "start_date"),
    ],
)
def test_a_plan_date_outside_the_window_is_refused(round_2024, opd_a, dates_given, field):
    with pytest.raises(ValidationError) as refused:
        make_plan(round_2024, opd_a, **dates_given)
    assert field in refused.value.message_dict
    assert not ActionPlan.objects.exists()


def test_a_plan_may_run_to_the_end_of_its_window(round_2024, opd_a):
    plan = make_plan(round_2024, opd_a, start_date=date(2023, 1, 1), due_date=date(2034, 12, 31))
    assert plan.due_date == date(2034, 12, 31)


def test_the_plan_form_and_so_the_plan_import_name_the_implausible_dates(plan_a):
    data = plan_form_data(plan_a) | {"start_date": "1900-01-01", "due_date": "9999-12-31"}
    form = PlanForm(data)
    assert not form.is_valid()
    assert form.errors["start_date"] == ["Give a date from 1 January 2000 on."]
    assert form.errors["due_date"] == ["For SPI 2024 give a date from 1 Jan 2023 to 31 Dec 2034."]


def test_the_plan_form_refuses_a_due_date_past_the_round(inspector_client, plan_a):
    data = plan_form_data(plan_a) | {"due_date": "2040-12-31"}
    response = inspector_client.post(reverse("actionplans:plan_edit", args=[plan_a.pk]), data)
    assert response.status_code == 200
    assert "SPI 2024" in response.context["form"].errors["due_date"][0]
    plan_a.refresh_from_db()
    assert plan_a.due_date == date(2025, 12, 31)


@pytest.mark.parametrize("due_date", [ANCIENT, FAR_FUTURE, date(2022, 12, 31)])
def test_a_milestone_date_outside_the_window_is_refused_by_the_service(plan_a, inspector, due_date):
    with pytest.raises(ValidationError) as refused:
        services.milestone_create(actor=inspector, plan=plan_a, title="TW I", due_date=due_date)
    assert "due_date" in refused.value.message_dict
    assert not Milestone.objects.exists()


@pytest.mark.parametrize("due_date", ["1900-01-01", "9999-12-31", "2036-03-31"])
def test_the_milestone_form_refuses_an_implausible_due_date(inspector_client, plan_a, due_date):
    data = {"title": "TW I", "due_date": due_date, "weight": 1}
    response = inspector_client.post(
        reverse("actionplans:milestone_create", args=[plan_a.pk]), data
    )
    assert response.status_code == 200
    assert response.context["form"].errors["due_date"]
    assert not Milestone.objects.exists()
