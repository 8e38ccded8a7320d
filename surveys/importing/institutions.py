"""Which institution a results row is about: by code, by region code, else by name.

The order: the portal code when the file gives a known one; the Kemendagri region code when
present and known (a region code is the key: it wins over the name); else the normalised name
(surveys/institution_names.py), against the institutions already known and those the same file
creates. A name that fits several institutions, or none when the file may not create
institutions, is a row error. Everything known is read in a constant number of queries.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from surveys import institution_names as names
from surveys.importing import bulk
from surveys.models import Institution, InstitutionType


@dataclass(slots=True)
class NewInstitution:
    """An institution the file makes, not saved yet: the model's fields, without the cost of a
    model object (a national file makes 65,000)."""

    kpk_code: str
    name: str
    name_key: str
    type: str
    province: str
    region_code: str
    is_home: bool = False
    pk: None = None

    def as_model(self) -> Institution:
        fields = ("kpk_code", "name", "name_key", "type", "province", "region_code", "is_home")
        return Institution(**{name: getattr(self, name) for name in fields})


@dataclass
class Match:
    institution: Institution | NewInstitution | None
    error: str | None = None
    column: str | None = None  # the column the error is about


@dataclass
class _New:
    institution: NewInstitution
    year: int  # the latest round the file shows it in: its attributes come from that row


@dataclass
class Matcher:
    """Known institutions for a file's rows, and the new ones the file makes, by every key."""

    create: bool
    by_code: dict[str, Institution] = field(default_factory=dict)
    by_region: dict[str, Institution] = field(default_factory=dict)
    by_key: dict[str, list[Institution]] = field(default_factory=dict)
    by_base: dict[str, list[Institution]] = field(default_factory=dict)
    taken_codes: set[str] = field(default_factory=set)
    new: dict[str, _New] = field(default_factory=dict)  # name key -> new uncoded institution
    created: list[NewInstitution] = field(default_factory=list)
    filled: dict[int, Institution] = field(default_factory=dict)  # known ones given a region code
    provinces: dict[str, str] = field(default_factory=dict)  # normalised -> as the file writes it

    @classmethod
    def for_rows(cls, rows, *, create: bool) -> Matcher:
        matcher = cls(create=create)
        codes = {r.values.get("institution_code") for r in rows} - {None, ""}
        regions = {r.values.get("region_code") for r in rows} - {None, ""}
        # Only a row without a code is matched by name (a coded one: by code or region code).
        keys = {_key(r) for r in rows if not r.values.get("institution_code")} - {""}
        wanted = set(keys)
        for key in keys:
            if not names.has_type(key):  # "Barito Timur": any type of that name
                wanted.update(f"{kind} {key}" for kind in names.REGIONAL_TYPES)
        known = Institution.objects.filter(
            bulk.among("kpk_code", codes)
            | bulk.among("region_code", regions)
            | bulk.among("name_key", wanted)
        )
        for institution in known:
            matcher._know(institution)
        seen = set()
        for row in rows:
            province = row.values.get("province")
            if province:
                if province not in seen:
                    seen.add(province)
                    matcher.provinces.setdefault(names.normalise(province), province)
        if any(not r.values.get("institution_code") for r in rows):
            matcher.taken_codes = set(Institution.objects.values_list("kpk_code", flat=True))
        return matcher

    def _know(self, institution):
        self.by_code[institution.kpk_code] = institution
        if institution.region_code:
            self.by_region[institution.region_code] = institution
        key = institution.name_key or names.institution_key(institution.name, institution.type)
        self.by_key.setdefault(key, []).append(institution)
        self.by_base.setdefault(names.base_of(key), []).append(institution)

    def match(self, row) -> Match:
        code = row.values.get("institution_code")
        region = row.values.get("region_code")
        if code and code in self.by_code:
            return Match(self.by_code[code])
        if region and region in self.by_region:
            return Match(self.by_region[region])
        if code:  # a code the portal does not know: a new institution, as the file says
            return self._new(row)
        if not row.values.get("institution_name"):
            message = _("is empty: a row names its institution by code, region code or name")
            return Match(None, message, "institution_name")
        found = self._by_name(row)
        if found.institution is not None or found.error:
            return found
        return self._new(row)

    def _by_name(self, row) -> Match:
        key = _key(row)
        candidates = self.by_key.get(key, [])
        if not candidates and not names.has_type(key):
            candidates = self.by_base.get(key, [])
        if len(candidates) > 1:
            listed = "; ".join(f"{i.name} ({i.kpk_code})" for i in candidates[:5])
            message = _("fits several institutions (%(names)s): give its code or region code")
            return Match(None, message % {"names": listed}, "institution_name")
        if candidates:
            institution = candidates[0]
            region = row.values.get("region_code")
            if region and not institution.region_code and institution.pk:
                institution.region_code = region  # a region code found for a known name
                self.by_region[region] = institution
                self.filled[institution.pk] = institution
            return Match(institution)
        if key in self.new:
            self._update_new(self.new[key], row)
            return Match(self.new[key].institution)
        return Match(None)

    def _new(self, row) -> Match:
        code = row.values.get("institution_code")
        name = row.values.get("institution_name")
        if not name:
            subject = code or row.values.get("region_code")
            message = _("is empty; %(code)s is a new institution, so its name is needed")
            return Match(None, message % {"code": subject}, "institution_name")
        if not code and not self.create:
            message = _(
                "is not a known institution (no institution of this name or region code; "
                "check the spelling, or import with new institutions allowed)"
            )
            return Match(None, message, "institution_name")
        key = _key(row)
        kind = row.values.get("institution_type") or names.type_of(key) or InstitutionType.OTHER
        code = code or names.generated_code(name, key, self.taken_codes)
        self.taken_codes.add(code)
        institution = NewInstitution(
            kpk_code=code,
            name=name,
            name_key=key,
            type=kind,
            province=row.values.get("province") or self._own_province(kind, key),
            region_code=row.values.get("region_code") or "",
        )
        self.created.append(institution)
        if not row.values.get("institution_code"):
            self.new[key] = _New(institution, row.values.get("year") or 0)
        self.by_code[code] = institution
        if institution.region_code:
            self.by_region[institution.region_code] = institution
        return Match(institution)

    def _own_province(self, kind, key) -> str:
        """A province government is in its own province: "PEMERINTAH PROVINSI KALIMANTAN TENGAH"
        is in Kalimantan Tengah, written as the file's other rows write it (when they do)."""
        if kind != InstitutionType.PROVINCE:
            return ""
        base = names.base_of(key)
        for candidate in (base, base.removeprefix("di ").removeprefix("dki ")):
            if candidate in self.provinces:
                return self.provinces[candidate]
        return ""

    def _update_new(self, new: _New, row):
        """A new institution takes the region code and province of the latest round it is in:
        a regency moved to a new province stays one institution (Asmat: Papua, 9118, until
        2022; Papua Selatan, 9304, since)."""
        year = row.values.get("year") or 0
        if year < new.year:
            return
        new.year = year
        institution = new.institution
        region = row.values.get("region_code")
        if region and region != institution.region_code and region not in self.by_region:
            self.by_region.pop(institution.region_code, None)
            institution.region_code = region
            self.by_region[region] = institution
        if row.values.get("province"):
            institution.province = row.values["province"]


def _key(row) -> str:
    name = row.values.get("institution_name") or ""
    return _institution_key(name, row.values.get("institution_type")) if name else ""


@functools.lru_cache(maxsize=1 << 17)
def _institution_key(name: str, type_hint: str | None) -> str:
    """names.institution_key, once per distinct (name, type): a national file names each
    institution once per round."""
    return names.institution_key(name, type_hint)
