"""What an import creates, changes and leaves as it is: the preview and the command's report."""

from __future__ import annotations

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
    kind: str
    file_name: str
    sha256: str
    rows_total: int
    created: list[RowChange] = field(default_factory=list)
    updated: list[RowChange] = field(default_factory=list)
    unchanged: list[RowChange] = field(default_factory=list)
    institutions_created: list[str] = field(default_factory=list)
    preview_columns: list[str] = field(default_factory=list)
    preview_rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False
    batch: ImportBatch | None = None

    @property
    def created_count(self):
        return len(self.created)

    @property
    def updated_count(self):
        return len(self.updated)

    @property
    def unchanged_count(self):
        return len(self.unchanged)


def display(value) -> str:
    return _("(empty)") if value is None else str(value)
