from datetime import date

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from actionplans import dates, services
from actionplans.forms import MilestoneForm
from actionplans.models import Milestone, PlanStatus, Quarter
from actionplans.reminders import inspectorate_digest, opd_digest
from tests.factories import make_plan, planner, submit

pytestmark = pytest.mark.django_db

TODAY = date(2025, 10, 15)


def add(plan, **fields):
    return services.milestone_create(actor=planner(), plan=plan, title="Langkah", **fields)


def test_it_puts_a_quarter_milestone_on_the_quarters_last_day_of_the_plans_first_year(plan_a):
    assert [add(plan_a, quarter=q).due_date for q in (1, 2, 3, 4)] == [
        date(2025, 3, 31),
        date(2025, 6, 30),
        date(2025, 9, 30),
        date(2025, 12, 31),
    ]


def test_it_labels_a_quarter_milestone_with_the_triwulan_and_year(plan_a):
    milestone = add(plan_a, quarter=Quarter.Q3)
    assert milestone.due_label == "Q3 2025"
    assert str(milestone) == "Langkah (Q3 2025)"
    with translation.override("id"):
        assert milestone.due_label == "Triwulan III 2025"


def test_it_takes_a_later_year_where_the_plan_runs_into_it(round_2024, opd_a):
    plan = make_plan(round_2024, opd_a, due_date=date(2026, 6, 30))
    assert add(plan, quarter=1, year=2026).due_date == date(2026, 3, 31)
    with pytest.raises(ValidationError) as refused:
        add(plan, quarter=1, year=2027)
    assert "year" in refused.value.error_dict


def test_it_keeps_an_explicit_due_date_without_a_quarter(plan_a):
    milestone = add(plan_a, due_date=date(2025, 8, 17))
    assert milestone.quarter is None and milestone.due_date == date(2025, 8, 17)
    assert "17" in milestone.due_label


def test_it_refuses_a_milestone_with_neither_quarter_nor_date(plan_a):
    with pytest.raises(ValidationError):
        add(plan_a)


def test_it_refuses_a_quarter_whose_date_is_not_the_quarters_end(plan_a):
    milestone = Milestone(plan=plan_a, title="x", quarter=3, due_date=date(2025, 9, 1))
    with pytest.raises(ValidationError):
        milestone.full_clean()


def test_the_implementation_years_run_from_the_plans_start_to_its_due_date():
    assert dates.implementation_years(date(2025, 1, 1), date(2025, 12, 31)) == [2025]
    assert dates.implementation_years(date(2024, 11, 1), date(2026, 2, 1)) == [2024, 2025, 2026]


def test_the_form_asks_for_a_quarter_or_a_date_not_both(plan_a):
    both = MilestoneForm(
        {"title": "x", "quarter": "2", "due_date": "2025-05-01", "weight": 1}, plan=plan_a
    )
    none = MilestoneForm({"title": "x", "weight": 1}, plan=plan_a)
    quarter = MilestoneForm(
        {"title": "x", "quarter": "2", "year": "2025", "weight": 1}, plan=plan_a
    )
    assert not both.is_valid() and "due_date" in both.errors
    assert not none.is_valid() and "quarter" in none.errors
    assert quarter.is_valid(), quarter.errors
    assert quarter.cleaned_data["quarter"] == 2


def test_it_adds_a_quarter_milestone_through_the_page(inspector_client, plan_a):
    url = reverse("actionplans:milestone_create", args=[plan_a.pk])
    response = inspector_client.post(
        url, {"title": "SK tim", "quarter": "3", "year": "2025", "weight": "2"}
    )
    assert response.status_code == 302
    milestone = plan_a.milestones.get()
    assert (milestone.quarter, milestone.due_date, milestone.weight) == (3, date(2025, 9, 30), 2)


# --- overdue ------------------------------------------------------------------------------------


@pytest.fixture
def milestones(plan_a):
    return {
        "late": add(plan_a, quarter=3),
        "due": add(plan_a, quarter=4),
        "today": add(plan_a, due_date=TODAY),
    }


def test_a_milestone_past_due_and_not_verified_done_is_overdue(milestones):
    assert list(Milestone.objects.overdue(today=TODAY)) == [milestones["late"]]
    assert milestones["late"].is_overdue(TODAY)
    assert not milestones["today"].is_overdue(TODAY)


def test_a_milestone_of_a_done_or_cancelled_plan_is_not_overdue(milestones, plan_a):
    for status in (PlanStatus.DONE, PlanStatus.CANCELLED):
        type(plan_a).objects.filter(pk=plan_a.pk).update(status=status)
        assert not Milestone.objects.overdue(today=TODAY).exists()


