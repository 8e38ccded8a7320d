"""Every writer of public data says so through surveys.public_cache.bump(), in its transaction.

The list below is the list of writers: a service that changes what the public page, the open
data or the dashboard shows belongs in WRITERS. Each one must move the generation before its
transaction commits (the tests run inside a transaction that never commits, so a bump left for
`on_commit` would not count), and a write that is refused must not move it.
"""

import json
from datetime import date
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from actionplans import services as plan_services
from surveys import public_cache
from surveys import services as survey_services
from surveys.importing import import_file
from surveys.models import ImportKind, PublicDataGeneration, RoundStatus, SurveyRound
from tests.factories import make_plan, submit

RESULTS_CSV = (
    b"year,institution_code,institution_name,internal,external,expert\n2024,K1,K,70,80,60\n"
)
SCORES_CSV = (
    b"year,institution_code,group,indicator_code,score,respondents\n"
    b"2024,KAB-BARTIM,internal,TRN,61.07,174\n"
)


@pytest.fixture
def scene(methodology, home, opd_a, head_a, inspector, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    SurveyRound.objects.filter(year=2024).update(status=RoundStatus.PUBLISHED)
    plan = make_plan(methodology[2024], opd_a, show_on_public_page=True, public_summary="SOP")
    return {"rounds": methodology, "plan": plan, "inspector": inspector, "head": head_a}


def _pack(year):
    path = next(p for p in survey_services.methodology_pack_paths() if str(year) in p.name)
    return json.loads(path.read_text(encoding="utf-8"))


def _accepted(scene):
    report = submit(scene["plan"], scene["head"], percent=60)
    plan_services.report_accept(actor=scene["inspector"], report=report)


def _milestone_on_verified_plan(scene):
    _accepted(scene)  # the plan's verified progress is public: a new milestone re-weighs it
    return lambda: plan_services.milestone_create(
        actor=scene["inspector"], plan=scene["plan"], title="Tahap 2", due_date=date(2025, 6, 30)
    )


# name -> (prepare(scene) -> write(), run before the generation is read)
WRITERS = {
    "round_publish": lambda s: (
        lambda: survey_services.round_publish(survey_round=s["rounds"][2025], actor=s["inspector"])
    ),
    "round_unpublish": lambda s: (
        lambda: survey_services.round_unpublish(
            survey_round=s["rounds"][2024], actor=s["inspector"], reason="KPK mengoreksi data"
        )
    ),
    "round_create_from_previous": lambda s: (
        lambda: survey_services.round_create_from_previous(year=2026, actor=s["inspector"])
    ),
    "methodology_load(overwrite=True)": lambda s: (
        lambda: survey_services.methodology_load(
            actor=s["inspector"],
            pack=_pack(2025),
            overwrite=True,  # a draft: not frozen
        )
    ),
    "import_file(results)": lambda s: (
        lambda: import_file(
            ImportKind.RESULTS, BytesIO(RESULTS_CSV), file_name="r.csv", actor=s["inspector"]
        )
    ),
    "import_file(indicator scores)": lambda s: (
        lambda: import_file(
            ImportKind.INDICATOR_SCORES,
            BytesIO(SCORES_CSV),
            file_name="s.csv",
            actor=s["inspector"],
        )
    ),
    "recommendation_create": lambda s: (
        lambda: plan_services.recommendation_create(
            actor=s["inspector"], survey_round=s["rounds"][2024], code="R9", text="Umumkan SOP"
        )
    ),
    "plan_create(public)": lambda s: (
        lambda: make_plan(
            s["rounds"][2024], s["plan"].owner_opd, show_on_public_page=True, public_summary="Baru"
        )
    ),
    "plan_update(public)": lambda s: (
        lambda: plan_services.plan_update(
            actor=s["inspector"],
            plan=s["plan"],
            version=s["plan"].version,
            fields={"title": "Baru"},
        )
    ),
    "plan_cancel(public)": lambda s: (
        lambda: plan_services.plan_cancel(
            actor=s["inspector"], plan=s["plan"], reason="Tidak dilanjutkan"
        )
    ),
    "report_accept (verified progress)": lambda s: lambda: _accepted(s),
    "milestone_create on a verified plan": lambda s: _milestone_on_verified_plan(s),
}


@pytest.mark.parametrize("name", WRITERS)
def test_each_writer_of_public_data_moves_the_generation_within_its_transaction(scene, name):
    write = WRITERS[name](scene)
    before = public_cache.generation()
    write()
    assert public_cache.generation() == before + 1


def test_a_refused_write_leaves_the_generation_alone(scene):
    before = public_cache.generation()
    with pytest.raises(ValidationError):
        survey_services.round_unpublish(
            survey_round=scene["rounds"][2024], actor=scene["inspector"], reason="  "
        )
    assert public_cache.generation() == before


def test_a_bump_rolls_back_with_the_data_it_announced(scene):
    before = public_cache.generation()
    with pytest.raises(RuntimeError), transaction.atomic():
        survey_services.round_publish(survey_round=scene["rounds"][2025], actor=scene["inspector"])
        raise RuntimeError("the writer fails after publishing")
    assert public_cache.generation() == before
    assert SurveyRound.objects.get(year=2025).status == RoundStatus.DRAFT


def test_a_private_plan_is_not_a_public_change(scene):
    before = public_cache.generation()
    make_plan(scene["rounds"][2024], scene["plan"].owner_opd, show_on_public_page=False)
    assert public_cache.generation() == before


def test_reading_pages_never_moves_the_generation(scene, client, inspector_client):
    before = public_cache.generation()
    for url in ("/", "/2024/", "/data/2024/results.csv", "/api/v1/rounds/"):
        assert client.get(url).status_code == 200
    assert inspector_client.get(reverse("dashboard")).status_code == 200
    assert public_cache.generation() == before


def test_the_first_bump_creates_the_generation_row(db):
    PublicDataGeneration.objects.all().delete()
    assert public_cache.generation() == 0
    public_cache.bump()
    public_cache.bump()
    assert public_cache.generation() == 2
