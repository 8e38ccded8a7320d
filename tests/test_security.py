"""Headers, cookies, the content security policy, login lockout, passwords and logout."""

import importlib.util
import re
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

import spi_portal.settings as configured
from tests.conftest import PASSWORD

ROOT = Path(settings.BASE_DIR)
EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def csp_directives(response):
    policy = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


def log_in(client, username, password, address="127.0.0.1"):
    data = {"username": username, "password": password}
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the messages are asserted in English
    return client.post(reverse("login"), data, REMOTE_ADDR=address)


def is_logged_in(client):
    return "_auth_user_id" in client.session


# Headers and cookies


@pytest.fixture
def production_https(settings):
    """The values spi_portal/settings.py gives: the browser tests' live server switches them off
    for the rest of the session."""
    names = ("SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")
    for name in (*names, "LANGUAGE_COOKIE_SECURE"):
        setattr(settings, name, getattr(configured, name))


def test_a_page_carries_the_strict_content_security_policy(inspector_client, bartim_2024):
    response = inspector_client.get(reverse("surveys:round_detail", args=[2024]), secure=True)
    assert response.status_code == 200
    directives = csp_directives(response)
    assert {name: directives.get(name) for name in EXPECTED_CSP} == EXPECTED_CSP
    assert "unsafe" not in response.headers["Content-Security-Policy"]


def test_a_page_carries_hsts_nosniff_referrer_and_frame_headers(client, production_https):
    response = client.get(reverse("login"), secure=True)
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_plain_http_is_redirected_to_https_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("login"))
    assert response.status_code == 301
    assert response.headers["Location"] == "https://testserver" + reverse("login")


def test_session_and_csrf_cookies_are_secure_httponly_and_end_with_the_browser(client, inspector):
    client.get(reverse("login"), secure=True)
    response = client.post(
        reverse("login"), {"username": "inspector", "password": PASSWORD}, secure=True
    )
    assert response.status_code == 302
    for name in ("sessionid", "csrftoken"):
        cookie = response.cookies[name]
        assert cookie["secure"] is True, name
        assert cookie["httponly"] is True, name
        assert cookie["samesite"] == "Lax", name
    assert response.cookies["sessionid"]["max-age"] == ""
    assert response.cookies["sessionid"]["expires"] == ""


def test_the_language_cookie_is_secure_and_httponly(client, production_https):
    client.get(reverse("login"), secure=True)
    response = client.post(reverse("set_language"), {"language": "en"}, secure=True)
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_a_session_expires_on_the_server_after_a_working_day(client, inspector):
    log_in(client, "inspector", PASSWORD)
    session = Session.objects.get(session_key=client.session.session_key)
    lifetime = session.expire_date - timezone.now()
    assert timedelta(hours=8, minutes=59) < lifetime <= timedelta(hours=9)


# Content security policy and the templates


# the one inline stylesheet, allowed by its hash in the national pages' policy (tested there)
HASHED_STYLESHEET = "templates/public/national/_inline_css.html"


def test_no_template_has_inline_script_style_or_event_handler():
    inline = re.compile(r"<script(?![^>]*\bsrc=)|\sstyle=|<style|\son[a-z]+=", re.IGNORECASE)
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if inline.search(path.read_text(encoding="utf-8"))
        and str(path.relative_to(ROOT)) != HASHED_STYLESHEET
    ]
    assert offenders == []


