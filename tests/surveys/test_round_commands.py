"""publish_round and unpublish_round: the web's services from the command line, with an actor."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.utils import translation

from surveys import public_cache
from surveys.models import RoundStatus, SurveyRound


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def publisher(inspector):
    inspector.user_permissions.add(Permission.objects.get(codename="publish_surveyround"))
    return inspector


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def refused(*args) -> str:
    with pytest.raises(CommandError) as caught:
        run(*args)
    return str(caught.value)


def test_publish_round_publishes_as_the_actor_and_moves_the_generation(methodology, publisher):
    before = public_cache.generation()
    assert "SPI 2024 is published." in run("publish_round", "2024", "--actor", "inspector")
    survey_round = SurveyRound.objects.get(year=2024)
    assert survey_round.status == RoundStatus.PUBLISHED
    assert survey_round.history.first().history_user == publisher
    assert public_cache.generation() == before + 1


def test_unpublish_round_withdraws_with_the_reason_in_history(methodology, publisher):
    SurveyRound.objects.filter(year=2024).update(status=RoundStatus.PUBLISHED)
    before = public_cache.generation()
    output = run("unpublish_round", "2024", "--reason", "KPK mengoreksi", "--actor", "inspector")
    assert "SPI 2024 is no longer public." in output
    survey_round = SurveyRound.objects.get(year=2024)
    assert survey_round.status == RoundStatus.DRAFT
    assert survey_round.unpublish_reason == "KPK mengoreksi"
    assert survey_round.history.first().history_user == publisher
    assert public_cache.generation() == before + 1


def test_unpublish_round_without_a_real_reason_changes_nothing(methodology, publisher):
    SurveyRound.objects.filter(year=2024).update(status=RoundStatus.PUBLISHED)
    before = public_cache.generation()
    message = refused("unpublish_round", "2024", "--reason", "  ", "--actor", "inspector")
    assert message == "Say why the round is unpublished."
    assert SurveyRound.objects.get(year=2024).status == RoundStatus.PUBLISHED
    assert public_cache.generation() == before


def test_an_actor_without_the_publish_permission_is_refused(methodology, head_a):
    message = refused("publish_round", "2024", "--actor", "head_a")
    assert message == "head_a may not publish or unpublish survey rounds."
    assert SurveyRound.objects.get(year=2024).status == RoundStatus.DRAFT


def test_an_unknown_actor_or_year_is_refused(methodology, publisher):
    assert "No active portal account 'nobody'" in refused(
        "publish_round", "2024", "--actor", "nobody"
    )
    assert refused("publish_round", "1999", "--actor", "inspector") == "There is no SPI 1999 round."
