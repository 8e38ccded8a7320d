"""A plan's life cycle through actions: assigned draft -> completed and submitted by its OPD ->
approved (active) or returned with a note by the Inspectorate; activated directly by the
Inspectorate; cancelled with a reason; done only through an accepted 100% report. Every step is
kept as a PlanReview with its actor, every refusal leaves the plan as it was."""

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from actionplans import selectors, services
from actionplans.models import (
    ActionPlan,
    OPDMembership,
    PlanReview,
    PlanStatus,
    ReviewOutcome,
)
from tests.factories import client_for, inspectorate_account, make_plan, opd_user, submit

pytestmark = pytest.mark.django_db

COMPLETE = {"activity": "Menyusun SOP layanan", "target": "100", "root_cause": "Tidak ada SOP"}


@pytest.fixture
def draft(round_2024, opd_a, inspector):
    """A draft assigned to OPD A at the coordination meeting."""
    indicator = round_2024.dimensions.get(code="TRN")
    return services.plan_assign(
        actor=inspector, survey_round=round_2024, owner_opd=opd_a, indicator=indicator
    )


def complete(plan, user, **fields):
    plan = services.plan_complete(
        actor=user, plan=plan, version=plan.version, fields=COMPLETE | fields
    )
    services.milestone_create(actor=user, plan=plan, title="Triwulan I", due_date=date(2025, 3, 31))
    return ActionPlan.objects.get(pk=plan.pk)


def submitted(plan, user):
    plan = complete(plan, user)
    return services.plan_submit(actor=user, plan=plan, version=plan.version)


def steps(plan):
    return list(plan.reviews.order_by("pk").values_list("outcome", "actor__username", "note"))


def unchanged(plan, status):
    stored = ActionPlan.objects.get(pk=plan.pk)
    return stored.status == status and stored.version == plan.version


# --- the OPD completes and submits ------------------------------------------------------------


def test_it_lets_the_responsible_opd_complete_and_submit_its_draft(draft, head_a):
    plan = submitted(draft, head_a)
    stored = ActionPlan.objects.get(pk=plan.pk)
    assert stored.status == PlanStatus.SUBMITTED
    assert stored.submitted_by == head_a
    assert (stored.activity, stored.target, stored.root_cause) == (
        "Menyusun SOP layanan",
        "100",
        "Tidak ada SOP",
    )
    assert steps(stored) == [(ReviewOutcome.SUBMITTED, "head_a", "")]
    assert stored.history.first().history_user == head_a


def test_it_refuses_a_submit_and_names_everything_missing(draft, head_a):
    with pytest.raises(ValidationError) as refused:
        services.plan_submit(actor=head_a, plan=draft, version=draft.version)
    message = " ".join(refused.value.messages)
    for missing in ("the activity", "the target", "at least one milestone"):
        assert missing in message
    assert unchanged(draft, PlanStatus.DRAFT)
    assert not PlanReview.objects.exists()


def test_it_refuses_a_submit_with_only_the_milestone_missing(draft, head_a):
    plan = services.plan_complete(actor=head_a, plan=draft, version=draft.version, fields=COMPLETE)
    with pytest.raises(ValidationError) as refused:
        services.plan_submit(actor=head_a, plan=plan, version=plan.version)
    assert refused.value.messages == ["The plan is not complete yet: add at least one milestone."]


@pytest.mark.parametrize("who", ["head_b", "inspector"])
def test_it_refuses_a_submit_by_anyone_but_the_responsible_opd(draft, head_a, who, request):
    plan = complete(draft, head_a)
    with pytest.raises(PermissionDenied):
        services.plan_submit(actor=request.getfixturevalue(who), plan=plan, version=plan.version)
    assert unchanged(plan, PlanStatus.DRAFT)


def test_it_refuses_a_submit_of_a_stale_version(draft, head_a):
    plan = complete(draft, head_a)
    with pytest.raises(services.PlanConflict):
        services.plan_submit(actor=head_a, plan=plan, version=plan.version - 1)
    assert unchanged(plan, PlanStatus.DRAFT)


def test_it_refuses_a_completion_of_a_stale_version_or_of_fields_not_the_opds(draft, head_a):
    with pytest.raises(services.PlanConflict):
        services.plan_complete(actor=head_a, plan=draft, version=draft.version + 5, fields=COMPLETE)
    with pytest.raises(ValidationError):
        services.plan_complete(
            actor=head_a, plan=draft, version=draft.version, fields={"owner_opd": None}
        )
    assert ActionPlan.objects.get(pk=draft.pk).activity == ""


