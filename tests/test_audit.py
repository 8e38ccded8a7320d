"""Every write service records its actor on every history row it writes, the rows it saves
for itself and the ones it saves on the way (bands of a copied round, the milestone of an
accepted report); no service that takes `actor` goes without `audited`."""

import ast
import inspect
import io
import json
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from actionplans import importing as plan_importing
from actionplans import services as plan_services
from actionplans.exporting import COLUMNS, plan_rows
from actionplans.models import ActionPlan
from spi_portal.demo import INSPECTOR_USERNAME
from surveys import importing as survey_importing
from surveys import services as survey_services
from surveys.audit import acting_as, audited
from surveys.models import ImportKind, RoundStatus, SurveyRound
from tests.factories import make_plan, pdf_upload, submit

pytestmark = pytest.mark.django_db


def _history_models():
    return [
        model
        for model in apps.get_models()
        if hasattr(model, "instance_type")
        and any(f.name == "history_user" for f in model._meta.fields)
    ]


def _latest_ids() -> dict:
    latest = {}
    for model in _history_models():
        ids = model.objects.order_by("-history_id").values_list("history_id", flat=True)
        latest[model] = ids.first() or 0
    return latest


def _rows_since(latest: dict) -> list:
    return [
        row
        for model, last in latest.items()
        for row in model.objects.filter(history_id__gt=last).select_related("history_user")
    ]


@dataclass
class Scene:
    inspector: object
    head_a: object
    plan: ActionPlan
    survey_round: object
    opd_a: object


@pytest.fixture
def scene(methodology, opd_a, head_a, inspector):
    survey_round = methodology[2024]
    plan = make_plan(survey_round, opd_a)
    plan_services.milestone_create(actor=inspector, plan=plan, title="TW I", due_date=plan.due_date)
    return Scene(inspector, head_a, plan, survey_round, opd_a)


def _pending_report(scene):
    milestone = scene.plan.milestones.get()
    return submit(scene.plan, scene.head_a, percent=100, milestone=milestone)


def _plan_create(scene):
    fields = {
        "round": scene.survey_round,
        "title": "Kanal pengaduan",
        "finding": "Pengaduan tidak ditindaklanjuti",
        "activity": "Membuka kanal pengaduan",
        "start_date": "2025-01-01",
        "due_date": "2025-12-31",
        "owner_opd": scene.opd_a,
        "indicators": list(scene.survey_round.dimensions.all()[:2]),
    }
    plan_services.plan_create(actor=scene.inspector, fields=fields)
    return scene.inspector


def _plan_update(scene):
    indicator = scene.survey_round.dimensions.order_by("-code").first()
    plan_services.plan_update(
        actor=scene.inspector,
        plan=scene.plan,
        version=scene.plan.version,
        fields={"title": "SOP layanan terpadu", "indicators": [indicator]},
    )
    return scene.inspector


def _plan_cancel(scene):
    plan_services.plan_cancel(actor=scene.inspector, plan=scene.plan, reason="Tidak dilanjutkan")
    return scene.inspector


def _milestone_create(scene):
    """On a plan verified already, so that the plan's progress is refreshed too."""
    plan_services.report_accept(actor=scene.inspector, report=submit(scene.plan, scene.head_a))
    before = _latest_ids()
    plan_services.milestone_create(
        actor=scene.inspector, plan=scene.plan, title="TW II", due_date=scene.plan.due_date
    )
    return scene.inspector, before


def _report_submit(scene):
    plan_services.report_submit(
        actor=scene.head_a, plan=scene.plan, percent=40, narrative="SOP", files=[pdf_upload()]
    )
    return scene.head_a


def _report_accept(scene):
    report = _pending_report(scene)
    before = _latest_ids()
    plan_services.report_accept(actor=scene.inspector, report=report)
    return scene.inspector, before


def _report_return(scene):
    report = _pending_report(scene)
    before = _latest_ids()
    plan_services.report_return(actor=scene.inspector, report=report, note="Bukti kurang")
    return scene.inspector, before


def _recommendation_create(scene):
    plan_services.recommendation_create(
        actor=scene.inspector, survey_round=scene.survey_round, code="R9", text="Perbaiki PBJ"
    )
    return scene.inspector


def _round_publish(scene):
    survey_services.round_publish(survey_round=scene.survey_round, actor=scene.inspector)
    return scene.inspector


