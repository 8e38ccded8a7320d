"""Questionnaires and campaigns as the Inspectorate runs them: the writes behind their pages and
commands (each takes `actor=`, checks the right inside its transaction, and is recorded in
history through surveys.audit), and the reads those pages show.

A questionnaire is frozen once any campaign using it has a response: its items are then changed
only as a new version (`questionnaire_new_version`), so every stored answer keeps the meaning it
was given. An edit made on what the page showed before someone else's change is refused, never
merged (`StaleEdit`).
"""

import hashlib
import json
import math

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from surveys.audit import audited

from . import answer_codec, services
from .models import Campaign, CampaignStatus, CampaignUnit, Item, Questionnaire, Response

Z_95 = 1.96
LARGEST_VALUE = answer_codec.LARGEST


class StaleEdit(Exception):
    """The row changed since the form was opened: the edit is refused, not merged."""


class QuestionnaireFrozen(Exception):
    """The questionnaire has responses: change a new version of it instead."""


# --- pure ----------------------------------------------------------------------------------------


def margin_of_error(n: int, population: int | None = None) -> float | None:
    """The margin of error of a share at 95%, in percentage points, for `n` respondents:
    1.96 × √(p(1 − p) / n) with p = 0.5, times √((N − n) / (N − 1)) when the population N is
    known. None without respondents; 0 when everyone answered."""
    if n <= 0:
        return None
    margin = Z_95 * math.sqrt(0.25 / n)
    if population is not None:
        if n >= population:
            return 0.0
        margin *= math.sqrt((population - n) / (population - 1))
    return margin * 100


def dont_know_problems(scale_min, scale_max, dont_know_values) -> list[str]:
    """What is wrong with an item's "don't know" values: each lies outside the scale and fits
    one character of the stored answers."""
    return [
        _('%(value)s is inside the scale %(min)s-%(max)s, so it cannot mean "don\'t know".')
        % {"value": value, "min": scale_min, "max": scale_max}
        for value in sorted(set(dont_know_values))
        if scale_min <= value <= scale_max
    ] + _out_of_range(dont_know_values)


def _out_of_range(values) -> list[str]:
    return [
        _("Values go from 0 to %(largest)s; %(value)s does not fit.")
        % {"largest": LARGEST_VALUE, "value": value}
        for value in sorted(set(values))
        if not 0 <= value <= LARGEST_VALUE
    ]


def label_problems(scale_min, scale_max, labels, dont_know_values) -> list[str]:
    """What is wrong with an item's answer labels, for the person editing it: every answer the
    form offers (the scale and the "don't know" values) needs a label in both languages, and
    nothing else has one."""
    offered = set(range(scale_min, scale_max + 1)) | set(dont_know_values)
    values = [label["value"] for label in labels]
    problems = _out_of_range(values)
    problems += [
        _("The value %(value)s has two labels.") % {"value": value}
        for value in sorted({v for v in values if values.count(v) > 1})
    ]
    problems += [
        _("The answer %(value)s has no label.") % {"value": value}
        for value in sorted(offered - set(values))
    ]
    problems += [
        _(
            "The label for %(value)s is not an answer of this item (not on the scale, not a "
            '"don\'t know" value).'
        )
        % {"value": value}
        for value in sorted(set(values) - offered)
    ]
    problems += [
        _("The label for %(value)s needs a wording in both languages.") % {"value": label["value"]}
        for label in labels
        if not label["label_id"].strip() or not label["label_en"].strip()
    ]
    return problems


# --- questionnaires ------------------------------------------------------------------------------


def questionnaire_is_frozen(questionnaire) -> bool:
    return Response.objects.filter(campaign__questionnaire=questionnaire).exists()


def questionnaire_definition(questionnaire) -> dict:
    """The questionnaire as a definition shaped like questionnaires/default.json, which
    `services.questionnaire_load` takes back (as the next version of the same code)."""
    return {
        "code": questionnaire.code,
        "version": questionnaire.version,
        "title_id": questionnaire.title_id,
        "title_en": questionnaire.title_en,
        "indicators": [
            {
                "code": indicator.code,
                "dimension": indicator.dimension_code,
                "name_id": indicator.name_id,
                "name_en": indicator.name_en,
            }
            for indicator in questionnaire.indicators.order_by("position", "code")
        ],
        "items": [_item_definition(item) for item in _items(questionnaire)],
    }


