"""Reads for the survey pages and commands."""

from decimal import Decimal

import pandas as pd
from django.db.models import Avg, Count, Q
from django.shortcuts import get_object_or_404

from surveys import scoring
from surveys.models import CategoryBand, IndicatorScore, Institution, InstitutionResult, SurveyRound

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


def indicator_matrix(scores):
    """Indicator scores as (codes weakest first, groups, rows of scores, illustrative)."""
    by_code: dict[str, dict] = {}
    for score in scores:
        by_code.setdefault(score.dimension.code, {})[score.group] = score.score
    groups = [g for g in scoring.GROUPS if any(g in v for v in by_code.values())]
    codes = sorted(by_code, key=lambda code: min(by_code[code].values()))
    rows = [[by_code[code].get(g) for g in groups] for code in codes]
    return codes, groups, rows, any(s.is_illustrative for s in scores)


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
    threshold = (index.next_band or index.category).lower_bound
    return scoring.weakest_indicators(
        [(s.dimension.code, s.group, s.score) for s in scores], threshold
    )


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
