"""The verification desk: the report beside its plan, its files previewed, the plan's earlier
decisions; accept (at most the claimed percent) or return, then on to the next waiting report."""

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from actionplans import services
from actionplans.models import ProgressReport, ReportStatus, VerificationDecision
from tests.factories import cold_and_warm_queries, make_plan, ooxml_bytes, pdf_upload, submit

pytestmark = pytest.mark.django_db

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def desk_url(report):
    return reverse("actionplans:report_verify", args=[report.pk])


def preview_url(evidence):
    return reverse("actionplans:evidence_preview", args=[evidence.pk])


def png_upload(name="papan-pengumuman.png"):
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


def docx_upload(name="notulen.docx"):
    return SimpleUploadedFile(name, ooxml_bytes(), content_type="application/octet-stream")


@pytest.fixture
def measured_plan(round_2024, opd_a):
    return make_plan(
        round_2024,
        opd_a,
        title="SOP layanan puskesmas",
        success_measure="Puskesmas yang mengumumkan SOP",
        baseline="3",
        target="12",
        unit="puskesmas",
    )


def _accepted(plan, reporter, verifier, percent, note="", decided_percent=None):
    report = submit(plan, reporter, percent=percent)
    services.report_accept(actor=verifier, report=report, note=note, percent=decided_percent)
    return report


def _returned(plan, reporter, verifier, percent, note):
    report = submit(plan, reporter, percent=percent)
    services.report_return(actor=verifier, report=report, note=note)
    return report


def _age(report, days):
    """Move a report back in time (oldest first means oldest submitted)."""
    when = timezone.now() - timedelta(days=days)
    ProgressReport.objects.filter(pk=report.pk).update(submitted_at=when)
    report.refresh_from_db()
    return report


# --- the page ----------------------------------------------------------------------------------


def test_it_shows_the_report_beside_its_plan(inspector_client, inspector, measured_plan, head_a):
    _accepted(measured_plan, head_a, inspector, 30)
    report = submit(measured_plan, head_a, percent=55)
    page = inspector_client.get(desk_url(report)).content.decode()
    assert "SOP layanan puskesmas" in page
    assert "Dinas Kesehatan" in page  # the OPD's full name, not only its short name
    assert "Puskesmas yang mengumumkan SOP" in page
    assert "3 → 12 puskesmas" in page
    last = re.search(r'class="desk-last-verified">([^<]*)', page).group(1)
    assert last.strip() == "30%"
    assert "<strong>55%</strong>" in page
    assert re.search(r'desk-change">\+25 ', page)


def test_it_says_when_nothing_was_verified_yet(inspector_client, report_a):
    response = inspector_client.get(desk_url(report_a))
    assert response.context["desk"].change is None
    assert "desk-change" not in response.content.decode()


def test_it_lists_every_file_with_its_date_and_size_and_previews_pdf_and_images(
    inspector_client, plan_a, head_a
):
    report = services.report_submit(
        actor=head_a,
        plan=plan_a,
        percent=40,
        narrative="SK dan foto",
        files=[pdf_upload("sk.pdf"), png_upload(), docx_upload()],
        effective_date=date(2025, 2, 3),
    )
    page = inspector_client.get(desk_url(report)).content.decode()
    pdf, png, docx = report.evidence.order_by("pk")
    assert page.count('evidence-item"') == 3
    assert page.count("3 Feb 2025") == 3
    assert f'<iframe class="evidence-preview mt-2" src="{preview_url(pdf)}' in page
    assert f'<img class="evidence-preview-image mt-2" src="{preview_url(png)}"' in page
    assert preview_url(docx) not in page
    assert docx.get_absolute_url() in page  # offered for download only
    assert "notulen.docx" in page


def test_the_queue_and_the_desk_show_the_same_submitted_date(inspector_client, report_a):
    _age(report_a, 40)
    shown = timezone.localtime(report_a.submitted_at).strftime("%-d %b %Y")
    queue = inspector_client.get(reverse("actionplans:verification_queue")).content.decode()
    desk = inspector_client.get(desk_url(report_a)).content.decode()
    stamp = f'<time datetime="{timezone.localtime(report_a.submitted_at).isoformat()}">'
    for page in (queue, desk):
        assert re.search(re.escape(stamp) + r"([^<]+)</time>", page).group(1) == shown


def test_it_lists_the_earlier_decisions_on_the_plan(inspector_client, inspector, plan_a, head_a):
    _returned(plan_a, head_a, inspector, 20, "Foto tidak terbaca")
    _accepted(plan_a, head_a, inspector, 40, "Diterima sebagian", decided_percent=35)
    report = submit(plan_a, head_a, percent=60)
    response = inspector_client.get(desk_url(report))
    history = response.context["desk"].history
    assert [(d.outcome, d.percent) for d in history] == [("accepted", 35), ("returned", 20)]
    page = response.content.decode()
    section = page[page.index('class="list-unstyled decision-history"') :]
    assert "Foto tidak terbaca" in section and "Diterima sebagian" in section
    assert "35%" in section and inspector.username in section


