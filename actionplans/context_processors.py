"""Template context every page needs: the signed-in user's unread notification count."""

from django.utils.functional import SimpleLazyObject

from actionplans import selectors


def notifications(request):
    """`unread_notifications`: one COUNT query, and only on a page that shows it (lazy)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": SimpleLazyObject(lambda: selectors.unread_count(user))}
