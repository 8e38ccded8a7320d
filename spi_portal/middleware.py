"""Two request-wide rules that no single view should have to remember."""

from django.conf import settings
from django.core.exceptions import BadRequest
from django.utils.cache import patch_cache_control

NUL = "\x00"


def _has_nul(query_dict) -> bool:
    return any(
        NUL in key or any(NUL in value for value in values) for key, values in query_dict.lists()
    )


class RefuseNulMiddleware:
    """A NUL character in the address, a query or a form value is a bad request.

    PostgreSQL refuses NUL in text, so such a value would otherwise end in a server error
    wherever it reaches a query (a search, a filter, an admin list).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path_info or _has_nul(request.GET):
            raise BadRequest("NUL character in the request.")
        if request.method == "POST" and _has_nul(request.POST):
            raise BadRequest("NUL character in the form data.")
        return self.get_response(request)


class PrivateCacheMiddleware:
    """Every response to a signed-in user is `Cache-Control: private, no-store`.

    Staff pages and evidence downloads need a login, so no browser or proxy keeps a copy of
    them. A response that declares itself public (bands.css) keeps its caching; so do anonymous
    responses (the public page), whose session is not even read, so they gain no `Vary: Cookie`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _declares_public(response) or not _signed_in(request):
            return response
        patch_cache_control(response, private=True, no_store=True)
        return response


def _declares_public(response) -> bool:
    directives = response.get("Cache-Control", "").split(",")
    return "public" in {directive.split("=")[0].strip().lower() for directive in directives}


def _signed_in(request) -> bool:
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    return request.user.is_authenticated
