"""Many rows at once on PostgreSQL: COPY given column-wise, long lists as one array parameter,
and foreign keys checked once per batch instead of once per row.

A national file is 325,000 results of 65,000 institutions: per-row work (a CSV writer's cell, a
parameter of an `IN (...)` list, a deferred foreign-key trigger per row at commit) is what
costs, so each helper here does its work per column or per distinct value.
"""

from __future__ import annotations

import itertools
import math
from contextlib import contextmanager

import numpy as np
import pandas as pd
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Lookup, Q

COPY_CHUNK = 1 << 20  # characters sent to the server per write during a COPY
_ESCAPED = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class _AnyOf(Lookup):
    """`column = ANY(%s)`: a list as one array parameter (PostgreSQL)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*params, list(self.rhs)]


def among(field: str, values) -> Q:
    """`field__in=values`; on PostgreSQL as one array parameter, so 65,000 codes are one
    parameter the driver adapts at once instead of 65,000 the ORM prepares one by one."""
    values = list(values)
    if connection.vendor == "postgresql":
        return Q(_AnyOf(F(field), values))
    return Q(**{f"{field}__in": values})


def _text(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool | np.bool_):
        return "t" if value else "f"
    if isinstance(value, float) and math.isnan(value):
        return r"\N"
    return str(value).translate(_ESCAPED) if isinstance(value, str) else str(value)


def column_texts(values) -> np.ndarray:
    """A column's cells as COPY text (NULL for None), each distinct value converted once.

    Cells are told apart by identity: parsing gives every row of the same text the same
    object, so a column of 325,000 Decimals holds a few thousand objects, and comparing
    identities is much cheaper than hashing Decimals (an equal value held twice is converted
    twice, to the same text)."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":  # ids: by value
        unique, codes = np.unique(values, return_inverse=True)
        return np.array([str(value) for value in unique.tolist()], dtype=object)[codes]
    array = np.empty(len(values), dtype=object)
    array[:] = values.to_numpy(object) if isinstance(values, pd.Series) else values
    identities = np.fromiter(map(id, array), np.int64, len(array))
    _unique, first, codes = np.unique(identities, return_index=True, return_inverse=True)
    texts = np.array([_text(value) for value in array[first]], dtype=object)
    return texts[codes]


class _Lines:
    """The COPY text of rows, handed to the driver a block of rows at a time."""

    BLOCK = 20_000

    def __init__(self, columns: list, count: int):
        self.columns, self.count, self.start = columns, count, 0

    def read(self, _size=-1) -> str:
        start, end = self.start, min(self.start + self.BLOCK, self.count)
        if start >= end:
            return ""
        self.start = end
        block = [
            itertools.repeat(c, end - start) if isinstance(c, str) else c[start:end]
            for c in self.columns
        ]
        return "\n".join(map("\t".join, zip(*block, strict=True))) + "\n"

    readline = read


def copy(table: str, columns: list[str], cells: list, count: int) -> None:
    """COPY `count` rows into `table`, given column-wise: each item of `cells` holds a column's
    values (None: NULL), or one text for every row (a constant such as the batch id)."""
    texts = [c if isinstance(c, str) else column_texts(c) for c in cells]
    quoted = ", ".join(connection.ops.quote_name(name) for name in columns)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {table} ({quoted}) FROM STDIN", _Lines(texts, count), size=COPY_CHUNK
        )


def constant(value) -> str:
    """A value every row of a COPY has, as its text."""
    return _text(value)


def _foreign_keys(table: str) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [table],
        )
        return cursor.fetchall()


def _rows_stored(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT GREATEST(reltuples, 0) FROM pg_class WHERE oid = %s::regclass", [table]
        )
        return int(cursor.fetchone()[0])


def worth_checking_once(table: str, new_rows: int, *, at_least: int) -> bool:
    """Whether checking `table`'s foreign keys once (a scan of the whole table per key) costs
    less than checking them for each of `new_rows` (a trigger per row and key at commit)."""
    if connection.vendor != "postgresql" or new_rows < at_least:
        return False
    return new_rows * 20 >= _rows_stored(table)


@contextmanager
def foreign_keys_checked_once(table: str, enabled: bool):
    """Inside, rows written to `table` are not checked one by one against its foreign keys;
    on leaving, the keys are added back as they were, and PostgreSQL checks every row of the
    table once (one join per key) before the transaction may commit. Must be entered inside
    the transaction, before anything else is written there (PostgreSQL refuses to drop a key
    of a table with pending checks). Nothing changes when `enabled` is false or the keys
    cannot be dropped (no right to alter the table, a lock not granted within a few seconds,
    checks pending): then each row is checked as usual. All inside one transaction: if any
    check fails, the import fails and the keys stay as they were. The price: from the drop to
    the commit, `table` and the tables its keys refer to are locked (ACCESS EXCLUSIVE), so
    pages reading them wait for the import (about a second per 40,000 new rows)."""
    keys = _drop_keys(table) if enabled else []
    yield
    if keys:
        added = ", ".join(f"ADD CONSTRAINT {connection.ops.quote_name(n)} {d}" for n, d in keys)
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} {added}")


def _drop_keys(table: str) -> list[tuple[str, str]]:
    if not connection.in_atomic_block:  # outside a transaction the keys would stay dropped
        return []
    keys = _foreign_keys(table)
    if not keys:
        return []
    dropped = ", ".join(f"DROP CONSTRAINT {connection.ops.quote_name(n)}" for n, _d in keys)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            (timeout,) = cursor.fetchone()
            cursor.execute("SET LOCAL lock_timeout = '5s'")
            cursor.execute(f"ALTER TABLE {table} {dropped}")
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [timeout])
    except DatabaseError:
        return []
    return keys
