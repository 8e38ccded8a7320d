"""The shared builders of the test suite: plans, reports, evidence files, form data and users.

Fixtures (tests/conftest.py, tests/actionplans/conftest.py) are built from these; a test that
needs a second plan or a report of its own calls them directly."""

import ast
import hashlib
import io
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from actionplans import services
from actionplans.models import ActionPlan, OPDMembership, OPDRole, PlanStatus
from surveys.models import IndicatorScore

PASSWORD = "a-long-test-password-123"

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


def inspectorate_account(username: str):
    """An Inspectorate account for writes a test needs but does not care about: every write
    names its actor and needs that actor's rights."""
    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        user.groups.add(Group.objects.get(name="Inspektorat"))
    return user


def importer():
    return inspectorate_account("importer")


def opd_user(username, opd, role=OPDRole.HEAD):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    user.groups.add(Group.objects.get(name="Kepala OPD"))
    OPDMembership.objects.create(user=user, opd=opd, role=role)
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


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


def stored_plan(survey_round, opd, title, *, indicator=None, **fields):
    """An active plan written straight to the table, without the services' history and
    checks: for pages that only read plans."""
    plan = ActionPlan.objects.create(
        round=survey_round,
        title=title,
        finding="Temuan",
        activity="Kegiatan",
        start_date=date(2025, 1, 1),
        due_date=date(2025, 12, 31),
        owner_opd=opd,
        **{"status": PlanStatus.ACTIVE, **fields},
    )
    plan.indicators.add(indicator or survey_round.dimensions.get(code="PBJ"))
    return plan


def indicator_score(survey_round, institution, code, score, group="internal"):
    return IndicatorScore.objects.create(
        round=survey_round,
        institution=institution,
        group=group,
        dimension=survey_round.dimensions.get(code=code),
        score=Decimal(score),
    )


def plan_form_data(plan) -> dict:
    """What the plan form posts for `plan` with a new title."""
    return {
        "round": plan.round_id,
        "title": "Judul baru",
        "finding": plan.finding,
        "indicators": [i.pk for i in plan.indicators.all()],
        "activity": plan.activity,
        "start_date": "2025-01-01",
        "due_date": "2025-12-31",
        "owner_opd": plan.owner_opd_id,
        "weight": 1,
        "status": "active",
        "version": plan.version,
    }


def submit(plan, user, percent=50, narrative="SOP disusun", **extra):
    return services.report_submit(
        actor=user,
        plan=plan,
        percent=percent,
        narrative=narrative,
        files=[pdf_upload()],
        **extra,
    )


def snapshot() -> dict[str, tuple[int, str]]:
    """Every table's row count and a hash of all its values (history tables included), but the
    sessions, which change on every login and logout and hold no portal data."""
    state = {}
    for model in apps.get_models():
        if model is Session:
            continue
        rows = list(model._base_manager.order_by("pk").values_list())
        state[model._meta.label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return state


def top_level_imports(module) -> set[str]:
    """The top-level package of every import in a module's source (for the purity tests)."""
    imported = set()
    for node in ast.walk(ast.parse(Path(module.__file__).read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    return imported


def cold_and_warm_queries(client, url: str) -> tuple[int, int]:
    """The queries of `url` just after a data change (its content computed again, the caches
    under the data generations too) and of the next request (its content cached)."""
    services.plan_data_changed()
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
    return tuple(counts)
