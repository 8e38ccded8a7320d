"""Reads for the national explorer: KPK's published per-institution results, published rounds only.

A round's rows are read in one query (values only, no model objects) and scored with the
scoring engine: the recomputed index is `scoring.raw_index` rounded half away from zero, and the
category of a row is the band of its headline index (KPK's published index when present, else
the recomputed one) among the round's own bands. Search, filters, sort and paging then run over
those rows in Python, so a page costs the same few queries whatever the number of institutions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from spi_portal import trend_svg
from surveys import public_cache, scoring
from surveys import selectors as survey_selectors
from surveys.institution_names import institution_key
from surveys.models import Institution, InstitutionResult, InstitutionType, SurveyRound

PAGE_SIZE = 50
CACHE_SECONDS = 6 * 3600
MAX_COMPARED = 10
SORT_KEYS = ("index", "internal", "external", "expert", "name")
DEFAULT_SORT = "-index"
REGIONAL_TYPES = (InstitutionType.PROVINCE, InstitutionType.REGENCY, InstitutionType.CITY)
LOCAL_TYPES = (InstitutionType.REGENCY, InstitutionType.CITY)
VALUE_FIELDS = (
    "institution_id",
    "institution__name",
    "institution__kpk_code",
    "institution__type",
    "institution__province",
    "institution__region_code",
    "institution__name_key",
    "internal",
    "external",
    "expert",
    "correction_integrity",
    "correction_prevalence",
    "published_index",
)
EXPORT_COLUMNS = (
    "year",
    "institution_code",
    "region_code",
    "institution_name",
    "institution_type",
    "province",
    "internal",
    "external",
    "expert",
    "correction_integrity",
    "correction_prevalence",
    "published_index",
    "computed_index",
    "index",
    "category",
)
WORD = re.compile(r"[^\w]+")


@dataclass
class Row:
    """One institution's published result in one round, scored."""

    year: int
    institution_id: int
    name: str
    code: str
    type: str
    province: str
    region_code: str
    internal: Decimal
    external: Decimal
    expert: Decimal
    correction_integrity: Decimal
    correction_prevalence: Decimal
    published_index: Decimal | None
    computed_index: Decimal
    index: Decimal
    band: scoring.Band
    band_number: int
    search_text: str = field(repr=False, default="")

    @property
    def type_label(self) -> str:
        return InstitutionType(self.type).label if self.type in InstitutionType.values else ""

    @property
    def difference(self) -> Decimal | None:
        if self.published_index is None:
            return None
        return self.published_index - self.computed_index

    def export_values(self, language: str) -> list:
        return [
            self.year,
            self.code,
            self.region_code,
            self.name,
            self.type,
            self.province,
            self.internal,
            self.external,
            self.expert,
            self.correction_integrity,
            self.correction_prevalence,
            self.published_index,
            self.computed_index,
            self.index,
            self.band.label_en if language == "en" else self.band.label_id,
        ]


def normalised(text: str) -> str:
    """Lower case, punctuation as spaces, single spaces: what a search is matched against."""
    return " ".join(WORD.sub(" ", text.casefold()).split())


def published_rounds() -> list[SurveyRound]:
    """Published rounds with their bands, oldest first (two queries)."""
    return list(SurveyRound.objects.published().prefetch_related("bands").order_by("year"))


def chosen_round(rounds: list[SurveyRound], text: str) -> SurveyRound | None:
    """The published round of the `year` parameter, the latest when absent; 404 otherwise."""
    if not rounds:
        return None
    if not text:
        return rounds[-1]
    if text.isdecimal():
        for survey_round in rounds:
            if survey_round.year == int(text):
                return survey_round
    raise Http404("No published round for this year.")


def _scored(values, survey_round: SurveyRound, methodology: scoring.Methodology) -> Row:
    (
        pk,
        name,
        code,
        kind,
        province,
        region,
        key,
        internal,
        external,
        expert,
        integrity,
        prevalence,
        published,
    ) = values
    scores = scoring.GroupScores(internal, external, expert, integrity, prevalence, published)
    computed = scoring.round_half_away(scoring.raw_index(scores, methodology))
    index = published if published is not None else computed
    band = methodology.band_for(index)
    return Row(
        year=survey_round.year,
        institution_id=pk,
        name=name,
        code=code,
        type=kind,
        province=province,
        region_code=region,
        internal=internal,
        external=external,
        expert=expert,
        correction_integrity=integrity,
        correction_prevalence=prevalence,
        published_index=published,
        computed_index=computed,
        index=index,
        band=band,
        band_number=methodology.bands.index(band) + 1,
        search_text=f"{normalised(name)} | {key} | {region}",
    )


