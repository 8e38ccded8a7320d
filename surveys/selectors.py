"""Reads for the survey pages and commands."""

import re
from dataclasses import dataclass, replace
from decimal import Decimal

import pandas as pd
from django.db.models import Avg, Count, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from surveys import scoring
from surveys.models import (
    LETTERHEAD_FIELDS,
    CategoryBand,
    Dimension,
    IndicatorScore,
    Institution,
    InstitutionResult,
    PortalSettings,
    RespondentGroup,
    RoundStatus,
    SurveyRound,
)

MAX_PEERS = 30


def methodology_for(survey_round: SurveyRound) -> scoring.Methodology:
    """The round's weights, bands and tolerance as the scoring engine's input."""
    bands = tuple(
        scoring.Band(b.lower_bound, b.label_id, b.label_en, b.colour)
        for b in survey_round.bands.all()
    )
    return scoring.Methodology(
        weights={
            "internal": survey_round.weight_internal,
            "external": survey_round.weight_external,
            "expert": survey_round.weight_expert,
        },
        bands=bands,
        tolerance=survey_round.tolerance,
    )


def methodology_is_frozen(survey_round: SurveyRound) -> bool:
    """A round that is or ever was published keeps its methodology: its numbers were public."""
    return (
        survey_round.is_published
        or survey_round.history.filter(status=RoundStatus.PUBLISHED).exists()
    )


def methodology_editable_rounds():
    """Rounds whose methodology may still be edited in place (never published)."""
    once_published = SurveyRound.history.filter(status=RoundStatus.PUBLISHED).values("id")
    return SurveyRound.objects.exclude(status=RoundStatus.PUBLISHED).exclude(pk__in=once_published)


def methodology_version(survey_round: SurveyRound) -> int:
    """1 for the methodology a round was published with, +1 for each revision."""
    latest = survey_round.methodology_revisions.order_by("-version").first()
    return latest.version if latest else 1


def parents_first(dimensions) -> list[Dimension]:
    """Dimensions ordered so every parent comes before its children, on every database
    (ordering by parent_id puts NULL first on SQLite but last on PostgreSQL)."""
    dimensions = list(dimensions)
    children: dict[int | None, list[Dimension]] = {}
    known = {dimension.pk for dimension in dimensions}
    for dimension in dimensions:
        parent_id = dimension.parent_id if dimension.parent_id in known else None
        children.setdefault(parent_id, []).append(dimension)
    ordered, level = [], children.get(None, [])
    while level:
        ordered.extend(level)
        level = [child for dimension in level for child in children.get(dimension.pk, [])]
    return ordered


def _dimension_snapshot(dimension: Dimension, codes: dict[int, str]) -> dict:
    return {
        "code": dimension.code,
        "name_id": dimension.name_id,
        "name_en": dimension.name_en,
        "description": dimension.description,
        "parent": codes.get(dimension.parent_id),
        "answered_by": {
            group: getattr(dimension, f"answered_by_{group}") for group in scoring.GROUPS
        },
    }


def methodology_snapshot(survey_round: SurveyRound) -> dict:
    """The round's methodology as stored, in the shape of a methodology pack (numbers as text)."""
    survey_round = SurveyRound.objects.get(pk=survey_round.pk)
    dimensions = parents_first(survey_round.dimensions.order_by("code"))
    codes = {dimension.pk: dimension.code for dimension in dimensions}
    return {
        "weights": {g: str(getattr(survey_round, f"weight_{g}")) for g in scoring.GROUPS},
        "tolerance": str(survey_round.tolerance),
        "bands": [
            {
                "lower_bound": str(band.lower_bound),
                "label_id": band.label_id,
                "label_en": band.label_en,
                "colour": band.colour,
            }
            for band in survey_round.bands.order_by("lower_bound")
        ],
        "dimensions": [_dimension_snapshot(d, codes) for d in dimensions],
    }


NUMBER_TEXT = re.compile(r"-?\d+(\.\d+)?")


def _flattened(snapshot: dict) -> dict[str, str]:
    flat = {f"weights.{group}": value for group, value in snapshot["weights"].items()}
    flat["tolerance"] = snapshot["tolerance"]
    for position, band in enumerate(snapshot["bands"], start=1):
        flat.update({f"bands.{position}.{key}": value for key, value in band.items()})
    for dimension in snapshot["dimensions"]:
        for key, value in dimension.items():
            flat[f"dimensions.{dimension['code']}.{key}"] = value
    return flat


