"""Reads for the survey pages and commands."""

from django.shortcuts import get_object_or_404

from surveys import scoring
from surveys.models import CategoryBand, IndicatorScore, Institution, InstitutionResult, SurveyRound


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


def round_with_methodology(year: int) -> SurveyRound:
    """One round with its bands prefetched, or 404."""
    return get_object_or_404(SurveyRound.objects.prefetch_related("bands"), year=year)


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
