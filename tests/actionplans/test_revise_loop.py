"""The revise loop: a returned report shows its note where the OPD works, a revision answers it
once, keeps its files unless the reporter leaves them out, and the desk shows what changed."""

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from actionplans import services
from actionplans.models import Evidence, ProgressReport, ReportStatus
from tests.factories import make_plan, pdf_upload, submit

pytestmark = pytest.mark.django_db

NOTE = "Lampirkan SK penetapan SOP yang sudah ditandatangani"
PDF_V2 = b"%PDF-1.4\n1 0 obj <<>> endobj\n% SK bertanda tangan\ntrailer <<>>\n%%EOF\n"


def report_url(plan, answers=None):
    url = reverse("actionplans:report_create", args=[plan.pk])
    return f"{url}?answers={answers.pk}" if answers else url


def desk_url(report):
    return reverse("actionplans:report_verify", args=[report.pk])


def answer_links(page: str) -> list[str]:
    return re.findall(r"\?answers=(\d+)", page)


@pytest.fixture
def returned(plan_a, head_a, inspector):
    report = services.report_submit(
        actor=head_a,
        plan=plan_a,
        percent=40,
        narrative="SOP disusun",
        files=[pdf_upload("draf-sop.pdf"), pdf_upload("daftar-hadir.pdf", PDF_V2 + b"x")],
        effective_date=date(2025, 2, 1),
    )
    services.report_return(actor=inspector, report=report, note=NOTE)
    return report


def _revise(client, plan, returned, *, keep, files=(), percent=50, narrative="SOP ditetapkan"):
    data = {
        "report_date": date.today().isoformat(),
        "percent": percent,
        "narrative": narrative,
        "keep": [item.pk for item in keep],
        "files": list(files),
    }
    return client.post(report_url(plan, returned), data)


# --- the note where the OPD works -------------------------------------------------------------


def test_the_plan_page_shows_the_note_and_offers_the_answer(head_a_client, plan_a, returned):
    page = head_a_client.get(plan_a.get_absolute_url()).content.decode()
    notice = page[page.index("returned-notice") :]
    assert NOTE in notice[: notice.index("</div>")]
    assert str(returned.pk) in answer_links(page)


def test_the_revision_form_shows_the_note_and_starts_from_the_returned_report(
    head_a_client, plan_a, returned, inspector
):
    response = head_a_client.get(report_url(plan_a, returned))
    page = response.content.decode()
    assert NOTE in page
    assert inspector.username in page  # who returned it
    form = response.context["form"]
    assert form.initial["percent"] == 40
    assert form.initial["narrative"] == "SOP disusun"
    assert set(form.fields["keep"].initial) == set(returned.evidence.values_list("pk", flat=True))
    assert "draf-sop.pdf" in page and "daftar-hadir.pdf" in page
    assert not form.fields["files"].required


def test_the_plain_report_form_points_to_the_returned_report(head_a_client, plan_a, returned):
    page = head_a_client.get(report_url(plan_a)).content.decode()
    assert NOTE in page
    assert answer_links(page) == [str(returned.pk)]


# --- the revision ------------------------------------------------------------------------------


def test_a_revision_links_to_the_report_it_answers_and_keeps_its_files(
    head_a_client, plan_a, returned
):
    before = list(returned.evidence.order_by("pk").values_list("file", "sha256"))
    response = _revise(head_a_client, plan_a, returned, keep=returned.evidence.all())
    assert response.status_code == 302
    revision = ProgressReport.objects.get(revises=returned)
    assert (revision.percent, revision.status) == (50, ReportStatus.PENDING)
    kept = list(revision.evidence.order_by("pk"))
    assert [(item.file.name, item.sha256) for item in kept] == before  # the same stored files
    assert [item.carried_from_id for item in kept] == [e.pk for e in returned.evidence.all()]
    assert kept[0].effective_date == date(2025, 2, 1)
    assert kept[0].file.open("rb").read().startswith(b"%PDF")
    # nothing of the returned report changed or went away
    assert list(returned.evidence.order_by("pk").values_list("file", "sha256")) == before
    returned.refresh_from_db()
    assert returned.status == ReportStatus.RETURNED


def test_a_revision_may_replace_a_file_and_leave_one_out(head_a_client, plan_a, returned):
    draft, attendance = returned.evidence.order_by("pk")
    signed = pdf_upload("sk-bertanda-tangan.pdf", PDF_V2)
    response = _revise(head_a_client, plan_a, returned, keep=[attendance], files=[signed])
    assert response.status_code == 302
    revision = ProgressReport.objects.get(revises=returned)
    names = sorted(revision.evidence.values_list("original_name", flat=True))
    assert names == ["daftar-hadir.pdf", "sk-bertanda-tangan.pdf"]
    assert Evidence.objects.filter(pk=draft.pk).exists()  # left out, never deleted


def test_a_revision_with_no_file_at_all_is_refused(head_a_client, plan_a, returned):
    response = _revise(head_a_client, plan_a, returned, keep=[])
    assert response.status_code == 200
    assert "files" in response.context["form"].errors
    assert not ProgressReport.objects.filter(revises=returned).exists()


def test_a_returned_report_is_answered_only_once(head_a_client, head_a, plan_a, returned):
    _revise(head_a_client, plan_a, returned, keep=returned.evidence.all())
    with pytest.raises(ValidationError):
        services.report_submit(
            actor=head_a,
            plan=plan_a,
            percent=60,
            narrative="Lagi",
            files=[pdf_upload()],
            revises=returned,
        )
    response = head_a_client.get(report_url(plan_a, returned))
    assert response.status_code == 302  # a stale answer link leads back to the plan
    assert response["Location"] == plan_a.get_absolute_url()
    assert ProgressReport.objects.filter(revises=returned).count() == 1