# --- the preview -------------------------------------------------------------------------------


def test_the_preview_is_inline_sandboxed_and_framable_only_by_the_portal(
    inspector_client, evidence_a
):
    response = inspector_client.get(preview_url(evidence_a))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == "application/pdf"
    csp = [part.strip() for part in response["Content-Security-Policy"].split(";")]
    assert "sandbox" in csp
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'self'" in csp
    assert "script-src" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_only_the_preview_may_be_framed(inspector_client, evidence_a):
    download = inspector_client.get(evidence_a.get_absolute_url())
    page = inspector_client.get(desk_url(evidence_a.report))
    assert download["X-Frame-Options"] == "DENY"
    assert download["Content-Disposition"].startswith("attachment")
    assert page["X-Frame-Options"] == "DENY"


def test_the_preview_is_not_found_for_another_opd_and_for_a_stranger(
    head_b_client, client, evidence_a, django_user_model
):
    assert head_b_client.get(preview_url(evidence_a)).status_code == 404
    stranger = django_user_model.objects.create_user("stranger", password="x-long-password-1")
    client.force_login(stranger)
    assert client.get(preview_url(evidence_a)).status_code == 404


def test_the_preview_asks_an_anonymous_visitor_to_log_in(client, evidence_a):
    response = client.get(preview_url(evidence_a))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_own_opd_may_preview_its_evidence(head_a_client, evidence_a):
    assert head_a_client.get(preview_url(evidence_a)).status_code == 200


def test_a_type_without_preview_is_not_served_inline(inspector_client, plan_a, head_a):
    report = services.report_submit(
        actor=head_a, plan=plan_a, percent=10, narrative="Notulen", files=[docx_upload()]
    )
    docx = report.evidence.get()
    assert inspector_client.get(preview_url(docx)).status_code == 404
    assert inspector_client.get(docx.get_absolute_url()).status_code == 200


# --- deciding ----------------------------------------------------------------------------------


def test_accepting_less_than_claimed_counts_the_decided_percent(inspector_client, report_a, plan_a):
    data = {"outcome": "accepted", "percent": "30", "note": "Baru 3 dari 10 puskesmas"}
    response = inspector_client.post(desk_url(report_a), data)
    assert response.status_code == 302
    plan_a.refresh_from_db()
    assert plan_a.verified_progress == 30
    decision = VerificationDecision.objects.get(report=report_a)
    assert (decision.percent, decision.note) == (30, "Baru 3 dari 10 puskesmas")
    report_a.refresh_from_db()
    assert (report_a.percent, report_a.status) == (50, ReportStatus.ACCEPTED)  # the claim stays


def test_accepting_without_a_percent_accepts_the_claim(inspector_client, report_a, plan_a):
    inspector_client.post(desk_url(report_a), {"outcome": "accepted", "note": ""})
    plan_a.refresh_from_db()
    assert plan_a.verified_progress == 50
    assert VerificationDecision.objects.get(report=report_a).percent == 50


def test_accepting_less_than_claimed_needs_a_note(inspector_client, report_a, plan_a):
    response = inspector_client.post(desk_url(report_a), {"outcome": "accepted", "percent": "30"})
    assert response.status_code == 200
    assert "note" in response.context["form"].errors
    report_a.refresh_from_db()
    assert report_a.status == ReportStatus.PENDING
    assert not VerificationDecision.objects.exists()


def test_accepting_more_than_claimed_is_refused(inspector_client, inspector, report_a, plan_a):
    data = {"outcome": "accepted", "percent": "80", "note": "Lebih"}
    response = inspector_client.post(desk_url(report_a), data)
    assert response.status_code == 200
    assert "percent" in response.context["form"].errors
    with pytest.raises(ValidationError):
        services.report_accept(actor=inspector, report=report_a, note="Lebih", percent=51)
    report_a.refresh_from_db()
    assert report_a.status == ReportStatus.PENDING
    plan_a.refresh_from_db()
    assert plan_a.verified_progress is None


def test_a_later_report_accepted_in_full_replaces_a_lowered_one(inspector, plan_a, head_a):
    _accepted(plan_a, head_a, inspector, 50, "Sebagian", decided_percent=20)
    plan_a.refresh_from_db()
    assert plan_a.verified_progress == 20
    _accepted(plan_a, head_a, inspector, 70)
    plan_a.refresh_from_db()
    assert plan_a.verified_progress == 70


def test_returning_needs_a_note(inspector_client, report_a):
    response = inspector_client.post(desk_url(report_a), {"outcome": "returned", "note": " "})
    assert response.status_code == 200
    assert "note" in response.context["form"].errors


