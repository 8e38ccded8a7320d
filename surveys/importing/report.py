"""What an import creates, changes and leaves as it is: the preview and the command's report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from surveys.models import ImportBatch


@dataclass(frozen=True)
class FieldChange:
    column: str
    old: object
    new: object

    def __str__(self):
        if self.old is None:
            return f"{self.column} {display(self.new)}"
        return f"{self.column} {display(self.old)} → {display(self.new)}"


@dataclass(frozen=True)
class RowChange:
    """A row of the file and what it creates or changes (empty for an unchanged row)."""

    row: int
    key: str
    changes: tuple[FieldChange, ...] = ()

    def __str__(self):
        details = ", ".join(str(change) for change in self.changes)
        text = _("row %(row)s: %(key)s") % {"row": self.row, "key": self.key}
        return f"{text} ({details})" if details else text


@dataclass
class ImportReport:
    """What an import found and did. The counts are set by the planner; the row lists are
    built only when read (a preview reads them; a 325,000-row command-line import need not)."""

    kind: str
    file_name: str
    sha256: str
    rows_total: int
    created_count: int = 0
    updated_count: int = 0
    unchanged_count: int = 0
    institutions_created: list[str] = field(default_factory=list)
    institutions_filled: list[str] = field(default_factory=list)  # "CODE (region code)"
    preview_columns: list[str] = field(default_factory=list)
    preview_rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False
    batch: ImportBatch | None = None
    changes: Callable[[], tuple[list, list, list]] | None = field(default=None, repr=False)
    _lists: tuple[list, list, list] | None = field(default=None, repr=False)

    def _changes(self) -> tuple[list, list, list]:
        if self._lists is None:
            self._lists = self.changes() if self.changes else ([], [], [])
        return self._lists

    @property
    def created(self) -> list[RowChange]:
        return self._changes()[0]

    @property
    def updated(self) -> list[RowChange]:
        return self._changes()[1]

    @property
    def unchanged(self) -> list[RowChange]:
        return self._changes()[2]

    @property
    def changes_anything(self) -> bool:
        return bool(self.created_count or self.updated_count or self.institutions_filled)


def display(value) -> str:
    return _("(empty)") if value is None else str(value)
