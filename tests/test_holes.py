"""The smaller holes of issue 10: download names, NUL bytes, private caching, the lockout per
address, the language cookie, implausible dates and error mails."""

import importlib
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client
from django.urls import path, reverse

import spi_portal.settings as configured
from surveys import charts, exporting
from surveys.models import Institution
from tests.conftest import PASSWORD
from tests.test_url_matrix import CASES, client_for, in_rollback, send
from tests.test_url_matrix import world as world  # noqa: PLC0414 (the matrix's world fixture)

pytestmark = pytest.mark.django_db


# The comparison's scope never reaches the download's name


@pytest.mark.parametrize("export", ["csv", "xlsx"])
@pytest.mark.parametrize("scope", ["province", "type", "codes"])
def test_the_comparison_download_is_named_by_its_scope(
    inspector_client, bartim_2024, scope, export
):
    response = inspector_client.get(reverse("surveys:compare"), {"scope": scope, "format": export})
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="spi-comparison-{scope}.{export}"'
    )


HOSTILE_SCOPES = [
    'x.html";filename="evil.html',  # the browser would save evil.html
    "x.html",
    "province\r\nSet-Cookie: sessionid=stolen",  # CR/LF: a server error before
    "province\n",
    'province"',
    "",
]


@pytest.mark.parametrize("export", ["csv", "xlsx", ""])
@pytest.mark.parametrize("scope", HOSTILE_SCOPES)
def test_a_comparison_scope_outside_the_choices_is_a_bad_request(
    inspector_client, bartim_2024, scope, export
):
    response = inspector_client.get(reverse("surveys:compare"), {"scope": scope, "format": export})
    assert response.status_code == 400
    assert "Content-Disposition" not in response
    assert "Set-Cookie" not in str(response.headers)


@pytest.mark.parametrize("name", ['a";x="', "a.html", "a\r\nb", "", "a b", "x" * 101])
def test_a_download_refuses_a_file_name_that_is_not_plain(name):
    with pytest.raises(ValueError, match="Unsafe download file name"):
        exporting.table_response(["a"], [[1]], file_name=name, file_format="csv")


# NUL bytes are a bad request, not a database error


@pytest.fixture
def superuser_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="a-long-admin-pass-1")
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/surveys/institution/?q=%00",
        "/admin/actionplans/actionplan/?q=a%00b",
        "/admin/actionplans/actionplan/?status__exact=%00",
        "/admin/auth/user/?q=%00",
        "/admin/surveys/institution/%00/change/",
    ],
)
def test_a_nul_in_an_admin_search_or_filter_is_a_bad_request(superuser_client, url):
    assert superuser_client.get(url).status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        {"status": "\x00"},
        {"indicator": "\x00"},
        {"opd": "\x00"},
        {"round": "20\x0024"},
        {"page": "\x00"},
        {"\x00": "1"},
    ],
)
def test_a_nul_in_a_query_is_a_bad_request(inspector_client, bartim_2024, query):
    assert inspector_client.get(reverse("actionplans:plan_list"), query).status_code == 400
    assert inspector_client.get(reverse("surveys:compare"), query).status_code == 400


def test_a_nul_in_a_form_value_is_a_bad_request_and_writes_nothing(inspector_client, methodology):
    before = methodology[2024].recommendations.count()
    response = inspector_client.post(
        reverse("actionplans:recommendations", args=[2024]),
        {"code": "R1", "text": "Perbaiki\x00layanan"},
    )
    assert response.status_code == 400
    assert methodology[2024].recommendations.count() == before


def test_a_nul_in_the_login_form_is_a_bad_request(client):
    response = client.post(reverse("login"), {"username": "root\x00", "password": "x"})
    assert response.status_code == 400


def test_text_without_nul_still_passes(inspector_client, bartim_2024):
    response = inspector_client.get(reverse("actionplans:plan_list"), {"indicator": "TRN\t%0"})
    assert response.status_code == 200


# Private responses are never stored by a browser or proxy


def cache_directives(response) -> set[str]:
    header = response.get("Cache-Control", "")
    return {part.split("=")[0].strip().lower() for part in header.split(",") if part.strip()}


def _cache_problems(world, role, name, case) -> list[str]:
    response = send(client_for(world, role), world, name, case)
    directives = cache_directives(response)
    if "public" in directives or {"private", "no-store"} <= directives:
        return []
    return [f"{case.method.upper()} {name} [{case.label}]: {response.get('Cache-Control')}"]