def test_it_lets_no_opd_change_a_plan_once_submitted(draft, head_a):
    plan = submitted(draft, head_a)
    with pytest.raises(PermissionDenied):
        services.plan_complete(actor=head_a, plan=plan, version=plan.version, fields=COMPLETE)
    with pytest.raises(PermissionDenied):
        services.milestone_create(
            actor=head_a, plan=plan, title="TW II", due_date=date(2025, 6, 30)
        )


def test_it_hides_the_draft_from_the_head_of_another_opd(draft, head_b_client, head_a_client):
    for name in ("plan_detail", "plan_complete", "milestone_create"):
        url = reverse(f"actionplans:{name}", args=[draft.pk])
        assert head_b_client.get(url).status_code == 404
        assert head_a_client.get(url).status_code == 200
    response = head_b_client.post(reverse("actionplans:plan_submit", args=[draft.pk]))
    assert response.status_code == 404


def test_it_shows_the_draft_on_the_opd_list_and_as_to_complete(draft, head_a_client):
    assert draft in head_a_client.get(reverse("actionplans:plan_list")).context["plans"]
    page = head_a_client.get(reverse("actionplans:my_plans")).content.decode()
    assert "Drafts to complete" in page or "Draf yang harus dilengkapi" in page
    assert reverse("actionplans:plan_complete", args=[draft.pk]) in page


def test_it_completes_and_submits_through_the_pages(draft, head_a, head_a_client):
    url = reverse("actionplans:plan_complete", args=[draft.pk])
    data = {**COMPLETE, "start_date": "2025-01-01", "due_date": "2025-12-31"}
    response = head_a_client.post(url, data | {"version": draft.version})
    assert response.status_code == 302
    services.milestone_create(actor=head_a, plan=draft, title="TW I", due_date=date(2025, 3, 31))
    stored = ActionPlan.objects.get(pk=draft.pk)
    page = head_a_client.get(stored.get_absolute_url()).content.decode()
    assert reverse("actionplans:plan_submit", args=[draft.pk]) in page
    response = head_a_client.post(
        reverse("actionplans:plan_submit", args=[draft.pk]), {"version": stored.version}
    )
    assert response.status_code == 302
    assert ActionPlan.objects.get(pk=draft.pk).status == PlanStatus.SUBMITTED


def test_the_submit_button_says_what_is_missing(draft, head_a_client):
    response = head_a_client.post(
        reverse("actionplans:plan_submit", args=[draft.pk]), {"version": draft.version}, follow=True
    )
    page = response.content.decode()
    assert "at least one milestone" in page or "paling sedikit satu tahapan" in page
    assert ActionPlan.objects.get(pk=draft.pk).status == PlanStatus.DRAFT


# --- the Inspectorate approves or returns -----------------------------------------------------


def test_it_lets_the_inspectorate_approve_a_submitted_plan(draft, head_a, inspector):
    plan = submitted(draft, head_a)
    services.plan_approve(actor=inspector, plan=plan, version=plan.version, note="Baik")
    stored = ActionPlan.objects.get(pk=plan.pk)
    assert stored.status == PlanStatus.ACTIVE
    assert steps(stored)[-1] == (ReviewOutcome.APPROVED, "inspector", "Baik")
    assert ActionPlan.objects.reportable_by(head_a).filter(pk=plan.pk).exists()


def test_it_lets_the_inspectorate_return_a_plan_with_a_note_shown_until_resubmitted(
    draft, head_a, inspector, head_a_client
):
    plan = submitted(draft, head_a)
    services.plan_return(actor=inspector, plan=plan, version=plan.version, note="Target kabur")
    stored = ActionPlan.objects.get(pk=plan.pk)
    assert stored.status == PlanStatus.DRAFT
    assert steps(stored)[-1] == (ReviewOutcome.RETURNED, "inspector", "Target kabur")
    for name in ("plan_detail", "plan_complete"):
        page = head_a_client.get(reverse(f"actionplans:{name}", args=[plan.pk])).content.decode()
        assert "Target kabur" in page
    services.plan_submit(actor=head_a, plan=stored, version=stored.version)
    assert "Target kabur" not in _return_alert(head_a_client, plan)
    assert [step[0] for step in steps(stored)] == ["submitted", "returned", "submitted"]


