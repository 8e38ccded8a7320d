"""The login lockout: per username and address, and per address over all usernames."""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler with a higher limit for an address than for a username.

    AXES_LOCKOUT_PARAMETERS counts [username + address] and [address]; axes compares the larger
    count with one limit, so the address count is scaled to it: an address is locked after
    AXES_ADDRESS_FAILURE_LIMIT failures over any usernames. A successful login clears only its
    own username and address, so it never wipes the failures others made from that address.
    """

    def get_failures(self, request, credentials=None) -> int:
        pair, address = (_failures(a) for a in self.get_user_attempts(request, credentials))
        limit = get_failure_limit(request, credentials)
        return max(pair, address * limit // settings.AXES_ADDRESS_FAILURE_LIMIT)

    def reset_user_attempts(self, request, credentials=None) -> int:
        pair = self.filter_user_attempts(request, credentials)[0]
        return pair.delete()[0]
