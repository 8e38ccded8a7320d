"""Plans, reports and evidence files for the action-plan tests."""

import io
import zipfile
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from actionplans import services
from actionplans.models import ActionPlan, PlanStatus
from tests.conftest import inspectorate_account

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf_upload(name="laporan.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def ooxml_bytes(main_part="word/document.xml", payload=b"<w:document/>"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, payload)
    return buffer.getvalue()


FINAL_STATUSES = (PlanStatus.DONE, PlanStatus.CANCELLED)


def planner():
    """The Inspectorate account test plans are made by: every write needs an actor with access."""
    return inspectorate_account("planner")


def make_plan(
    survey_round, opd, *, status=PlanStatus.ACTIVE, title="SOP layanan", actor=None, **extra
):
    indicator = survey_round.dimensions.order_by("code").first()
    fields = {
        "round": survey_round,
        "title": title,
        "finding": "Prosedur layanan tidak jelas",
        "activity": "Menyusun dan mengumumkan SOP",
        "start_date": date(2025, 1, 1),
        "due_date": extra.pop("due_date", date(2025, 12, 31)),
        "owner_opd": opd,
        "status": PlanStatus.ACTIVE if status in FINAL_STATUSES else status,
        "indicators": [indicator],
        **extra,
    }
    plan = services.plan_create(actor=actor or planner(), fields=fields)
    if status in FINAL_STATUSES:
        # done comes from an accepted 100% report, cancelled from Cancel: a test that needs
        # such a plan skips that story
        ActionPlan.objects.filter(pk=plan.pk).update(status=status)
        plan.refresh_from_db()
    return plan


def submit(plan, user, percent=50, **extra):
    return services.report_submit(
        actor=user,
        plan=plan,
        percent=percent,
        narrative="SOP disusun",
        files=[pdf_upload()],
        **extra,
    )


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _in_english(settings):
    """Messages are asserted in English, the source language of the catalogue."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def round_2024(methodology):
    return methodology[2024]


@pytest.fixture
def plan_a(round_2024, opd_a) -> ActionPlan:
    return make_plan(round_2024, opd_a)


@pytest.fixture
def report_a(plan_a, head_a):
    return submit(plan_a, head_a)


@pytest.fixture
def evidence_a(report_a):
    return report_a.evidence.get()


@pytest.fixture
def today():
    return date.today()


@pytest.fixture
def soon(today):
    return today + timedelta(days=7)
