"""Staff pages whose content is rendered once per reader and data generation, kept as HTML.

A page's content (everything inside base.html's content block) depends on who reads it, the
survey and plan data, the reader's rights, the language and the day (what is overdue). All of
these are in the cache key, so a cached content is never served after any of them moved: every
write to plans, reports or decisions moves the plan-data generation, imports and publications
the survey-data one, changes of groups and permissions the access one (surveys.public_cache).
A miss runs the view's full path (access checks included: a 404 is never cached).

A cached content may hold forms: it is rendered with a placeholder where the CSRF token goes,
and each request puts its own token there. The placeholder is derived from SECRET_KEY, so no
text a user writes into a plan can be turned into a token.
"""

import hashlib
from collections.abc import Callable
from functools import cache as memoized

from django.contrib.auth.context_processors import PermWrapper
from django.core.cache import cache
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from actionplans import access
from surveys import public_cache

# the key holds every generation the content depends on: the timeout only frees memory
CONTENT_SECONDS = 24 * 60 * 60


@memoized
def csrf_slot() -> str:
    return "csrf-slot-" + salted_hmac("cached-fragment-csrf-slot", "slot").hexdigest()[:32]


@memoized
def path_slot() -> str:
    return "path-slot-" + salted_hmac("cached-fragment-path-slot", "slot").hexdigest()[:32]


def with_csrf(request, html: str) -> SafeString:
    """`html` rendered with `csrf_token=csrf_slot()`, with this request's token put in."""
    return mark_safe(html.replace(csrf_slot(), get_token(request)))  # noqa: S308 rendered escaped


def render_content(template: str, context: dict, user) -> str:
    """`template` rendered without the request, as the reader would see it: their rights as
    `perms`, the CSRF placeholder as `csrf_token`; a plain str, so it pickles as one."""
    context = {**context, "user": user, "perms": PermWrapper(user), "csrf_token": csrf_slot()}
    return str.__str__(render_to_string(template, context))


def query_digest(request) -> str:
    """The query string as a key part (the order of its parameters aside)."""
    query = sorted(request.GET.lists())
    return hashlib.sha256(repr(query).encode()).hexdigest()[:24]


def cached_content(request, name: str, parts: tuple, build: Callable[..., dict]) -> dict:
    """`build(generations)`'s page content, a dict of plain values with "title" and "html",
    computed once per page `name` and `parts`, reader, OPD, survey and plan data generations
    (given to `build`), access generation, language and day."""
    user = request.user
    survey_generation, plan_generation = public_cache.generations(user)
    key = ":".join(
        str(part)
        for part in (
            "content",
            name,
            user.pk,
            access.opd_id_of(user),
            survey_generation,
            plan_generation,
            public_cache.access_generation(user),
            get_language(),
            timezone.localdate().isoformat(),
            *parts,
        )
    )
    generations = (survey_generation, plan_generation)
    return cache.get_or_set(key, lambda: build(generations), CONTENT_SECONDS)


def page(request, content: dict):
    """The response: base.html around the content, this request's CSRF token put in."""
    context = {
        "title": content["title"],
        "body": with_csrf(request, content["html"]),
        "charts": content.get("charts", False),  # plotly.js and the chart script
        **content.get("menu", {}),
    }
    return render(request, "cached_page.html", context)


def staff_menu(request, context) -> SafeString:
    """The signed-in menu, rendered once per reader, access generation, language, the counts
    it shows and the OPD's name; this request's CSRF token and path (the language switch comes
    back to it) put in."""
    user = request.user
    values = {  # read through str(): the menu's lazy values proxy no int()
        "menu_waiting_count": int(str(context.get("menu_waiting_count", 0))),
        "unread_notifications": int(str(context.get("unread_notifications", 0))),
        "menu_opd_name": str(context.get("menu_opd_name", "")),
    }
    digest = hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()[:24]
    key = f"menu:{user.pk}:{public_cache.access_generation(user)}:{get_language()}:{digest}"
    context = {**values, "language_next": path_slot()}
    html = cache.get_or_set(
        key, lambda: render_content("_staff_menu.html", context, user), CONTENT_SECONDS
    )
    path = escape(request.get_full_path())  # after the token: a path cannot become one
    return mark_safe(with_csrf(request, html).replace(path_slot(), path))  # noqa: S308 escaped
