"""`--actor USERNAME` for commands that write: the command line records who ran it, never nobody."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from surveys.audit import os_username


def add_actor_argument(parser):
    parser.add_argument(
        "--actor",
        help=_("Portal username recorded as having run this (default: the operating-system user)."),
    )


def resolve_actor(username: str | None):
    """The portal account named by --actor, else the one named like the OS user, else an error."""
    wanted = username or os_username()
    user = get_user_model().objects.filter(username=wanted, is_active=True).first()
    if user is None:
        raise CommandError(
            _(
                "No active portal account '%(username)s' to record as having run this command: "
                "pass --actor USERNAME."
            )
            % {"username": wanted}
        )
    return user
