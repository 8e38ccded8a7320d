"""A generation number for everything the public page shows.

Public pages put the generation in their cache keys; bumping it drops them all at
once, on every app server that shares the cache (Redis in production).
"""

from django.core.cache import cache

GENERATION_KEY = "public-page-generation"


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return value


def bump() -> None:
    """Drop every cached public page (call after a change the public can see)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, timeout=None)
