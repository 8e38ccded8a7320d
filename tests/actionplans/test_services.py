from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from actionplans import services
from actionplans.models import OPD, ActionPlan, Evidence, Milestone, PlanStatus, ReportStatus
from tests.factories import make_plan, submit

pytestmark = pytest.mark.django_db


def test_a_pending_report_does_not_count_as_progress(plan_a, head_a):
    submit(plan_a, head_a, percent=60)
    assert services.plan_official_progress(plan_a) is None
    plan_a.refresh_from_db()
    assert plan_a.verified_progress is None


def test_progress_is_the_latest_accepted_percent_and_ignores_returned_and_pending(
    plan_a, head_a, inspector
):
    first = submit(plan_a, head_a, percent=30)
    services.report_accept(actor=inspector, report=first)
    returned = submit(plan_a, head_a, percent=90)
    services.report_return(actor=inspector, report=returned, note="Bukti tidak lengkap")
    submit(plan_a, head_a, percent=95)
    plan_a.refresh_from_db()
    assert plan_a.verified_progress == Decimal("30")
    assert services.plan_official_progress(plan_a) == Decimal("30")


def test_progress_with_milestones_is_the_weight_of_verified_milestones(plan_a, head_a, inspector):
    q1 = services.milestone_create(
        actor=inspector, plan=plan_a, title="TW I", due_date=plan_a.due_date, weight=1
    )
    services.milestone_create(
        actor=inspector, plan=plan_a, title="TW II-IV", due_date=plan_a.due_date, weight=3
    )
    report = submit(plan_a, head_a, percent=80, milestone=q1)
    services.report_accept(actor=inspector, report=report)
    plan_a.refresh_from_db()
    assert plan_a.verified_progress == Decimal("25.00")
    assert Milestone.objects.get(pk=q1.pk).is_verified_done


def test_a_plan_verified_at_100_percent_is_done(plan_a, head_a, inspector):
    services.report_accept(actor=inspector, report=submit(plan_a, head_a, percent=100))
    plan_a.refresh_from_db()
    assert plan_a.status == PlanStatus.DONE
    assert plan_a.verified_progress == Decimal("100")


def test_a_report_cannot_be_decided_twice(report_a, inspector):
    services.report_accept(actor=inspector, report=report_a)
    with pytest.raises(services.ReportAlreadyDecided):
        services.report_return(actor=inspector, report=report_a, note="terlambat")
    report_a.refresh_from_db()
    assert report_a.status == ReportStatus.ACCEPTED
    assert report_a.decisions.count() == 1


def test_two_edits_from_the_same_version_one_wins_one_conflicts(plan_a, inspector):
    first = ActionPlan.objects.get(pk=plan_a.pk)
    second = ActionPlan.objects.get(pk=plan_a.pk)
    history_before = plan_a.history.count()
    services.plan_update(actor=inspector, plan=first, version=1, fields={"title": "Versi A"})
    with pytest.raises(services.PlanConflict):
        services.plan_update(actor=inspector, plan=second, version=1, fields={"title": "Versi B"})
    plan_a.refresh_from_db()
    assert plan_a.title == "Versi A"
    assert plan_a.version == 2
    assert plan_a.history.count() == history_before + 1


def test_an_opd_head_cannot_report_on_another_opds_plan(plan_a, head_b):
    with pytest.raises(PermissionDenied):
        submit(plan_a, head_b)
    assert not plan_a.reports.exists()


def test_the_supporting_opd_sees_the_plan_but_cannot_report(round_2024, opd_a, opd_b, head_b):
    plan = make_plan(round_2024, opd_a, supporting_opds=[opd_b])
    assert ActionPlan.objects.visible_to(head_b).filter(pk=plan.pk).exists()
    assert not ActionPlan.objects.reportable_by(head_b).filter(pk=plan.pk).exists()


def test_opd_users_see_their_own_drafts_but_no_other_opds_plans_nor_drafts_they_support(
    round_2024, opd_a, opd_b, head_a
):
    own = make_plan(round_2024, opd_a)
    own_draft = make_plan(round_2024, opd_a, status=PlanStatus.DRAFT)
    make_plan(round_2024, opd_b)
    make_plan(round_2024, opd_b, status=PlanStatus.DRAFT, supporting_opds=[opd_a])
    assert set(ActionPlan.objects.visible_to(head_a)) == {own, own_draft}


def test_cancelling_keeps_the_plan(plan_a, inspector):
    services.plan_cancel(actor=inspector, plan=plan_a, reason="Tidak dilanjutkan")
    plan_a.refresh_from_db()
    assert plan_a.status == PlanStatus.CANCELLED
    assert plan_a.history.first().status == PlanStatus.CANCELLED


def test_a_cancelled_plan_can_no_longer_be_edited(plan_a, inspector):
    services.plan_cancel(actor=inspector, plan=plan_a, reason="Tidak dilanjutkan")
    assert not ActionPlan.objects.editable_by(inspector).filter(pk=plan_a.pk).exists()
    assert ActionPlan.objects.visible_to(inspector).filter(pk=plan_a.pk).exists()


def test_the_supporting_opd_may_read_the_evidence_but_a_stranger_may_not(
    round_2024, opd_a, opd_b, head_a, head_b
):
    plan = make_plan(round_2024, opd_a, supporting_opds=[opd_b])
    evidence = submit(plan, head_a).evidence.get()
    assert Evidence.objects.visible_to(head_b).filter(pk=evidence.pk).exists()
    opd_c = OPD.objects.create(code="BPKAD", name="BPKAD")
    plan.supporting_opds.set([opd_c])
    assert not Evidence.objects.visible_to(head_b).filter(pk=evidence.pk).exists()


def test_a_milestone_added_after_verification_reweights_the_stored_progress(
    plan_a, head_a, inspector
):
    first = services.milestone_create(
        actor=inspector, plan=plan_a, title="TW I", due_date=plan_a.due_date
    )
    services.report_accept(actor=inspector, report=submit(plan_a, head_a, milestone=first))
    plan_a.refresh_from_db()
    assert plan_a.verified_progress == Decimal("100.00")
    services.milestone_create(actor=inspector, plan=plan_a, title="TW II", due_date=plan_a.due_date)
    plan_a.refresh_from_db()
    assert plan_a.verified_progress == Decimal("50.00")
