"""Nobody verifies their own work: not their own report, not any report of their own OPD, and
a decision keeps what was decided on (percent, evidence file names and hashes)."""

import hashlib

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from actionplans import services
from actionplans.models import Evidence, OPDMembership, ReportStatus, VerificationDecision
from tests.factories import PDF_BYTES, make_plan, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def report_b(round_2024, opd_b, head_b):
    return submit(make_plan(round_2024, opd_b), head_b)


def _untouched(report):
    report.refresh_from_db()
    report.plan.refresh_from_db()
    return (
        report.status == ReportStatus.PENDING
        and not report.decisions.exists()
        and report.plan.verified_progress is None
    )


def test_the_dual_role_queue_leaves_out_its_own_opds_reports(dual_role_client, report_a, report_b):
    response = dual_role_client.get(reverse("actionplans:verification_queue"))
    assert list(response.context["reports"]) == [report_b]
    assert reverse("actionplans:report_verify", args=[report_a.pk]) not in response.content.decode()


@pytest.mark.parametrize("outcome", ["accepted", "returned"])
def test_the_dual_role_gets_404_on_verifying_its_own_opds_report(
    dual_role_client, report_a, outcome
):
    url = reverse("actionplans:report_verify", args=[report_a.pk])
    assert dual_role_client.get(url).status_code == 404
    response = dual_role_client.post(url, {"outcome": outcome, "note": "Sudah sesuai"})
    assert response.status_code == 404
    assert _untouched(report_a)


@pytest.mark.parametrize("service", ["report_accept", "report_return"])
def test_the_services_refuse_the_dual_role_on_its_own_opds_report(dual_role, report_a, service):
    history = report_a.history.count()
    with pytest.raises(PermissionDenied):
        getattr(services, service)(actor=dual_role, report=report_a, note="Sudah sesuai")
    assert _untouched(report_a)
    assert report_a.history.count() == history


def test_the_dual_role_verifies_another_opds_report(dual_role_client, dual_role, report_b):
    url = reverse("actionplans:report_verify", args=[report_b.pk])
    response = dual_role_client.post(url, {"outcome": "accepted", "note": ""})
    assert response.status_code == 302
    report_b.refresh_from_db()
    assert report_b.status == ReportStatus.ACCEPTED
    assert report_b.decisions.get().verifier == dual_role


def test_the_dual_role_cannot_verify_the_report_it_made_itself(dual_role, plan_a):
    own = submit(plan_a, dual_role)
    with pytest.raises(PermissionDenied):
        services.report_accept(actor=dual_role, report=own)
    assert _untouched(own)


def test_a_reporter_who_left_the_opd_still_cannot_verify_their_report(head_a, report_a, opd_b):
    """Moved to another OPD and into the Inspectorate: the report is still their own work."""
    OPDMembership.objects.filter(user=head_a).update(opd=opd_b)
    head_a.groups.add(Group.objects.get(name="Inspektorat"))
    head_a = type(head_a).objects.get(pk=head_a.pk)
    for service, note in ((services.report_accept, ""), (services.report_return, "Kurang")):
        with pytest.raises(PermissionDenied):
            service(actor=head_a, report=report_a, note=note)
    assert _untouched(report_a)


def test_the_decision_keeps_the_percent_and_the_evidence_hashes_decided_on(
    inspector, plan_a, head_a
):
    report = submit(plan_a, head_a, percent=70)
    services.report_accept(actor=inspector, report=report)
    # a later change to the stored rows (say through the admin) does not rewrite the decision
    report.evidence.update(sha256="0" * 64, original_name="lain.pdf")
    type(report).objects.filter(pk=report.pk).update(percent=100)
    decision = VerificationDecision.objects.get(report=report)
    assert decision.percent == 70
    assert decision.evidence_sha256 == [
        {"name": "laporan.pdf", "sha256": hashlib.sha256(PDF_BYTES).hexdigest()}
    ]


def test_a_returned_report_keeps_what_was_returned(inspector, report_a):
    services.report_return(actor=inspector, report=report_a, note="Lampirkan SK")
    decision = report_a.decisions.get()
    evidence = Evidence.objects.get(report=report_a)
    assert decision.percent == report_a.percent
    assert decision.evidence_sha256 == [{"name": evidence.original_name, "sha256": evidence.sha256}]


def test_the_plan_timeline_shows_what_the_decision_was_made_on(
    inspector, inspector_client, report_a
):
    services.report_accept(actor=inspector, report=report_a)
    html = inspector_client.get(report_a.plan.get_absolute_url()).content.decode()
    digest = hashlib.sha256(PDF_BYTES).hexdigest()
    assert digest in html
    assert "50%" in html