def test_after_a_decision_the_next_waiting_report_opens_oldest_first(
    inspector_client, round_2024, opd_a, opd_b, head_a, head_b
):
    plan_b = make_plan(round_2024, opd_b, title="Plan B")
    plan_a = make_plan(round_2024, opd_a, title="Plan A")
    first = _age(submit(plan_a, head_a), 9)
    third = _age(submit(plan_a, head_a, percent=60), 2)
    second = _age(submit(plan_b, head_b), 5)
    response = inspector_client.post(desk_url(first), {"outcome": "accepted", "note": ""})
    assert response["Location"] == desk_url(second)
    response = inspector_client.post(desk_url(second), {"outcome": "returned", "note": "Kurang"})
    assert response["Location"] == desk_url(third)
    response = inspector_client.post(desk_url(third), {"outcome": "accepted", "note": ""})
    assert response["Location"] == reverse("actionplans:verification_queue")


def test_the_next_report_is_never_one_the_verifier_may_not_decide(
    dual_role_client, round_2024, opd_a, opd_b, head_a, head_b
):
    own = _age(submit(make_plan(round_2024, opd_a, title="Own OPD"), head_a), 9)
    other = _age(submit(make_plan(round_2024, opd_b, title="Other OPD"), head_b), 5)
    response = dual_role_client.post(desk_url(other), {"outcome": "accepted", "note": ""})
    assert response["Location"] == reverse("actionplans:verification_queue")
    assert own.status == ReportStatus.PENDING


def test_a_report_decided_meanwhile_moves_on_without_a_second_decision(
    inspector_client, inspector, report_a
):
    services.report_accept(actor=inspector, report=report_a)
    response = inspector_client.post(desk_url(report_a), {"outcome": "returned", "note": "x"})
    assert response.status_code == 302
    assert VerificationDecision.objects.filter(report=report_a).count() == 1


# --- query counts ------------------------------------------------------------------------------


def _world(plan, reporter, verifier, scale):
    """`scale` earlier decisions on the plan and a report with 2 x `scale` files."""
    for number in range(scale):
        report = submit(plan, reporter, percent=10 + number)
        if number % 2:
            services.report_return(actor=verifier, report=report, note=f"Kurang {number}")
        else:
            services.report_accept(actor=verifier, report=report)
    files = [pdf_upload(f"sk-{n}.pdf") for n in range(scale)]
    files += [png_upload(f"foto-{n}.png") for n in range(scale)]
    waiting = services.report_submit(
        actor=reporter,
        plan=plan,
        percent=95,
        narrative="Semua",
        files=files,
        effective_date=date(2025, 3, 1),
    )
    return waiting


def _desk_queries(client, report) -> tuple[int, int]:
    return cold_and_warm_queries(client, desk_url(report))


# cold: the report with its plan and the rights on it, evidence, earlier decisions and the rest of
# the desk (see selectors.verification_desk) after session, user and the generations (the user's OPD
# is cached under them); warm (the content cached under the generations, the reader and the day):
# session, user, the generations, unread notifications
DESK_QUERIES = (8, 4)


def test_the_desk_takes_the_same_queries_at_1x_and_10x_data(
    inspector_client, inspector, round_2024, opd_a, opd_b, head_a, head_b
):
    small = _world(make_plan(round_2024, opd_a, title="Kecil"), head_a, inspector, 1)
    large = _world(make_plan(round_2024, opd_b, title="Besar"), head_b, inspector, 10)
    assert large.evidence.count() == 20
    _desk_queries(inspector_client, small)  # warm: the permissions cached
    assert _desk_queries(inspector_client, small) == DESK_QUERIES
    assert _desk_queries(inspector_client, large) == DESK_QUERIES


def test_a_revision_on_the_desk_takes_the_same_queries_at_1x_and_10x_data(
    inspector_client, inspector, round_2024, opd_a, opd_b, head_a, head_b
):
    counts = []
    for opd, head, scale in ((opd_a, head_a, 1), (opd_b, head_b, 10)):
        plan = make_plan(round_2024, opd, title=f"Revisi {scale}")
        earlier = _world(plan, head, inspector, scale)
        services.report_return(actor=inspector, report=earlier, note="Perbaiki")
        revision = services.report_submit(
            actor=head,
            plan=plan,
            percent=96,
            narrative="Diperbaiki",
            files=[pdf_upload("baru.pdf")],
            revises=earlier,
            keep=list(earlier.evidence.all()),
        )
        counts.append(_desk_queries(inspector_client, revision))
    assert counts == [DESK_QUERIES, DESK_QUERIES]


def test_the_percent_is_checked_only_after_the_verifier_may_decide(head_b, report_a):
    with pytest.raises(PermissionDenied):
        services.report_accept(actor=head_b, report=report_a, note="", percent=99)
