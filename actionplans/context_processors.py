"""What the menu of every staff page shows: the reports waiting for a verifier, the OPD of
the user and the unread notifications. Each is lazy: a page that does not show the menu costs
no query, one that does costs at most one query each, whatever the data."""

from django.utils.functional import SimpleLazyObject

from actionplans import selectors
from actionplans.access import opd_id_of
from actionplans.models import OPD


def _opd_name(user) -> str:
    opd_id = opd_id_of(user)  # cached on the user for the request
    if opd_id is None:
        return ""
    opd = OPD.objects.filter(pk=opd_id).values_list("short_name", "name").first()
    return (opd[0] or opd[1]) if opd else ""


def menu(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {
        "menu_waiting_count": SimpleLazyObject(
            lambda: (
                selectors.waiting_reports(user).count()
                if user.has_perm("actionplans.verify_progressreport")
                else 0
            )
        ),
        "menu_opd_name": SimpleLazyObject(lambda: _opd_name(user)),
        "unread_notifications": SimpleLazyObject(lambda: selectors.unread_count(user)),
    }
