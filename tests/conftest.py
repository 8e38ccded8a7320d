"""The fixed cast of the test suite and the shared survey fixtures."""

from decimal import Decimal

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import translation

from actionplans import fragments
from actionplans.models import OPD
from spi_portal import public_bytes
from surveys import public_cache
from surveys.models import Institution, InstitutionResult, RoundStatus, SurveyRound
from surveys.services import methodology_load_all
from tests.factories import PASSWORD, client_for, opd_user


def pytest_collection_modifyitems(config, items):
    """A test that commits for real empties the tables after it, so it must run in the second
    phase of scripts/test.sh (marker browser or transactional), after the others."""
    for item in items:
        database = item.get_closest_marker("django_db")
        late = item.get_closest_marker("browser") or item.get_closest_marker("transactional")
        if database and database.kwargs.get("transaction") and not late:
            raise pytest.UsageError(f"{item.nodeid} commits for real: mark it transactional")


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """PBKDF2's 1,000,000 rounds cost every created user about 0.3 s; tests check who may do
    what, not the hash. Real servers started by tests (tests/servers.py) keep the real one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """The local-memory cache outlives the database between tests: the cached public page
    of one test must never answer the next."""
    cache.clear()


@pytest.fixture
def content_uncached(monkeypatch):
    """Staff pages built on every request, as after a data change (actionplans.fragments keeps
    their content otherwise): for what a page computes and the caches inside it."""

    def build_every_time(request, name, parts, build):
        return build(public_cache.generations(request.user))

    monkeypatch.setattr(fragments, "cached_content", build_every_time)


@pytest.fixture(autouse=True)
def _public_bytes_checked_on_every_hit(monkeypatch):
    """Worker memory outlives the database too; and in tests a publication shows at once
    rather than within production's second."""
    monkeypatch.setattr(public_bytes, "CHECK_SECONDS", 0)
    public_bytes.forget()


