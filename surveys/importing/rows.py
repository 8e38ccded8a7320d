"""Rows: the header mapped to columns, every row parsed, repeated keys found."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import pandas as pd
from django.utils.translation import gettext as _

from surveys.importing import headers
from surveys.importing.cells import parse_column
from surveys.importing.errors import RowError


@dataclass
class Row:
    """One parsed row, for planners that look at rows one by one."""

    number: int
    values: dict[str, object]
    raw: dict[str, str]
    valid: bool = True


@dataclass
class Parsed:
    """Every row parsed at once: `values` (parsed, by column name), `raw` (the text as written;
    "" for a column the file lacks) and `valid`, each indexed by the row's spreadsheet number."""

    values: pd.DataFrame
    raw: pd.DataFrame
    valid: pd.Series

    def __len__(self):
        return len(self.values)

    def valid_rows(self) -> Parsed:
        keep = self.valid.to_numpy()
        return Parsed(self.values[keep], self.raw[keep], self.valid[keep])

    def as_rows(self) -> list[Row]:
        names = list(self.values.columns)
        return [
            Row(number, dict(zip(names, values, strict=True)), dict(zip(names, raw, strict=True)))
            for number, values, raw in zip(
                self.values.index.tolist(),
                self.values.itertuples(index=False, name=None),
                self.raw.itertuples(index=False, name=None),
                strict=True,
            )
        ]


def _normalise(name: str) -> str:
    return headers.normalise(name)


def map_header(
    header, columns, file_name, *, header_row=1, one_of=(), notes=None
) -> tuple[dict[str, int], dict[str, str], list]:
    """Canonical column name -> position and -> the header as written; plus header errors.

    Headers compare normalised (case, spaces and punctuation do not count) against each
    column's name and aliases (for the survey kinds: headers.ALIASES). Columns the portal works
    out itself (category, rank, row number, ...) are left out, with a note in `notes`; `one_of`
    names columns of which the file needs at least one."""
    by_alias = {}
    for column in columns:
        for alias in (column.name, *column.aliases):
            by_alias.setdefault(_normalise(alias), column.name)
    positions, written, errors, ignored = {}, {}, [], []
    for position, name in enumerate(header):
        if not name:
            continue
        canonical = by_alias.get(_normalise(name))
        if canonical is None and _normalise(name) in headers.IGNORED_KEYS:
            ignored.append(name)
        elif canonical is None:
            errors.append(_unknown_column(file_name, header_row, name, columns, by_alias))
        elif canonical in positions:
            message = _('names the same column as "%(other)s"') % {"other": written[canonical]}
            errors.append(RowError(file_name, header_row, name, None, message))
        else:
            positions[canonical], written[canonical] = position, name
    for column in columns:
        if column.required and column.name not in positions:
            names = " / ".join((column.name, *column.aliases))
            message = _("is missing (a required column: %(names)s)") % {"names": names}
            errors.append(RowError(file_name, header_row, column.name, None, message))
    if one_of and not any(name in positions for name in one_of):
        message = _("is missing: the file needs a column naming the institution (%(names)s)")
        message %= {"names": " / ".join(one_of)}
        errors.append(RowError(file_name, header_row, one_of[0], None, message))
    if ignored and notes is not None:
        note = _("Columns left out (the portal works them out itself): %(names)s")
        notes.append(note % {"names": ", ".join(ignored)})
    return positions, written, errors


def _unknown_column(file_name, header_row, name, columns, by_alias) -> RowError:
    close = difflib.get_close_matches(_normalise(name), list(by_alias), n=1)
    message = _("is not a known column")
    if close:
        message += _(' (did you mean "%(name)s"?)') % {"name": close[0]}
    message += _("; accepted columns: %(names)s") % {"names": ", ".join(c.name for c in columns)}
    return RowError(file_name, header_row, name, None, message)


def parse_rows(table, columns, positions, written, file_name) -> tuple[Parsed, list[RowError]]:
    """Every cell of every row parsed column by column; an error per invalid cell."""
    index = table.frame.index
    values, raw, errors = {}, {}, []
    valid = pd.Series(True, index=index)
    for column in columns:
        position = positions.get(column.name)
        if position is None:
            values[column.name] = pd.Series(
                [column.default] * len(index), index=index, dtype=object
            )
            raw[column.name] = pd.Series("", index=index, dtype=object)
            continue
        if position < table.frame.shape[1]:
            texts = table.frame[position]
        else:
            texts = pd.Series("", index=index, dtype=object)
        values[column.name], messages = parse_column(column, texts)
        raw[column.name] = texts
        bad = messages.notna()
        if bad.any():
            valid &= ~bad
            for number, text, message in zip(
                index[bad].tolist(), texts[bad].tolist(), messages[bad].tolist(), strict=True
            ):
                errors.append(RowError(file_name, number, written[column.name], text, message))
    parsed = Parsed(pd.DataFrame(values, index=index), pd.DataFrame(raw, index=index), valid)
    return parsed, errors


def duplicates(parsed: Parsed, key_columns, written, file_name) -> list[RowError]:
    """A row whose key repeats an earlier row's is an error (and invalid)."""
    keys = parsed.values[list(key_columns)]
    known = keys.notna().all(axis=1)
    repeated = keys[known].duplicated(keep="first")
    if not repeated.any():
        return []
    first_row = {}
    for number, key in zip(
        keys[known].index.tolist(), keys[known].itertuples(index=False, name=None), strict=True
    ):
        first_row.setdefault(key, number)
    last, errors = key_columns[-1], []
    for number in repeated[repeated].index.tolist():
        key = tuple(keys.loc[number])
        parsed.valid[number] = False
        message = _("repeats row %(first)s (each %(key)s may appear only once)") % {
            "first": first_row[key],
            "key": " + ".join(written[name] for name in key_columns),
        }
        errors.append(
            RowError(file_name, number, written[last], parsed.raw.at[number, last], message)
        )
    return errors
