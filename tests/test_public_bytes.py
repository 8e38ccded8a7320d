"""The cached public pages answered from worker memory (spi_portal.public_bytes)."""

import gzip

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from spi_portal import public_bytes
from surveys import services as survey_services
from tests.public_world import build_world

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
SECURE = {"secure": True}
PAGES = ["/", "/2024/"]


@pytest.fixture
def world(methodology, home, opd_a):
    return build_world(methodology, home, opd_a)


@pytest.fixture
def hsts(settings):
    settings.SECURE_HSTS_SECONDS = 3600


@pytest.fixture
def long_interval(monkeypatch):
    """Production's once-a-second check, stretched so that a test cannot cross it by chance."""
    monkeypatch.setattr(public_bytes, "CHECK_SECONDS", 3600)


def _body(response) -> bytes:
    if response.get("Content-Encoding") == "gzip":
        return gzip.decompress(response.content)
    return response.content


def _headers(response) -> dict:
    """Every header but Content-Length: the full pass gzips with random padding each time."""
    return {k: v for k, v in response.headers.items() if k != "Content-Length"}


def _full_then_kept(client, url, **extra):
    public_bytes.forget()
    full = client.get(url, **extra)
    kept = client.get(url, **extra)
    assert full.status_code == kept.status_code == 200
    return full, kept


@pytest.mark.parametrize("url", [*PAGES, f"/2024/plans/{0}/"])
@pytest.mark.parametrize("encoding", [GZIP, {}], ids=["gzip", "plain"])
def test_kept_answers_carry_the_headers_and_body_of_a_full_pass(
    client, world, hsts, long_interval, django_assert_num_queries, url, encoding
):
    url = url.replace("/0/", f"/{world.public_plan.pk}/")
    public_bytes.forget()
    full = client.get(url, **encoding, **SECURE)
    with django_assert_num_queries(0):  # neither the view nor the generation: from memory
        kept = client.get(url, **encoding, **SECURE)
    assert full.status_code == kept.status_code == 200
    assert _headers(kept) == _headers(full)
    assert set(kept.headers) == set(full.headers)
    assert int(kept["Content-Length"]) == len(kept.content)
    assert _body(kept) == _body(full)
    for header in (
        "Content-Security-Policy",
        "Strict-Transport-Security",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "X-Frame-Options",
        "Content-Language",
    ):
        assert header in kept.headers, header
    assert "Accept-Encoding" in kept["Vary"]


def test_gzip_only_when_asked_and_both_bodies_say_the_same(client, world, long_interval):
    client.get("/", **GZIP)
    zipped = client.get("/", **GZIP)
    plain = client.get("/", HTTP_ACCEPT_ENCODING="identity")
    bare = client.get("/")
    assert zipped["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain.headers and "Content-Encoding" not in bare.headers
    assert gzip.decompress(zipped.content) == plain.content == bare.content
    assert len(zipped.content) < len(plain.content) / 3
    assert '<span class="index">67,78</span>' in bare.content.decode()


def test_a_publication_shows_at_the_next_check_and_not_before(
    client, world, methodology, inspector, monkeypatch
):
    clock = [1000.0]
    monkeypatch.setattr(public_bytes.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(public_bytes, "CHECK_SECONDS", 1.0)
    assert "SPI 2025" not in client.get("/").content.decode()
    survey_services.round_publish(survey_round=methodology[2025], actor=inspector)
    clock[0] += 0.5
    assert "SPI 2025" not in client.get("/").content.decode()  # within the second: kept
    clock[0] += 0.5
    assert '<span class="index">45,67</span>' in client.get("/").content.decode()
    survey_services.round_unpublish(
        survey_round=methodology[2025], actor=inspector, reason="Data dikoreksi KPK"
    )
    clock[0] += 1.0
    content = client.get("/", **GZIP)
    assert '<span class="index">67,78</span>' in _body(content).decode()
    assert "SPI 2025" not in _body(content).decode()


def test_with_the_test_hook_a_change_shows_at_once(client, world, methodology, inspector):
    client.get("/")
    survey_services.round_publish(survey_round=methodology[2025], actor=inspector)
    assert '<span class="index">45,67</span>' in client.get("/").content.decode()


def test_kept_answers_set_no_cookie_and_follow_the_language_cookie(client, world, long_interval):
    client.get("/")
    indonesian = client.get("/")
    assert not indonesian.cookies
    assert indonesian["Content-Language"] == "id"
    chosen = client.get("/?lang=en")  # a query: the full pass, which remembers the choice
    assert chosen.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    client.get("/")
    english = client.get("/")
    assert not english.cookies
    assert english["Content-Language"] == "en"
    assert '<html lang="en">' in english.content.decode()
    assert '<html lang="id">' in Client().get("/").content.decode()


def test_a_signed_in_user_always_takes_the_full_pass_and_is_never_kept(
    client, world, inspector, long_interval, django_assert_num_queries
):
    staff = Client()
    staff.force_login(inspector)
    first = staff.get("/")
    assert "no-store" in first["Cache-Control"]
    assert public_bytes._entries == {}
    client.get("/")  # kept for anonymous readers from now on
    again = staff.get("/")
    assert "no-store" in again["Cache-Control"]
    assert "Cookie" in again["Vary"]


@pytest.mark.parametrize(
    "request_kind",
    [
        lambda c: c.head("/"),
        lambda c: c.get("/", {"opd": "x"}),
        lambda c: c.get("/", HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}=forged"),
        lambda c: c.get("/", HTTP_COOKIE="messages=anything"),
    ],
    ids=["head", "query", "session-cookie", "messages-cookie"],
)
def test_other_requests_take_the_full_pass(
    client, world, long_interval, django_assert_num_queries, request_kind
):
    """(A forged session cookie finds no session: the page is public all the same.)"""
    client.get("/")
    with django_assert_num_queries(0):
        client.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert request_kind(Client()).status_code == 200
    assert len(queries) >= 1  # the view ran (it reads the generation at least)


def test_a_disallowed_host_and_plain_http_keep_their_full_pass_answers(
    client, world, settings, long_interval
):
    client.get("/", **SECURE)
    assert client.get("/", **SECURE).status_code == 200
    stranger = Client(raise_request_exception=False)
    assert stranger.get("/", HTTP_HOST="evil.example", **SECURE).status_code == 400
    settings.SECURE_SSL_REDIRECT = True  # read when the middleware chain is built: a new client
    assert Client().get("/").status_code == 301


def test_memory_holds_at_most_max_entries(client, world, monkeypatch):
    monkeypatch.setattr(public_bytes, "MAX_ENTRIES", 1)
    client.get("/")
    client.get("/2024/")
    assert list(public_bytes._entries) == [("/2024/", "id", False, "testserver")]
