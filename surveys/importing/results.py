"""The results kind: one row per institution and round, planned and written column-wise.

Planning reads the rounds, the institutions and the stored results the file names in three
queries and compares the file with them as arrays; writing inserts the new results in bulk (COPY on
PostgreSQL), updates the changed ones, and records one history row per written result with one
`INSERT ... SELECT` per history type, all named by the batch. On PostgreSQL a batch of many new
results has its foreign keys checked once for the table instead of once per row (bulk.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from surveys import public_cache
from surveys.importing import bulk, cells, institutions
from surveys.importing.cells import INSTITUTION_KEYS, RESULT_COLUMNS
from surveys.importing.errors import RowError
from surveys.importing.kinds import Planned, register
from surveys.importing.planning import SurveyPlanner
from surveys.importing.report import FieldChange, RowChange, display
from surveys.models import (
    ImportKind,
    Institution,
    InstitutionResult,
    SurveyRound,
)

STORED = [column for column in RESULT_COLUMNS if column.stored_as]


@dataclass
class ResultsPlan:
    """What the file does: rows (by position in `rows`) to create, update or leave alone."""

    rows: object = None  # the valid rows (rows.Parsed)
    round_ids: np.ndarray | None = None
    institution_codes: np.ndarray | None = None
    stored_ids: np.ndarray | None = None  # the stored result's id per row, 0 for a new one
    creates: np.ndarray | None = None  # boolean masks over `rows`
    updates: np.ndarray | None = None
    unchanged: np.ndarray | None = None
    changed: dict[str, np.ndarray] = field(default_factory=dict)  # column -> changed cells
    old: dict[str, np.ndarray] = field(default_factory=dict)  # column -> stored values
    new_institutions: dict[str, Institution] = field(default_factory=dict)
    institutions_filled: list[Institution] = field(default_factory=list)  # region code found
    institution_ids: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


def plan_results(parsed, context) -> ResultsPlan:
    plan = ResultsPlan()
    values = parsed.values
    years = values["year"].to_numpy(object)
    rounds = {r.year: r.pk for r in SurveyRound.objects.filter(year__in=set(years.tolist()))}
    known_round = np.array([year in rounds for year in years], dtype=bool)
    if not known_round.all():
        _unknown_rounds(parsed, ~known_round, context, plan)
    codes = _match_institutions(parsed, context, plan)
    matched = np.array([code is not None for code in codes], dtype=bool)
    keep = known_round & matched
    keep &= ~_repeated(parsed, keep, years, codes, context, plan)
    values = values.copy()
    values["institution_code"] = codes  # the row's institution, however the file named it
    parsed = type(parsed)(values[keep], parsed.raw[keep], parsed.valid[keep])
    plan.rows = parsed
    plan.round_ids = np.array([rounds[y] for y in years[keep]], dtype=np.int64)
    plan.institution_codes = codes[keep]
    _compare_with_stored(plan, rounds, context)
    return plan


def _unknown_rounds(parsed, unknown, context, plan):
    known = ", ".join(
        str(y) for y in SurveyRound.objects.order_by("year").values_list("year", flat=True)
    )
    message = _("is not a survey round in the portal (known rounds: %(known)s)") % {
        "known": known or _("none yet; load the methodology first")
    }
    raw = parsed.raw["year"][unknown]
    for number, text in zip(raw.index.tolist(), raw.tolist(), strict=True):
        plan.errors.append(
            RowError(context.file_name, number, context.written["year"], text, message)
        )


class _Named:
    """The cells that name a row's institution, as the matcher reads them."""

    def __init__(self, values: dict):
        self.values = values


