"""`?lang=en` on a public URL: a language switch that needs no form, no JavaScript, no CSRF."""

from functools import wraps

from django.conf import settings
from django.utils import translation


def language_from_query(view):
    """Activate a language given as ?lang= and remember it in the language cookie."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        language = request.GET.get("lang", "")
        if language not in dict(settings.LANGUAGES):
            return view(request, *args, **kwargs)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = view(request, *args, **kwargs)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            samesite="Lax",
        )
        return response

    return wrapper
