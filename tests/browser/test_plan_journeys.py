import pytest

from actionplans.models import PlanStatus, ProgressReport, ReportStatus
from surveys.models import RoundStatus
from tests.factories import PDF_BYTES, make_plan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def evidence_pdf(tmp_path):
    path = tmp_path / "sk-penetapan-sop.pdf"
    path.write_bytes(PDF_BYTES)
    return path


@pytest.fixture
def plan_b(methodology, opd_b):
    return make_plan(methodology[2024], opd_b, title="Digitalisasi layanan perizinan")


def test_the_head_of_opd_a_gets_not_found_for_a_plan_of_opd_b(page, log_in, head_a, plan_b):
    log_in(page, head_a.username)
    response = page.goto(f"/plans/{plan_b.pk}/")
    assert response.status == 404
    assert "Not Found" in page.inner_text("body")
    assert plan_b.title not in page.content()
    assert page.goto(f"/plans/{plan_b.pk}/report/").status == 404


def _send_report(page, plan, percent, narrative, evidence_pdf):
    page.fill("#id_percent", str(percent))
    page.fill("#id_narrative", narrative)
    page.set_input_files("#id_files", str(evidence_pdf))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/plans/{plan.pk}/")


def _decide(page, plan, outcome, note=""):
    page.goto("/plans/verification/")
    row = page.locator("tbody tr", has=page.locator(f"a[href$='/plans/{plan.pk}/']"))
    row.locator("a[href*='/verify/']").click()
    page.fill("#id_note", note)
    page.locator(f"button[name=outcome][value={outcome}]").click()
    page.wait_for_url("**/plans/verification/")


def test_a_report_is_returned_answered_and_accepted_and_the_public_page_shows_it(
    new_context, log_in, head_a, inspector, opd_a, bartim_2024, evidence_pdf
):
    survey_round = bartim_2024.round
    survey_round.status = RoundStatus.PUBLISHED
    survey_round.save()
    plan = make_plan(
        survey_round,
        opd_a,
        title="SOP pelayanan kesehatan",
        show_on_public_page=True,
        public_summary="SOP pelayanan puskesmas diumumkan",
    )
    head, verifier, citizen = (new_context().new_page() for _ in range(3))
    citizen.goto("/")
    public_plan = citizen.locator("article.plan", has_text="SOP pelayanan kesehatan")
    assert float(public_plan.locator("progress").get_attribute("value")) == 0
    log_in(head, head_a.username)
    log_in(verifier, inspector.username)

    head.goto(f"/plans/{plan.pk}/")
    head.locator(f"a[href$='/plans/{plan.pk}/report/']").click()
    _send_report(head, plan, 40, "SOP disusun, menunggu penetapan", evidence_pdf)
    assert "sk-penetapan-sop.pdf" in head.inner_text(".timeline")

    _decide(verifier, plan, "returned", note="Lampirkan SK penetapan SOP yang sudah ditandatangani")
    head.goto(f"/plans/{plan.pk}/")
    assert "Lampirkan SK penetapan SOP" in head.inner_text(".timeline")
    head.locator("a[href*='?answers=']").click()
    assert head.input_value("#id_percent") == "40"  # the revision starts from the returned report
    _send_report(head, plan, 60, "SOP ditetapkan dengan SK Kepala Dinas", evidence_pdf)

    _decide(verifier, plan, "accepted")
    statuses = list(plan.reports.order_by("pk").values_list("status", "percent"))
    assert statuses == [(ReportStatus.RETURNED, 40), (ReportStatus.ACCEPTED, 60)]
    plan.refresh_from_db()
    assert (plan.verified_progress, plan.status) == (60, PlanStatus.ACTIVE)
    assert ProgressReport.objects.get(percent=60).evidence.count() == 1
    citizen.reload()
    assert float(public_plan.locator("progress").get_attribute("value")) == 60
    assert "60%" in public_plan.inner_text()