def test_a_milestone_verified_done_is_not_overdue(milestones, plan_a, head_a, inspector):
    report = submit(plan_a, head_a, percent=30, milestone=milestones["late"])
    services.report_accept(actor=inspector, report=report)
    assert not Milestone.objects.overdue(today=TODAY).exists()


def test_the_default_day_is_today(plan_a):
    add(plan_a, due_date=date(2025, 1, 31))
    assert Milestone.objects.overdue().count() == 1  # today is well past January 2025


def test_the_plan_page_flags_an_overdue_milestone_with_its_quarter(head_a_client, milestones):
    html = head_a_client.get(reverse("actionplans:plan_detail", args=[milestones["late"].plan_id]))
    content = html.content.decode()
    assert "Q3 2025" in content
    assert "table-danger" in content
    assert html.context["overdue_milestones"] >= 1


def test_the_plan_list_counts_overdue_milestones(inspector_client, milestones, round_2024, opd_b):
    make_plan(round_2024, opd_b, title="Tepat waktu")
    response = inspector_client.get(reverse("actionplans:plan_list"))
    counts = {plan.title: plan.overdue_milestones for plan in response.context["plans"]}
    # today is past every milestone of 2025: the three of plan A are overdue
    assert counts == {"SOP layanan": 3, "Tepat waktu": 0}
    assert "3 milestones overdue" in response.content.decode()


def test_the_plan_list_names_overdue_milestones_in_the_page_s_language(
    inspector_client, milestones
):
    inspector_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    page = inspector_client.get(reverse("actionplans:plan_list")).content.decode()
    assert "3 tahapan terlambat" in page and "milestones overdue" not in page


def test_the_opd_digest_lists_its_overdue_milestones_only(milestones, opd_a, opd_b, round_2024):
    other = make_plan(round_2024, opd_b, title="Rekrutmen terbuka")
    services.milestone_create(actor=planner(), plan=other, title="Seleksi", quarter=2)
    digest = opd_digest(opd_a, today=TODAY)
    assert "Q3 2025" in digest.body and "Langkah" in digest.body
    assert "Seleksi" not in digest.body
    assert f"/plans/{milestones['late'].plan_id}/" in digest.body


def test_the_inspectorate_digest_lists_every_overdue_milestone(milestones, round_2024, opd_b):
    other = make_plan(round_2024, opd_b, title="Rekrutmen terbuka")
    services.milestone_create(actor=planner(), plan=other, title="Seleksi", quarter=2)
    digest = inspectorate_digest(today=TODAY)
    assert "Langkah" in digest.body and "Seleksi" in digest.body
    assert "Q2 2025" in digest.body and "Q3 2025" in digest.body
    assert digest.items == 2


# --- done only through an accepted report -------------------------------------------------------


def test_a_milestone_is_done_only_when_a_report_completing_it_is_accepted(
    plan_a, head_a, inspector
):
    milestone = add(plan_a, quarter=1)
    report = submit(plan_a, head_a, percent=25, milestone=milestone)
    milestone.refresh_from_db()
    assert not milestone.is_verified_done  # submitted: not yet
    services.report_accept(actor=inspector, report=report)
    milestone.refresh_from_db()
    assert milestone.is_verified_done


def test_a_returned_report_leaves_its_milestone_open(plan_a, head_a, inspector):
    milestone = add(plan_a, quarter=1)
    report = submit(plan_a, head_a, percent=25, milestone=milestone)
    services.report_return(actor=inspector, report=report, note="Bukti kurang")
    milestone.refresh_from_db()
    assert not milestone.is_verified_done


def test_nothing_but_an_accepted_report_sets_done(plan_a):
    field = Milestone._meta.get_field("is_verified_done")
    assert field.editable is False  # no model form (nor the admin) offers it
    assert "is_verified_done" not in MilestoneForm(plan=plan_a).fields
    with pytest.raises(TypeError):
        add(plan_a, quarter=1, is_verified_done=True)


def test_the_plan_page_says_when_a_report_completing_a_milestone_waits(
    head_a_client, plan_a, head_a
):
    milestone = add(plan_a, quarter=1)
    submit(plan_a, head_a, percent=25, milestone=milestone)
    response = head_a_client.get(reverse("actionplans:plan_detail", args=[plan_a.pk]))
    [shown] = response.context["milestones"]
    assert shown.report_waiting and shown.overdue  # still overdue until it is accepted