def _return_alert(client, plan):
    return str(client.get(plan.get_absolute_url()).context["open_return"] or "")


def test_it_refuses_a_return_without_a_note(draft, head_a, inspector):
    plan = submitted(draft, head_a)
    with pytest.raises(ValidationError):
        services.plan_return(actor=inspector, plan=plan, version=plan.version, note="  ")
    assert unchanged(plan, PlanStatus.SUBMITTED)


@pytest.mark.parametrize("decide", ["plan_approve", "plan_return"])
def test_it_refuses_a_decision_by_an_opd_head(draft, head_a, head_b, decide):
    plan = submitted(draft, head_a)
    for actor in (head_a, head_b):
        with pytest.raises(PermissionDenied):
            getattr(services, decide)(actor=actor, plan=plan, version=plan.version, note="x")
    assert unchanged(plan, PlanStatus.SUBMITTED)


@pytest.mark.parametrize("decide", ["plan_approve", "plan_return"])
def test_it_refuses_a_decision_on_a_stale_version(draft, head_a, inspector, decide):
    plan = submitted(draft, head_a)
    with pytest.raises(services.PlanConflict):
        getattr(services, decide)(actor=inspector, plan=plan, version=plan.version - 1, note="x")
    assert unchanged(plan, PlanStatus.SUBMITTED)


def test_it_refuses_an_approval_by_an_inspector_of_the_owner_opd(draft, dual_role):
    plan = submitted(draft, dual_role)  # dual_role is head of OPD A and an inspector
    with pytest.raises(PermissionDenied):
        services.plan_approve(actor=dual_role, plan=plan, version=plan.version)
    assert unchanged(plan, PlanStatus.SUBMITTED)


def test_it_refuses_an_approval_by_the_submitter_even_after_they_moved_opd(draft, dual_role, opd_b):
    plan = submitted(draft, dual_role)
    OPDMembership.objects.filter(user=dual_role).update(opd=opd_b)
    dual_role = type(dual_role).objects.get(pk=dual_role.pk)  # no cached OPD
    with pytest.raises(PermissionDenied):
        services.plan_approve(actor=dual_role, plan=plan, version=plan.version)
    assert unchanged(plan, PlanStatus.SUBMITTED)


def test_it_refuses_an_approval_by_an_inspector_of_a_supporting_opd(
    round_2024, opd_a, opd_b, head_a, inspector
):
    indicator = round_2024.dimensions.get(code="SDM")
    draft = services.plan_assign(
        actor=inspector,
        survey_round=round_2024,
        owner_opd=opd_a,
        supporting_opds=[opd_b],
        indicator=indicator,
    )
    plan = submitted(draft, head_a)
    supporter = opd_user("supporter", opd_b)
    supporter.groups.add(Group.objects.get(name="Inspektorat"))
    with pytest.raises(PermissionDenied):
        services.plan_approve(actor=supporter, plan=plan, version=plan.version)
    services.plan_approve(actor=inspector, plan=plan, version=plan.version)


def test_the_approve_and_return_buttons_work_from_the_plan_page(draft, head_a, inspector_client):
    plan = submitted(draft, head_a)
    page = inspector_client.get(plan.get_absolute_url()).content.decode()
    assert reverse("actionplans:plan_approve", args=[plan.pk]) in page
    url = reverse("actionplans:plan_return", args=[plan.pk])
    assert inspector_client.post(url, {"version": plan.version, "note": ""}).status_code == 302
    assert unchanged(plan, PlanStatus.SUBMITTED)
    inspector_client.post(url, {"version": plan.version, "note": "Lengkapi"})
    assert ActionPlan.objects.get(pk=plan.pk).status == PlanStatus.DRAFT


def test_a_submitted_plan_is_not_on_the_public_page(draft, head_a, round_2024):
    plan = complete(draft, head_a)
    ActionPlan.objects.filter(pk=plan.pk).update(show_on_public_page=True)
    plan = services.plan_submit(actor=head_a, plan=plan, version=plan.version)
    assert plan not in selectors.public_plans(round_2024)


# --- activate, cancel, done -----------------------------------------------------------------