@pytest.mark.parametrize("role", ["inspector", "head_a"])
def test_every_response_to_a_signed_in_user_is_private_and_not_stored(world, role):
    found = []
    for name, case in CASES:
        found += in_rollback(lambda: _cache_problems(world, role, name, case))  # noqa: B023
    assert found == []


def test_an_evidence_download_is_private_and_not_stored(world):
    client = client_for(world, "head_a")
    response = client.get(reverse("actionplans:evidence_download", args=[world.evidence_a.pk]))
    assert response.status_code == 200
    assert {"private", "no-store"} <= cache_directives(response)
    assert "public" not in cache_directives(response)


def test_staff_pages_for_a_signed_in_user_are_private_and_not_stored(inspector_client, bartim_2024):
    for url in (reverse("dashboard"), reverse("surveys:round_detail", args=[2024])):
        response = inspector_client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"


def test_the_public_page_keeps_its_caching_for_anonymous_visitors(client, bartim_2024):
    response = client.get(reverse("public_page"))
    assert response.status_code == 200
    assert "no-store" not in cache_directives(response)
    assert "private" not in cache_directives(response)
    assert "Cookie" not in response.get("Vary", "")


def test_a_public_stylesheet_stays_public_for_a_signed_in_user(inspector_client, bartim_2024):
    response = inspector_client.get(reverse("surveys:bands_css"))
    assert response.status_code == 200
    assert cache_directives(response) == {"public", "max-age"}


def test_static_files_stay_public_for_a_signed_in_user(inspector_client, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "portal.css").write_text("body { margin: 0 }", encoding="utf-8")
    response = inspector_client.get("/static/portal.css")
    assert response.status_code == 200
    assert "public" in cache_directives(response)
    assert "no-store" not in cache_directives(response)


# The language cookie


@pytest.fixture
def production_cookies(settings):
    for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "LANGUAGE_COOKIE_SECURE"):
        setattr(settings, name, getattr(configured, name))


def test_the_language_cookie_follows_the_secure_cookie_setting():
    assert configured.LANGUAGE_COOKIE_SECURE is configured.SESSION_COOKIE_SECURE
    assert configured.LANGUAGE_COOKIE_HTTPONLY is True
    assert configured.LANGUAGE_COOKIE_SAMESITE == "Lax"


def test_the_language_cookie_of_a_public_link_is_secure_and_httponly(
    client, bartim_2024, production_cookies
):
    assert settings.LANGUAGE_COOKIE_SECURE is True
    response = client.get(reverse("public_page"), {"lang": "en"}, secure=True)
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


# The login lockout also counts per address over all usernames

WRONG = "wrong-password-123"


def log_in(client, username, password, address="127.0.0.1"):
    data = {"username": username, "password": password}
    return client.post(reverse("login"), data, REMOTE_ADDR=address)


@pytest.fixture
def auditor(django_user_model):
    return django_user_model.objects.create_user("auditor", password=PASSWORD)


def test_the_address_limit_is_higher_than_the_username_limit():
    assert configured.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"], "ip_address"]
    assert configured.AXES_ADDRESS_FAILURE_LIMIT == 20 > configured.AXES_FAILURE_LIMIT == 5


