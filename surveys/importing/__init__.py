"""One import path for KPK result files: file -> validated rows, or a list of errors.

The CLI commands and the web upload both call `import_file`. A file is read with pandas as text
only (CSV with `,` or `;`, UTF-8 with or without BOM, cp1252 fallback, decimal comma, or XLSX),
every cell is validated here, and nothing is written unless every row is valid. Changing a stored
value needs `replace=True`; otherwise the change is reported as a conflict and nothing is written.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, partial

import pandas as pd
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from surveys import public_cache, uploads
from surveys.models import (
    Dimension,
    ImportBatch,
    ImportKind,
    ImportOutcome,
    IndicatorScore,
    Institution,
    InstitutionResult,
    InstitutionType,
    RespondentGroup,
    SurveyRound,
)

MAX_ERRORS = 50
PREVIEW_ROWS = 10
CENT = Decimal("0.01")
NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
WHOLE_NUMBER = re.compile(r"^\d+(\.0+)?$")
MAX_WHOLE_NUMBER = 2_147_483_647  # the largest integer every supported database column holds
PANDAS_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


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
    """The file was not imported; `errors` holds the first MAX_ERRORS problems, `more` the rest."""

    def __init__(self, errors: list[RowError]):
        ordered = sorted(errors, key=lambda error: error.row or 0)
        self.errors = ordered[:MAX_ERRORS]
        self.more = len(ordered) - len(self.errors)
        super().__init__(str(self))

    def __str__(self):
        lines = [str(error) for error in self.errors]
        if self.more:
            lines.append(_("... and %(count)s more errors") % {"count": self.more})
        return "\n".join(lines)


@dataclass(frozen=True)
class FieldChange:
    column: str
    old: object
    new: object

    def __str__(self):
        if self.old is None:
            return f"{self.column} {_display(self.new)}"
        return f"{self.column} {_display(self.old)} → {_display(self.new)}"


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


def _display(value) -> str:
    return _("(empty)") if value is None else str(value)


# --- reading: bytes -> header and rows of text -------------------------------------------------


@dataclass
class _Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]
    notes: list[str]


class _Unreadable(Exception):
    pass


def _read_table(content: bytes, sheet: str | None) -> _Table:
    if content[:4] == b"PK\x03\x04":
        return _read_xlsx(content, sheet)
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _Unreadable(_("is an old Excel .xls file; save it as .xlsx or CSV and try again"))
    if b"\x00" in content[:4096]:
        raise _Unreadable(_("is not a CSV or XLSX file (it holds binary data, e.g. an image)"))
    text, notes = _decode(content)
    if not text.strip():
        raise _Unreadable(_("is empty"))
    if text.lstrip().startswith("<"):
        raise _Unreadable(_("is not a CSV or XLSX file (it looks like a web page)"))
    return _read_csv(text, notes)


def _decode(content: bytes) -> tuple[str, list[str]]:
    try:
        return content.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1252", "latin-1"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        note = _("The file is not valid UTF-8; it was read as %(encoding)s.")
        return text, [note % {"encoding": encoding}]
    raise _Unreadable(_("could not be decoded as text"))


def _separator(text: str) -> str:
    first_line = next(line for line in text.splitlines() if line.strip())
    return max([",", ";", "\t"], key=first_line.count)


def _read_csv(text: str, notes: list[str]) -> _Table:
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=_separator(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except pd.errors.ParserError as error:
        raise _Unreadable(_csv_problem(str(error))) from error
    except (pd.errors.EmptyDataError, csv.Error) as error:
        raise _Unreadable(_("is not a readable CSV file (%(error)s)") % {"error": error}) from None
    return _table_from_frame(frame, notes)


def _csv_problem(message: str) -> str:
    match = PANDAS_FIELDS.search(message)
    if not match:
        return _("is not a readable CSV file (%(error)s)") % {"error": message}
    expected, line, seen = match.groups()
    return _("row %(row)s has %(seen)s cells but the header has %(expected)s") % {
        "row": line,
        "seen": seen,
        "expected": expected,
    }


def _read_xlsx(content: bytes, sheet: str | None) -> _Table:
    try:
        uploads.archive_check(io.BytesIO(content), max_unpacked=uploads.IMPORT_MAX_UNPACKED)
        workbook = pd.ExcelFile(io.BytesIO(content), engine="openpyxl")
    except uploads.ContentRefused as refused:
        raise _Unreadable(str(refused)) from None
    except Exception as error:  # openpyxl raises many types for a zip that is not a workbook
        raise _Unreadable(_("is not a CSV or XLSX file (%(error)s)") % {"error": error}) from None
    if sheet is not None and sheet not in workbook.sheet_names:
        raise _Unreadable(
            _('has no sheet "%(sheet)s" (its sheets: %(names)s)')
            % {"sheet": sheet, "names": ", ".join(workbook.sheet_names)}
        )
    try:
        uploads.sheet_rows(workbook.book[sheet or workbook.sheet_names[0]])
    except uploads.ContentRefused as refused:
        raise _Unreadable(str(refused)) from None
    except Exception as error:  # a sheet whose XML is damaged
        raise _Unreadable(_("is not a CSV or XLSX file (%(error)s)") % {"error": error}) from None
    frame = pd.read_excel(
        workbook, sheet_name=sheet or 0, header=None, dtype=str, keep_default_na=False
    )
    return _table_from_frame(frame, [])


def _table_from_frame(frame: pd.DataFrame, notes: list[str]) -> _Table:
    cells = frame.fillna("").astype(str).values.tolist()
    if not cells:
        raise _Unreadable(_("is empty"))
    header = [name.strip() for name in cells[0]]
    rows = [
        (number, [cell.strip() for cell in row])
        for number, row in enumerate(cells[1:], start=2)
        if any(cell.strip() for cell in row)
    ]
    return _Table(header, rows, notes)


# --- cells: text -> value, or a message --------------------------------------------------------


class _CellInvalid(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _decimal_between(low, high, expected: Callable[[], str]):
    def parse(text):
        if not NUMBER.match(text):
            raise _CellInvalid(_("is not a number (expected %(what)s)") % {"what": expected()})
        value = Decimal(text.replace(",", "."))
        if not low <= value <= high:
            raise _CellInvalid(_("is out of range (expected %(what)s)") % {"what": expected()})
        if value.quantize(CENT) != value:
            raise _CellInvalid(_("has more than two decimals (at most two are allowed)"))
        return value.quantize(CENT)

    return parse


def _whole_number(text):
    if not WHOLE_NUMBER.match(text):
        raise _CellInvalid(_("is not a whole number (expected 0 or more)"))
    if Decimal(text) > MAX_WHOLE_NUMBER:
        expected = f"0 – {MAX_WHOLE_NUMBER}"
        raise _CellInvalid(_("is out of range (expected %(what)s)") % {"what": expected})
    return int(Decimal(text))


def _year(text):
    if not WHOLE_NUMBER.match(text) or not 1900 <= Decimal(text) <= 2999:
        raise _CellInvalid(_("is not a year (expected a year such as 2024)"))
    return int(Decimal(text))


def _text(max_length):
    def parse(text):
        if len(text) > max_length:
            raise _CellInvalid(_("is longer than %(max)s characters") % {"max": max_length})
        return text

    return parse


def _choice(accepted: Callable[[], dict[str, str]]):
    def parse(text):
        choices = accepted()
        if text.lower() not in choices:
            names = ", ".join(dict.fromkeys(choices))
            raise _CellInvalid(_("is not accepted (expected one of: %(names)s)") % {"names": names})
        return choices[text.lower()]

    return parse


def _institution_types() -> dict[str, str]:
    return _institution_types_in(translation.get_language())


@cache
def _institution_types_in(active_language) -> dict[str, str]:
    accepted = {value: value for value in InstitutionType.values}
    for language in ("en", active_language):
        with translation.override(language):
            accepted.update({str(label).lower(): value for value, label in InstitutionType.choices})
    return accepted


def _groups() -> dict[str, str]:
    return {
        "internal": RespondentGroup.INTERNAL,
        "external": RespondentGroup.EXTERNAL,
        "eksternal": RespondentGroup.EXTERNAL,
        "expert": RespondentGroup.EXPERT,
        "eksper": RespondentGroup.EXPERT,
    }


def _score_expected():
    return _("a score from 0 to 100")


def _correction_expected():
    return _("a correction from 0 to 100")


_score = _decimal_between(Decimal(0), Decimal(100), _score_expected)
_correction = _decimal_between(Decimal(0), Decimal(100), _correction_expected)


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...]
    parse: Callable[[str], object]
    required: bool = True
    default: object = None
    stored_as: str | None = None  # the model field this column compares with and updates


def _optional_correction(name, alias) -> Column:
    return Column(name, (alias,), _correction, False, Decimal("0.00"), stored_as=name)


RESULT_COLUMNS = (
    Column("year", ("tahun",), _year),
    Column("institution_code", ("kode_instansi",), _text(32)),
    Column("institution_name", ("nama_instansi",), _text(200), required=False),
    Column("institution_type", ("jenis_instansi",), _choice(_institution_types), required=False),
    Column("province", ("provinsi",), _text(100), required=False),
    Column("internal", (), _score, stored_as="internal"),
    Column("external", ("eksternal",), _score, stored_as="external"),
    Column("expert", ("eksper",), _score, stored_as="expert"),
    _optional_correction("correction_integrity", "koreksi_integritas"),
    _optional_correction("correction_prevalence", "koreksi_prevalensi"),
    Column("published_index", ("indeks",), _score, required=False, stored_as="published_index"),
)

INDICATOR_COLUMNS = (
    Column("year", ("tahun",), _year),
    Column("institution_code", ("kode_instansi",), _text(32)),
    Column("group", ("kelompok",), _choice(_groups)),
    Column("indicator_code", ("kode_indikator",), _text(20)),
    Column("score", ("nilai",), _score, stored_as="score"),
    Column("respondents", ("responden",), _whole_number, required=False, stored_as="respondents"),
)


# --- header and rows ---------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    values: dict[str, object]
    raw: dict[str, str]
    valid: bool = True


def _normalise(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _map_header(header, columns, file_name) -> tuple[dict[str, int], dict[str, str], list]:
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


def _parse_rows(table, columns, positions, written, file_name) -> tuple[list[_Row], list]:
    rows, errors = [], []
    for number, cells in table.rows:
        row = _Row(number, {}, {})
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
    except _CellInvalid as invalid:
        return invalid.message
    return None


def _duplicates(rows, key_columns, written, file_name) -> list[RowError]:
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


# --- planning: validated rows -> creates, updates, unchanged -----------------------------------


@dataclass
class _Plan:
    creates: list[tuple[_Row, models.Model]] = field(default_factory=list)
    updates: list[tuple[_Row, models.Model, tuple[FieldChange, ...]]] = field(default_factory=list)
    unchanged: list[tuple[_Row, models.Model]] = field(default_factory=list)
    new_institutions: dict[str, Institution] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


class _Context:
    """What planning needs about the file: its name, present columns and their written names."""

    def __init__(self, file_name, columns, positions, written):
        self.file_name = file_name
        self.stored = [c for c in columns if c.stored_as and c.name in positions]
        self.written = {c.name: written.get(c.name, c.name) for c in columns}

    def error(self, row, column, message, *, show_value=True):
        value = row.raw.get(column) if show_value else None
        return RowError(self.file_name, row.number, self.written[column], value, message)


def _rounds_for(rows, context, plan) -> dict[int, SurveyRound]:
    years = {row.values["year"] for row in rows}
    rounds = {r.year: r for r in SurveyRound.objects.filter(year__in=years)}
    known = ", ".join(
        str(y) for y in SurveyRound.objects.order_by("year").values_list("year", flat=True)
    )
    for row in rows:
        if row.values["year"] not in rounds:
            message = _("is not a survey round in the portal (known rounds: %(known)s)") % {
                "known": known or _("none yet; load the methodology first")
            }
            plan.errors.append(context.error(row, "year", message))
    return rounds


def _place(row, stored, build, context, plan):
    """A row with no stored counterpart is created; otherwise it updates or leaves it as is."""
    if stored is None:
        plan.creates.append((row, build()))
        return
    changes = tuple(
        FieldChange(context.written[c.name], getattr(stored, c.stored_as), row.values[c.name])
        for c in context.stored
        if getattr(stored, c.stored_as) != row.values[c.name]
    )
    if changes:
        plan.updates.append((row, stored, changes))
    else:
        plan.unchanged.append((row, stored))


def _start_plan(rows, context, model, key):
    """An empty plan, the rounds and known institutions the rows name, and their stored rows."""
    plan = _Plan()
    rounds = _rounds_for(rows, context, plan)
    codes = {row.values["institution_code"] for row in rows}
    institutions = {i.kpk_code: i for i in Institution.objects.filter(kpk_code__in=codes)}
    stored = model.objects.filter(
        round__in=list(rounds.values()), institution__in=list(institutions.values())
    )
    return plan, rounds, institutions, {key(instance): instance for instance in stored}


def _plan_results(rows, context) -> _Plan:
    plan, rounds, institutions, stored = _start_plan(
        rows, context, InstitutionResult, lambda r: (r.round_id, r.institution_id)
    )
    for row in rows:
        survey_round = rounds.get(row.values["year"])
        institution = _institution_for(row, institutions, context, plan)
        if survey_round is None or institution is None:
            continue
        key = (survey_round.pk, institution.pk)
        build = partial(_new_result, row, survey_round, institution)
        _place(row, stored.get(key), build, context, plan)
    return plan


def _institution_for(row, institutions, context, plan) -> Institution | None:
    code = row.values["institution_code"]
    if code in institutions:
        return institutions[code]
    if code in plan.new_institutions:
        return plan.new_institutions[code]
    if not row.values.get("institution_name"):
        message = _("is empty; %(code)s is a new institution, so its name is needed") % {
            "code": code
        }
        plan.errors.append(context.error(row, "institution_name", message, show_value=False))
        return None
    plan.new_institutions[code] = Institution(
        kpk_code=code,
        name=row.values["institution_name"],
        type=row.values.get("institution_type") or InstitutionType.OTHER,
        province=row.values.get("province") or "",
    )
    return plan.new_institutions[code]


def _new_result(row, survey_round, institution) -> InstitutionResult:
    return InstitutionResult(
        round=survey_round,
        institution=institution,
        **{c.stored_as: row.values[c.name] for c in RESULT_COLUMNS if c.stored_as},
    )


def _plan_indicator_scores(rows, context) -> _Plan:
    plan, rounds, institutions, stored = _start_plan(
        rows,
        context,
        IndicatorScore,
        lambda s: (s.round_id, s.institution_id, s.group, s.dimension_id),
    )
    dimensions = {
        (d.round_id, d.code.upper()): d for d in Dimension.objects.filter(round__in=rounds.values())
    }
    for row in rows:
        survey_round = rounds.get(row.values["year"])
        institution = _known_institution(row, institutions, context, plan)
        if survey_round is None:
            continue
        dimension = _dimension_for(row, survey_round, dimensions, context, plan)
        if institution is None or dimension is None:
            continue
        key = (survey_round.pk, institution.pk, row.values["group"], dimension.pk)
        build = partial(_new_score, row, survey_round, institution, dimension)
        _place(row, stored.get(key), build, context, plan)
    return plan


def _known_institution(row, institutions, context, plan) -> Institution | None:
    institution = institutions.get(row.values["institution_code"])
    if institution is None:
        message = _("is not a known institution (import its results first)")
        plan.errors.append(context.error(row, "institution_code", message))
    return institution


def _dimension_for(row, survey_round, dimensions, context, plan) -> Dimension | None:
    dimension = dimensions.get((survey_round.pk, row.values["indicator_code"].upper()))
    if dimension is None:
        known = sorted(code for round_pk, code in dimensions if round_pk == survey_round.pk)
        message = _("is not an indicator of %(round)s (its indicators: %(known)s)") % {
            "round": survey_round,
            "known": ", ".join(known) or _("none"),
        }
        plan.errors.append(context.error(row, "indicator_code", message))
    return dimension


def _new_score(row, survey_round, institution, dimension) -> IndicatorScore:
    return IndicatorScore(
        round=survey_round,
        institution=institution,
        group=row.values["group"],
        dimension=dimension,
        score=row.values["score"],
        respondents=row.values["respondents"],
    )


def _conflicts(plan, context) -> list[RowError]:
    errors = []
    for row, _instance, changes in plan.updates:
        for change in changes:
            message = _("would replace the stored value %(old)s (import with replace to change it)")
            message %= {"old": _display(change.old)}
            errors.append(
                RowError(
                    context.file_name, row.number, change.column, _display(change.new), message
                )
            )
    return errors


# --- the public entry point --------------------------------------------------------------------


@dataclass(frozen=True)
class _Kind:
    columns: tuple[Column, ...]
    key_columns: tuple[str, ...]
    model: type[models.Model]
    plan: Callable
    describe: Callable[[_Row], str]


KINDS = {
    ImportKind.RESULTS: _Kind(
        RESULT_COLUMNS,
        ("year", "institution_code"),
        InstitutionResult,
        _plan_results,
        lambda row: f"{row.values['institution_code']} · {row.values['year']}",
    ),
    ImportKind.INDICATOR_SCORES: _Kind(
        INDICATOR_COLUMNS,
        ("year", "institution_code", "group", "indicator_code"),
        IndicatorScore,
        _plan_indicator_scores,
        lambda row: " · ".join(
            str(row.values[name])
            for name in ("institution_code", "year", "group", "indicator_code")
        ),
    ),
}


def import_file(
    kind,
    file,
    *,
    file_name,
    actor=None,
    replace=False,
    dry_run=False,
    sheet=None,
    expected_sha256=None,
) -> ImportReport:
    """Validate a results or indicator-score file; unless `dry_run`, apply it in one transaction.

    Raises ImportRejected with every problem found (capped) when any row is invalid, when the
    file's SHA-256 differs from `expected_sha256`, or when a stored value would change and
    `replace` is false. Only columns present in the file are compared and updated. An import
    that changes nothing writes nothing (no ImportBatch either), so re-importing is idempotent.
    """
    spec = KINDS[ImportKind(kind)]
    content = file.read()
    sha256 = hashlib.sha256(content).hexdigest()
    if expected_sha256 and expected_sha256.lower() != sha256:
        message = _("has changed since it was checked; upload it again")
        raise ImportRejected([RowError(file_name, None, None, None, message)])
    try:
        table = _read_table(content, sheet)
    except _Unreadable as unreadable:
        raise ImportRejected([RowError(file_name, None, None, None, str(unreadable))]) from None
    rows, errors, context = _validated_rows(table, spec, file_name)
    report = ImportReport(
        kind=ImportKind(kind).value,
        file_name=file_name,
        sha256=sha256,
        rows_total=len(rows),
        notes=table.notes,
        dry_run=dry_run,
    )
    _fill_preview(report, table, context)
    with transaction.atomic():
        if not dry_run:
            _check_importer(actor)
        plan = spec.plan([row for row in rows if row.valid], context)
        errors += plan.errors + ([] if replace else _conflicts(plan, context))
        if errors:
            raise ImportRejected(errors)
        _fill_changes(report, plan, spec, context)
        if not dry_run and (plan.creates or plan.updates):
            report.batch = _apply(plan, spec, report, context, actor)
    return report


def _check_importer(actor):
    """A write names who made it and needs the import permission (a dry run needs neither)."""
    if actor is None:
        raise ValueError("import_file needs an actor to write: every write records who did it.")
    if not actor.has_perm("surveys.run_import"):
        raise PermissionDenied(_("Only the Inspectorate may import survey files."))


def _validated_rows(table, spec, file_name) -> tuple[list[_Row], list[RowError], _Context]:
    """Every row parsed (invalid ones flagged) and the errors so far; header errors raise."""
    positions, written, errors = _map_header(table.header, spec.columns, file_name)
    if errors:
        raise ImportRejected(errors)
    if not table.rows:
        message = _("has a header row but no data rows")
        raise ImportRejected([RowError(file_name, None, None, None, message)])
    rows, errors = _parse_rows(table, spec.columns, positions, written, file_name)
    errors += _duplicates(rows, spec.key_columns, written, file_name)
    return rows, errors, _Context(file_name, spec.columns, positions, written)


def _fill_preview(report, table, context):
    present = [i for i, name in enumerate(table.header) if name]
    report.preview_columns = [table.header[i] for i in present]
    report.preview_rows = [
        [cells[i] if i < len(cells) else "" for i in present]
        for _number, cells in table.rows[:PREVIEW_ROWS]
    ]


def _fill_changes(report, plan, spec, context):
    def created(row):
        values = tuple(
            FieldChange(context.written[c.name], None, row.values[c.name])
            for c in spec.columns
            if c.stored_as
        )
        return RowChange(row.number, spec.describe(row), values)

    report.created = [created(row) for row, _instance in plan.creates]
    report.updated = [RowChange(r.number, spec.describe(r), ch) for r, _i, ch in plan.updates]
    report.unchanged = [RowChange(r.number, spec.describe(r)) for r, _i in plan.unchanged]
    report.institutions_created = sorted(plan.new_institutions)


def _apply(plan, spec, report, context, actor) -> ImportBatch:
    batch = ImportBatch.objects.create(
        kind=report.kind,
        file_name=report.file_name[:255],
        sha256=report.sha256,
        created_by=actor,
        rows_total=report.rows_total,
        rows_created=report.created_count,
        rows_updated=report.updated_count,
        rows_unchanged=report.unchanged_count,
        outcome=ImportOutcome.APPLIED,
    )
    if plan.new_institutions:
        bulk_create_with_history(
            list(plan.new_institutions.values()), Institution, default_user=actor
        )
    created = [instance for _row, instance in plan.creates]
    for instance in created:
        instance.import_batch = batch
    bulk_create_with_history(created, spec.model, default_user=actor)
    _apply_updates(plan, spec, context, batch, actor)
    public_cache.bump()  # last: the generation row stays locked until the import commits
    return batch


def _apply_updates(plan, spec, context, batch, actor):
    updated = []
    for row, instance, _changes in plan.updates:
        for column in context.stored:
            setattr(instance, column.stored_as, row.values[column.name])
        instance.import_batch = batch
        updated.append(instance)
    if updated:
        fields = [c.stored_as for c in context.stored] + ["import_batch"]
        bulk_update_with_history(updated, spec.model, fields, default_user=actor)