def test_it_lets_the_inspectorate_activate_a_draft_it_wrote(round_2024, opd_a, inspector):
    plan = make_plan(round_2024, opd_a, status=PlanStatus.DRAFT, target="100", actor=inspector)
    services.milestone_create(actor=inspector, plan=plan, title="TW I", due_date=date(2025, 3, 31))
    plan.refresh_from_db()
    services.plan_activate(actor=inspector, plan=plan, version=plan.version)
    stored = ActionPlan.objects.get(pk=plan.pk)
    assert stored.status == PlanStatus.ACTIVE
    assert steps(stored) == [(ReviewOutcome.ACTIVATED, "inspector", "")]


def test_it_refuses_to_activate_an_incomplete_or_stale_draft(draft, inspector):
    with pytest.raises(ValidationError):
        services.plan_activate(actor=inspector, plan=draft, version=draft.version)
    with pytest.raises(services.PlanConflict):
        services.plan_activate(actor=inspector, plan=draft, version=draft.version + 1)
    assert unchanged(draft, PlanStatus.DRAFT)


@pytest.mark.parametrize("who", ["head_a", "head_b", "dual_role"])
def test_it_refuses_an_activation_by_an_opd_or_an_inspector_of_the_owner(draft, who, request):
    plan = complete(draft, request.getfixturevalue("head_a"))
    with pytest.raises(PermissionDenied):
        services.plan_activate(actor=request.getfixturevalue(who), plan=plan, version=plan.version)
    assert unchanged(plan, PlanStatus.DRAFT)


def test_it_refuses_a_cancel_without_a_reason(plan_a, inspector, inspector_client):
    with pytest.raises(ValidationError):
        services.plan_cancel(actor=inspector, plan=plan_a, reason=" ")
    response = inspector_client.post(
        reverse("actionplans:plan_cancel", args=[plan_a.pk]), {"reason": ""}
    )
    assert response.status_code == 302
    assert unchanged(plan_a, PlanStatus.ACTIVE)


def test_it_refuses_a_cancel_of_a_stale_version_or_by_an_opd(plan_a, inspector, head_a):
    with pytest.raises(services.PlanConflict):
        services.plan_cancel(actor=inspector, plan=plan_a, reason="x", version=plan_a.version - 1)
    with pytest.raises(PermissionDenied):
        services.plan_cancel(actor=head_a, plan=plan_a, reason="x")
    assert unchanged(plan_a, PlanStatus.ACTIVE)


def test_it_cancels_with_the_reason_kept_and_shown(plan_a, inspector_client, head_a_client):
    response = inspector_client.post(
        reverse("actionplans:plan_cancel", args=[plan_a.pk]),
        {"reason": "Digantikan <b>program</b> provinsi", "version": plan_a.version},
    )
    assert response.status_code == 302
    stored = ActionPlan.objects.get(pk=plan_a.pk)
    assert stored.status == PlanStatus.CANCELLED
    assert stored.cancel_reason == "Digantikan <b>program</b> provinsi"
    assert steps(stored) == [
        (ReviewOutcome.CANCELLED, "inspector", "Digantikan <b>program</b> provinsi")
    ]
    page = head_a_client.get(plan_a.get_absolute_url()).content.decode()
    assert "Digantikan &lt;b&gt;program&lt;/b&gt; provinsi" in page


def test_done_still_comes_only_from_an_accepted_report_of_100(draft, head_a, inspector):
    plan = submitted(draft, head_a)
    plan = services.plan_approve(actor=inspector, plan=plan, version=plan.version)
    checker = inspectorate_account("checker")
    milestone = plan.milestones.get()
    report = submit(plan, head_a, percent=100, milestone=milestone)
    services.report_accept(actor=checker, report=report)
    assert ActionPlan.objects.get(pk=plan.pk).status == PlanStatus.DONE


def test_the_plan_page_lists_each_step_with_its_actor(draft, head_a, inspector):
    plan = submitted(draft, head_a)
    services.plan_return(actor=inspector, plan=plan, version=plan.version, note="Ukuran?")
    client = client_for(inspector)
    response = client.get(plan.get_absolute_url())
    reviews = response.context["reviews"]
    assert [(r.outcome, r.actor) for r in reviews] == [
        ("submitted", head_a),
        ("returned", inspector),
    ]
    assert "Ukuran?" in response.content.decode()
