"""The columns of a respondent-level export, and what their cells may say.

A header names the OPD column, the group column or an item: by the item's code (also inside a
KoboToolbox/ODK group path such as `grp_trn/I01` or `grp_trn-I01`, or LimeSurvey's `[I01]` and
`I01. Question text`), or by its question text (Google Forms). Any other header is left out and
listed. Cells are read through small dicts over a column's distinct values (an OPD's code or
name, a group's many names, an answer's number or label), so a million rows cost a few hundred
lookups. Everything compares by `key`: case, accents, spaces and punctuation do not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from surveys.importing.headers import normalise
from surveys.models import RespondentGroup

from .answer_codec import LARGEST

OPD_HEADERS = (
    "opd",
    "opd code",
    "kode opd",
    "nama opd",
    "opd anda",
    "asal opd",
    "unit kerja",
    "kode unit kerja",
    "nama unit kerja",
    "unit kerja anda",
    "perangkat daerah",
    "nama perangkat daerah",
    "organisasi perangkat daerah",
    "satuan kerja",
    "satker",
    "skpd",
    "unit",
)
GROUP_HEADERS = (
    "group",
    "respondent group",
    "kelompok",
    "kelompok responden",
    "jenis responden",
    "kategori responden",
    "status responden",
    "responden",
)
GROUP_NAMES = {
    RespondentGroup.INTERNAL: (
        "internal",
        "intern",
        "internal asn",
        "internal pegawai",
        "responden internal",
        "pegawai",
        "pegawai internal",
        "asn",
        "pegawai asn",
        "staff",
        "employee",
    ),
    RespondentGroup.EXTERNAL: (
        "external",
        "eksternal",
        "ekstern",
        "responden eksternal",
        "pengguna layanan",
        "eksternal pengguna layanan",
        "external service user",
        "pengguna",
        "masyarakat",
        "masyarakat pengguna layanan",
        "service user",
        "service users",
        "public",
    ),
    RespondentGroup.EXPERT: (
        "expert",
        "eksper",
        "ekspert",
        "ahli",
        "eksper ahli",
        "expert ahli",
        "responden ahli",
        "pakar",
        "narasumber ahli",
        "experts",
    ),
}
GROUPS = tuple(RespondentGroup.values)  # a group's index in the arrays of the import

# headers only a tool writes: they tell which tool made the file
TOOL_HEADERS = {
    "kobo": ("_uuid", "_submission_time", "_validation_status", "_submitted_by", "__version__"),
    "odk": ("SubmissionDate", "KEY", "meta-instanceID", "SubmitterID", "ReviewState"),
    "limesurvey": ("submitdate", "lastpage", "startlanguage", "seed", "datestamp"),
    "google-forms": ("Timestamp", "Stempel waktu", "Cap waktu", "Email Address", "Alamat email"),
}

_BRACKETS = re.compile(r"\[([^\]]+)\]")
_LEADING_CODE = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)\s*[.:)]\s*\S")
_WHOLE = re.compile(r"^[+-]?\d+(?:[.,]0*)?$")
_NUMBER_AND_LABEL = re.compile(r"^\(?(\d+)\)?\s*[-.:)=]\s*(\S.*)$")


def key(text) -> str:
    """Text for comparison: "Sangat setuju", "sangat_setuju" and "SANGAT SETUJU." are one."""
    return normalise(str(text)).replace("_", "")


@dataclass
class Layout:
    """What the header says: the positions of the OPD and group columns and of each item, and the
    headers left out."""

    header_row: int
    header: list[str]
    opd: int | None = None
    group: int | None = None
    items: dict = field(default_factory=dict)  # position -> Item
    ignored: list[str] = field(default_factory=list)
    by_text: int = 0  # items found by their question text (a Google Forms export)
    by_path: int = 0  # items found inside a group path (KoboToolbox, ODK)

    def written(self, position) -> str:
        return self.header[position] if position is not None else ""


class Headers:
    """Recognises the headers of a questionnaire's export."""

    def __init__(self, items):
        self.codes = {key(item.code): item for item in items}
        wordings = {}
        for item in items:
            for text in (item.wording_id, item.wording_en):
                wordings.setdefault(key(text), []).append(item)
        self.wordings = {k: found[0] for k, found in wordings.items() if len(found) == 1}
        self.roles = {key(name): "opd" for name in OPD_HEADERS}
        self.roles.update({key(name): "group" for name in GROUP_HEADERS})

    def match(self, cell) -> tuple[object, str] | None:
        """(\"opd\" | \"group\" | an Item, how it was found: code, path or text), or None."""
        text = str(cell or "").strip().rstrip("*").strip()
        if not text:
            return None
        found = self._plain(text, "code")
        for candidate, how in self._parts(text):
            found = found or self._plain(candidate, how)
        return found

    def _plain(self, text, how):
        k = key(text)
        if k in self.roles:
            return self.roles[k], how
        if k in self.codes:
            return self.codes[k], how
        if k in self.wordings:
            return self.wordings[k], "text"
        return None

    def _parts(self, text):
        for separator in ("/", "-", ":"):
            if separator in text and " " not in text:
                yield text.rsplit(separator, 1)[1], "path"
        for inside in reversed(_BRACKETS.findall(text)):
            yield inside, "code"
        if _BRACKETS.search(text):
            yield _BRACKETS.sub("", text), "code"
        leading = _LEADING_CODE.match(text)
        if leading and key(leading.group(1)) in self.codes:
            yield leading.group(1), "code"

    def recognised(self, cells) -> int:
        return sum(1 for cell in cells if self.match(cell) is not None)