def _published_results(rounds):
    return InstitutionResult.objects.filter(
        round__in=rounds, round__status="published", is_published=True
    )


def rows_of(rounds: list[SurveyRound], results=None) -> list[Row]:
    """Every published result of `rounds` (optionally narrowed), scored: one query."""
    by_pk = {r.pk: r for r in rounds}
    methodologies = {r.pk: survey_selectors.methodology_for(r) for r in rounds}
    results = _published_results(rounds) if results is None else results
    rows = []
    for values in results.values_list("round_id", *VALUE_FIELDS):
        round_id, *rest = values
        rows.append(_scored(rest, by_pk[round_id], methodologies[round_id]))
    return rows


# --- the query string --------------------------------------------------------------------------


@dataclass
class Query:
    """What a list or province view was asked for; every field comes from the URL."""

    year: str = ""
    q: str = ""
    type: str = ""
    province: str = ""
    category: int | None = None
    sort: str = DEFAULT_SORT
    page: str = "1"

    @classmethod
    def from_get(cls, data) -> Query:
        kind = data.get("type", "")
        category = data.get("category", "")
        sort = data.get("sort", "") or DEFAULT_SORT
        return cls(
            year=data.get("year", "")[:8],
            q=data.get("q", "")[:100].strip(),
            type=kind if kind in InstitutionType.values else "",
            province=data.get("province", "")[:100].strip(),
            category=int(category) if category.isdecimal() and len(category) < 3 else None,
            sort=sort if sort.lstrip("-") in SORT_KEYS else DEFAULT_SORT,
            page=data.get("page", "1")[:8],
        )

    def params(self, **changes) -> dict:
        values = {
            "q": self.q,
            "type": self.type,
            "province": self.province,
            "category": "" if self.category is None else str(self.category),
            "sort": "" if self.sort == DEFAULT_SORT else self.sort,
            "year": self.year,
            "page": "" if self.page == "1" else self.page,
        }
        values.update(changes)
        return {key: value for key, value in values.items() if value not in ("", None)}

    def url(self, **changes) -> str:
        params = self.params(**changes)
        return "?" + urlencode(params) if params else "?"


def matches(row: Row, words: list[str], key: str) -> bool:
    """Every word of the search in the name (or its key or region code), or the search's own
    name key in the row's: "Pemkab Barito" finds "PEMERINTAH KABUPATEN BARITO TIMUR"."""
    return all(word in row.search_text for word in words) or (bool(key) and key in row.search_text)


def filtered(rows: list[Row], query: Query) -> list[Row]:
    words = normalised(query.q).split()
    key = institution_key(query.q) if query.q else ""
    kept = [
        row
        for row in rows
        if matches(row, words, key)
        and (not query.type or row.type == query.type)
        and (not query.province or row.province == query.province)
        and (query.category is None or row.band_number == query.category)
    ]
    return sort_rows(kept, query.sort)


def sort_rows(rows: list[Row], sort: str) -> list[Row]:
    key, descending = sort.lstrip("-"), sort.startswith("-")
    rows = sorted(rows, key=lambda row: (row.search_text, row.institution_id))
    if key == "name":
        return list(reversed(rows)) if descending else rows
    return sorted(rows, key=lambda row: getattr(row, key), reverse=descending)


def sort_choices() -> list[tuple[str, str]]:
    """The sort menu of the filter form (the column links do the same on wide screens)."""
    return [
        ("-index", _("Index, highest first")),
        ("index", _("Index, lowest first")),
        ("-internal", _("Internal, highest first")),
        ("internal", _("Internal, lowest first")),
        ("-external", _("External, highest first")),
        ("external", _("External, lowest first")),
        ("-expert", _("Expert, highest first")),
        ("expert", _("Expert, lowest first")),
        ("name", _("Name, A to Z")),
        ("-name", _("Name, Z to A")),
    ]


def sort_links(query: Query) -> dict:
    """Per sortable column: the link that sorts by it (descending first, then ascending) and
    the column's current direction for aria-sort."""
    links = {}
    for key in SORT_KEYS:
        current = query.sort.lstrip("-") == key
        descending = query.sort.startswith("-")
        first = key if key == "name" else f"-{key}"
        if current:
            target = key if descending else f"-{key}"
        else:
            target = first
        links[key] = {
            "url": query.url(sort="" if target == DEFAULT_SORT else target, page=""),
            "aria": ("descending" if descending else "ascending") if current else "",
        }
    return links


