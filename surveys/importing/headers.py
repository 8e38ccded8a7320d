"""Column headers as people write them, and where the header is in a sheet. Pure Python.

ALIASES is the one table of accepted headers (the import page shows it): our own names, the
Indonesian and English ones of KPK's spreadsheets, regional documents and our open data. A header
is compared normalised (case, accents, spaces and punctuation do not count), so "Indeks SPI",
"indeks_spi" and "INDEKS  SPI." are one.

`locate` finds the header in the first rows of a sheet: the row naming the most known columns,
below any title rows and blank rows. A two-row header (merged cells: "Nilai" over "Internal",
"Eksternal", "Eksper") is read as one; numbering rows under it ("(1)", "(2)", ...) are skipped,
and notes under the table (a row with one text cell, such as "Sumber: KPK") are left out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# canonical column -> the headers accepted for it (besides the canonical name itself)
ALIASES: dict[str, tuple[str, ...]] = {
    "year": ("tahun", "tahun spi", "tahun survei", "periode", "survey year"),
    "institution_code": (
        "kode_instansi",
        "kpk_code",
        "kode kpk",
        "kode",
        "code",
        "institution code",
    ),
    "region_code": (
        "kode_wilayah",
        "kode wilayah kemendagri",
        "kode daerah",
        "kode kemendagri",
        "kode pemda",
        "region code",
    ),
    "institution_name": (
        "nama_instansi",
        "institution",
        "instansi",
        "nama",
        "name",
        "nama k/l/pd",
        "k/l/pd",
        "nama pemda",
        "pemerintah daerah",
        "nama lembaga",
        "institution name",
    ),
    "institution_type": ("jenis_instansi", "jenis", "tipe", "type", "institution type"),
    "province": ("provinsi", "propinsi", "province"),
    "internal": ("nilai internal", "skor internal", "internal score", "responden internal"),
    "external": (
        "eksternal",
        "nilai eksternal",
        "skor eksternal",
        "external score",
        "responden eksternal",
    ),
    "expert": ("eksper", "ahli", "pakar", "nilai eksper", "nilai ahli", "expert score"),
    "correction_integrity": (
        "koreksi_integritas",
        "koreksi integritas",
        "integrity correction",
        "pengurang integritas",
    ),
    "correction_prevalence": (
        "koreksi_prevalensi",
        "koreksi prevalensi",
        "prevalence correction",
        "pengurang prevalensi",
    ),
    "published_index": (
        "indeks",
        "index",
        "indeks spi",
        "indeks integritas",
        "nilai spi",
        "nilai indeks",
        "skor spi",
        "spi index",
        "integrity index",
        "nilai akhir",
    ),
    "group": ("kelompok", "respondent_group", "kelompok responden", "respondent group"),
    "indicator_code": ("kode_indikator", "dimension_code", "kode dimensi", "indicator"),
    "score": ("nilai", "skor", "nilai indikator"),
    "respondents": ("responden", "jumlah responden", "number of respondents"),
}

# Headers of columns the portal works out itself or that only number rows: read, then left out.
IGNORED = (
    "no",
    "nomor",
    "no urut",
    "peringkat",
    "rank",
    "ranking",
    "kategori",
    "category",
    "predikat",
    "keterangan",
    "computed_index",
    "difference",
    "category_id",
    "category_en",
    "is_home",
    "dimension_name_id",
    "dimension_name_en",
    "parent_code",
    "is_illustrative",
)

SEARCHED_ROWS = 30  # the header is looked for in this many rows from the top
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_NUMBERING = re.compile(r"^\(?\d{1,2}\)?$")


def normalise(name: str) -> str:
    """A header for comparison: "Indeks SPI " and "indeks_spi" are both "indeks_spi"."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return _NOT_WORD.sub("_", text).strip("_")


def alias_table(columns) -> dict[str, str]:
    """Normalised header -> canonical name, for the columns of one kind."""
    table = {}
    for column in columns:
        for written in (column, *ALIASES.get(column, ())):
            table.setdefault(normalise(written), column)
    return table


IGNORED_KEYS = frozenset(normalise(name) for name in IGNORED)


@dataclass
class Located:
    """Where the table is: header row(s) as spreadsheet row numbers, header cells, data rows."""

    header_row: int  # 1-based row of the (last) header row
    header: list[str]
    first_row: int  # 1-based row of the first header row (the same unless two rows)
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    notes_from: int | None = None  # 1-based row where notes under the table start


def _known(cells, aliases) -> int:
    return sum(1 for cell in cells if normalise(cell) in aliases)


def locate(cells: list[list[str]], aliases: dict[str, str]) -> Located:
    """The header row (the top row naming the most known columns), a second header row if the
    cells under it complete it, and the data rows below without numbering rows and notes."""
    searched = cells[:SEARCHED_ROWS]
    scores = [_known(row, aliases) for row in searched]
    best = max(range(len(searched)), key=lambda i: (scores[i], -i), default=0)
    if not searched or scores[best] == 0:
        best = next((i for i, row in enumerate(cells) if any(c.strip() for c in row)), 0)
    header = [cell.strip() for cell in cells[best]] if cells else []
    first = best
    combined = _two_row_header(header, cells[best + 1] if best + 1 < len(cells) else [], aliases)
    if combined is not None:
        header, best = combined, best + 1
    body = [
        (number, [cell.strip() for cell in row])
        for number, row in enumerate(cells[best + 1 :], start=best + 2)
        if any(cell.strip() for cell in row) and not _numbering(row)
    ]
    rows, notes_from = _without_notes(body)
    return Located(best + 1, header, first + 1, rows, notes_from)


def _two_row_header(top, below, aliases):
    """The header of a merged two-row header, or None: the row below names columns (alone or
    with the merged cell above it, "Nilai" + "Internal") and holds no numbers."""
    below = [cell.strip() for cell in below] + [""] * (len(top) - len(below))
    if not any(below) or any(_looks_numeric(cell) for cell in below if cell):
        return None
    filled, last = [], ""
    for position, cell in enumerate(top + [""] * (len(below) - len(top))):
        if cell:
            last = cell
        filled.append(cell or (last if below[position] else ""))
    combined = []
    for upper, lower in zip(filled, below, strict=True):
        candidates = [f"{upper} {lower}".strip(), lower, upper] if lower else [upper]
        known = next((c for c in candidates if normalise(c) in aliases), None)
        combined.append(known or candidates[0])
    if _known(combined, aliases) <= _known(top, aliases):
        return None
    return combined


def _looks_numeric(cell: str) -> bool:
    return bool(re.fullmatch(r"[+-]?[\d.,\s]+", cell)) and not _NUMBERING.match(cell)


def _numbering(row) -> bool:
    """A row that only numbers the columns: (1) (2) (3) ... or 1 2 3 ..."""
    values = [cell.strip() for cell in row if cell.strip()]
    if len(values) < 3 or not all(_NUMBERING.match(v) for v in values):
        return False
    numbers = [int(v.strip("()")) for v in values]
    return numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def _without_notes(body):
    """Rows with one text cell after the last row with several cells are notes, not data."""
    last_data = max(
        (i for i, (_n, row) in enumerate(body) if sum(1 for c in row if c) > 1), default=-1
    )
    tail = body[last_data + 1 :]
    if tail and all(sum(1 for c in row if c) == 1 for _n, row in tail):
        return body[: last_data + 1], tail[0][0]
    return body, None