def _round_unpublish(scene):
    scene.survey_round.__class__.objects.filter(pk=scene.survey_round.pk).update(
        status=RoundStatus.PUBLISHED
    )
    survey_services.round_unpublish(
        survey_round=scene.survey_round, actor=scene.inspector, reason="Angka dikoreksi KPK"
    )
    return scene.inspector


def _round_create_from_previous(scene):
    survey_services.round_create_from_previous(year=2030, actor=scene.inspector)
    return scene.inspector


def _methodology_load(scene):
    path = survey_services.METHODOLOGY_DIR / "spi-2024.json"
    pack = json.loads(path.read_text(encoding="utf-8"))
    pack["bands"] = pack["bands"][:-1] + [{**pack["bands"][-1], "label_en": "Renamed"}]
    pack["dimensions"][0]["name_en"] = "Renamed dimension"
    survey_services.methodology_load(
        actor=scene.inspector, pack=pack, source=path.name, overwrite=True
    )
    return scene.inspector


def _results_import(scene):
    content = (
        b"year,institution_code,institution_name,internal,external,expert,correction_integrity\n"
        b"2024,KAB-BARTIM,Pemerintah Kabupaten Barito Timur,66.93,84.27,56.79,1.12\n"
    )
    survey_importing.import_file(
        ImportKind.RESULTS, io.BytesIO(content), file_name="results.csv", actor=scene.inspector
    )
    return scene.inspector


def _plans_import(scene):
    header, row = COLUMNS, next(iter(plan_rows(ActionPlan.objects.filter(pk=scene.plan.pk))))
    row = list(row)
    row[COLUMNS.index("title")] = "SOP layanan (impor)"
    workbook = Workbook()
    workbook.active.append(header)
    workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    plan_importing.plans_import(buffer, file_name="rencana.xlsx", actor=scene.inspector)
    return scene.inspector


def _plan_carry_over(scene):
    following = SurveyRound.objects.get(year=scene.survey_round.year + 1)
    plan_services.plan_carry_over(
        actor=scene.inspector, source_plans=[scene.plan], target_round=following
    )
    return scene.inspector


WRITES = {
    "plan_create": _plan_create,
    "plan_carry_over": _plan_carry_over,
    "plan_update": _plan_update,
    "plan_cancel": _plan_cancel,
    "milestone_create": _milestone_create,
    "report_submit": _report_submit,
    "report_accept": _report_accept,
    "report_return": _report_return,
    "recommendation_create": _recommendation_create,
    "round_publish": _round_publish,
    "round_unpublish": _round_unpublish,
    "round_create_from_previous": _round_create_from_previous,
    "methodology_load": _methodology_load,
    "import results (surveys.importing.import_file)": _results_import,
    "import plans (actionplans.importing.plans_import)": _plans_import,
}


@pytest.mark.parametrize("write", list(WRITES))
def test_every_history_row_a_service_writes_names_its_actor(write, scene):
    """A case returns its actor, or its actor and the marks taken after its own setup."""
    before = _latest_ids()
    outcome = WRITES[write](scene)
    actor, before = outcome if isinstance(outcome, tuple) else (outcome, before)
    rows = _rows_since(before)
    assert rows, f"{write} wrote no history"
    strangers = {f"{row._meta.object_name} {row.history_type}": row.history_user for row in rows}
    assert {row.history_user for row in rows} == {actor}, strangers


def test_an_accepted_report_names_the_verifier_on_the_report_the_milestone_and_the_plan(scene):
    report = _pending_report(scene)
    plan_services.report_accept(actor=scene.inspector, report=report)
    assert report.history.first().history_user == scene.inspector
    assert scene.plan.milestones.get().history.first().history_user == scene.inspector
    assert scene.plan.history.first().status == "done"
    assert scene.plan.history.first().history_user == scene.inspector


def test_a_service_refuses_to_write_without_an_actor(scene):
    with pytest.raises(ValueError, match="needs an actor"):
        plan_services.plan_cancel(actor=None, plan=scene.plan, reason="Tidak dilanjutkan")
    scene.plan.refresh_from_db()
    assert scene.plan.status != "cancelled"


def test_rows_saved_outside_a_service_name_the_actor_of_the_block(db):
    someone = get_user_model().objects.create_user("operator-cli")
    with acting_as(someone):
        made = get_user_model().objects.create_user("made-by-operator")
    assert made.history.get().history_user == someone


SERVICE_MODULES = [survey_services, plan_services]
AUDITED_CODE = audited(lambda *, actor: None).__code__


