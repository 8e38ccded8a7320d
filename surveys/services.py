"""Writes for survey data: methodology packs and home-institution setup."""

import json
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from surveys import public_cache, scoring
from surveys.audit import audited
from surveys.models import CategoryBand, Dimension, RoundStatus, SurveyRound

METHODOLOGY_DIR = Path(__file__).resolve().parent / "methodology"


def methodology_pack_paths() -> list[Path]:
    return sorted(METHODOLOGY_DIR.glob("spi-*.json"))


def _optional_decimal(value):
    return None if value is None else Decimal(value)


def _check_pack(pack: dict, source: str):
    bands = [scoring.Band(Decimal(b["lower_bound"]), "", "", "") for b in pack["bands"]]
    weights = {g: Decimal(w) for g, w in pack["weights"].items()}
    problems = scoring.methodology_problems(weights, bands)
    if problems:
        raise ValueError(f"{source}: {'; '.join(problems)}")


@audited
@transaction.atomic
def methodology_load(*, actor, pack: dict, source: str = "pack", overwrite: bool = False) -> str:
    """Create a round from a methodology pack; an existing round is kept unless `overwrite`.

    Returns "created", "updated" or "unchanged". Bands and dimensions are matched by lower
    bound and by code, so loading the same pack twice never duplicates anything.
    """
    _check_pack(pack, source)
    survey_round = SurveyRound.objects.filter(year=pack["year"]).first()
    if survey_round is not None and not overwrite:
        return "unchanged"
    outcome = "created" if survey_round is None else "updated"
    survey_round = survey_round or SurveyRound(year=pack["year"])
    survey_round.weight_internal = Decimal(pack["weights"]["internal"])
    survey_round.weight_external = Decimal(pack["weights"]["external"])
    survey_round.weight_expert = Decimal(pack["weights"]["expert"])
    survey_round.tolerance = Decimal(pack.get("tolerance", "0.02"))
    survey_round.national_index = _optional_decimal(pack.get("national_index"))
    survey_round.national_target = _optional_decimal(pack.get("national_target"))
    survey_round.source_note = pack.get("source_note", "")
    survey_round.full_clean()
    survey_round.save()
    _load_bands(survey_round, pack["bands"])
    _load_dimensions(survey_round, pack["dimensions"])
    return outcome


def _load_bands(survey_round, bands):
    wanted = {Decimal(b["lower_bound"]) for b in bands}
    for stale in survey_round.bands.exclude(lower_bound__in=wanted):
        stale.delete()
    for band in bands:
        CategoryBand.objects.update_or_create(
            round=survey_round,
            lower_bound=Decimal(band["lower_bound"]),
            defaults={k: band[k] for k in ("label_id", "label_en", "colour")},
        )


def _load_dimensions(survey_round, dimensions):
    for item in dimensions:
        answered_by = item.get("answered_by", {})
        parent = None
        if item.get("parent"):
            parent = Dimension.objects.get(round=survey_round, code=item["parent"])
        Dimension.objects.update_or_create(
            round=survey_round,
            code=item["code"],
            defaults={
                "name_id": item["name_id"],
                "name_en": item["name_en"],
                "description": item.get("description", ""),
                "parent": parent,
                "answered_by_internal": answered_by.get("internal"),
                "answered_by_external": answered_by.get("external"),
                "answered_by_expert": answered_by.get("expert"),
            },
        )


@audited
def methodology_load_all(*, actor, overwrite: bool = False) -> dict[int, str]:
    """Load every shipped pack; returns the outcome per year."""
    outcomes = {}
    for path in methodology_pack_paths():
        pack = json.loads(path.read_text(encoding="utf-8"))
        outcomes[pack["year"]] = methodology_load(
            actor=actor, pack=pack, source=path.name, overwrite=overwrite
        )
    return outcomes


@audited
@transaction.atomic
def round_publish(*, survey_round: SurveyRound, actor) -> SurveyRound:
    """Publish a round: its figures reach the public page and open data."""
    survey_round = SurveyRound.objects.select_for_update().get(pk=survey_round.pk)
    survey_round.status = RoundStatus.PUBLISHED
    survey_round.unpublish_reason = ""
    survey_round.save()
    transaction.on_commit(public_cache.bump)
    return survey_round


@audited
@transaction.atomic
def round_unpublish(*, survey_round: SurveyRound, actor, reason: str) -> SurveyRound:
    """Withdraw a round from the public page; the reason is kept in its history."""
    if not reason.strip():
        raise ValidationError(_("Say why the round is unpublished."))
    survey_round = SurveyRound.objects.select_for_update().get(pk=survey_round.pk)
    survey_round.status = RoundStatus.DRAFT
    survey_round.unpublish_reason = reason.strip()
    survey_round.save()
    transaction.on_commit(public_cache.bump)
    return survey_round


@audited
@transaction.atomic
def round_create_from_previous(*, year: int, actor) -> SurveyRound:
    """Create a draft round copying weights, tolerance, bands and dimensions of the latest one."""
    if SurveyRound.objects.filter(year=year).exists():
        raise ValidationError(_("SPI %(year)s already exists.") % {"year": year})
    previous = SurveyRound.objects.filter(year__lt=year).order_by("-year").first()
    if previous is None:
        raise ValidationError(_("There is no earlier round to copy the methodology from."))
    survey_round = SurveyRound(
        year=year,
        weight_internal=previous.weight_internal,
        weight_external=previous.weight_external,
        weight_expert=previous.weight_expert,
        tolerance=previous.tolerance,
        source_note=_("Methodology copied from SPI %(year)s.") % {"year": previous.year},
    )
    survey_round.full_clean()
    survey_round.save()
    for band in previous.bands.all():
        CategoryBand.objects.create(
            round=survey_round,
            lower_bound=band.lower_bound,
            label_id=band.label_id,
            label_en=band.label_en,
            colour=band.colour,
        )
    _copy_dimensions(previous, survey_round)
    return survey_round


def _copy_dimensions(previous, survey_round):
    copies = {}
    for dimension in previous.dimensions.order_by("parent_id", "code"):
        copies[dimension.pk] = Dimension.objects.create(
            round=survey_round,
            code=dimension.code,
            name_id=dimension.name_id,
            name_en=dimension.name_en,
            description=dimension.description,
            parent=copies.get(dimension.parent_id),
            answered_by_internal=dimension.answered_by_internal,
            answered_by_external=dimension.answered_by_external,
            answered_by_expert=dimension.answered_by_expert,
        )
