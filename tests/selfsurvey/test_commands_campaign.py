"""create_campaign and survey_items: thin wrappers over the campaign services, scriptable."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line
from django.utils import timezone

from actionplans.models import OPD
from selfsurvey import campaigning, services
from selfsurvey.models import Campaign, Questionnaire
from tests.selfsurvey.world import make_campaign

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def opd_gone(db):
    return OPD.objects.create(code="LAMA", name="Dinas Lama", is_active=False)


def test_a_campaign_covers_every_active_opd_and_group_by_default(inspector, opd_a, opd_b, opd_gone):
    output = run("create_campaign", "Survei 2027", "--actor", "inspector")

    campaign = Campaign.objects.get(name="Survei 2027")
    assert output == (
        "Campaign Survei 2027 created (draft): 2 OPD(s) x 3 group(s) = 6 units, "
        "questionnaire default v1, k = 10.\n"
    )
    assert {unit.opd.code for unit in campaign.units.all()} == {"DINKES", "DISDIK"}
    assert campaign.period_start == timezone.localdate()
    assert campaign.period_end == timezone.localdate() + datetime.timedelta(days=30)
    assert (campaign.created_by, campaign.history.get().history_user) == (inspector, inspector)


def test_the_options_choose_opds_groups_k_round_and_period(inspector, methodology, opd_a, opd_b):
    output = run(
        "create_campaign",
        "Survei Dinkes",
        "--opds",
        "DINKES",
        "--groups",
        "internal,external",
        "--k",
        "5",
        "--round",
        "2024",
        "--start",
        "2027-02-01",
        "--end",
        "2027-03-15",
        "--actor",
        "inspector",
    )

    campaign = Campaign.objects.get(name="Survei Dinkes")
    assert output == (
        "Campaign Survei Dinkes created (draft): 1 OPD(s) x 2 group(s) = 2 units, "
        "questionnaire default v1, k = 5.\n"
    )
    assert sorted(campaign.units.values_list("opd__code", "group")) == [
        ("DINKES", "external"),
        ("DINKES", "internal"),
    ]
    assert campaign.round.year == 2024
    assert (campaign.period_start, campaign.period_end) == (
        datetime.date(2027, 2, 1),
        datetime.date(2027, 3, 15),
    )


def test_the_newest_version_of_the_named_questionnaire_is_used(inspector, opd_a):
    first = services.default_questionnaire(actor=inspector)
    definition = services.default_definition() | {"code": "pendek"}
    services.questionnaire_load(actor=inspector, definition=definition)
    newest = services.questionnaire_load(actor=inspector, definition=definition)

    run("create_campaign", "Survei pendek", "--questionnaire", "pendek", "--actor", "inspector")

    assert Campaign.objects.get().questionnaire == newest
    assert newest.version == 2 and first.code == "default"


def test_unknown_opd_codes_are_named_and_nothing_is_created(inspector, opd_a, opd_gone):
    with pytest.raises(CommandError, match=r"Unknown OPD code\(s\): NOPE, XYZ\."):
        run("create_campaign", "S", "--opds", "DINKES,NOPE,XYZ", "--actor", "inspector")
    with pytest.raises(CommandError, match=r"no longer active: LAMA"):
        run("create_campaign", "S", "--opds", "LAMA", "--actor", "inspector")

    assert not Campaign.objects.exists() and not Questionnaire.objects.exists()


def test_an_unknown_opd_ends_the_command_with_a_non_zero_exit_code(inspector, opd_a, capsys):
    argv = ["manage.py", "create_campaign", "S", "--opds", "NOPE", "--actor", "inspector"]

    with pytest.raises(SystemExit) as ended:
        execute_from_command_line(argv)

    assert ended.value.code == 1
    assert "NOPE" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--questionnaire", "tidak-ada"], "no questionnaire with the code tidak-ada"),
        (["--round", "1999"], "no SPI round 1999"),
        (["--groups", "internal,warga"], r"Unknown group\(s\): warga"),
        (["--start", "2027-13-01"], "2027-13-01 is not a date"),
        (["--start", "2027-05-01", "--end", "2027-04-01"], "period"),
        (["--k", "1"], "k|cell size|2"),
    ],
)
def test_a_wrong_option_is_explained_and_nothing_is_created(
    inspector, methodology, opd_a, args, message
):
    with pytest.raises(CommandError, match=message):
        run("create_campaign", "S", *args, "--actor", "inspector")

    assert not Campaign.objects.exists()


def test_a_taken_name_is_refused(inspector, opd_a):
    make_campaign(inspector, [opd_a], name="S")

    with pytest.raises(CommandError, match="exists already"):
        run("create_campaign", "S", "--actor", "inspector")


def test_the_command_needs_an_account_of_the_inspectorate(head_a, opd_a):
    with pytest.raises(CommandError, match="--actor"):
        run("create_campaign", "S", "--actor", "nobody")
    with pytest.raises(CommandError, match="Only the Inspectorate"):
        run("create_campaign", "S", "--actor", "head_a")

    assert not Campaign.objects.exists()


# --- survey_items --------------------------------------------------------------------------------

HEADER = "code,group,indicator,scale_min,scale_max,reverse,dont_know_values\n"


def test_the_items_of_the_shipped_questionnaire_are_written_in_position_order(inspector, opd_a):
    make_campaign(inspector, [opd_a], name="Survei 2026")

    output = run("survey_items", "--campaign", "Survei 2026", "--format", "csv")

    lines = output.splitlines(keepends=True)
    assert lines[0] == HEADER
    assert lines[1:6] == [
        "I01,internal,TRN1,1,4,false,9\n",
        "I02,internal,SDM1,1,4,false,9\n",
        "I03,internal,SDM2,1,4,true,9\n",
        "I04,internal,SDM2,0,1,true,9\n",
        "I05,internal,ANG1,1,4,true,9\n",
    ]
    shipped = services.default_definition()["items"]
    assert [line.split(",")[0] for line in lines[1:]] == [item["code"] for item in shipped]


def _labels(*values):
    return [{"value": v, "label_id": str(v), "label_en": str(v)} for v in values]


def test_several_dont_know_values_are_separated_by_semicolons(inspector, opd_a):
    definition = {
        "code": "mini",
        "title_id": "Mini",
        "title_en": "Mini",
        "indicators": [{"code": "X1", "dimension": "TRN", "name_id": "x", "name_en": "x"}],
        "items": [
            {
                "code": "B2",
                "group": "expert",
                "indicator": "X1",
                "wording_id": "b",
                "wording_en": "b",
                "scale_min": 1,
                "scale_max": 5,
                "reverse": True,
                "dont_know_values": [8, 9],
                "scale_labels": _labels(1, 2, 3, 4, 5, 8, 9),
            },
            {
                "code": "A1",
                "group": "external",
                "indicator": "X1",
                "wording_id": "a",
                "wording_en": "a",
                "scale_min": 0,
                "scale_max": 1,
                "dont_know_values": [9],
                "scale_labels": _labels(0, 1, 9),
            },
        ],
    }
    questionnaire = services.questionnaire_load(actor=inspector, definition=definition)
    item = questionnaire.items.get(code="A1")
    campaigning.item_update(
        actor=inspector,
        item=item,
        fingerprint=campaigning.item_fingerprint(item),
        **{field: getattr(item, field) for field in campaigning.ITEM_FIELDS}
        | {"dont_know_values": [], "scale_labels": _labels(0, 1)},
    )
    services.campaign_create(
        actor=inspector,
        name="Mini",
        questionnaire=questionnaire,
        period_start=datetime.date(2027, 1, 1),
        period_end=datetime.date(2027, 1, 31),
        opds=[opd_a],
    )

    output = run("survey_items", "--campaign", "Mini", "--format", "csv")

    assert output == HEADER + "B2,expert,X1,1,5,true,8;9\nA1,external,X1,0,1,false,\n"


def test_an_unknown_campaign_is_named(db):
    with pytest.raises(CommandError, match="no campaign named Tidak ada"):
        run("survey_items", "--campaign", "Tidak ada", "--format", "csv")
