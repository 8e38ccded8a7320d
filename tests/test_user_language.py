"""Staff pages speak the signed-in user's stored language, not the browser's; signing in
applies it, the preferences page and the menu's switch store it; Indonesian by default."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from actionplans import services
from actionplans.models import UserPreference
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def _sign_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def _html_lang(client, url):
    html = client.get(url, **ENGLISH_BROWSER).content.decode()
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_a_new_preference_is_indonesian(inspector):
    preference = services.preferences_update(actor=inspector, email_notifications=False)
    assert preference.language == "id"


def test_staff_pages_ignore_the_browser_language(inspector):
    client = Client()
    _sign_in(client, inspector)
    assert _html_lang(client, reverse("preferences")) == "id"


def test_signing_in_applies_the_stored_language(inspector):
    services.preferences_update(actor=inspector, language="en")
    client = Client()
    response = _sign_in(client, inspector)
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert _html_lang(client, reverse("preferences")) == "en"
    assert "<title>Preferences</title>" in client.get(reverse("preferences")).content.decode()


def test_the_stored_language_wins_over_the_login_pages_cookie(inspector):
    services.preferences_update(actor=inspector, language="id")
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    _sign_in(client, inspector)
    assert _html_lang(client, reverse("preferences")) == "id"


def test_the_preferences_page_stores_the_language_and_switches_at_once(inspector):
    client = Client()
    _sign_in(client, inspector)
    response = client.post(reverse("preferences"), {"language": "en"}, follow=True)
    assert UserPreference.objects.get(user=inspector).language == "en"
    assert "Your preferences were saved." in response.content.decode()
    assert _html_lang(client, reverse("dashboard")) == "en"


def test_the_menu_switch_stores_a_signed_in_users_choice(inspector):
    client = Client()
    _sign_in(client, inspector)
    data = {"language": "en", "next": reverse("preferences")}
    response = client.post(reverse("language_choose"), data)
    assert response.status_code == 302 and response["Location"] == reverse("preferences")
    assert UserPreference.objects.get(user=inspector).language == "en"
    client.logout()
    again = Client()
    _sign_in(again, inspector)
    assert _html_lang(again, reverse("preferences")) == "en"


def test_the_menu_switch_before_signing_in_only_sets_the_cookie(db):
    client = Client()
    response = client.post(
        reverse("language_choose"), {"language": "en", "next": "/accounts/login/"}
    )
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert _html_lang(client, reverse("login")) == "en"
    assert UserPreference.objects.count() == 0


def test_the_menu_switch_refuses_a_foreign_next_and_an_unknown_language(inspector):
    client = Client()
    _sign_in(client, inspector)
    away = client.post(reverse("language_choose"), {"language": "en", "next": "https://evil.test/"})
    assert away["Location"] == reverse("home")
    client.post(reverse("language_choose"), {"language": "fr", "next": "/"})
    assert UserPreference.objects.get(user=inspector).language == "en"


def test_the_login_page_ignores_the_browser_language(db):
    assert _html_lang(Client(), reverse("login")) == "id"


def test_the_public_page_keeps_its_own_switch_for_a_signed_in_user(inspector, bartim_2024):
    services.preferences_update(actor=inspector, language="en")
    client = Client()
    _sign_in(client, inspector)
    assert _html_lang(client, "/?lang=id") == "id"


def test_an_anonymous_page_reads_no_session_and_varies_on_no_language_header(bartim_2024):
    response = Client().get("/", **ENGLISH_BROWSER)
    vary = response.get("Vary", "")
    assert "Cookie" not in vary and "Accept-Language" not in vary
    assert response["Content-Language"] == "id"