def source_format(header, layout: Layout) -> str:
    """The tool that made the file, guessed from its header: kobo, odk, limesurvey,
    google-forms or plain."""
    keys = {key(cell) for cell in header}
    for tool, marks in TOOL_HEADERS.items():
        if keys & {key(mark) for mark in marks}:
            return tool
    if layout.by_path:
        return "kobo" if any("/" in cell for cell in header) else "odk"
    if any(_BRACKETS.search(str(cell)) for cell in header):
        return "limesurvey"
    return "google-forms" if layout.by_text else "plain"


def opd_lookup(opds) -> dict[str, int]:
    """key -> index in `opds`: each OPD by its code, and by its name and short name where no
    other OPD shares them (a code wins over a name)."""
    by_name: dict[str, set[int]] = {}
    for index, opd in enumerate(opds):
        for name in (opd.name, opd.short_name):
            if name:
                by_name.setdefault(key(name), set()).add(index)
    lookup = {k: found.pop() for k, found in by_name.items() if len(found) == 1}
    lookup.update({key(opd.code): index for index, opd in enumerate(opds)})
    return lookup


def group_lookup() -> dict[str, int]:
    """key -> index in GROUPS, every accepted name of each group (its labels in both languages
    included, see `group_labels`)."""
    lookup = {}
    for group, names in GROUP_NAMES.items():
        for name in names:
            lookup[key(name)] = GROUPS.index(group)
    return lookup


def group_labels(labels_by_language) -> dict[str, int]:
    """The groups' display labels (as the web form shows them) as accepted names."""
    return {
        key(label): GROUPS.index(group)
        for labels in labels_by_language
        for group, label in labels.items()
    }


@dataclass(frozen=True)
class Scale:
    """What an item's cells may say: the values it accepts and its labels."""

    allowed: frozenset
    labels: dict  # key -> value

    @classmethod
    def of(cls, item) -> Scale:
        values = set(range(item.scale_min, item.scale_max + 1)) | set(item.dont_know_values)
        allowed = frozenset(value for value in values if 0 <= value <= LARGEST)
        labels = {}
        for label in item.scale_labels:
            for text in (label.get("label_id"), label.get("label_en")):
                if text and label.get("value") in allowed:
                    labels.setdefault(key(text), label["value"])
        return cls(allowed, labels)

    def value(self, text) -> int | None:
        """The answer a cell's text stands for, or None when the item has no such answer."""
        text = str(text).strip()
        if _WHOLE.match(text):
            number = int(re.split(r"[.,]", text)[0])
            return number if number in self.allowed else None
        labelled = self.labels.get(key(text))
        if labelled is not None:
            return labelled
        both = _NUMBER_AND_LABEL.match(text)
        if both and self.labels.get(key(both.group(2))) == int(both.group(1)):
            return int(both.group(1))
        return None

    def expected(self, item) -> tuple[str, str]:
        """The accepted answers for an error message: the values ("1–4, 9") and a label."""
        values = [f"{item.scale_min}–{item.scale_max}"]
        values += [str(value) for value in sorted(set(item.dont_know_values))]
        labels = [label.get("label_id") for label in item.scale_labels if label.get("label_id")]
        return ", ".join(values), (labels[-2] if len(labels) > 1 else "".join(labels))
