"""The cached public pages answered from worker memory, before the middleware chain.

A public page the view marks with `keep()` is captured from its first full pass through every
middleware: its plain bytes, those bytes gzipped once, and the response headers the chain gave
it (CSP, HSTS, nosniff, Referrer-Policy, Vary, Content-Language, ...). The next anonymous GET
of the same address, in the same language, over the same scheme and host, is answered with
those bytes and headers replayed, without running the chain or the view again.

Invalidation: an entry holds the publication generation (surveys.public_cache) and the day its
page was built for. The worker reads the generation from the database at most once every
`CHECK_SECONDS`, so an unpublish (or any bump) reaches every worker of every server within that
interval (1 s); a generation or a day other than the entry's sends the request through the full
pass, which builds and captures the page afresh.

Never from memory: a request carrying a session or a messages cookie (a signed-in user, staff
or not, always takes the full pass), any query string (?lang= sets a cookie, filters choose the
content), anything but GET; never captured: a response that sets a cookie, varies on Cookie or
is not a plain 200.
"""

import time

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.middleware.gzip import re_accepts_gzip
from django.utils import timezone
from django.utils.cache import cc_delim_re
from django.utils.text import compress_string

from spi_portal.language import chosen_public_language
from surveys import public_cache

CHECK_SECONDS = 1.0  # tests set 0: every hit then reads the generation
MAX_ENTRIES = 200  # the main pages and the most read plan pages, both languages
_BODY_HEADERS = {"content-length", "content-encoding"}

_entries = {}
_checked = {"at": float("-inf"), "generation": None, "day": None}


class _Entry:
    __slots__ = ("generation", "day", "plain", "gzipped", "headers")

    def __init__(self, generation, day, plain, headers):
        self.generation = generation
        self.day = day
        self.plain = plain
        self.gzipped = compress_string(plain)
        self.headers = headers


def keep(response, generation: int):
    """Mark a view's response as the same for every anonymous reader of its address and
    language under `generation` (the public-cache generation the view built it from)."""
    response.public_bytes = (generation, response.content)
    return response


def forget() -> None:
    """Drop every entry and the last generation read (tests; the next request reads afresh)."""
    _entries.clear()
    _checked.update(at=float("-inf"), generation=None, day=None)


def _current() -> tuple:
    now = time.monotonic()
    if now - _checked["at"] >= CHECK_SECONDS:
        _note(public_cache.generation(), now)
    return _checked["generation"], _checked["day"]


def _note(generation: int, now: float) -> None:
    if generation != _checked["generation"]:
        _entries.clear()
    _checked.update(at=now, generation=generation, day=timezone.localdate())


def _key(request):
    """The entry's address, or None when this request must take the full pass."""
    if request.method != "GET" or request.META.get("QUERY_STRING"):
        return None
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies:
        return None
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return (request.path_info, chosen_public_language(request), request.is_secure(), host)


def _replay(request, entry) -> HttpResponse:
    gzipped = re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", ""))
    body = entry.gzipped if gzipped else entry.plain
    response = HttpResponse(body)
    for name, value in entry.headers:
        response.headers[name] = value
    response.headers["Content-Length"] = str(len(body))
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    return response


def _capturable(response) -> bool:
    vary = {field.strip().lower() for field in cc_delim_re.split(response.get("Vary", ""))}
    return (
        getattr(response, "public_bytes", None) is not None
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "cookie" not in vary
    )


def _capture(key, response) -> None:
    generation, plain = response.public_bytes
    _note(generation, time.monotonic())  # the view has just read it: a check as good as ours
    headers = [(n, v) for n, v in response.headers.items() if n.lower() not in _BODY_HEADERS]
    if len(_entries) >= MAX_ENTRIES:  # the oldest goes (pop: another thread may have taken it)
        _entries.pop(next(iter(_entries), None), None)
    _entries[key] = _Entry(generation, _checked["day"], plain, headers)


class PublicBytesMiddleware:
    """First in MIDDLEWARE: answers a kept public page from memory, else runs the chain and
    keeps what the view marked (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = _key(request)
        entry = _entries.get(key) if key else None
        if entry is not None and (entry.generation, entry.day) == _current():
            return _replay(request, entry)
        response = self.get_response(request)
        if key and _capturable(response):
            _capture(key, response)
        return response
