"""Which language a page speaks: Indonesian unless the reader chose otherwise.

Staff pages follow the signed-in user's stored preference (UserPreference.language), put in the
session when they sign in or change it, so no page pays a query for it. Before signing in, or
for a user who never chose, the language cookie decides (the login page's switch sets it), and
otherwise Indonesian. The public pages take `?lang=en` on any URL (a link: no form, no
JavaScript, no CSRF token in a cached page) or the cookie. The browser's Accept-Language is
never a choice: the portal is Indonesian first.
"""

from functools import wraps

from django.conf import settings
from django.utils import translation

from actionplans.models import UserPreference

SESSION_KEY = "portal_language"


def _known(language: str) -> bool:
    return language in dict(settings.LANGUAGES)


def _first_known(*choices: str) -> str:
    return next((language for language in choices if _known(language)), settings.LANGUAGE_CODE)


def staff_language(request) -> str:
    """The signed-in user's language (from the session), else the cookie, else the default.
    The session is read only when the request carries one, so anonymous responses gain no
    `Vary: Cookie`."""
    stored = ""
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        stored = request.session.get(SESSION_KEY, "")
    return _first_known(stored, request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, ""))


def stored_language(user) -> str | None:
    """The language the user chose on the preferences page, or None if they never did."""
    return UserPreference.objects.filter(user=user).values_list("language", flat=True).first()


def apply_language(request, response, language: str) -> None:
    """From now on this request and a signed-in user's session speak `language`; the cookie
    keeps it for the login page after signing out."""
    if request.user.is_authenticated:
        request.session[SESSION_KEY] = language
    translation.activate(language)
    request.LANGUAGE_CODE = language
    _set_cookie(response, language)


def _set_cookie(response, language: str) -> None:
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


class ChosenLanguageMiddleware:
    """Activate the reader's chosen language for the request (in place of Django's
    LocaleMiddleware, which would follow the browser's Accept-Language)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = staff_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def chosen_public_language(request) -> str:
    return _first_known(
        request.GET.get("lang", ""), request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    )


def public_language(view):
    """Activate the visitor's chosen language and remember a ?lang= choice in the cookie."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        language = chosen_public_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = view(request, *args, **kwargs)
        if request.GET.get("lang") == language:
            _set_cookie(response, language)
        return response

    return wrapper
