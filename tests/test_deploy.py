"""Production settings: Django's deploy check, static files and the media folder."""

import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command

pytestmark = pytest.mark.system

PRODUCTION_KNOBS = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
)


def deploy_check(**overrides):
    env = {key: value for key, value in os.environ.items() if key not in PRODUCTION_KNOBS}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="spi.baritimurkab.go.id",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    env.update(overrides)
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    return subprocess.run(
        command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )


def test_the_deploy_check_passes_with_production_values():
    result = deploy_check()
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "warning"),
    [
        ({"DEBUG": "1"}, "security.W018"),
        ({"SECRET_KEY": "too-short"}, "security.W009"),
        ({"SECURE_SSL_REDIRECT": "0"}, "security.W008"),
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SECURE_COOKIES": "0"}, "security.W012"),
    ],
)
def test_the_deploy_check_fails_on_an_unsafe_value(overrides, warning):
    result = deploy_check(**overrides)
    assert result.returncode == 1
    assert warning in result.stderr


def test_the_deploy_check_passes_without_redis():
    """One cache per process is correct by default: nothing that must hold across processes
    (sessions, lockouts, the public data generation) is kept in the cache."""
    result = deploy_check(REDIS_URL="")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


CACHE_SESSIONS = 'SESSION_ENGINE = "django.contrib.sessions.backends.cache"'
CACHED_DB_SESSIONS = 'SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"'
CACHE_LOCKOUT = 'AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"'
RATE_LIMITS = "RATELIMIT_ENABLE = True"  # django-ratelimit counts in the cache
PAGE_CACHE = 'MIDDLEWARE = ["django.middleware.cache.CacheMiddleware", *MIDDLEWARE]'


def deploy_check_with(tmp_path, setting: str, **overrides):
    """The deploy check of the production settings with one more line of settings."""
    module = tmp_path / "changed_settings.py"
    module.write_text(f"from spi_portal.settings import *  # noqa\n{setting}\n", encoding="utf-8")
    pythonpath = os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    return deploy_check(
        DJANGO_SETTINGS_MODULE="changed_settings", PYTHONPATH=pythonpath, **overrides
    )


@pytest.mark.parametrize(
    ("setting", "warning"),
    [
        (CACHE_SESSIONS, "spi_portal.W001"),
        (CACHED_DB_SESSIONS, "spi_portal.W001"),
        (CACHE_LOCKOUT, "spi_portal.W002"),
        (RATE_LIMITS, "spi_portal.W003"),
        (PAGE_CACHE, "spi_portal.W004"),
    ],
)
def test_the_deploy_check_warns_when_a_per_process_cache_must_be_shared(tmp_path, setting, warning):
    result = deploy_check_with(tmp_path, setting, REDIS_URL="")
    assert result.returncode == 1
    assert warning in result.stderr
    assert "which each app process keeps for itself" in result.stderr


@pytest.mark.parametrize("setting", [CACHE_SESSIONS, CACHE_LOCKOUT])
def test_a_shared_cache_makes_those_settings_correct(tmp_path, setting):
    result = deploy_check_with(tmp_path, setting)  # REDIS_URL is set
    assert result.returncode == 0, result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = deploy_check(SECRET_KEY="")
    assert result.returncode == 1
    assert "SECRET_KEY must be set" in result.stderr


def test_hashed_static_files_are_compressed_and_cached_for_years(client, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "spi_portal.storage.StaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    url = staticfiles_storage.url("vendor/plotly/plotly-cartesian.min.js")
    assert url != "/static/vendor/plotly/plotly-cartesian.min.js"  # a hashed name

    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Cache-Control"] == "max-age=315360000, public, immutable"


def test_evidence_uploads_live_outside_the_static_files():
    media = settings.MEDIA_ROOT.resolve()
    for static_folder in [settings.STATIC_ROOT, *settings.STATICFILES_DIRS]:
        static_folder = static_folder.resolve()
        assert not media.is_relative_to(static_folder)
        assert not static_folder.is_relative_to(media)


def test_every_environment_variable_of_the_settings_is_listed_in_the_readme():
    source = (settings.BASE_DIR / "spi_portal/settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r'(?:env(?:bool|int|list)|os\.environ\.get)\("([A-Z_]+)"', source))
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "MEDIA_ROOT"} <= names
    readme = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")
    production = readme[readme.index("## Production") :]
    assert sorted(name for name in names if f"`{name}`" not in production) == []
