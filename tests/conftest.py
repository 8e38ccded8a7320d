"""The fixed cast of the test suite and the shared survey fixtures."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from surveys.models import Institution, InstitutionResult, SurveyRound
from surveys.services import methodology_load_all

PASSWORD = "a-long-test-password-123"


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def methodology(db):
    methodology_load_all()
    return {r.year: r for r in SurveyRound.objects.all()}


@pytest.fixture
def home(db):
    return Institution.objects.create(
        kpk_code="KAB-BARTIM",
        name="Pemerintah Kabupaten Barito Timur",
        type="kabupaten",
        province="Kalimantan Tengah",
        is_home=True,
    )


@pytest.fixture
def bartim_2024(methodology, home):
    return InstitutionResult.objects.create(
        round=methodology[2024],
        institution=home,
        internal=Decimal("66.93"),
        external=Decimal("84.27"),
        expert=Decimal("56.79"),
        correction_integrity=Decimal("1.12"),
        correction_prevalence=Decimal("0"),
        published_index=Decimal("67.78"),
    )


@pytest.fixture
def inspector(db):
    return get_user_model().objects.create_user("inspector", password=PASSWORD)


@pytest.fixture
def inspector_client(client, inspector):
    client.force_login(inspector)
    return client
