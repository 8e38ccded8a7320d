"""Importing respondent-level exports (KoboToolbox, ODK, LimeSurvey, Google Forms, or a plain
file) into a campaign: one row per respondent, all rows or none.

The file is read in chunks (`response_import_read`) and each chunk checked column by column:
every distinct text of a column is looked up once (`response_import_columns`), and the answers
become their one-character-per-item strings with numpy. Valid chunks are written as they come
(PostgreSQL: COPY; other databases: bulk_create) inside one transaction, so an error found in
the last chunk rolls back the first. A national file (600,000 respondents x 30 items) imports in
well under three minutes and a few hundred MB.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from surveys.audit import audited
from surveys.importing.errors import MAX_ERRORS, ImportRejected, RowError, Unreadable, file_error
from surveys.models import RespondentGroup

from . import answer_codec, selectors
from .models import Response, ResponseChannel, ResponseImport
from .response_import_columns import (
    GROUP_HEADERS,
    GROUPS,
    OPD_HEADERS,
    Headers,
    Layout,
    Scale,
    group_labels,
    group_lookup,
    key,
    opd_lookup,
    source_format,
)
from .response_import_read import open_source
from .services import require_manager

PREVIEW_ROWS = 10
SQLITE_BATCH = 2_000
BLANK, INVALID = -1, -2  # an answer array's "no answer" and "not an answer"
_ALPHABET = np.frombuffer(answer_codec.ALPHABET.encode("ascii"), dtype=np.uint8)


@dataclass
class ResponseImportOutcome:
    """What an import did or would do (`dry_run`): rows read, responses created, the columns
    left out, responses per OPD and group, the first rows as they will be stored, or the
    errors (the first MAX_ERRORS; `more_errors` counts the rest) and then nothing is written."""

    file_name: str
    dry_run: bool
    source_format: str = ""
    rows: int = 0
    created: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    item_columns: list[tuple[str, str]] = field(default_factory=list)  # (header, item code)
    errors: list[RowError] = field(default_factory=list)
    more_errors: int = 0
    notes: list[str] = field(default_factory=list)
    preview_columns: list[str] = field(default_factory=list)
    preview_rows: list[list] = field(default_factory=list)
    unit_counts: list[dict] = field(default_factory=list)  # {opd, opd_name, group, count}
    batch: ResponseImport | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.more_errors

    def rejected(self) -> ImportRejected:
        return ImportRejected(self.errors, more=self.more_errors)


class _RolledBack(Exception):
    def __init__(self, outcome):
        super().__init__("rolled back")
        self.outcome = outcome


@audited
def import_file(
    *,
    actor,
    campaign,
    path: Path,
    file_name: str,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ResponseImportOutcome:
    """Import a respondent-level export into `campaign`: every row becomes a Response (channel
    import) of one ResponseImport, or, if any cell is wrong, nothing is written and the outcome
    lists the errors (file, row, column, why). `dry_run` checks and previews only. The
    Inspectorate only. `progress(done_rows, total_rows)` is called after each chunk."""
    outcome = ResponseImportOutcome(file_name=file_name, dry_run=dry_run)
    try:
        with transaction.atomic():
            require_manager(actor)
            _Import(campaign, Path(path), outcome, actor, progress).run()
            outcome.errors.sort(key=lambda error: error.row or 0)
            if outcome.errors:
                raise _RolledBack(outcome)
    except _RolledBack:
        outcome.created, outcome.batch = 0, None
    return outcome


class _Import:
    def __init__(self, campaign, path, outcome, actor, progress):
        self.campaign, self.path, self.outcome, self.actor = campaign, path, outcome, actor
        self.progress = progress or (lambda done, total: None)
        self.items = selectors.items_of(campaign.questionnaire)
        self.width = max((item.position for item in self.items), default=-1) + 1
        units = list(campaign.units.select_related("opd").order_by("opd__code", "group"))
        self.opds = list({unit.opd_id: unit.opd for unit in units}.values())
        opd_index = {opd.pk: index for index, opd in enumerate(self.opds)}
        self.units = units
        self.unit_table = np.full((max(len(self.opds), 1), len(GROUPS)), -1, dtype=np.int64)
        for position, unit in enumerate(units):
            self.unit_table[opd_index[unit.opd_id], GROUPS.index(unit.group)] = position
        self.unit_counts = np.zeros(len(units), dtype=np.int64)

    def run(self):
        outcome = self.outcome
        headers = Headers(self.items)
        try:
            source = open_source(self.path, headers)
            outcome.notes.extend(source.notes)
            layout = _layout(source, headers, outcome)
            if outcome.errors:
                return
            outcome.source_format = source_format(source.header, layout)
            writer = None if outcome.dry_run else _Writer(self)
            self._read(source, layout, writer)
        except Unreadable as unreadable:
            outcome.errors.append(file_error(outcome.file_name, str(unreadable)))
            return
        if not outcome.rows and not outcome.errors:
            outcome.errors.append(file_error(outcome.file_name, _("has no data rows")))
        outcome.unit_counts = [
            {"opd": u.opd.code, "opd_name": u.opd.name, "group": u.group, "count": int(n)}
            for u, n in zip(self.units, self.unit_counts.tolist(), strict=True)
            if n
        ]
        if writer is not None and not outcome.errors:
            writer.finish()

    def _read(self, source, layout, writer):
        """Every chunk checked; written while no error has been found; progress after each."""
        outcome, checker = self.outcome, _Checker(self, layout)
        total = source.total_estimate
        texts = [p for p in (layout.opd, layout.group) if p is not None]
        for chunk in source.chunks([*texts, *layout.items], texts):
            checked = checker.check(chunk)
            outcome.rows += checked.rows
            if not outcome.errors and writer is not None:
                writer.write(checked)
            if len(outcome.preview_rows) < PREVIEW_ROWS:
                self._preview(checked, layout)
            total = max(total, outcome.rows)
            self.progress(outcome.rows, total)
        if total != outcome.rows or not outcome.rows:  # the estimate counted lines, not rows
            self.progress(outcome.rows, outcome.rows)

    def _preview(self, checked, layout):
        outcome = self.outcome
        if not outcome.preview_columns:
            codes = [item.code for item in layout.items.values()]
            outcome.preview_columns = [_("Row"), _("OPD"), _("Group"), *codes]
        take = PREVIEW_ROWS - len(outcome.preview_rows)
        texts = [text.decode("ascii") for text in checked.answers[:take].tolist()]
        decoded = answer_codec.decode(texts, self.width)
        positions = [item.position for item in layout.items.values()]
        for number, unit, values in zip(
            checked.numbers[:take].tolist(), checked.units[:take].tolist(), decoded, strict=True
        ):
            if unit < 0:
                continue
            shown = ["" if np.isnan(values[p]) else int(values[p]) for p in positions]
            found = self.units[unit]
            label = RespondentGroup(found.group).label
            outcome.preview_rows.append([number, found.opd.code, label, *shown])


def _layout(source, headers, outcome) -> Layout:
    """The header's columns; errors (at the header row) when the OPD column is missing, two
    columns name one thing, or no item is named."""
    layout = Layout(source.header_row, source.header)
    seen: dict = {}
    for position, cell in enumerate(source.header):
        found = headers.match(cell)
        if found is None:
            if cell:
                layout.ignored.append(cell)
            continue
        what, how = found
        if what in seen:
            message = _('names the same column as "%(other)s"') % {"other": seen[what]}
            outcome.errors.append(
                RowError(outcome.file_name, layout.header_row, cell, None, message)
            )
            continue
        seen[what] = cell
        if what in ("opd", "group"):
            setattr(layout, what, position)
        else:
            layout.items[position] = what
            layout.by_text += how == "text"
            layout.by_path += how == "path"
            outcome.item_columns.append((cell, what.code))
    outcome.ignored_columns = layout.ignored
    _required_columns(layout, outcome)
    return layout


def _required_columns(layout, outcome):
    def missing(name, names):
        message = _("is missing (a required column: %(names)s)") % {"names": " / ".join(names)}
        outcome.errors.append(RowError(outcome.file_name, layout.header_row, name, None, message))

    if layout.opd is None:
        missing("opd", OPD_HEADERS[:4] + ("unit kerja",))
    if not layout.items:
        message = _("names no item of the questionnaire (expected item codes such as I01)")
        outcome.errors.append(file_error(outcome.file_name, message))
    elif layout.group is None and len({item.group for item in layout.items.values()}) > 1:
        missing("group", GROUP_HEADERS[:3])


@dataclass
class _Checked:
    """One chunk, checked: spreadsheet row numbers, unit (index into the campaign's units, -1
    when the row is invalid) and answer string of each non-blank row."""

    rows: int
    numbers: np.ndarray
    units: np.ndarray
    answers: np.ndarray  # bytes, one per row (numpy S<width>)


class _Checker:
    def __init__(self, importer: _Import, layout: Layout):
        self.importer, self.layout = importer, layout
        self.file_name = importer.outcome.file_name
        self.opd_keys = opd_lookup(importer.opds)
        self.group_keys = group_lookup()
        labels = []
        for language in ("id", "en"):
            with translation.override(language):
                labels.append({g: str(RespondentGroup(g).label) for g in GROUPS})
        self.group_keys.update(group_labels(labels))
        self.scales = {position: Scale.of(item) for position, item in layout.items.items()}
        self.item_groups = {p: GROUPS.index(item.group) for p, item in layout.items.items()}
        if layout.group is None:  # one group's form: the group is its items'
            self.fixed_group = next(iter(self.item_groups.values()))

    def check(self, chunk: pd.DataFrame) -> _Checked:
        layout = self.layout
        chunk = chunk[chunk.notna().any(axis=1)]  # a blank line is no respondent
        numbers = chunk.index.to_numpy()
        opds = self._mapped(chunk[layout.opd], self.opd_keys)
        self._report(numbers, opds == INVALID, layout.opd, chunk[layout.opd], self._unknown_opd)
        self._report(numbers, opds == BLANK, layout.opd, chunk[layout.opd], self._empty)
        if layout.group is None:
            groups = np.full(len(chunk), self.fixed_group, dtype=np.int64)
        else:
            groups = self._mapped(chunk[layout.group], self.group_keys)
            texts = chunk[layout.group]
            self._report(numbers, groups == INVALID, layout.group, texts, self._unknown_group)
            self._report(numbers, groups == BLANK, layout.group, texts, self._empty)
        known = (opds >= 0) & (groups >= 0)
        units = np.full(len(chunk), -1, dtype=np.int64)
        units[known] = self.importer.unit_table[opds[known], groups[known]]
        uncovered = known & (units < 0)
        if uncovered.any():
            self._report_uncovered(numbers, uncovered, opds, groups, chunk)
        matrix = np.full((len(chunk), self.importer.width), ord(answer_codec.BLANK), np.uint8)
        valid = units >= 0
        for position, item in layout.items.items():
            values = self._answers(chunk[position], self.scales[position])
            bad = values == INVALID
            texts = chunk[position]
            self._report(numbers, bad, position, texts, partial(self._bad_answer, position, item))
            other = (values >= 0) & (groups >= 0) & (groups != self.item_groups[position])
            self._report(numbers, other, position, texts, partial(self._other_group, item))
            valid &= ~(bad | other)
            answered = values >= 0
            matrix[answered, item.position] = _ALPHABET[values[answered]]
        units[~valid] = -1
        answers = matrix.view(f"S{self.importer.width}").ravel()
        self.importer.unit_counts += np.bincount(
            units[units >= 0], minlength=len(self.importer.units)
        )
        return _Checked(len(chunk), numbers, units, answers)

    @staticmethod
    def _mapped(texts: pd.Series, lookup: dict) -> np.ndarray:
        """Each cell's index in `lookup`'s values; BLANK for an empty cell, INVALID unknown."""
        codes, uniques = pd.factorize(texts, sort=False)
        found = [lookup.get(key(text), INVALID) if str(text).strip() else BLANK for text in uniques]
        return np.array([*found, BLANK], dtype=np.int64)[codes]

    @staticmethod
    def _answers(cells: pd.Series, scale: Scale) -> np.ndarray:
        """Each cell's answer (BLANK, INVALID or the value), numbers checked at once."""
        if pd.api.types.is_numeric_dtype(cells.dtype):
            numbers = cells.to_numpy(dtype=float)
            allowed = np.zeros(answer_codec.LARGEST + 1, dtype=bool)
            allowed[list(scale.allowed)] = True
            whole = np.nan_to_num(numbers, nan=-1.0)
            fits = (whole >= 0) & (whole <= answer_codec.LARGEST) & (whole == np.floor(whole))
            values = np.where(fits, whole, 0).astype(np.int64)
            values = np.where(fits & allowed[values], values, INVALID)
            return np.where(np.isnan(numbers), BLANK, values)
        codes, uniques = pd.factorize(cells, sort=False)
        found = [_value_or_invalid(scale, text) for text in uniques]
        return np.array([*found, BLANK], dtype=np.int64)[codes]

    def _report(self, numbers, mask, position, texts, message):
        """An error per cell of `mask` (`message`: text, or a callable giving it), the first
        MAX_ERRORS of the import listed, the rest counted."""
        if not mask.any():
            return
        outcome = self.importer.outcome
        bad = np.flatnonzero(mask)
        room = max(MAX_ERRORS - len(outcome.errors), 0)
        column = self.layout.written(position)
        why = message() if callable(message) else message
        for at in bad[:room].tolist():
            text = _as_written(texts.iloc[at])
            outcome.errors.append(RowError(self.file_name, int(numbers[at]), column, text, why))
        outcome.more_errors += max(len(bad) - room, 0)
        outcome.errors.sort(key=lambda error: error.row or 0)

    def _report_uncovered(self, numbers, mask, opds, groups, chunk):
        position = self.layout.group if self.layout.group is not None else self.layout.opd
        for pair in sorted(
            {(int(o), int(g)) for o, g in zip(opds[mask], groups[mask], strict=True)}
        ):
            opd, group = self.importer.opds[pair[0]], GROUPS[pair[1]]
            message = _("this campaign does not survey the %(group)s group of %(opd)s") % {
                "group": RespondentGroup(group).label,
                "opd": opd.code,
            }
            rows = mask & (opds == pair[0]) & (groups == pair[1])
            self._report(numbers, rows, position, chunk[position], message)

    @property
    def _empty(self):
        return _("is empty (a value is required)")

    @property
    def _unknown_opd(self):
        codes = ", ".join(opd.code for opd in self.importer.opds[:5])
        return _(
            "is not an OPD of this campaign (expected the code or name of one of its OPDs, "
            "such as %(codes)s)"
        ) % {"codes": codes}

    @property
    def _unknown_group(self):
        return _("is not a respondent group (expected internal, external or expert)")

    def _bad_answer(self, position, item):
        values, label = self.scales[position].expected(item)
        return _(
            'is not an answer of item %(code)s (expected %(values)s or a label such as "%(label)s")'
        ) % {"code": item.code, "values": values, "label": label}

    def _other_group(self, item):
        return _(
            "answers item %(code)s, which is asked of %(group)s respondents only, "
            "not of this row's group"
        ) % {"code": item.code, "group": str(RespondentGroup(item.group).label).lower()}


