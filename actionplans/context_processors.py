"""What the menu of every staff page shows: the reports waiting for a verifier, the OPD of
the user and the unread notifications. Each is lazy: a page that does not show the menu costs
no query, one that does costs at most one query each, whatever the data. The first two are
kept under the data generations, which a cached page has read already (actionplans.fragments)."""

from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

from actionplans import selectors
from actionplans.access import opd_id_of
from actionplans.models import OPD
from surveys import public_cache

# the keys hold the generations: the timeout only frees memory
MENU_CACHE_SECONDS = 24 * 60 * 60


def _opd_name(user) -> str:
    opd_id = opd_id_of(user)  # cached on the user for the request
    if opd_id is None:
        return ""

    def name():
        opd = OPD.objects.filter(pk=opd_id).values_list("short_name", "name").first()
        return (opd[0] or opd[1]) if opd else ""

    key = f"menu-opd:{public_cache.generations(user)[0]}:{opd_id}"  # OPDs move survey data
    return cache.get_or_set(key, name, MENU_CACHE_SECONDS)


def _waiting_count(user) -> int:
    """The reports the user may verify (not their own OPD's), per plan-data generation."""
    if not user.has_perm("actionplans.verify_progressreport"):
        return 0
    survey, plans = public_cache.generations(user)
    access = public_cache.access_generation(user)
    key = f"menu-waiting:{survey}:{plans}:{access}:{user.pk}:{opd_id_of(user)}"
    return cache.get_or_set(key, selectors.waiting_reports(user).count, MENU_CACHE_SECONDS)


def menu(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {
        "menu_waiting_count": SimpleLazyObject(lambda: _waiting_count(user)),
        "menu_opd_name": SimpleLazyObject(lambda: _opd_name(user)),
        "unread_notifications": SimpleLazyObject(lambda: selectors.unread_count(user)),
    }