def test_failures_over_many_usernames_lock_the_address(client, inspector):
    answers = [log_in(client, f"guess{number}", WRONG).status_code for number in range(20)]
    assert answers == [200] * 19 + [429]
    assert log_in(client, "inspector", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    assert log_in(client, "inspector", PASSWORD, address="10.1.2.3").status_code == 302


def test_failures_over_usernames_below_the_address_limit_do_not_lock(client, inspector):
    for number in range(19):
        log_in(client, f"guess{number}", WRONG)
    assert log_in(client, "inspector", PASSWORD).status_code == 302


def test_a_success_from_an_address_keeps_the_failures_of_other_usernames(
    client, inspector, auditor
):
    for _ in range(4):
        log_in(client, "inspector", WRONG)
    assert log_in(client, "auditor", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    log_in(client, "inspector", WRONG)
    assert log_in(client, "inspector", PASSWORD).status_code == 429


def test_a_success_clears_the_own_failures_from_the_address_count(client, inspector, auditor):
    for _ in range(4):
        log_in(client, "auditor", WRONG)
    assert log_in(client, "auditor", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for number in range(19):
        log_in(client, f"guess{number}", WRONG)
    assert log_in(client, "inspector", PASSWORD).status_code == 302


# Error mails to ADMINS

DB_SECRET = "db-pass-7f3a"
REDIS_SECRET = "redis-pass-91c2"
FORM_SECRET = "form-pass-55d0"


def _failing_view(request):
    local_secret = FORM_SECRET  # noqa: F841 (a local variable of the failing frame)
    raise RuntimeError("the view broke")


urlpatterns = [path("boom/", _failing_view)]


def test_the_admins_setting_reads_names_and_plain_addresses(monkeypatch):
    monkeypatch.setenv("ADMINS", "Tim TI <ti@baritimurkab.go.id>, inspektorat@baritimurkab.go.id")
    monkeypatch.setenv("SERVER_EMAIL", "spi-errors@baritimurkab.go.id")
    reloaded = importlib.reload(configured)
    try:
        assert reloaded.ADMINS == [
            ("Tim TI", "ti@baritimurkab.go.id"),
            ("inspektorat@baritimurkab.go.id", "inspektorat@baritimurkab.go.id"),
        ]
        assert reloaded.SERVER_EMAIL == "spi-errors@baritimurkab.go.id"
    finally:
        monkeypatch.delenv("ADMINS")
        monkeypatch.delenv("SERVER_EMAIL")
        importlib.reload(configured)


def test_an_unhandled_error_mails_the_admins_once_without_secrets(inspector, settings, mailoutbox):
    settings.DEBUG = False
    settings.ADMINS = [("Tim TI", "ti@baritimurkab.go.id")]
    settings.ROOT_URLCONF = __name__
    settings.REDIS_URL = f"redis://:{REDIS_SECRET}@127.0.0.1:6379/0"
    settings.SECRET_KEY = "secret-key-3b9e0c7d2a1f4e6b8c5d"
    client = Client(raise_request_exception=False)
    client.force_login(inspector)
    database_url = f"postgres://spi:{DB_SECRET}@127.0.0.1/spi"
    data = {"password": FORM_SECRET, "api_token": FORM_SECRET, "note": "visible"}
    response = client.post("/boom/", data, DATABASE_URL=database_url)
    assert response.status_code == 500
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["ti@baritimurkab.go.id"]
    assert mail.from_email == settings.SERVER_EMAIL
    assert mail.subject.startswith("[SPI Portal] ERROR")
    text = mail.body + "".join(str(content) for content, _type in mail.alternatives)
    assert "RuntimeError" in text and "the view broke" in text
    assert "visible" in text
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    for secret in (settings.SECRET_KEY, session_key, DB_SECRET, REDIS_SECRET, FORM_SECRET):
        assert secret not in text


def test_a_handled_bad_request_mails_nobody(inspector_client, bartim_2024, settings, mailoutbox):
    settings.ADMINS = [("Tim TI", "ti@baritimurkab.go.id")]
    assert inspector_client.get(reverse("surveys:compare"), {"scope": "x"}).status_code == 400
    assert inspector_client.get(reverse("actionplans:plan_list"), {"q": "\x00"}).status_code == 400
    assert mailoutbox == []


# Text in plotly figures is shown literally, never as plotly's pseudo-HTML

LINK_NAME = '<a href="https://evil.example">Kota & <b>Co</b></a>'
LITERAL = '&lt;a href="https://evil.example"&gt;Kota &amp; &lt;b&gt;Co&lt;/b&gt;&lt;/a&gt;'


def figure_texts(figure) -> str:
    """The figure's JSON with the line breaks of wrapped labels read as the spaces they were."""
    return json.dumps(figure).replace("<br>", " ")


def test_an_imported_institution_name_is_literal_in_the_comparison_chart(
    inspector_client, bartim_2024
):
    Institution.objects.create(
        kpk_code="KOTA-X", name=LINK_NAME, type="kota", province="Kalimantan Tengah"
    )
    response = inspector_client.get(reverse("surveys:compare"), {"scope": "province"})
    figure = response.context["figure"]
    assert [trace["name"] for trace in figure["data"]][1] == LITERAL
    assert "<a" not in figure_texts(figure) and "<b>" not in figure_texts(figure)


def test_every_chart_escapes_the_text_it_is_given():
    band = SimpleNamespace(lower_bound=Decimal("0"), colour="#c62828")
    figures = [
        charts.progress_figure([LINK_NAME], [Decimal("50")]),
        charts.banded_index_figure(Decimal("70"), [band], lambda b: LINK_NAME),
        charts.comparison_figure(
            [2024], [{"institution": SimpleNamespace(name=LINK_NAME), "values": [1]}]
        ),
    ]
    for figure in figures:
        text = figure_texts(figure)
        assert "<a" not in text and "<b>" not in text
        assert json.dumps(LITERAL)[1:-1] in text