def load_plotly_css_script():
    spec = importlib.util.spec_from_file_location("plotly_css", ROOT / "scripts/plotly_css.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_plotly_stylesheet_is_generated_from_the_vendored_bundle():
    plotly_css = load_plotly_css_script()
    bundle = plotly_css.BUNDLE.read_text(encoding="utf-8")
    stylesheet = plotly_css.STYLESHEET.read_text(encoding="utf-8")
    assert stylesheet == plotly_css.plotly_stylesheet(bundle)
    assert ".js-plotly-plot .plotly .modebar{" in stylesheet


def test_the_plotly_include_stops_plotly_injecting_inline_styles():
    bundle = load_plotly_css_script().BUNDLE.read_text(encoding="utf-8")
    # plotly.js looks up "plotly.js-style-global" and skips injection when it has this class.
    assert '"plotly.js-style-"+' in bundle
    assert 'matches(".no-inline-styles")' in bundle
    html = render_to_string("_plotly.html")
    assert re.search(r'<link[^>]*id="plotly.js-style-global"[^>]*class="no-inline-styles"', html)
    assert "vendor/plotly/plotly.css" in html


# Login lockout


@pytest.fixture
def auditor(db):
    return get_user_model().objects.create_user("auditor", password=PASSWORD)


def test_five_failed_logins_lock_the_account_even_for_the_right_password(client, inspector):
    for _ in range(5):
        log_in(client, "inspector", "wrong-password-123")
    response = log_in(client, "inspector", PASSWORD)
    assert response.status_code == 429
    text = response.content.decode()
    assert "Too many failed login attempts" in text
    assert "locked for 15 minutes" in text
    assert not is_logged_in(client)


def test_four_failed_logins_do_not_lock(client, inspector):
    for _ in range(4):
        assert log_in(client, "inspector", "wrong-password-123").status_code == 200
    assert log_in(client, "inspector", PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_the_lockout_is_per_username_and_address(client, inspector, auditor):
    for _ in range(5):
        log_in(client, "inspector", "wrong-password-123")
    assert log_in(client, "inspector", PASSWORD).status_code == 429
    assert log_in(client, "auditor", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert log_in(client, "inspector", PASSWORD, address="10.1.2.3").status_code == 302


def test_behind_a_proxy_the_lockout_uses_the_address_the_proxy_reports(client, inspector, settings):
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_REAL_IP", "REMOTE_ADDR")
    data = {"username": "inspector", "password": "wrong-password-123"}
    for _ in range(5):
        client.post(reverse("login"), data, HTTP_X_REAL_IP="203.0.113.7")
    data["password"] = PASSWORD
    assert client.post(reverse("login"), data, HTTP_X_REAL_IP="203.0.113.7").status_code == 429
    assert client.post(reverse("login"), data, HTTP_X_REAL_IP="203.0.113.8").status_code == 302


def test_the_lockout_ends_after_15_minutes(client, inspector):
    for _ in range(5):
        log_in(client, "inspector", "wrong-password-123")
    assert log_in(client, "inspector", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert log_in(client, "inspector", PASSWORD).status_code == 302


def test_a_successful_login_resets_the_failure_count(client, inspector):
    for _ in range(4):
        log_in(client, "inspector", "wrong-password-123")
    assert log_in(client, "inspector", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        log_in(client, "inspector", "wrong-password-123")
    assert log_in(client, "inspector", PASSWORD).status_code == 302


def test_force_login_and_client_login_with_a_request_still_work(client, inspector):
    client.force_login(inspector)
    assert client.get(reverse("surveys:round_list")).status_code == 200
    client.logout()
    # The lockout backend needs the request: pass one when a test logs in with a password.
    assert client.login(request=HttpRequest(), username="inspector", password=PASSWORD)
    assert client.get(reverse("surveys:round_list")).status_code == 200


# Passwords and logout


@pytest.mark.parametrize("password", ["short-pw-1", "qwerty123456", "1234567890123"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_long_uncommon_password_is_accepted():
    validate_password("kelor-tambun-sungai-87")


def test_logout_refuses_get_and_keeps_the_session(inspector_client):
    assert inspector_client.get(reverse("logout")).status_code == 405
    assert is_logged_in(inspector_client)


def test_logout_by_post_ends_the_session(inspector_client):
    response = inspector_client.post(reverse("logout"))
    assert response.status_code == 302
    assert not is_logged_in(inspector_client)