def test_only_a_returned_report_of_the_same_plan_is_answered(
    head_a, plan_a, round_2024, opd_a, returned
):
    pending = submit(make_plan(round_2024, opd_a, title="Lain"), head_a)
    other_plan = make_plan(round_2024, opd_a, title="Rencana lain")
    for plan, revises in ((plan_a, pending), (other_plan, returned)):
        with pytest.raises(ValidationError):
            services.report_submit(
                actor=head_a,
                plan=plan,
                percent=60,
                narrative="x",
                files=[pdf_upload()],
                revises=revises,
            )


def test_a_revision_keeps_only_files_of_the_report_it_answers(
    head_a, plan_a, round_2024, opd_a, returned
):
    stranger_file = submit(make_plan(round_2024, opd_a, title="Lain"), head_a).evidence.get()
    with pytest.raises(ValidationError):
        services.report_submit(
            actor=head_a,
            plan=plan_a,
            percent=60,
            narrative="x",
            files=[],
            revises=returned,
            keep=[stranger_file],
        )
    assert not ProgressReport.objects.filter(revises=returned).exists()


# --- no stale answer button --------------------------------------------------------------------


def test_an_answered_report_offers_no_answer_any_more(head_a_client, plan_a, returned):
    _revise(head_a_client, plan_a, returned, keep=returned.evidence.all())
    page = head_a_client.get(plan_a.get_absolute_url()).content.decode()
    assert answer_links(page) == []
    assert "returned-notice" not in page
    assert answer_links(head_a_client.get(report_url(plan_a)).content.decode()) == []


def test_after_the_revision_is_accepted_no_answer_is_offered(
    head_a_client, inspector, plan_a, returned
):
    _revise(head_a_client, plan_a, returned, keep=returned.evidence.all())
    services.report_accept(actor=inspector, report=ProgressReport.objects.get(revises=returned))
    page = head_a_client.get(plan_a.get_absolute_url()).content.decode()
    assert answer_links(page) == []
    assert "returned-notice" not in page


def test_a_later_accepted_report_leaves_no_answer_on_an_unlinked_returned_one(
    head_a_client, head_a, inspector, plan_a, returned
):
    services.report_accept(actor=inspector, report=submit(plan_a, head_a, percent=70))
    page = head_a_client.get(plan_a.get_absolute_url()).content.decode()
    assert answer_links(page) == []


# --- the desk marks a resubmission -------------------------------------------------------------


def test_the_desk_marks_a_resubmission_and_shows_what_changed(
    head_a_client, inspector_client, plan_a, returned
):
    draft, attendance = returned.evidence.order_by("pk")
    signed = pdf_upload("sk-bertanda-tangan.pdf", PDF_V2)
    _revise(head_a_client, plan_a, returned, keep=[attendance], files=[signed])
    revision = ProgressReport.objects.get(revises=returned)
    response = inspector_client.get(desk_url(revision))
    change = response.context["desk"].resubmission
    assert change.earlier == returned
    assert (change.percent_before, change.percent_after) == (40, 50)
    assert change.narrative_changed
    assert change.return_note == NOTE
    assert [e.original_name for e in change.evidence.added] == ["sk-bertanda-tangan.pdf"]
    assert [e.original_name for e in change.evidence.kept] == ["daftar-hadir.pdf"]
    assert [e.original_name for e in change.evidence.removed] == ["draf-sop.pdf"]
    page = response.content.decode()
    submitted = timezone.localtime(returned.submitted_at).strftime("%-d %b %Y")
    assert f"Revision of the report of {submitted}" in page
    assert "40% → <strong>50%</strong>" in page
    assert "Narrative changed" in page
    assert re.search(r"evidence-added.*sk-bertanda-tangan\.pdf", page)
    assert re.search(r"evidence-kept.*daftar-hadir\.pdf", page)
    assert re.search(r"evidence-removed.*draf-sop\.pdf", page)


def test_the_queue_marks_a_resubmission(head_a_client, inspector_client, plan_a, returned):
    _revise(head_a_client, plan_a, returned, keep=returned.evidence.all())
    queue = inspector_client.get(reverse("actionplans:verification_queue")).content.decode()
    assert "Revision" in queue


def test_a_first_report_is_not_marked_as_a_resubmission(inspector_client, report_a):
    response = inspector_client.get(desk_url(report_a))
    assert response.context["desk"].resubmission is None
    assert "resubmission" not in response.content.decode()


def test_a_kept_file_uploaded_again_is_stored_once(head_a_client, plan_a, returned):
    draft, attendance = returned.evidence.order_by("pk")
    again = pdf_upload("draf-sop-lagi.pdf")  # the same bytes as draf-sop.pdf
    _revise(head_a_client, plan_a, returned, keep=[draft, attendance], files=[again])
    revision = ProgressReport.objects.get(revises=returned)
    assert sorted(revision.evidence.values_list("sha256", flat=True)) == sorted(
        [draft.sha256, attendance.sha256]
    )


def test_a_kept_file_id_beyond_any_column_is_an_invalid_choice(head_a_client, plan_a, returned):
    data = {"report_date": date.today().isoformat(), "percent": 50, "narrative": "x"}
    response = head_a_client.post(report_url(plan_a, returned), {**data, "keep": [2**70]})
    assert response.status_code == 200
    assert "keep" in response.context["form"].errors
