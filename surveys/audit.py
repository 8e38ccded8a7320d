"""Who is acting. Every write records its actor in history, inside a request or outside one.

Services run under `acting_as(actor)` (the `audited` decorator does it for a service that takes
`actor=`), and every HistoricalRecords uses `history_user` to read it, so a history row names
the person even when a service saves a related row it was not handed the actor for.
"""

import contextvars
import functools
import getpass
from contextlib import contextmanager

_actor = contextvars.ContextVar("spi_actor", default=None)


@contextmanager
def acting_as(actor):
    """Everything saved inside the block is recorded as done by `actor`."""
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


def current_actor():
    return _actor.get()


def history_user(instance=None, request=None, **kwargs):
    """simple-history's get_user: the acting service's actor, else the request's user."""
    actor = _actor.get()
    if actor is not None:
        return actor
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def audited(service):
    """Run a service that takes `actor=` as that actor; a write without an actor is refused."""

    @functools.wraps(service)
    def run(*args, actor, **kwargs):
        if actor is None:
            raise ValueError(f"{service.__name__} needs an actor: every write records who did it.")
        with acting_as(actor):
            return service(*args, actor=actor, **kwargs)

    return run


def os_username() -> str:
    return getpass.getuser()
