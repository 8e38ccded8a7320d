"""Parts of staff pages rendered once per data generation and reader, kept as HTML.

A cached part may hold forms: it is rendered with a placeholder where the CSRF token goes,
and each request puts its own token there. The placeholder is derived from SECRET_KEY, so no
text a user writes into a plan can be turned into a token.
"""

from functools import cache as memoized

from django.middleware.csrf import get_token
from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString, mark_safe


@memoized
def csrf_slot() -> str:
    return "csrf-slot-" + salted_hmac("cached-fragment-csrf-slot", "slot").hexdigest()[:32]


def with_csrf(request, html: str) -> SafeString:
    """`html` rendered with `csrf_token=csrf_slot()`, with this request's token put in."""
    return mark_safe(html.replace(csrf_slot(), get_token(request)))  # noqa: S308 rendered escaped