def methodology_changes(before: dict, after: dict) -> list[dict]:
    """What a revision changed, one entry per changed value (`bands.2.lower_bound`, ...)."""
    old, new = _flattened(before), _flattened(after)
    return [
        {
            "field": key,
            "label": _change_label(key),
            "before": _shown(old.get(key)),
            "after": _shown(new.get(key)),
        }
        for key in sorted(old.keys() | new.keys())
        if old.get(key) != new.get(key)
    ]


BAND_PART_LABELS = {
    "lower_bound": _("lower bound"),
    "label_id": _("name (Indonesian)"),
    "label_en": _("name (English)"),
    "colour": _("colour"),
}


def _change_label(key: str) -> str:
    """A snapshot key as the reader knows it: `weights.expert` is the expert group's weight."""
    kind, _dot, rest = key.partition(".")
    if kind == "tolerance":
        return str(_("Recalculation tolerance"))
    if kind == "weights":
        return str(_("Weight of the %(group)s group") % {"group": RespondentGroup(rest).label})
    position, _dot, part = rest.partition(".")
    if kind == "bands":
        label = BAND_PART_LABELS.get(part, part)
        return str(_("Category %(position)s: %(part)s") % {"position": position, "part": label})
    return f"{position}: {part}"


def _shown(value):
    """Numbers as numbers, so that the page writes them in its language (0,02, not 0.02)."""
    if isinstance(value, str) and NUMBER_TEXT.fullmatch(value):
        return Decimal(value)
    return value


def methodology_page(survey_round: SurveyRound) -> dict:
    """The round's current methodology and every version before it, newest first."""
    revisions = list(survey_round.methodology_revisions.select_related("actor"))
    for revision in revisions:
        revision.changes = methodology_changes(revision.before, revision.after)
    return {
        "round": survey_round,
        "band_rows": band_rows(methodology_for(survey_round)),
        "revisions": revisions,
        "version": revisions[0].version if revisions else 1,
        "frozen": methodology_is_frozen(survey_round),
    }


def home_institution() -> Institution | None:
    return Institution.objects.filter(is_home=True).first()


def round_with_methodology(year: int, user) -> SurveyRound:
    """One round the user may see, with its bands prefetched, or 404 (a draft the user may
    not see answers like a year that does not exist)."""
    rounds = SurveyRound.objects.visible_to(user).prefetch_related("bands")
    return get_object_or_404(rounds, year=year)


def home_result(survey_round: SurveyRound) -> InstitutionResult | None:
    return (
        InstitutionResult.objects.filter(round=survey_round, institution__is_home=True)
        .select_related("institution")
        .first()
    )


def home_index(survey_round: SurveyRound) -> scoring.IndexResult | None:
    """The home institution's index in the round (its bands prefetched), None without a result."""
    result = home_result(survey_round)
    if result is None:
        return None
    return scoring.compute_index(result.group_scores(), methodology_for(survey_round))


def home_indicator_scores(survey_round: SurveyRound):
    return (
        IndicatorScore.objects.filter(round=survey_round, institution__is_home=True)
        .select_related("dimension")
        .order_by("score", "dimension__code")
    )


def round_results(survey_round: SurveyRound, institution_code: str | None = None):
    results = InstitutionResult.objects.filter(round=survey_round).select_related("institution")
    if institution_code:
        results = results.filter(institution__kpk_code=institution_code)
    return results.order_by("institution__kpk_code")


def band_rows(methodology: scoring.Methodology) -> list[dict]:
    """Each band with the lower bound of the band above it (None for the top band)."""
    bands = methodology.bands
    uppers = [b.lower_bound for b in bands[1:]] + [None]
    return [{"band": band, "upper": upper} for band, upper in zip(bands, uppers, strict=True)]


def band_colours():
    """Every distinct band colour, for the generated stylesheet."""
    return sorted(set(CategoryBand.objects.values_list("colour", flat=True)))


def visible_round_years(user) -> list[int]:
    """The years of the rounds the user may see, oldest first (one small query)."""
    rounds = SurveyRound.objects.visible_to(user).order_by("year")
    return list(rounds.values_list("year", flat=True))


def rounds_with_bands(user):
    """The rounds the user may see, oldest first, with their bands."""
    return list(SurveyRound.objects.visible_to(user).prefetch_related("bands").order_by("year"))


