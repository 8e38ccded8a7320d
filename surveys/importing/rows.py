"""Rows: the header mapped to columns, every row parsed, repeated keys found."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from surveys.importing.cells import CellInvalid
from surveys.importing.errors import RowError


@dataclass
class Row:
    number: int
    values: dict[str, object]
    raw: dict[str, str]
    valid: bool = True


def _normalise(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def map_header(header, columns, file_name) -> tuple[dict[str, int], dict[str, str], list]:
    """Canonical column name -> position and -> the header as written; plus header errors."""
    by_alias = {_normalise(a): c.name for c in columns for a in (c.name, *c.aliases)}
    positions, written, errors = {}, {}, []
    for position, name in enumerate(header):
        if not name:
            continue
        canonical = by_alias.get(_normalise(name))
        if canonical is None:
            errors.append(_unknown_column(file_name, name, list(by_alias)))
        elif canonical in positions:
            message = _('names the same column as "%(other)s"') % {"other": written[canonical]}
            errors.append(RowError(file_name, 1, name, None, message))
        else:
            positions[canonical], written[canonical] = position, name
    for column in columns:
        if column.required and column.name not in positions:
            names = " / ".join((column.name, *column.aliases))
            message = _("is missing (a required column: %(names)s)") % {"names": names}
            errors.append(RowError(file_name, 1, column.name, None, message))
    return positions, written, errors


def _unknown_column(file_name, name, accepted) -> RowError:
    close = difflib.get_close_matches(_normalise(name), accepted, n=1)
    message = _("is not a known column")
    if close:
        message += _(' (did you mean "%(name)s"?)') % {"name": close[0]}
    message += _("; accepted columns: %(names)s") % {"names": ", ".join(accepted)}
    return RowError(file_name, 1, name, None, message)


def parse_rows(table, columns, positions, written, file_name) -> tuple[list[Row], list]:
    rows, errors = [], []
    for number, cells in table.rows:
        row = Row(number, {}, {})
        for column in columns:
            if column.name not in positions:
                row.values[column.name] = column.default
                continue
            raw = cells[positions[column.name]] if positions[column.name] < len(cells) else ""
            row.raw[column.name] = raw
            error = _parse_cell(row, column, raw)
            if error:
                row.valid = False
                errors.append(RowError(file_name, number, written[column.name], raw, error))
        rows.append(row)
    return rows, errors


def _parse_cell(row, column, raw) -> str | None:
    if raw == "":
        if column.required:
            return _("is empty (a value is required)")
        row.values[column.name] = column.default
        return None
    try:
        row.values[column.name] = column.parse(raw)
    except CellInvalid as invalid:
        return invalid.message
    return None


def duplicates(rows, key_columns, written, file_name) -> list[RowError]:
    first_row, errors = {}, []
    last = key_columns[-1]
    for row in rows:
        key = tuple(row.values.get(name) for name in key_columns)
        if None in key:
            continue
        if key in first_row:
            row.valid = False
            message = _("repeats row %(first)s (each %(key)s may appear only once)") % {
                "first": first_row[key],
                "key": " + ".join(written[name] for name in key_columns),
            }
            errors.append(RowError(file_name, row.number, written[last], row.raw[last], message))
        else:
            first_row[key] = row.number
    return errors
