"""Writes for survey data: methodology packs and home-institution setup."""

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from surveys import public_cache, scoring, selectors
from surveys.audit import audited, current_actor
from surveys.models import (
    LETTERHEAD_FIELDS,
    CategoryBand,
    Dimension,
    MethodologyRevision,
    PortalSettings,
    RoundStatus,
    SurveyRound,
)

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
def methodology_load(
    *, actor, pack: dict, source: str = "pack", overwrite: bool = False, reason: str = ""
) -> str:
    """Create a round from a methodology pack; an existing round is kept unless `overwrite`.

    Returns "created", "updated", "revised" or "unchanged". Bands and dimensions are matched
    by lower bound and by code, so loading the same pack twice never duplicates anything.
    A published round's methodology is frozen: it is only changed with a `reason` (and an
    `actor`), as a new methodology version.
    """
    _check_pack(pack, source)
    survey_round = SurveyRound.objects.filter(year=pack["year"]).first()
    if survey_round is not None and not overwrite:
        return "unchanged"
    if survey_round is not None and selectors.methodology_is_frozen(survey_round):
        return _load_as_revision(survey_round, pack, actor=actor, reason=reason)
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
    _write_dimensions(survey_round, pack["dimensions"])
    public_cache.bump()
    return outcome


def _load_as_revision(survey_round, pack, *, actor, reason) -> str:
    if not reason.strip():
        raise ValidationError(
            _(
                "SPI %(year)s has been published: its methodology is frozen and is not "
                "overwritten. Give a reason (load_methodology --overwrite --reason ...) to "
                "record the shipped methodology as a new methodology version."
            )
            % {"year": survey_round.year}
        )
    try:
        methodology_revise(
            actor=actor,
            survey_round=survey_round,
            reason=reason,
            weights=pack["weights"],
            tolerance=pack.get("tolerance", "0.02"),
            bands=pack["bands"],
            dimensions=pack["dimensions"],
        )
    except ValidationError as error:
        if getattr(error, "code", None) == "unchanged":
            return "unchanged"
        raise
    return "revised"


def _load_bands(survey_round, bands):
    """New bands for a new round; an existing round's bands are updated in place (a band has
    history, so none is deleted: the pack must keep the round's number of categories)."""
    current = survey_round.bands.count()
    if current == 0:
        for band in bands:
            CategoryBand.objects.create(round=survey_round, **{k: band[k] for k in BAND_FIELDS})
        return
    if current != len(bands):
        raise ValidationError(
            _(
                "SPI %(year)s has %(count)s categories and the pack %(wanted)s: bands are "
                "updated in place, never deleted, so their number stays."
            )
            % {"year": survey_round.year, "count": current, "wanted": len(bands)}
        )
    _revise_bands(survey_round, current_actor(), bands)


def _write_dimensions(survey_round, dimensions, actor=None):
    """Create or update dimensions by code (parents listed before children); others stay."""
    existing = {d.code: d for d in survey_round.dimensions.all()}
    for item in dimensions:
        dimension = existing.get(item["code"]) or Dimension(round=survey_round, code=item["code"])
        values = _dimension_values(item, existing)
        if dimension.pk is None or any(getattr(dimension, k) != v for k, v in values.items()):
            for name, value in values.items():
                setattr(dimension, name, value)
            if actor is not None:
                dimension._history_user = actor
            dimension.full_clean()
            dimension.save()
        existing[dimension.code] = dimension


def _dimension_values(item, existing) -> dict:
    parent = None
    if item.get("parent"):
        parent = existing.get(item["parent"])
        if parent is None:
            raise ValidationError(
                _("Dimension %(code)s names a parent %(parent)s that is not listed before it.")
                % {"code": item["code"], "parent": item["parent"]}
            )
    answered_by = item.get("answered_by", {})
    return {
        "name_id": item["name_id"],
        "name_en": item["name_en"],
        "description": item.get("description", ""),
        "parent": parent,
        **{f"answered_by_{g}": answered_by.get(g) for g in scoring.GROUPS},
    }


@audited
@transaction.atomic
def methodology_load_all(*, actor, overwrite: bool = False, reason: str = "") -> dict[int, str]:
    """Load every shipped pack, all or nothing; returns the outcome per year."""
    outcomes = {}
    for path in methodology_pack_paths():
        pack = json.loads(path.read_text(encoding="utf-8"))
        outcomes[pack["year"]] = methodology_load(
            actor=actor, pack=pack, source=path.name, overwrite=overwrite, reason=reason
        )
    return outcomes