def _item_definition(item) -> dict:
    return {
        "code": item.code,
        "group": item.group,
        "indicator": item.indicator.code,
        "wording_id": item.wording_id,
        "wording_en": item.wording_en,
        "scale_min": item.scale_min,
        "scale_max": item.scale_max,
        "reverse": item.reverse,
        "dont_know_values": list(item.dont_know_values),
        "scale_labels": list(item.scale_labels),
    }


def _items(questionnaire):
    return questionnaire.items.select_related("indicator").order_by("position")


def item_fingerprint(item) -> str:
    """A short digest of what the edit form changes: the form carries it, and an edit whose
    digest no longer matches the row was made on an older state."""
    editable = _item_definition(item)
    text = json.dumps(editable, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@audited
@transaction.atomic
def questionnaire_new_version(*, actor, questionnaire) -> Questionnaire:
    """The next version of the questionnaire's code, a copy of `questionnaire` to edit."""
    services.require_manager(actor)
    return services.questionnaire_load(
        actor=actor, definition=questionnaire_definition(questionnaire), based_on=questionnaire
    )


ITEM_FIELDS = (
    "wording_id",
    "wording_en",
    "scale_min",
    "scale_max",
    "scale_labels",
    "reverse",
    "dont_know_values",
)


@audited
@transaction.atomic
def item_update(*, actor, item, fingerprint: str, **changes) -> Item:
    """Change an item's wording, scale, labels, reverse flag or "don't know" values (the
    ITEM_FIELDS). Refused when its questionnaire has responses (QuestionnaireFrozen), when the
    item changed since `fingerprint` was read (StaleEdit), or when the result is not a valid
    item (ValidationError, by field)."""
    services.require_manager(actor)
    Questionnaire.objects.select_for_update().get(pk=item.questionnaire_id)
    locked = Item.objects.select_related("indicator").get(pk=item.pk)
    if questionnaire_is_frozen(locked.questionnaire):
        raise QuestionnaireFrozen(
            _("This questionnaire has responses, so it cannot change: make a new version of it.")
        )
    if item_fingerprint(locked) != fingerprint:
        raise StaleEdit(
            _("Someone changed this item since you opened it; check it and save again.")
        )
    for field in ITEM_FIELDS:
        setattr(locked, field, changes[field])
    _check_item(locked)
    locked.save()
    return locked


def _check_item(item):
    # labels and "don't know" values are checked below: none of the latter is a valid item
    item.full_clean(exclude=["questionnaire", "indicator", "scale_labels", "dont_know_values"])
    problems = {
        "dont_know_values": dont_know_problems(
            item.scale_min, item.scale_max, item.dont_know_values
        ),
        "scale_labels": label_problems(
            item.scale_min, item.scale_max, item.scale_labels, item.dont_know_values
        ),
    }
    if any(problems.values()):
        raise ValidationError({field: found for field, found in problems.items() if found})


def questionnaire_rows():
    """Every questionnaire version, newest first within its code, with how many items and
    campaigns it has and whether it is frozen."""
    answered = Response.objects.filter(campaign__questionnaire=OuterRef("pk"))
    rows = Questionnaire.objects.annotate(
        item_count=_count_of(Item, "questionnaire"),
        campaign_count=_count_of(Campaign, "questionnaire"),
        frozen=Exists(answered),
    ).order_by("code", "-version")
    return [(questionnaire, questionnaire.frozen) for questionnaire in rows]


def questionnaire_page(questionnaire) -> dict:
    """What the questionnaire's page shows: indicators, items in position order, the campaigns
    using it, its other versions and the latest recorded changes of its items."""
    return {
        "questionnaire": questionnaire,
        "indicators": list(questionnaire.indicators.order_by("position", "code")),
        "items": list(_items(questionnaire)),
        "frozen": questionnaire_is_frozen(questionnaire),
        "campaigns": list(questionnaire.campaigns.order_by("-period_start")),
        "versions": list(Questionnaire.objects.filter(code=questionnaire.code)),
        "newer": Questionnaire.objects.filter(
            code=questionnaire.code, version__gt=questionnaire.version
        ).first(),
        "changes": list(
            Item.history.filter(questionnaire_id=questionnaire.pk, history_type="~")
            .select_related("history_user")
            .order_by("-history_date")[:20]
        ),
    }


def newest_questionnaire(code: str, *, actor=None) -> Questionnaire | None:
    """The newest version of `code`; the shipped default is loaded the first time (so an
    actor is needed then)."""
    if code == "default" and actor is not None:
        return services.default_questionnaire(actor=actor)
    return Questionnaire.objects.filter(code=code).order_by("-version").first()


# --- campaigns -----------------------------------------------------------------------------------


def _locked_campaign(actor, campaign, version: int | None) -> Campaign:
    services.require_manager(actor)
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if version is not None and version != locked.version:
        raise StaleEdit(
            _("Someone changed this campaign since you opened it; check it and save again.")
        )
    return locked


@audited
@transaction.atomic
def campaign_units_update(*, actor, campaign, version: int, sizes: dict) -> Campaign:
    """Set the population and target sample of the campaign's units, `sizes` mapping a unit's
    pk to (population, target_sample), None for not known. Refused as a whole when the campaign
    changed since `version` (StaleEdit) or a target exceeds its population (ValidationError)."""
    locked = _locked_campaign(actor, campaign, version)
    problems = []
    for unit in locked.units.select_related("opd").order_by("opd__name", "group"):
        if unit.pk not in sizes:
            continue
        population, target = sizes[unit.pk]
        if population is not None and target is not None and target > population:
            problems.append(
                _(
                    "%(unit)s: the target sample (%(target)s) is larger than the population "
                    "(%(population)s)."
                )
                % {"unit": _unit_name(unit), "target": target, "population": population}
            )
        elif (unit.population, unit.target_sample) != (population, target):
            unit.population, unit.target_sample = population, target
            unit.save(update_fields=["population", "target_sample"])
    if problems:
        raise ValidationError(problems)
    return _bumped(locked)


def _unit_name(unit) -> str:
    return f"{unit.opd} · {unit.get_group_display()}"


def _bumped(campaign) -> Campaign:
    campaign.version += 1
    campaign.save()
    return campaign


@audited
@transaction.atomic
def campaign_open(*, actor, campaign, version: int | None = None) -> Campaign:
    """Start collecting (from a draft, or again after closing)."""
    locked = _locked_campaign(actor, campaign, version)
    if locked.status == CampaignStatus.OPEN:
        raise ValidationError(_("The campaign is collecting already."))
    locked.status = CampaignStatus.OPEN
    return _bumped(locked)


@audited
@transaction.atomic
def campaign_close(*, actor, campaign, version: int | None = None) -> Campaign:
    """Stop collecting: the forms and links no longer take answers."""
    locked = _locked_campaign(actor, campaign, version)
    if locked.status != CampaignStatus.OPEN:
        raise ValidationError(_("Only a campaign that is collecting can be closed."))
    locked.status = CampaignStatus.CLOSED
    return _bumped(locked)


def campaign_rows():
    """Every campaign with its questionnaire, how many units and responses it has."""
    # one subquery each: a join of units and responses would multiply a national campaign's rows
    return (
        Campaign.objects.select_related("questionnaire", "round")
        .annotate(unit_count=_count_of(CampaignUnit), response_count=_count_of(Response))
        .order_by("-period_start", "name")
    )


def _count_of(model, parent="campaign"):
    rows = model.objects.filter(**{parent: OuterRef("pk")}).order_by().values(parent)
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)


def unit_rows(campaign) -> list[dict]:
    """One row per unit (OPD, group): population, target sample, responses received and those
    counted in the scores (not excluded), and the margin of error reached and at target."""
    units = (
        CampaignUnit.objects.filter(campaign=campaign)
        .select_related("opd")
        .annotate(
            received=Count("responses"),
            counted=Count("responses", filter=Q(responses__excluded=False)),
        )
        .order_by("opd__name", "group")
    )
    return [
        {
            "unit": unit,
            "received": unit.received,
            "excluded": unit.received - unit.counted,
            "margin": margin_of_error(unit.counted, unit.population),
            "margin_at_target": margin_of_error(unit.target_sample or 0, unit.population),
        }
        for unit in units
    ]


def campaign_page(campaign) -> dict:
    rows = unit_rows(campaign)
    return {
        "campaign": campaign,
        "rows": rows,
        "received": sum(row["received"] for row in rows),
        "changes": list(
            campaign.history.select_related("history_user").order_by("-history_date")[:10]
        ),
    }
