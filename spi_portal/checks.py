"""Deploy checks: settings that are only correct when every app process shares one cache.

Gunicorn runs several worker processes (and commands run in processes of their own). A
local-memory, dummy or file cache is private to a process or a machine, so anything kept there
that must hold for the whole site (a session, a lockout count, a cached page) goes wrong: a
logout, a lockout or an unpublish reaches one worker only. The public pages do not depend on a
shared cache (their generation is in the database); these settings would.
"""

from django.conf import settings
from django.core.checks import Tags, Warning, register

PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
}
CACHE_SESSIONS = {
    "django.contrib.sessions.backends.cache",
    "django.contrib.sessions.backends.cached_db",
}
CACHE_MIDDLEWARE = {
    "django.middleware.cache.UpdateCacheMiddleware",
    "django.middleware.cache.FetchFromCacheMiddleware",
    "django.middleware.cache.CacheMiddleware",
}


def _per_process(alias: str) -> bool:
    backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
    return backend in PER_PROCESS_CACHES


def _cache_needs() -> list[tuple[str, str, str]]:
    """(check id, what needs a shared cache, cache alias) for everything configured so."""
    needs = []
    if settings.SESSION_ENGINE in CACHE_SESSIONS:
        what = f"SESSION_ENGINE {settings.SESSION_ENGINE}"
        needs.append(("spi_portal.W001", what, settings.SESSION_CACHE_ALIAS))
    if getattr(settings, "AXES_HANDLER", "").endswith("AxesCacheHandler"):
        alias = getattr(settings, "AXES_CACHE", "default")
        needs.append(("spi_portal.W002", "the login lockout (AXES_HANDLER)", alias))
    if getattr(settings, "RATELIMIT_ENABLE", "django_ratelimit" in settings.INSTALLED_APPS):
        alias = getattr(settings, "RATELIMIT_USE_CACHE", "default")
        needs.append(("spi_portal.W003", "rate limits (django-ratelimit)", alias))
    if CACHE_MIDDLEWARE & set(settings.MIDDLEWARE):
        alias = getattr(settings, "CACHE_MIDDLEWARE_ALIAS", "default")
        needs.append(("spi_portal.W004", "the page cache middleware", alias))
    return needs


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs=None, **kwargs):
    """Warn where something that must hold across processes is kept in a per-process cache."""
    return [
        Warning(
            f"{what} is kept in the cache '{alias}', which each app process keeps for "
            "itself: a change made in one worker or command is not seen by the others.",
            hint="Set REDIS_URL (a cache all processes share), or keep it in the database.",
            id=check_id,
        )
        for check_id, what, alias in _cache_needs()
        if _per_process(alias)
    ]