def _match_institutions(parsed, context, plan) -> np.ndarray:
    """The code of each row's institution (None: an error was recorded): by code, region code
    or normalised name (institutions.Matcher), each distinct naming matched once, in file order.
    Fills the plan's known ids, new institutions and region codes found for known ones."""
    frame = parsed.values
    naming = {name: frame[name].to_numpy(object) for name in _NAMING if name in frame.columns}
    if "institution_code" in naming and "year" in naming:
        # A row with a code is matched by its code alone, whatever its year: without the
        # year, each institution of a national file is matched once, not once per round.
        coded = np.fromiter(map(bool, naming["institution_code"]), bool, len(frame))
        naming["year"] = np.where(coded, None, naming["year"])
    group = _groups(list(naming.values()))
    first = np.unique(group, return_index=True)[1]  # a row per naming, in file order
    keys = zip(*(values[first].tolist() for values in naming.values()), strict=True)
    named = [_Named(dict(zip(naming, key, strict=True))) for key in keys]
    matcher = institutions.Matcher.for_rows(named, create=context.create_institutions)
    answers = np.empty(len(named), dtype=object)
    answers[:] = [matcher.match(row) for row in named]
    found = np.empty(len(answers), dtype=object)
    found[:] = [a.institution.kpk_code if a.institution is not None else None for a in answers]
    codes = found[group]
    failed = np.array([a.institution is None for a in answers], dtype=bool)
    numbers = frame.index.to_numpy()
    for position in np.flatnonzero(failed[group]).tolist():
        answer, number = answers[group[position]], int(numbers[position])
        column = answer.column or "institution_name"
        text = parsed.raw.at[number, column] if column in parsed.raw.columns else ""
        plan.errors.append(
            RowError(context.file_name, number, context.written[column], text or None, answer.error)
        )
    plan.new_institutions = {i.kpk_code: i for i in matcher.created}
    plan.institution_ids = {i.kpk_code: i.pk for i in matcher.by_code.values() if i.pk is not None}
    plan.institution_ids.update(
        {
            a.institution.kpk_code: a.institution.pk
            for a in answers
            if a.institution and a.institution.pk
        }
    )
    plan.institutions_filled = list(matcher.filled.values())
    return codes


def _groups(arrays) -> np.ndarray:
    """A number per row, the same for rows equal in every array, numbered in the order the
    rows first appear (each array factorised, the codes combined and factorised again)."""
    group = np.zeros(len(arrays[0]) if arrays else 0, dtype=np.int64)
    for values in arrays:
        codes, uniques = pd.factorize(values)  # None: -1
        group = pd.factorize(group * (len(uniques) + 1) + (codes + 1))[0]
    return group


_NAMING = (
    "institution_code",
    "region_code",
    "institution_name",
    "institution_type",
    "province",
    "year",
)


def _repeated(parsed, keep, years, codes, context, plan) -> np.ndarray:
    """Rows naming the same institution and year as an earlier row (by any of its names)."""
    repeated = np.zeros(len(codes), dtype=bool)
    kept = np.flatnonzero(keep)
    if not pd.DataFrame({"year": years[kept], "code": codes[kept]}).duplicated().any():
        return repeated
    first_row: dict[tuple, int] = {}
    numbers = parsed.values.index.tolist()
    for position in np.flatnonzero(keep).tolist():
        key = (years[position], codes[position])
        if key not in first_row:
            first_row[key] = numbers[position]
            continue
        repeated[position] = True
        message = _("repeats row %(first)s (the same institution and year)") % {
            "first": first_row[key]
        }
        column = next(
            (n for n in cells.INSTITUTION_KEYS if parsed.raw.at[numbers[position], n]),
            "institution_name",
        )
        text = parsed.raw.at[numbers[position], column]
        plan.errors.append(
            RowError(context.file_name, numbers[position], context.written[column], text, message)
        )
    return repeated


def _compare_with_stored(plan, rounds, context):
    count = len(plan.rows)
    institution_ids = np.array(
        [plan.institution_ids.get(code, 0) for code in plan.institution_codes], dtype=np.int64
    )
    names = [column.stored_as for column in STORED]
    stored = (
        InstitutionResult.objects.filter(
            bulk.among("institution", plan.institution_ids.values()),
            round__in=list(rounds.values()),
        )
        .order_by()
        .values_list("id", "round_id", "institution_id", *names)
    )
    stored = _fetch(stored) if plan.institution_ids else []
    found = np.full(count, -1, dtype=np.int64)
    if stored:
        position = {(r, i): n for n, (_id, r, i, *_rest) in enumerate(stored)}
        found[:] = [
            position.get(key, -1)
            for key in zip(plan.round_ids.tolist(), institution_ids.tolist(), strict=True)
        ]
    matched = found >= 0
    plan.stored_ids = np.zeros(count, dtype=np.int64)
    if stored:
        ids = np.array([row[0] for row in stored], dtype=np.int64)
        plan.stored_ids[matched] = ids[found[matched]]
    any_change = np.zeros(count, dtype=bool)
    for column in context.stored:
        at = 3 + names.index(column.stored_as)
        old = np.empty(count, dtype=object)
        if stored:
            column_values = np.empty(len(stored), dtype=object)
            column_values[:] = [row[at] for row in stored]
            old[matched] = column_values[found[matched]]
        new = plan.rows.values[column.name].to_numpy(object)
        changed = np.zeros(count, dtype=bool)
        changed[matched] = new[matched] != old[matched]
        plan.changed[column.name], plan.old[column.name] = changed, old
        any_change |= changed
    plan.creates = ~matched
    plan.updates = matched & any_change
    plan.unchanged = matched & ~any_change


