"""Return -> revise -> accept in a real browser: the OPD sees the inspector's note, the revision
keeps the earlier evidence, the desk marks the resubmission and no stale answer button stays."""

import pytest

from actionplans import services
from actionplans.models import PlanStatus, ProgressReport, ReportStatus
from tests.factories import PDF_BYTES, make_plan, pdf_upload

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NOTE = "Lampirkan SK penetapan SOP yang sudah ditandatangani"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def signed_decree(tmp_path):
    path = tmp_path / "sk-bertanda-tangan.pdf"
    path.write_bytes(PDF_BYTES.replace(b"trailer", b"% signed\ntrailer"))
    return path


def _open_desk(page, plan):
    page.goto("/plans/verification/")
    row = page.locator("tbody tr", has=page.locator(f"a[href$='/plans/{plan.pk}/']"))
    row.locator("a[href*='/verify/']").click()
    page.wait_for_url("**/verify/")
    return row


def test_a_returned_report_is_revised_with_its_evidence_and_accepted(
    new_context, log_in, head_a, inspector, methodology, opd_a, signed_decree
):
    plan = make_plan(methodology[2024], opd_a, title="SOP pelayanan kesehatan")
    first = services.report_submit(
        actor=head_a,
        plan=plan,
        percent=40,
        narrative="SOP disusun, menunggu penetapan",
        files=[pdf_upload("daftar-hadir-rapat.pdf")],
    )
    head, verifier = new_context().new_page(), new_context().new_page()
    log_in(head, head_a.username)
    log_in(verifier, inspector.username)

    # the inspector sees the file previewed inline and returns the report with a note
    _open_desk(verifier, plan)
    preview = verifier.locator("iframe.evidence-preview")
    assert preview.count() == 1
    headers = verifier.request.get(preview.get_attribute("src").split("#")[0]).headers
    assert headers["content-disposition"].startswith("inline")
    assert "sandbox" in headers["content-security-policy"]
    verifier.fill("#id_note", NOTE)
    verifier.locator("button[name=outcome][value=returned]").click()
    verifier.wait_for_url("**/plans/verification/")

    # the head of the OPD sees the note on the plan page and on the form, files kept
    head.goto(f"/plans/{plan.pk}/")
    assert NOTE in head.inner_text(".returned-notice")
    head.locator(".returned-notice a[href*='?answers=']").click()
    assert NOTE in head.inner_text(".returned-notice")
    assert head.input_value("#id_percent") == "40"
    kept = head.get_by_label("daftar-hadir-rapat.pdf")
    assert kept.is_checked()
    head.fill("#id_percent", "60")
    head.fill("#id_narrative", "SOP ditetapkan dengan SK Kepala Dinas")
    head.set_input_files("#id_files", str(signed_decree))
    head.locator("main form button[type=submit]").click()
    head.wait_for_url(f"**/plans/{plan.pk}/")
    assert head.locator("a[href*='?answers=']").count() == 0
    revision = ProgressReport.objects.get(revises=first)

    # the desk marks the resubmission and what changed; accepting leads back to the queue
    row = _open_desk(verifier, plan)
    assert verifier.locator(".resubmission-mark").count() == 1
    changes = verifier.inner_text(".resubmission")
    assert NOTE in changes
    assert "40% → 60%" in changes
    assert "daftar-hadir-rapat.pdf" in verifier.inner_text(".evidence-kept")
    assert "sk-bertanda-tangan.pdf" in verifier.inner_text(".evidence-added")
    assert verifier.locator("iframe.evidence-preview").count() == 2
    verifier.locator("button[name=outcome][value=accepted]").click()
    verifier.wait_for_url("**/plans/verification/")
    assert row.count() == 0

    # accepted: the plan counts 60%, the old returned report offers no answer any more
    head.goto(f"/plans/{plan.pk}/")
    assert head.locator("a[href*='?answers=']").count() == 0
    assert head.locator(".returned-notice").count() == 0
    revision.refresh_from_db()
    first.refresh_from_db()
    assert (first.status, revision.status) == (ReportStatus.RETURNED, ReportStatus.ACCEPTED)
    assert sorted(revision.evidence.values_list("original_name", flat=True)) == [
        "daftar-hadir-rapat.pdf",
        "sk-bertanda-tangan.pdf",
    ]
    plan.refresh_from_db()
    assert (plan.verified_progress, plan.status) == (60, PlanStatus.ACTIVE)


def test_the_desk_and_the_revision_form_have_no_serious_accessibility_violation(
    axe_page, axe_violations, log_in, head_a, inspector, methodology, opd_a
):
    plan = make_plan(methodology[2024], opd_a, title="SOP pelayanan kesehatan")
    first = services.report_submit(
        actor=head_a, plan=plan, percent=40, narrative="SOP disusun", files=[pdf_upload()]
    )
    services.report_return(actor=inspector, report=first, note=NOTE)
    log_in(axe_page, head_a.username)
    axe_page.goto(f"/plans/{plan.pk}/report/?answers={first.pk}")
    axe_page.wait_for_selector("#id_files")
    assert axe_violations(axe_page) == []
    revision = services.report_submit(
        actor=head_a,
        plan=plan,
        percent=50,
        narrative="SOP ditetapkan",
        files=[pdf_upload("sk.pdf", PDF_BYTES + b"%")],
        revises=first,
        keep=list(first.evidence.all()),
    )
    axe_page.context.clear_cookies()
    log_in(axe_page, inspector.username)
    axe_page.goto(f"/plans/reports/{revision.pk}/verify/")
    axe_page.wait_for_selector(".resubmission")
    assert axe_violations(axe_page) == []