def _public_functions_taking_actor(module):
    for name, function in inspect.getmembers(module, inspect.isfunction):
        if function.__module__ == module.__name__ and not name.startswith("_"):
            if "actor" in inspect.signature(function).parameters:
                yield name, function


def test_every_service_that_takes_an_actor_is_audited_outermost():
    services = dict(
        item for module in SERVICE_MODULES for item in _public_functions_taking_actor(module)
    )
    assert {"plan_update", "methodology_load", "round_publish"} <= set(services)
    unaudited = sorted(name for name, f in services.items() if f.__code__ is not AUDITED_CODE)
    assert unaudited == []


MODEL_MODULES = ["surveys/models.py", "actionplans/models.py"]


def _history_declarations(path):
    tree = ast.parse((settings.BASE_DIR / path).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in ("HistoricalRecords", "ChangeHistory", "register"):
                yield node


@pytest.mark.parametrize("path", MODEL_MODULES)
def test_every_history_declaration_reads_the_actor_from_the_audit_module(path):
    declarations = list(_history_declarations(path))
    assert declarations
    for call in declarations:
        get_user = {k.arg: k.value for k in call.keywords}.get("get_user")
        assert getattr(get_user, "id", None) == "history_user", f"{path}:{call.lineno}"


def test_opds_memberships_and_group_changes_are_recorded_with_their_actor(opd_a, head_a):
    someone = get_user_model().objects.create_user("admin-clerk")
    with acting_as(someone):
        opd_a.email = "dinkes@bartim.test"
        opd_a.save()
        membership = head_a.opd_membership
        membership.role = "operator"
        membership.save()
        head_a.groups.clear()
        inspektorat = Group.objects.get(name="Inspektorat")
        inspektorat.permissions.remove(Permission.objects.get(codename="view_all_plans"))
    assert opd_a.history.first().history_user == someone
    assert membership.history.first().role == "operator"
    assert membership.history.first().history_user == someone
    latest = head_a.history.first()
    assert (latest.history_user, list(latest.groups.all())) == (someone, [])
    assert "view_all_plans" not in inspektorat.history.first().permissions.values_list(
        "permission__codename", flat=True
    )


def test_a_login_or_a_group_already_held_adds_no_account_history(client, head_a):
    rows = head_a.history.count()
    client.force_login(head_a)
    head_a.groups.add(Group.objects.get(name="Kepala OPD"))
    assert head_a.history.count() == rows


def _command(*args):
    call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())


def test_load_methodology_records_the_actor_it_is_given(db, inspector):
    _command("load_methodology", "--actor", "inspector")
    rows = _rows_since(dict.fromkeys(_history_models(), 0))
    assert rows
    assert {row.history_user for row in rows if row._meta.model_name != "historicaluser"} == {
        inspector
    }


def test_load_methodology_defaults_to_the_operating_system_users_account(db, monkeypatch):
    monkeypatch.setattr("surveys.management.actor.os_username", lambda: "deploy")
    deploy = get_user_model().objects.create_user("deploy")
    _command("load_methodology")
    assert SurveyRound.objects.get(year=2024).history.get().history_user == deploy


def test_a_command_with_no_account_to_name_refuses_and_writes_nothing(db, monkeypatch):
    monkeypatch.setattr("surveys.management.actor.os_username", lambda: "root")
    with pytest.raises(CommandError, match="No active portal account 'root'"):
        _command("load_methodology")
    with pytest.raises(CommandError, match="No active portal account 'nobody'"):
        _command("send_reminders", "--actor", "nobody")
    assert not SurveyRound.objects.exists()


def test_load_demo_names_someone_on_every_history_row(db):
    _command("load_demo")
    rows = _rows_since(dict.fromkeys(_history_models(), 0))
    assert rows
    assert [row for row in rows if row.history_user is None] == []
    inspector = get_user_model().objects.get(username=INSPECTOR_USERNAME)
    assert inspector.history.earliest().history_user == inspector
    assert SurveyRound.objects.get(year=2024).history.earliest().history_user == inspector


def test_load_demo_records_the_actor_it_is_given(db):
    operator = get_user_model().objects.create_user("demo-operator")
    operator.groups.add(Group.objects.get(name="Inspektorat"))  # the demo imports as its actor
    _command("load_demo", "--actor", "demo-operator")
    inspector = get_user_model().objects.get(username=INSPECTOR_USERNAME)
    assert inspector.history.earliest().history_user == operator
    assert SurveyRound.objects.get(year=2024).history.earliest().history_user == operator