def _value_or_invalid(scale, text) -> int:
    if not str(text).strip():
        return BLANK
    value = scale.value(text)
    return INVALID if value is None else value


def _as_written(cell) -> str:
    if isinstance(cell, float):
        return "" if np.isnan(cell) else (str(int(cell)) if cell.is_integer() else str(cell))
    return str(cell)


class _Writer:
    """Writes checked chunks: COPY on PostgreSQL, bulk_create elsewhere; one ResponseImport."""

    def __init__(self, importer: _Import):
        self.importer = importer
        outcome = importer.outcome
        self.batch = ResponseImport.objects.create(
            campaign=importer.campaign,
            file_name=outcome.file_name[:255],
            source_format=outcome.source_format,
            created_by=importer.actor,
        )
        self.unit_ids = np.array([unit.pk for unit in importer.units], dtype=np.int64)

    def write(self, checked: _Checked):
        keep = checked.units >= 0
        unit_ids = self.unit_ids[checked.units[keep]]
        answers = checked.answers[keep]
        if connection.vendor == "postgresql":
            self._copy(unit_ids, answers)
        else:
            self._bulk_create(unit_ids, answers)
        self.importer.outcome.created += len(unit_ids)

    def _copy(self, unit_ids, answers):
        meta = Response._meta
        names = [
            "unit",
            "answers",
            "campaign",
            "channel",
            "import_batch",
            "comment",
            "flag_straight_lining",
            "flag_identical_vector",
            "flag_too_fast",
            "flag_burst",
            "excluded",
        ]
        columns = ", ".join(connection.ops.quote_name(meta.get_field(n).column) for n in names)
        rest = f"\t{self.importer.campaign.pk}\t{ResponseChannel.IMPORT}\t{self.batch.pk}\t\t"
        rest += "\t".join(["f"] * 5) + "\n"
        suffix = rest.encode("ascii")
        buffer = io.BytesIO(
            b"".join(
                b"%d\t%s%s" % (unit, text, suffix)
                for unit, text in zip(unit_ids.tolist(), answers.tolist(), strict=True)
            )
        )
        sql = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
        with connection.cursor() as cursor:
            cursor.copy_expert(sql, buffer)

    def _bulk_create(self, unit_ids, answers):
        campaign = self.importer.campaign
        Response.objects.bulk_create(
            (
                Response(
                    campaign=campaign,
                    unit_id=unit,
                    channel=ResponseChannel.IMPORT,
                    answers=text.decode("ascii"),
                    import_batch=self.batch,
                )
                for unit, text in zip(unit_ids.tolist(), answers.tolist(), strict=True)
            ),
            batch_size=SQLITE_BATCH,
        )

    def finish(self):
        self.batch.rows = self.importer.outcome.created
        self.batch.save(update_fields=["rows"])
        self.importer.outcome.batch = self.batch
