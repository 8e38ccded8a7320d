"""The one owner of "data changed": generation numbers held by the database.

Three rows, three generations: SURVEY_DATA moves with what the public page and the survey side of
the dashboard show (imports, publications, admin edits, verified progress); PLAN_DATA moves with
every write to plans, reports and decisions (`actionplans.services`). Cached pages put the
generations they depend on in their keys (ACCESS moves with users' groups and permissions, for
spi_portal.permission_cache); `bump()` moves one, so every entry cached under the
old number is dropped at once on every app server and in every process, whatever cache each of
them has (a per-process memory cache included).

`bump()` is an `UPDATE ... SET value = value + 1` on one row: called inside the writer's
transaction it commits (or rolls back) with the data it announces.
"""

from django.db import transaction
from django.db.models import F

from surveys.models import PublicDataGeneration

SURVEY_DATA = 1
PLAN_DATA = 2
ACCESS = 3  # who may do what: users' groups and permissions (spi_portal.permission_cache)


def generation(row: int = SURVEY_DATA) -> int:
    """The current generation (one indexed query; 0 before the first change)."""
    found = PublicDataGeneration.objects.filter(pk=row).values_list("value", flat=True)
    return found.first() or 0


def access_generation(user) -> int:
    """The ACCESS generation, read once per request (kept on the request's user object, with
    the data generations read in the same query)."""
    if not hasattr(user, "_access_generation"):
        _read_for(user)
    return user._access_generation


def generations(reader=None) -> tuple[int, int]:
    """The survey-data and plan-data generations, read in one query; for a `reader`, read once
    per request together with the ACCESS generation (a cached page needs all three)."""
    if reader is None:
        found = _read(SURVEY_DATA, PLAN_DATA)
        return found.get(SURVEY_DATA, 0), found.get(PLAN_DATA, 0)
    if not hasattr(reader, "_data_generations"):
        _read_for(reader)
    return reader._data_generations


def _read(*rows) -> dict[int, int]:
    return dict(PublicDataGeneration.objects.filter(pk__in=rows).values_list("pk", "value"))


def _read_for(user) -> None:
    found = _read(SURVEY_DATA, PLAN_DATA, ACCESS)
    user._access_generation = found.get(ACCESS, 0)
    user._data_generations = found.get(SURVEY_DATA, 0), found.get(PLAN_DATA, 0)


def bump(row: int = SURVEY_DATA) -> None:
    """Say that the data of `row` has changed (safe inside a transaction)."""
    rows = PublicDataGeneration.objects.filter(pk=row)
    if not rows.update(value=F("value") + 1):
        with transaction.atomic():
            PublicDataGeneration.objects.get_or_create(pk=row)
        rows.update(value=F("value") + 1)
