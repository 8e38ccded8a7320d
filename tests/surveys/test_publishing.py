from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from surveys import public_cache
from surveys.importing import import_file
from surveys.models import ImportKind, RoundStatus, SurveyRound
from tests.factories import importer


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


def test_an_applied_import_drops_the_public_cache(methodology, django_capture_on_commit_callbacks):
    before = public_cache.generation()
    content = (
        b"year,institution_code,institution_name,internal,external,expert\n2024,K1,K,70,80,60\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_file(ImportKind.RESULTS, BytesIO(content), file_name="r.csv", actor=importer())
    assert public_cache.generation() == before + 1


def test_editing_a_round_in_the_admin_drops_the_public_cache(
    client, methodology, django_capture_on_commit_callbacks
):
    admin_user = get_user_model().objects.create_superuser("root", password="x" * 16)
    client.force_login(admin_user)
    survey_round = methodology[2024]
    url = reverse("admin:surveys_surveyround_change", args=[survey_round.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    for prefix, formset in [("bands", survey_round.bands), ("dimensions", survey_round.dimensions)]:
        rows = list(formset.all())
        data.update({f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": len(rows)})
        for i, row in enumerate(rows):
            fields = {f.name: getattr(row, f.attname) for f in row._meta.concrete_fields}
            fields.pop("round")
            data.update({f"{prefix}-{i}-{k}": v for k, v in fields.items() if v is not None})
            data[f"{prefix}-{i}-id"] = row.pk
            data[f"{prefix}-{i}-round"] = survey_round.pk
    data["national_target"] = "75"
    before = public_cache.generation()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    survey_round.refresh_from_db()
    assert survey_round.national_target == 75
    assert public_cache.generation() == before + 1