@audited
@transaction.atomic
def methodology_revise(
    *,
    actor,
    survey_round: SurveyRound,
    reason: str,
    weights: dict | None = None,
    tolerance=None,
    bands: list[dict] | None = None,
    dimensions: list[dict] | None = None,
    expected_version: int | None = None,
) -> MethodologyRevision:
    """Change a round's methodology as its next version, with the reason shown publicly.

    `weights` maps each group to its weight; `bands` lists every band (lower_bound, label_id,
    label_en, colour), as many as the round has; `dimensions` are created or updated by code.
    What is not given stays. Weights must add up to 1 and bands cover 0-100. The revision keeps
    the methodology before and after; anything invalid, stale or unchanged writes nothing.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the methodology changes: the reason is shown publicly."))
    survey_round = SurveyRound.objects.select_for_update().get(pk=survey_round.pk)
    version = selectors.methodology_version(survey_round)
    if expected_version is not None and expected_version != version:
        raise ValidationError(
            _("The methodology was changed meanwhile (it is now version %(version)s): reload.")
            % {"version": version},
            code="stale",
        )
    before = selectors.methodology_snapshot(survey_round)
    _check_revision(before, weights, bands)
    _revise_round(survey_round, actor, weights, tolerance)
    if bands is not None:
        _revise_bands(survey_round, actor, bands)
    if dimensions is not None:
        _write_dimensions(survey_round, dimensions, actor)
    after = selectors.methodology_snapshot(survey_round)
    if after == before:
        raise ValidationError(
            _("These values are the methodology as it is: there is nothing to revise."),
            code="unchanged",
        )
    revision = MethodologyRevision.objects.create(
        round=survey_round,
        version=version + 1,
        reason=reason,
        actor=actor,
        before=before,
        after=after,
    )
    transaction.on_commit(public_cache.bump)
    return revision


def _decimal(value, what: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise ValidationError(
            _("%(what)s must be a number, not %(value)s.") % {"what": what, "value": value}
        )
    return number


def _check_revision(before: dict, weights, bands):
    """Weights add up to 1 and bands cover 0-100, checked by the scoring engine's own rules."""
    weights = {**before["weights"], **(weights or {})}
    bands = before["bands"] if bands is None else bands
    if len(bands) != len(before["bands"]):
        raise ValidationError(
            _(
                "A new version keeps the round's %(count)s categories: change their bounds, "
                "labels and colours, not their number."
            )
            % {"count": len(before["bands"])}
        )
    group_weights = {group: _decimal(w, group) for group, w in weights.items()}
    lower_bounds = [
        scoring.Band(_decimal(b["lower_bound"], "lower_bound"), "", "", "") for b in bands
    ]
    problems = scoring.methodology_problems(group_weights, lower_bounds)
    if problems:
        raise ValidationError(
            _("The methodology is not valid: %(problems)s.") % {"problems": "; ".join(problems)}
        )


def _revise_round(survey_round, actor, weights, tolerance):
    if weights is None and tolerance is None:
        return
    for group, weight in (weights or {}).items():
        setattr(survey_round, f"weight_{group}", _decimal(weight, group))
    if tolerance is not None:
        survey_round.tolerance = _decimal(tolerance, "tolerance")
    survey_round._history_user = actor
    survey_round.full_clean()
    survey_round.save()


BAND_FIELDS = ("lower_bound", "label_id", "label_en", "colour")


def _revise_bands(survey_round, actor, bands):
    """Update the bands position by position, in an order where no two share a lower bound."""
    current = list(survey_round.bands.order_by("lower_bound"))
    wanted = [{**b, "lower_bound": _decimal(b["lower_bound"], "lower_bound")} for b in bands]
    pairs = list(zip(current, sorted(wanted, key=lambda b: b["lower_bound"]), strict=True))
    lowered = [(band, new) for band, new in pairs if new["lower_bound"] < band.lower_bound]
    raised = [(band, new) for band, new in pairs if new["lower_bound"] >= band.lower_bound]
    for band, values in lowered + raised[::-1]:
        for name in BAND_FIELDS:
            setattr(band, name, values.get(name, getattr(band, name)))
        band._history_user = actor
        band.full_clean()
        band.save()


