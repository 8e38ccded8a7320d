import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from surveys import public_cache
from surveys.models import RoundStatus, SurveyRound


@pytest.fixture
def publisher_client(client, inspector):
    inspector.user_permissions.add(Permission.objects.get(codename="publish_surveyround"))
    client.force_login(inspector)
    return client


def test_publishing_a_round_marks_it_published_and_bumps_the_public_cache(
    publisher_client, methodology, django_capture_on_commit_callbacks
):
    before = public_cache.generation()
    with django_capture_on_commit_callbacks(execute=True):
        response = publisher_client.post(reverse("surveys:round_publish", args=[2024]))
    assert response.status_code == 302
    methodology[2024].refresh_from_db()
    assert methodology[2024].status == RoundStatus.PUBLISHED
    assert public_cache.generation() == before + 1


def test_unpublishing_needs_a_reason_and_keeps_it_in_history(publisher_client, methodology):
    publisher_client.post(reverse("surveys:round_publish", args=[2024]))
    publisher_client.post(reverse("surveys:round_unpublish", args=[2024]), {"reason": " "})
    methodology[2024].refresh_from_db()
    assert methodology[2024].status == RoundStatus.PUBLISHED

    publisher_client.post(
        reverse("surveys:round_unpublish", args=[2024]), {"reason": "Data KPK dikoreksi"}
    )
    methodology[2024].refresh_from_db()
    assert methodology[2024].status == RoundStatus.DRAFT
    latest = methodology[2024].history.first()
    assert latest.unpublish_reason == "Data KPK dikoreksi"
    assert latest.history_user.username == "inspector"


def test_an_opd_user_cannot_publish(head_a_client, methodology):
    response = head_a_client.post(reverse("surveys:round_publish", args=[2024]))
    assert response.status_code == 403
    methodology[2024].refresh_from_db()
    assert methodology[2024].status == RoundStatus.DRAFT


def test_publishing_refuses_get(publisher_client, methodology):
    assert publisher_client.get(reverse("surveys:round_publish", args=[2024])).status_code == 405


@pytest.fixture
def round_admin_client(client, inspector):
    inspector.user_permissions.add(Permission.objects.get(codename="add_surveyround"))
    client.force_login(inspector)
    return client


def test_a_new_round_copies_the_latest_methodology(round_admin_client, methodology):
    response = round_admin_client.post(reverse("surveys:round_create"), {"year": 2026})
    assert response.status_code == 302
    new = SurveyRound.objects.get(year=2026)
    assert new.status == RoundStatus.DRAFT
    assert new.weight_expert == methodology[2025].weight_expert
    bands = list(new.bands.values_list("lower_bound", "label_id"))
    assert bands == list(methodology[2025].bands.values_list("lower_bound", "label_id"))
    assert new.dimensions.count() == methodology[2025].dimensions.count() == 7
    assert new.history.first().history_user.username == "inspector"


def test_an_existing_year_is_not_created_twice(round_admin_client, methodology):
    round_admin_client.post(reverse("surveys:round_create"), {"year": 2024})
    assert SurveyRound.objects.filter(year=2024).count() == 1


def test_an_opd_user_cannot_create_a_round(head_a_client, methodology):
    response = head_a_client.post(reverse("surveys:round_create"), {"year": 2026})
    assert response.status_code == 403
    assert not SurveyRound.objects.filter(year=2026).exists()
