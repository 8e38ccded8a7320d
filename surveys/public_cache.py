"""The one owner of "public data changed": a generation number held by the database.

Public and dashboard pages put `generation()` in their cache keys; `bump()` moves it, so every
entry cached under the old number is dropped at once on every app server and in every process,
whatever cache each of them has (a per-process memory cache included).

`bump()` is an `UPDATE ... SET value = value + 1` on one row: called inside the writer's
transaction it commits (or rolls back) with the data it announces.
"""

from django.db import transaction
from django.db.models import F

from surveys.models import PublicDataGeneration

ROW = 1


def generation() -> int:
    """The current generation (one indexed query; 0 before the first change)."""
    found = PublicDataGeneration.objects.filter(pk=ROW).values_list("value", flat=True)
    return found.first() or 0


def bump() -> None:
    """Say that data the public or the dashboard shows has changed (safe inside a transaction)."""
    row = PublicDataGeneration.objects.filter(pk=ROW)
    if not row.update(value=F("value") + 1):
        with transaction.atomic():
            PublicDataGeneration.objects.get_or_create(pk=ROW)
        row.update(value=F("value") + 1)