def _choices(rows: list[Row]) -> dict:
    types = sorted({row.type for row in rows})
    return {
        "types": [(t, InstitutionType(t).label) for t in types if t in InstitutionType.values],
        "provinces": sorted({row.province for row in rows if row.province}),
    }


def _base(data) -> tuple[Query, list[SurveyRound], SurveyRound | None]:
    query = Query.from_get(data)
    rounds = published_rounds()
    return query, rounds, chosen_round(rounds, query.year)


def round_rows(survey_round: SurveyRound) -> list[Row]:
    """A round's scored rows, computed once per publication generation (one query to read the
    generation on a hit; every import, publication and admin edit moves it)."""
    key = f"national:{public_cache.generation()}:rows:{survey_round.pk}:{survey_round.year}"
    rows = cache.get(key)
    if rows is None:
        rows = rows_of([survey_round])
        cache.set(key, rows, CACHE_SECONDS)
    return rows


def explorer_list(data) -> dict:
    """The list page: a round's institutions searched, filtered, sorted and one page of them."""
    query, rounds, survey_round = _base(data)
    context = {"query": query, "rounds": rounds, "round": survey_round}
    if survey_round is None:
        return context
    methodology = survey_selectors.methodology_for(survey_round)
    all_rows = round_rows(survey_round)
    rows = filtered(all_rows, query)
    page = Paginator(rows, PAGE_SIZE).get_page(query.page)
    context.update(
        bands=list(enumerate(methodology.bands, start=1)),
        band_rows=survey_selectors.band_rows(methodology),
        rows=rows,
        page=page,
        total=len(all_rows),
        sort_links=sort_links(query),
        sort_choices=sort_choices(),
        page_links=_page_links(query, page),
        export_csv=query.url(format="csv", page=""),
        export_xlsx=query.url(format="xlsx", page=""),
        **_choices(all_rows),
    )
    return context


def _page_links(query: Query, page) -> dict:
    links = {}
    if page.has_previous():
        links["previous"] = query.url(page=str(page.previous_page_number()))
        links["first"] = query.url(page="")
    if page.has_next():
        links["next"] = query.url(page=str(page.next_page_number()))
        links["last"] = query.url(page=str(page.paginator.num_pages))
    return links


# --- one institution ---------------------------------------------------------------------------


def institution_page(pk: int) -> dict:
    """One institution: its groups, corrections, published and recomputed index and category per
    published round, and its trend."""
    institution = get_object_or_404(Institution, pk=pk)
    rounds = published_rounds()
    results = {
        r.round_id: r
        for r in _published_results(rounds).filter(institution=institution).order_by("round__year")
    }
    points = []
    for survey_round in rounds:
        result = results.get(survey_round.pk)
        if result is None:
            continue
        methodology = survey_selectors.methodology_for(survey_round)
        index = scoring.compute_index(result.group_scores(), methodology)
        points.append(
            {
                "year": survey_round.year,
                "round": survey_round,
                "result": result,
                "computed": index,
                "index": index.headline_index,
                "category": index.headline_category,
                "national_index": survey_round.national_index,
                "national_target": survey_round.national_target,
            }
        )
    if not points:
        raise Http404("No published result for this institution.")
    return {
        "rounds": rounds,
        "institution": institution,
        "type_label": InstitutionType(institution.type).label
        if institution.type in InstitutionType.values
        else "",
        "points": points,
        "latest": points[-1],
        "chart": trend_svg.trend_chart(points),
        "province_view": institution.type in REGIONAL_TYPES and bool(institution.province),
    }


def institution_export_rows(context: dict) -> list[Row]:
    rows = []
    institution = context["institution"]
    for point in context["points"]:
        result, index = point["result"], point["computed"]
        rows.append(
            Row(
                year=point["year"],
                institution_id=institution.pk,
                name=institution.name,
                code=institution.kpk_code,
                type=institution.type,
                province=institution.province,
                region_code=institution.region_code,
                internal=result.internal,
                external=result.external,
                expert=result.expert,
                correction_integrity=result.correction_integrity,
                correction_prevalence=result.correction_prevalence,
                published_index=result.published_index,
                computed_index=index.computed_index,
                index=index.headline_index,
                band=index.headline_category,
                band_number=0,
            )
        )
    return rows


# --- comparison --------------------------------------------------------------------------------


class TooMany(Exception):
    def __init__(self, count):
        self.count = count