def _fetch(queryset) -> list[tuple]:
    """The rows of a values_list queryset; on PostgreSQL straight from the cursor (its driver
    already gives Decimals and ints, so Django's per-row converters are not needed)."""
    if connection.vendor != "postgresql":
        return list(queryset)
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # e.g. no known institution: every row is new
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def conflicts(plan: ResultsPlan, context) -> list[RowError]:
    errors = []
    message = _("would replace the stored value %(old)s (import with replace to change it)")
    for column in context.stored:
        changed = plan.changed[column.name]
        if not changed.any():
            continue
        new = plan.rows.values[column.name].to_numpy(object)[changed]
        old = plan.old[column.name][changed]
        numbers = plan.rows.values.index.to_numpy()[changed]
        for number, value, before in zip(numbers.tolist(), new, old, strict=True):
            errors.append(
                RowError(
                    context.file_name,
                    number,
                    context.written[column.name],
                    display(value),
                    message % {"old": display(before)},
                )
            )
    return errors


def describe(values) -> str:
    return f"{values['institution_code']} · {values['year']}"


def changes(plan: ResultsPlan, context) -> tuple[list, list, list]:
    """The report's created, updated and unchanged rows (built only when someone reads them)."""
    frame = plan.rows.values
    numbers = frame.index.tolist()
    records = frame.to_dict("records")
    created, updated, unchanged = [], [], []
    for n, (number, values) in enumerate(zip(numbers, records, strict=True)):
        if plan.creates[n]:
            fields = tuple(
                FieldChange(context.written[c.name], None, values[c.name]) for c in STORED
            )
            created.append(RowChange(number, describe(values), fields))
        elif plan.updates[n]:
            fields = tuple(
                FieldChange(context.written[c.name], plan.old[c.name][n], values[c.name])
                for c in context.stored
                if plan.changed[c.name][n]
            )
            updated.append(RowChange(number, describe(values), fields))
        else:
            unchanged.append(RowChange(number, describe(values)))
    return created, updated, unchanged


# --- writing -----------------------------------------------------------------------------------

# From this many new results on (and when they are at least a twentieth of the stored ones), the
# results' foreign keys are checked once for the whole table instead of once per row at commit.
CHECK_KEYS_ONCE_FROM = 2_000


def write(plan: ResultsPlan, batch, context, actor):
    if plan.institutions_filled:
        bulk_update_with_history(
            plan.institutions_filled, Institution, ["region_code"], default_user=actor
        )
    now = timezone.now()
    user_id = getattr(actor, "pk", None)
    if plan.new_institutions:
        _create_institutions(plan, now, user_id, actor)
    # The new results first: while only they carry the batch, their history rows are written
    # without asking whether each one has one already.
    if plan.creates.any():
        _insert(plan, batch)
        _history(InstitutionResult, "r.import_batch_id = %s", [batch.pk], now, "+", user_id)
    if plan.updates.any():
        _update(plan, batch, context)
        where, params = _updated_where(plan.stored_ids[plan.updates].tolist(), batch, now)
        _history(InstitutionResult, where, params, now, "~", user_id)


def _updated_where(ids, batch, now) -> tuple[str, list]:
    """The updated results: by id (PostgreSQL), else those of the batch without a history row
    of this import yet (the new ones have theirs)."""
    if connection.vendor == "postgresql":
        return "r.id = ANY(%s)", [ids]
    history_table = InstitutionResult.history.model._meta.db_table
    return (
        f"r.import_batch_id = %s AND NOT EXISTS (SELECT 1 FROM {history_table} h"  # noqa: S608
        " WHERE h.id = r.id AND h.history_date = %s)",
        [batch.pk, now],
    )


def _create_institutions(plan, now, user_id, actor):
    made = list(plan.new_institutions.values())
    if connection.vendor != "postgresql":
        made = [institution.as_model() for institution in made]
        made = bulk_create_with_history(made, Institution, default_user=actor)
        if any(institution.pk is None for institution in made):  # no RETURNING
            made = Institution.objects.filter(kpk_code__in=[i.kpk_code for i in made])
        plan.institution_ids.update({i.kpk_code: i.pk for i in made})
        return
    fields = [f for f in Institution._meta.concrete_fields if not f.primary_key]
    cells = [[getattr(i, f.attname) for i in made] for f in fields]
    bulk.copy(Institution._meta.db_table, [f.column for f in fields], cells, len(made))
    codes = [institution.kpk_code for institution in made]
    found = Institution.objects.filter(bulk.among("kpk_code", codes)).values_list("kpk_code", "pk")
    plan.institution_ids.update(dict(found))
    _history(Institution, "r.kpk_code = ANY(%s)", [codes], now, "+", user_id)