@audited
@transaction.atomic
def round_publish(*, survey_round: SurveyRound, actor) -> SurveyRound:
    """Publish a round: its figures reach the public page and open data."""
    survey_round = SurveyRound.objects.select_for_update().get(pk=survey_round.pk)
    survey_round.status = RoundStatus.PUBLISHED
    survey_round.unpublish_reason = ""
    survey_round.save()
    public_cache.bump()
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
    public_cache.bump()
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
    public_cache.bump()
    return survey_round


def _copy_dimensions(previous, survey_round):
    copies = {}
    for dimension in selectors.parents_first(previous.dimensions.order_by("code")):
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


class SettingsConflict(Exception):
    """The settings changed since the form was opened: the edit is refused, not merged."""


CHANGE_PORTAL_SETTINGS = "surveys.change_portalsettings"


def _settings_to_change(actor, version: int, refusal: str) -> PortalSettings:
    """The settings row, locked, for an actor allowed to change it and an edit made on its
    current version (else PermissionDenied with `refusal`, or SettingsConflict)."""
    if not actor.has_perm(CHANGE_PORTAL_SETTINGS):
        raise PermissionDenied(refusal)
    PortalSettings.objects.get_or_create(pk=1)
    settings_row = PortalSettings.objects.select_for_update().get(pk=1)
    if version != settings_row.version:
        raise SettingsConflict(
            _("Someone changed the settings since you opened them; check them and save again.")
        )
    return settings_row


@audited
@transaction.atomic
def portal_settings_update(*, actor, version: int, current_round: SurveyRound | None):
    """Choose the current follow-up round (None: the default). Only the Inspectorate may; an
    edit based on an older version is refused; only a published round can be chosen."""
    settings_row = _settings_to_change(
        actor, version, _("Only the Inspectorate chooses the current follow-up round.")
    )
    if current_round is not None and not current_round.is_published:
        raise ValidationError(_("Only a published round can be the current follow-up round."))
    settings_row.current_round = current_round
    settings_row.version += 1
    settings_row.save()
    public_cache.bump()  # the public page and the overview open on this round
    return settings_row


KEEP_LOGO, REMOVE_LOGO = "keep", "remove"


@audited
@transaction.atomic
def portal_letterhead_update(*, actor, version: int, letterhead: dict, logo=KEEP_LOGO):
    """Set the follow-up document's letterhead and signature block. `logo` is a CheckedLogo
    (surveys.logos.logo_check), KEEP_LOGO or REMOVE_LOGO. Only the Inspectorate may; an edit
    based on an older version is refused."""
    settings_row = _settings_to_change(
        actor, version, _("Only the Inspectorate changes the letterhead.")
    )
    for field in LETTERHEAD_FIELDS:
        setattr(settings_row, field, letterhead[field])
    if logo == REMOVE_LOGO:
        settings_row.letterhead_logo, settings_row.letterhead_logo_type = b"", ""
    elif logo != KEEP_LOGO:
        settings_row.letterhead_logo = logo.content
        settings_row.letterhead_logo_type = logo.content_type
    settings_row.version += 1
    settings_row.full_clean(exclude=["current_round"])
    settings_row.save()
    return settings_row


NATIONAL_RESULTS = Path(__file__).resolve().parent / "data" / "kpk-spi-results-2021-2025.csv"


@audited
def national_results_load(*, actor, dry_run: bool = False, replace: bool = False):
    """Load KPK's national results shipped in surveys/data/ through the results import.

    All rows or none (one transaction), idempotent (a second load changes and writes nothing),
    creating the institutions the file names that the portal does not know yet and matching the
    others by region code or name. Needs the rounds (load the methodology first).
    """
    return _national_import(actor=actor, dry_run=dry_run, replace=replace)


def national_results_check():
    """What loading the national results would do; writes nothing, so it names no one."""
    return _national_import(actor=None, dry_run=True, replace=False)


def _national_import(*, actor, dry_run, replace):
    from surveys import importing  # the import pipeline imports this app's models and services

    with NATIONAL_RESULTS.open("rb") as handle:
        return importing.import_file(
            "results",
            handle,
            file_name=NATIONAL_RESULTS.name,
            actor=actor,
            dry_run=dry_run,
            replace=replace,
            create_institutions=True,
        )