def home_trend(rounds) -> list[dict]:
    """Per round (oldest first): headline and recomputed index, groups, national figures."""
    results = {
        r.round_id: r
        for r in InstitutionResult.objects.filter(
            institution__is_home=True, round__in=rounds
        ).select_related("institution")
    }
    points = []
    for survey_round in rounds:
        result = results.get(survey_round.pk)
        if result is None:
            continue
        index = scoring.compute_index(result.group_scores(), methodology_for(survey_round))
        points.append(
            {
                "year": survey_round.year,
                "round": survey_round,
                "result": result,
                "index": index.headline_index,
                "computed_index": index.computed_index,
                "category": index.headline_category,
                "internal": result.internal,
                "external": result.external,
                "expert": result.expert,
                "national_index": survey_round.national_index,
                "national_target": survey_round.national_target,
            }
        )
    return points


def peer_averages(survey_round: SurveyRound, home: Institution) -> dict:
    """Average published index of same-type and same-province peers, in one query."""
    peers = InstitutionResult.objects.filter(round=survey_round, published_index__isnull=False)
    same_type = Q(institution__type=home.type)
    same_province = Q(institution__province=home.province)
    figures = peers.exclude(institution=home).aggregate(
        type_average=Avg("published_index", filter=same_type),
        type_count=Count("id", filter=same_type),
        province_average=Avg("published_index", filter=same_province),
        province_count=Count("id", filter=same_province),
    )
    return {
        "same_type": {"average": figures["type_average"], "count": figures["type_count"]},
        "same_province": {
            "average": figures["province_average"],
            "count": figures["province_count"],
        },
    }


@dataclass(frozen=True)
class HeatCell:
    """One indicator's score from one respondent group; score and band are None when missing."""

    group: str
    score: Decimal | None
    band: scoring.Band | None


@dataclass(frozen=True)
class HeatRow:
    dimension: Dimension
    cells: list[HeatCell]


@dataclass(frozen=True)
class HeatTable:
    """The indicator heat map as a table: weakest indicator first, cells coloured by band."""

    groups: list[str]
    rows: list[HeatRow]
    legend: list[dict]
    illustrative: bool


def indicator_heat_table(scores, methodology: scoring.Methodology) -> HeatTable | None:
    """Indicator x respondent group, each score with the round's band it falls in (None: no
    scores). Groups with no score at all are left out; a missing score is an explicit cell."""
    by_dimension: dict[int, dict] = {}
    dimensions: dict[int, Dimension] = {}
    for score in scores:
        dimensions[score.dimension_id] = score.dimension
        by_dimension.setdefault(score.dimension_id, {})[score.group] = score.score
    if not by_dimension:
        return None
    groups = [g for g in scoring.GROUPS if any(g in v for v in by_dimension.values())]
    weakest_first = sorted(
        by_dimension, key=lambda pk: (min(by_dimension[pk].values()), dimensions[pk].code)
    )
    rows = [
        HeatRow(
            dimensions[pk], [_heat_cell(g, by_dimension[pk].get(g), methodology) for g in groups]
        )
        for pk in weakest_first
    ]
    illustrative = any(s.is_illustrative for s in scores)
    return HeatTable(groups, rows, band_rows(methodology), illustrative)


def _heat_cell(group, score, methodology):
    band = None if score is None else methodology.band_for(score)
    return HeatCell(group, score, band)


def comparison_institutions(home: Institution, scope: str, codes: list[str]):
    """The home institution and its chosen peers: same province, same type, or by code."""
    peers = Institution.objects.exclude(pk=home.pk)
    if scope == "province":
        peers = peers.filter(province=home.province)
    elif scope == "type":
        peers = peers.filter(type=home.type)
    else:
        peers = peers.filter(kpk_code__in=codes)
    return [home, *peers.order_by("name")[:MAX_PEERS]]


def comparison_table(institutions, rounds) -> list[dict]:
    """Per institution, its headline index (KPK's published, else recomputed) per round year."""
    methodologies = {r.pk: methodology_for(r) for r in rounds}
    results = InstitutionResult.objects.filter(
        institution__in=institutions, round__in=rounds
    ).select_related("round")
    by_institution: dict[int, dict[int, Decimal]] = {}
    for result in results:
        index = scoring.compute_index(result.group_scores(), methodologies[result.round_id])
        by_institution.setdefault(result.institution_id, {})[result.round.year] = (
            index.headline_index
        )
    return [
        {"institution": i, "values": [by_institution.get(i.pk, {}).get(r.year) for r in rounds]}
        for i in institutions
    ]


