"""Institution names as a key: the same institution however a file writes it. Pure Python.

KPK writes "PEMERINTAH KABUPATEN BARITO TIMUR", a regional document "Pemkab Barito Timur" or
"Kab. Barito Timur", our own files "Kabupaten Barito Timur": all have the key
"kabupaten barito timur". Case, accents, spaces and punctuation do not count; a leading
government prefix becomes one type word (kabupaten, kota, provinsi); a trailing acronym in
brackets ("(ANRI)") is dropped. No Django here: the model, the importer and the tests share it.
"""

from __future__ import annotations

import re
import unicodedata

REGIONAL_TYPES = ("kabupaten", "kota", "provinsi")

# Leading words (already normalised) -> the type word they stand for; longest first.
_PREFIXES = {
    "pemerintah daerah kabupaten": "kabupaten",
    "pemerintah kabupaten": "kabupaten",
    "pemda kabupaten": "kabupaten",
    "pemda kab": "kabupaten",
    "pemkab": "kabupaten",
    "kabupaten": "kabupaten",
    "kab": "kabupaten",
    "pemerintah daerah kota": "kota",
    "pemerintah kota": "kota",
    "pemda kota": "kota",
    "pemkot": "kota",
    "kota": "kota",
    "pemerintah daerah provinsi": "provinsi",
    "pemerintah provinsi": "provinsi",
    "pemerintah propinsi": "provinsi",
    "pemda provinsi": "provinsi",
    "pemprov": "provinsi",
    "pemprop": "provinsi",
    "provinsi": "provinsi",
    "propinsi": "provinsi",
    "prov": "provinsi",
    "prop": "provinsi",
}
_PREFIX_WORDS = max(len(prefix.split()) for prefix in _PREFIXES)
# Spelled-out forms that files abbreviate, written as their abbreviation in the key.
_PHRASES = {
    "daerah istimewa": "di",
    "daerah khusus ibukota": "dki",
    "daerah khusus ibu kota": "dki",
    "diy": "di yogyakarta",
}
_CODE_PREFIX = {"kabupaten": "KAB", "kota": "KOTA", "provinsi": "PROV"}
_BRACKETS = re.compile(r"\([^)]*\)\s*$")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
MAX_CODE = 32


def normalise(text: str) -> str:
    """Lower case, accents off, punctuation as spaces, single letters joined ("d.i." -> "di")."""
    text = text or ""
    if not text.isascii():  # accents off (ASCII text has none: the common case, kept fast)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower()
    words = _NOT_WORD.sub(" ", text).split()
    if not any(len(word) == 1 for word in words):  # no initials to join: the common case
        text = " ".join(words)
        return _phrases(text) if "daerah" in text or "diy" in text else text
    joined: list[str] = []
    initials = False  # the last joined word is a run of single letters
    for word in words:
        single = len(word) == 1 and word.isalpha()
        if single and initials:
            joined[-1] += word
        else:
            joined.append(word)
        initials = single if not (single and initials) else True
    text = " ".join(joined)
    return _phrases(text) if "daerah" in text or "diy" in text else text


def _phrases(text: str) -> str:
    """Spelled-out phrases as their abbreviation (each phrase starts with "daerah" or "diy")."""
    for phrase, short in _PHRASES.items():
        text = re.sub(rf"\b{phrase}\b", short, text)
    return text


def split_type(name: str) -> tuple[str | None, str]:
    """(type word or None, the rest): "Pemkab Barito Timur" -> ("kabupaten", "barito timur")."""
    name = name or ""
    text = normalise((_BRACKETS.sub("", name).strip() if ")" in name else name.strip()) or name)
    if text in _PREFIXES:  # the name is a type word only
        return None, text
    words = text.split(" ", _PREFIX_WORDS)
    for count in range(min(_PREFIX_WORDS, len(words) - 1), 0, -1):  # the longest prefix first
        prefix = " ".join(words[:count])
        if prefix in _PREFIXES:
            return _PREFIXES[prefix], text[len(prefix) + 1 :]
    return None, text


def institution_key(name: str, type_hint: str | None = None) -> str:
    """The matching key of a name. A name without a type word takes `type_hint` when it is a
    regional type ("Barito Timur" of type kabupaten -> "kabupaten barito timur")."""
    kind, rest = split_type(name)
    if kind is None and type_hint in REGIONAL_TYPES and rest:
        kind = type_hint
    return f"{kind} {rest}" if kind else rest


def base_of(key: str) -> str:
    """The key without its type word: what a name that gives no type is compared with."""
    kind, _sep, rest = key.partition(" ")
    return rest if kind in REGIONAL_TYPES and rest else key


def has_type(key: str) -> bool:
    return key.partition(" ")[0] in REGIONAL_TYPES and " " in key


def type_of(key: str) -> str | None:
    """The institution type a key says: its type word, or kementerian for a ministry."""
    first = key.partition(" ")[0]
    if has_type(key):
        return first
    return "kementerian" if first == "kementerian" else None


def region_code(text: str) -> str:
    """A region code as digits: "62.13" and "6213" are the same code."""
    return re.sub(r"[\s.]", "", text or "")


def generated_code(name: str, key: str, taken) -> str:
    """A portal code for an institution no file codes: KAB-BARITO-TIMUR, BNPT, KEMEN-SOSIAL.

    Regional governments: type and name; others: the acronym in brackets when the name ends
    with one, else the name with long words shortened. At most MAX_CODE characters, cut at a
    word; `-2`, `-3`, ... when `taken` (a set of codes) already holds it.
    """
    kind, _sep, rest = key.partition(" ")
    acronym = _BRACKETS.search(name or "")
    if kind in _CODE_PREFIX and rest:
        words = [_CODE_PREFIX[kind], *rest.upper().split()]
    elif acronym and normalise(acronym.group()):
        words = normalise(acronym.group()).upper().split()
    else:
        words = [_SHORT.get(w, w) for w in key.upper().split() if w not in _SKIPPED] or ["INST"]
    code = words[0][: MAX_CODE - 3]
    for word in words[1:]:
        if len(code) + 1 + len(word) > MAX_CODE - 3:  # room for a -N suffix
            break
        code = f"{code}-{word}"
    candidate, number = code, 1
    while candidate in taken:
        number += 1
        candidate = f"{code}-{number}"
    return candidate


_SHORT = {"KEMENTERIAN": "KEMEN", "KOORDINATOR": "KOORD", "NASIONAL": "NAS", "REPUBLIK": "RI"}
_SKIPPED = {"DAN", "BIDANG", "INDONESIA"}
