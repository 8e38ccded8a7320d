"""The language of the public pages: Indonesian unless the visitor chose otherwise.

A choice is `?lang=en` on any public URL (a link: no form, no JavaScript, no CSRF token in a
cached page) or the language cookie that it, or the staff pages' set_language form, leaves.
The browser's Accept-Language is not a choice: the public pages are Indonesian first.
"""

from functools import wraps

from django.conf import settings
from django.utils import translation


def _chosen_language(request) -> str:
    languages = dict(settings.LANGUAGES)
    for language in (
        request.GET.get("lang", ""),
        request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, ""),
    ):
        if language in languages:
            return language
    return settings.LANGUAGE_CODE


def public_language(view):
    """Activate the visitor's chosen language and remember a ?lang= choice in the cookie."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        language = _chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = view(request, *args, **kwargs)
        if request.GET.get("lang") == language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response

    return wrapper