def _update(plan, batch, context):
    columns = [c for c in context.stored]
    table = InstitutionResult._meta.db_table
    names = [InstitutionResult._meta.get_field(c.stored_as).column for c in columns]
    assignments = ", ".join(f"{connection.ops.quote_name(n)} = %s" for n in names)
    sql = f"UPDATE {table} SET {assignments}, import_batch_id = %s WHERE id = %s"  # noqa: S608
    mask = plan.updates
    values = [plan.rows.values[c.name].to_numpy(object)[mask] for c in columns]
    ids = plan.stored_ids[mask].tolist()
    params = [(*cells, batch.pk, pk) for *cells, pk in zip(*values, ids, strict=True)]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _insert(plan, batch):
    mask = plan.creates
    frame = plan.rows.values[mask]
    codes = pd.Series(plan.institution_codes[mask], dtype=object)
    institution_ids = codes.map(plan.institution_ids).to_numpy(np.int64)
    columns = ["round_id", "institution_id"] + [
        InstitutionResult._meta.get_field(c.stored_as).column for c in STORED
    ]
    columns += ["is_published", "not_published_reason", "import_batch_id"]
    cells = [plan.round_ids[mask], institution_ids]
    cells += [frame[c.name].to_numpy(object) for c in STORED]
    count = len(frame)
    table = InstitutionResult._meta.db_table
    if connection.vendor == "postgresql":
        cells += [bulk.constant(True), bulk.constant(""), bulk.constant(batch.pk)]
        bulk.copy(table, columns, cells, count)
        return
    cells = [c.tolist() for c in cells] + [[True] * count, [""] * count, [batch.pk] * count]
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, list(zip(*cells, strict=True)))


def _history(model, where, params, now, history_type, user_id):
    """One history row (at `now`, by `user_id`) per row of `model` that `where` selects: one
    INSERT ... SELECT for the whole batch."""
    history = model.history.model
    table, history_table = model._meta.db_table, history._meta.db_table
    tracked = [f.column for f in model._meta.concrete_fields]
    special = {"history_id", "history_date", "history_type", "history_user_id"}
    special |= {"history_change_reason"}
    extra = [f.column for f in history._meta.concrete_fields if f.column not in tracked]
    if set(extra) - special:
        raise RuntimeError(f"history columns this import does not fill: {set(extra) - special}")
    names = ", ".join(connection.ops.quote_name(name) for name in tracked)
    chosen = ", ".join(f"r.{connection.ops.quote_name(name)}" for name in tracked)
    sql = (
        f"INSERT INTO {history_table} ({names}, history_date, history_type, history_user_id,"  # noqa: S608
        f" history_change_reason) SELECT {chosen}, %s, %s, %s, NULL FROM {table} r"
        f" WHERE {where}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, history_type, user_id, *params])


class ResultsPlanner(SurveyPlanner):
    kind = ImportKind.RESULTS
    columns = RESULT_COLUMNS
    key_columns = ("year", "institution_code")
    one_of = INSTITUTION_KEYS

    def plan_rows(self, parsed, context, job, report) -> Planned:
        plan = plan_results(parsed, context)
        if not job.replace:
            plan.errors += conflicts(plan, context)
        report.created_count = int(plan.creates.sum())
        report.updated_count = int(plan.updates.sum())
        report.unchanged_count = int(plan.unchanged.sum())
        report.institutions_created = sorted(plan.new_institutions)
        report.institutions_filled = [
            f"{i.kpk_code} ({i.region_code})" for i in plan.institutions_filled
        ]
        report.changes = lambda: changes(plan, context)
        return Planned(plan.errors, (plan, context))

    def writing(self, planned, job):
        """New results in bulk have their foreign keys checked once (see bulk.py)."""
        plan, _context = planned.state
        table = InstitutionResult._meta.db_table
        count = int(plan.creates.sum())
        enabled = bulk.worth_checking_once(table, count, at_least=CHECK_KEYS_ONCE_FROM)
        return bulk.foreign_keys_checked_once(table, enabled)

    def write(self, planned, batch, job):
        plan, context = planned.state
        write(plan, batch, context, job.actor)
        public_cache.bump()  # last: the generation row stays locked until the import commits


register(ResultsPlanner())
