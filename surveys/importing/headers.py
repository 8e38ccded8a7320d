"""Column headers as people write them, and where the header is in a sheet. Pure Python.

ALIASES is the one table of accepted headers (the import page shows it): our own names, the
Indonesian and English ones of KPK's spreadsheets, regional documents and our open data. A header
is compared normalised (case, accents, spaces and punctuation do not count), so "Indeks SPI",
"indeks_spi" and "INDEKS  SPI." are one.

`find` finds the header in the first rows of a sheet: the row naming the most known columns,
below any title rows and blank rows. A two-row header (merged cells: "Nilai" over "Internal",
"Eksternal", "Eksper") is read as one; numbering rows under it ("(1)", "(2)", ...) are skipped,
and notes under the table (a row with one text cell, such as "Sumber: KPK") are left out.
"""

from __future__ import annotations

import re
import unicodedata

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


def _known(cells, aliases) -> int:
    return sum(1 for cell in cells if normalise(cell) in aliases)


def find(top: list[list[str]], aliases: dict[str, str]) -> tuple[int, list[str], bool]:
    """(position in `top` of the first header row, header cells, two rows?): the top row naming
    the most known columns, read together with the row above or below it when the two make a
    merged header ("Nilai" over "Internal"). Rows naming no known column: the first row."""
    if not top:
        return 0, [], False
    scores = [_known(row, aliases) for row in top]
    best = max(range(len(top)), key=lambda i: (scores[i], -i))
    if scores[best] == 0:
        return 0, list(top[0]), False
    choices = [(scores[best], best, list(top[best]), False)]
    for upper in (best - 1, best):
        if 0 <= upper and upper + 1 < len(top):
            combined = _two_row_header(list(top[upper]), list(top[upper + 1]), aliases)
            if combined is not None:
                choices.append((_known(combined, aliases), upper, combined, True))
    _score, position, header, two_rows = max(choices, key=lambda c: (c[0], c[3], -c[1]))
    return position, header, two_rows


def _two_row_header(top, below, aliases):
    """The header of a merged two-row header, or None: the row below names columns (alone or
    with the merged cell above it, "Nilai" + "Internal") and holds no numbers."""
    width = max(len(top), len(below))
    top = top + [""] * (width - len(top))
    below = below + [""] * (width - len(below))
    if not any(below) or any(_looks_numeric(cell) for cell in below if cell):
        return None
    filled, last = [], ""
    for upper, lower in zip(top, below, strict=True):
        if upper:
            last = upper
        filled.append(upper or (last if lower else ""))
    combined = []
    for upper, lower in zip(filled, below, strict=True):
        candidates = [f"{upper} {lower}".strip(), lower, upper] if lower else [upper]
        known = next((c for c in candidates if normalise(c) in aliases), None)
        combined.append(known or candidates[0])
    if _known(combined, aliases) <= max(_known(top, aliases), _known(below, aliases)):
        return None
    return combined


def _looks_numeric(cell: str) -> bool:
    return bool(re.fullmatch(r"[+-]?[\d.,\s]+", cell)) and not _NUMBERING.match(cell)


def is_numbering(cells) -> bool:
    """A row that only numbers the columns: (1) (2) (3) ... or 1 2 3 ..."""
    values = [cell.strip() for cell in cells if cell.strip()]
    if len(values) < 3 or not all(_NUMBERING.match(v) for v in values):
        return False
    numbers = [int(v.strip("()")) for v in values]
    return numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def notes_start(filled_counts: list[int]) -> int | None:
    """Where notes under the table begin, given the number of filled cells of each data row:
    the rows with one filled cell after the last row with several. None: no notes."""
    position = len(filled_counts)
    while position > 0 and filled_counts[position - 1] == 1:
        position -= 1
    if position == len(filled_counts) or position == 0:
        return None
    return position


def guide(kinds: dict[str, list[str]]) -> list[dict]:
    """The alias table for people: per column, the kinds that read it and every header accepted
    for it (the import page shows it). `kinds`: kind label -> its canonical column names."""
    rows = []
    for column, aliases in ALIASES.items():
        used_by = [label for label, names in kinds.items() if column in names]
        if used_by:
            rows.append({"column": column, "kinds": used_by, "aliases": aliases})
    return rows