def weak_indicators(index: scoring.IndexResult, scores) -> list[scoring.WeakIndicator]:
    """Indicator scores below the next category's lower bound (the current one at the top)."""
    band = index.next_band or index.category
    scores = list(scores)
    names = {s.dimension.code: s.dimension for s in scores}
    weak = scoring.weakest_indicators(
        [(s.dimension.code, s.group, s.score) for s in scores], band.lower_bound
    )
    return [
        replace(w, name_id=names[w.code].name_id, name_en=names[w.code].name_en, band=band)
        for w in weak
    ]


def weak_by_indicator(weak: list[scoring.WeakIndicator]) -> list[list[scoring.WeakIndicator]]:
    """The weak scores grouped per indicator, the weakest indicator first."""
    groups: dict[str, list[scoring.WeakIndicator]] = {}
    for item in weak:
        groups.setdefault(item.code, []).append(item)
    return list(groups.values())


def round_page(year: int, user) -> dict:
    """Everything the round page shows for the home institution: index, bands, indicators."""
    survey_round = round_with_methodology(year, user)
    result = home_result(survey_round)
    context = {"round": survey_round, "result": result, "index": None}
    if result is None:
        return context
    methodology = methodology_for(survey_round)
    index = scoring.compute_index(result.group_scores(), methodology)
    scores = list(home_indicator_scores(survey_round))
    context.update(
        index=index,
        band_rows=band_rows(methodology),
        indicator_scores=scores,
        weak_indicators=weak_indicators(index, scores),
        illustrative=any(s.is_illustrative for s in scores),
    )
    return context


def what_if_figures(survey_round, result, scores) -> dict:
    """The what-if index of `scores` (None: no figures to show), its bands and, when the round
    has a real result, the change against the index recomputed from it."""
    if scores is None:
        return {"index": None, "change": None}
    methodology = methodology_for(survey_round)
    trial = scoring.compute_index(scores, methodology)
    change = None
    if result is not None:
        real = scoring.compute_index(result.group_scores(), methodology)
        change = scoring.index_change(real, trial)
    return {"index": trial, "change": change, "band_rows": band_rows(methodology)}


INDEX_SCORE_FIELDS = (
    "internal",
    "external",
    "expert",
    "correction_integrity",
    "correction_prevalence",
    "published_index",
)


def index_rows(survey_round, institution_code=None) -> list[dict]:
    """One row per institution result of the round: the recomputed index beside KPK's."""
    results = list(round_results(survey_round, institution_code))
    if not results:
        return []
    frame = pd.DataFrame([{name: getattr(r, name) for name in INDEX_SCORE_FIELDS} for r in results])
    computed = scoring.compute_frame(frame, methodology_for(survey_round))
    return [
        {
            "institution_code": result.institution.kpk_code,
            "institution_name": result.institution.name,
            "computed_index": row.computed_index,
            "published_index": row.published_index,
            "difference": row.difference,
            "category": row.category_id,
            "flag": "exceeds_tolerance" if row.exceeds_tolerance else "",
        }
        for result, row in zip(results, computed.itertuples(), strict=True)
    ]


def configured_round() -> SurveyRound | None:
    """The follow-up round the Inspectorate chose in the portal settings, if it is published
    (one query); None means the default, which actionplans.selectors.current_round decides."""
    chosen = PortalSettings.load().current_round
    return chosen if chosen is not None and chosen.is_published else None


SETTINGS_TRACKED_FIELDS = ("current_round", *LETTERHEAD_FIELDS)


def portal_settings_changes(settings_row: PortalSettings, limit: int = 10) -> list[dict]:
    """The latest saves of the settings, newest first, each with the labels of what it changed
    (one query). The logo's bytes are not in the history: a save changing nothing else listed
    changed the logo."""
    if settings_row.pk is None:
        return []
    records = list(
        settings_row.history.select_related("history_user", "current_round")[: limit + 1]
    )
    changes = []
    for record, before in zip(records[:limit], [*records[1:], None], strict=False):
        changed = [
            str(PortalSettings._meta.get_field(name).verbose_name)
            for name in SETTINGS_TRACKED_FIELDS
            if before is None or _tracked_value(record, name) != _tracked_value(before, name)
        ]
        round_changed = before is None or record.current_round_id != before.current_round_id
        changes.append(
            {"record": record, "changed": changed or [str(_("logo"))], "round": round_changed}
        )
    return changes


def _tracked_value(record, name):
    return record.current_round_id if name == "current_round" else getattr(record, name)