@pytest.fixture(autouse=True)
def _plain_http(settings):
    """The test client speaks plain HTTP: production's redirect to HTTPS is tested on its own."""
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Services and commands speak the source language in tests; pages still go through
    the language middleware and render Indonesian by default, as in production."""
    with translation.override("en"):
        yield


LOADER = "methodology-loader"


class _Rollback(Exception):
    pass


def _loaded_rows() -> dict | None:
    """The rows one run of the loader writes (every table, history and audit included), or None
    when it also changes rows that were there before (then only the loader itself will do)."""
    get_user_model().objects.create_user(LOADER, is_active=False)
    before = {label: dict(rows) for label, rows in _rows_by_pk().items()}
    methodology_load_all(actor=get_user_model().objects.get(username=LOADER))
    written = {}
    for label, rows in _rows_by_pk().items():
        if any(rows.get(pk) != row for pk, row in before[label].items()):
            return None
        new = [row for pk, row in rows.items() if pk not in before[label]]
        if new:
            written[label] = new
    return written


def _rows_by_pk() -> dict:
    return {
        model._meta.label: {
            row["pk"]: row for row in model._base_manager.values("pk", *_columns(model))
        }
        for model in apps.get_models(include_auto_created=True)
    }


def _columns(model):
    return [field.attname for field in model._meta.concrete_fields]


@pytest.fixture(scope="session")
def _methodology_rows(django_db_setup, django_db_blocker):
    """Captured once per test database in a transaction that is rolled back: writing the rows
    again costs far less than reading, checking and scoring five packs for every test."""
    with django_db_blocker.unblock():
        try:
            with transaction.atomic():
                captured = {
                    "rows": _loaded_rows(),
                    "loader": get_user_model().objects.get(username=LOADER).pk,
                }
                raise _Rollback
        except _Rollback:
            pass
    return captured


def _replay(captured) -> bool:
    """Write the captured rows again with the live loader as their user; False, writing nothing,
    when one of their keys is already taken (a test that wrote such rows before)."""
    rows = captured["rows"]
    if rows is None:
        return False
    models = [apps.get_model(label) for label in rows]
    if any(
        m._base_manager.filter(pk__in=[r["pk"] for r in rows[m._meta.label]]).exists()
        for m in models
    ):
        return False
    user_model = get_user_model()
    loader = user_model.objects.create_user(LOADER, is_active=False)
    with transaction.atomic():
        for model in models:
            users = [
                f.attname
                for f in model._meta.concrete_fields
                if f.is_relation and f.related_model is user_model
            ]
            objects = []
            for row in rows[model._meta.label]:
                values = {k: v for k, v in row.items() if k != "pk"}
                for name in users:
                    if values[name] == captured["loader"]:
                        values[name] = loader.pk
                objects.append(model(**values))
            model._base_manager.bulk_create(objects)
        reset = connection.ops.sequence_reset_sql(no_style(), models)
        if reset:
            with connection.cursor() as cursor:
                for statement in reset:
                    cursor.execute(statement)
    return True


@pytest.fixture
def methodology(db, _methodology_rows):
    """The shipped packs, loaded by an account of their own (the cast's users stay as they are)."""
    if not _replay(_methodology_rows):
        loader = get_user_model().objects.create_user(LOADER, is_active=False)
        methodology_load_all(actor=loader)
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
def published_2024(bartim_2024):
    """SPI 2024 with the home institution's result, published: what an OPD head may see."""
    survey_round = bartim_2024.round
    survey_round.status = RoundStatus.PUBLISHED
    survey_round.save(update_fields=["status"])
    return survey_round


@pytest.fixture
def inspector(db):
    user = get_user_model().objects.create_user("inspector", password=PASSWORD)
    user.groups.add(Group.objects.get(name="Inspektorat"))
    return user


@pytest.fixture
def inspector_client(client, inspector):
    client.force_login(inspector)
    return client


@pytest.fixture
def dual_role(opd_a):
    """An inspector who is also head of OPD A (the Inspectorate is itself an OPD, and people
    move): may verify other OPDs' work, never their own OPD's."""
    user = opd_user("dual_role", opd_a)
    user.groups.add(Group.objects.get(name="Inspektorat"))
    return user


@pytest.fixture
def dual_role_client(dual_role):
    return client_for(dual_role)


@pytest.fixture
def opd_a(db):
    return OPD.objects.create(code="DINKES", name="Dinas Kesehatan", short_name="Dinkes")


@pytest.fixture
def opd_b(db):
    return OPD.objects.create(code="DISDIK", name="Dinas Pendidikan", short_name="Disdik")


@pytest.fixture
def head_a(opd_a):
    return opd_user("head_a", opd_a)


@pytest.fixture
def head_b(opd_b):
    return opd_user("head_b", opd_b)


@pytest.fixture
def head_a_client(head_a):
    return client_for(head_a)


@pytest.fixture
def head_b_client(head_b):
    return client_for(head_b)


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)


@pytest.fixture
def superuser_client(superuser):
    return client_for(superuser)


def untouched_form_data(form) -> dict:
    """What a browser sends back for `form` when nothing is touched."""
    data = {}
    for bound in form:
        value, widget = bound.value(), bound.field.widget
        if isinstance(widget, forms.MultiWidget):
            parts = widget.decompress(value)
            for suffix, part in zip(widget.widgets_names, parts, strict=True):
                data[bound.html_name + suffix] = "" if part is None else part
        elif isinstance(widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        else:
            data[bound.html_name] = "" if value is None else value
    return data


class _InEnglish:
    """A test client whose next requests are in English: the language cookie, which decides for
    a user who stored no language, is set for each request and taken away after it."""

    def __init__(self, client):
        self.client = client

    def __getattr__(self, name):
        method = getattr(self.client, name)

        def in_english(*args, **kwargs):
            self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
            try:
                return method(*args, **kwargs)
            finally:
                del self.client.cookies[settings.LANGUAGE_COOKIE_NAME]

        return in_english


def in_english(client):
    return _InEnglish(client)
