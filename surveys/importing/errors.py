"""The one error type of every import: where (file, row, column), the value and why."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_ERRORS = 50


@dataclass(frozen=True)
class RowError:
    """One problem: where it is (file, spreadsheet row, column), the value and what was expected."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str

    def __str__(self):
        place = [self.file]
        if self.row is not None:
            place.append(_("row %(row)s") % {"row": self.row})
        if self.column is not None:
            place.append(_('column "%(column)s"') % {"column": self.column})
        subject = f'"{self.value}" ' if self.value not in (None, "") else ""
        return f"{', '.join(place)}: {subject}{self.message}"


class ImportRejected(Exception):
    """The file was not imported; `errors` holds the first MAX_ERRORS problems, `more` the rest
    (`more` given: problems counted beyond those listed, by a reader that stopped listing)."""

    def __init__(self, errors: list[RowError], more: int = 0):
        ordered = sorted(errors, key=lambda error: error.row or 0)
        self.errors = ordered[:MAX_ERRORS]
        self.more = len(ordered) - len(self.errors) + more
        super().__init__(str(self))

    def __str__(self):
        lines = [str(error) for error in self.errors]
        if self.more:
            lines.append(_("... and %(count)s more errors") % {"count": self.more})
        return "\n".join(lines)


class Unreadable(Exception):
    """The file as a whole cannot be read (its message completes \"<file> ...\")."""


def file_error(file_name, message) -> RowError:
    """A problem of the whole file (no row, no column)."""
    return RowError(file_name, None, None, None, message)