def chosen_ids(data) -> list[int]:
    """Institution ids from ?ids=1,2 or repeated ?ids=1&ids=2, in order, without repeats."""
    ids = []
    for value in data.getlist("ids"):
        for part in value.split(","):
            part = part.strip()
            if part.isdecimal() and len(part) < 10 and int(part) not in ids:
                ids.append(int(part))
    return ids


def comparison(data) -> dict:
    """Up to MAX_COMPARED institutions side by side: index and category per round, and the
    groups and corrections of the chosen round."""
    ids = chosen_ids(data)
    query, rounds, survey_round = _base(data)
    context = {
        "rounds": rounds,
        "round": survey_round,
        "query": query,
        "ids": ids,
        "max_compared": MAX_COMPARED,
        "too_many": len(ids) > MAX_COMPARED,
        "first_ids": ",".join(map(str, ids[:MAX_COMPARED])),
    }
    if context["too_many"] or not ids or survey_round is None:
        return context
    rows = rows_of(rounds, _published_results(rounds).filter(institution_id__in=ids))
    by_institution: dict[int, dict[int, Row]] = {}
    for row in rows:
        by_institution.setdefault(row.institution_id, {})[row.year] = row
    found = [pk for pk in ids if pk in by_institution]
    context.update(
        compared=[
            {
                "id": pk,
                "name": next(iter(by_institution[pk].values())).name,
                "per_round": [by_institution[pk].get(r.year) for r in rounds],
                "current": by_institution[pk].get(survey_round.year),
            }
            for pk in found
        ],
        export_rows=[row for pk in found for row in sorted_by_year(by_institution[pk])],
        ids_param=",".join(map(str, found)),
    )
    return context


def sorted_by_year(rows_by_year: dict[int, Row]) -> list[Row]:
    return [rows_by_year[year] for year in sorted(rows_by_year)]


# --- a province --------------------------------------------------------------------------------


def is_province_government(row: Row, province: str, region_codes: set[str]) -> bool:
    """The province's own government, also where its row names no province: by region code
    (62 for 6213) or by name (KPK names it "PEMERINTAH PROVINSI <NAME>")."""
    return row.type == InstitutionType.PROVINCE and (
        row.province == province
        or (row.region_code and row.region_code in region_codes)
        or row.search_text.startswith(normalised(f"pemerintah provinsi {province}") + " |")
    )


def province_view(data) -> dict:
    """A province's own result and its regencies and cities, side by side: groups and category
    of the chosen round, and the index per round."""
    query, rounds, survey_round = _base(data)
    context = {
        "query": query,
        "rounds": rounds,
        "round": survey_round,
        "sort_choices": sort_choices(),
    }
    if survey_round is None:
        return context
    regional = _published_results(rounds).filter(institution__type__in=REGIONAL_TYPES)
    provinces = sorted(
        set(
            regional.exclude(institution__province="").values_list(
                "institution__province", flat=True
            )
        )
    )
    methodology = survey_selectors.methodology_for(survey_round)
    context.update(provinces=provinces, band_rows=survey_selectors.band_rows(methodology))
    if not query.province:
        return context
    if query.province not in provinces:
        raise Http404("No such province.")
    candidates = rows_of(
        rounds,
        regional.filter(
            Q(institution__province=query.province) | Q(institution__type=InstitutionType.PROVINCE)
        ),
    )
    prefixes = {
        row.region_code[:2]
        for row in candidates
        if row.province == query.province and row.type in LOCAL_TYPES and row.region_code
    }
    rows = [
        row
        for row in candidates
        if (row.province == query.province and row.type in LOCAL_TYPES)
        or is_province_government(row, query.province, prefixes)
    ]
    current = [row for row in rows if row.year == survey_round.year]
    own = [row for row in current if row.type == InstitutionType.PROVINCE]
    local = sort_rows([row for row in current if row.type in LOCAL_TYPES], query.sort)
    by_institution: dict[int, dict[int, Row]] = {}
    for row in rows:
        by_institution.setdefault(row.institution_id, {})[row.year] = row
    everyone = own + local
    context.update(
        own=own,
        local=local,
        current_rows=everyone,
        band_counts=[
            (band, sum(1 for row in local if row.band == band)) for band in methodology.bands
        ],
        sort_links=sort_links(query),
        trend=[
            {
                "row": row,
                "per_round": [by_institution[row.institution_id].get(r.year) for r in rounds],
            }
            for row in everyone
        ],
        export_csv=query.url(format="csv", page=""),
        export_xlsx=query.url(format="xlsx", page=""),
    )
    return context
