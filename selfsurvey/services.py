"""Writes of the self-run survey. Every service takes `actor=`, checks the right inside its
transaction and records who acted (history rows through surveys.audit)."""

import json
import secrets
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys import self_scoring
from surveys.audit import audited
from surveys.models import RespondentGroup

from . import selectors
from .models import (
    Campaign,
    CampaignScore,
    CampaignUnit,
    Item,
    Questionnaire,
    QuestionnaireIndicator,
    Response,
)

DEFAULT_QUESTIONNAIRE = Path(__file__).parent / "questionnaires" / "default.json"
MANAGE = "selfsurvey.manage_campaign"


def require_manager(actor):
    if not actor.has_perm(MANAGE):
        raise PermissionDenied(_("Only the Inspectorate runs self-survey campaigns."))


@audited
@transaction.atomic
def questionnaire_load(*, actor, definition: dict, based_on: Questionnaire | None = None):
    """A new questionnaire version from a definition shaped like questionnaires/default.json."""
    require_manager(actor)
    code = definition["code"]
    latest = Questionnaire.objects.filter(code=code).aggregate(v=Max("version"))["v"] or 0
    questionnaire = Questionnaire.objects.create(
        code=code,
        version=latest + 1,
        title_id=definition["title_id"],
        title_en=definition["title_en"],
        based_on=based_on,
        created_by=actor,
    )
    indicators = {}
    for position, row in enumerate(definition["indicators"]):
        indicators[row["code"]] = QuestionnaireIndicator.objects.create(
            questionnaire=questionnaire,
            code=row["code"],
            dimension_code=row["dimension"],
            name_id=row["name_id"],
            name_en=row["name_en"],
            position=position,
        )
    for position, row in enumerate(definition["items"]):
        item = Item(
            questionnaire=questionnaire,
            indicator=indicators[row["indicator"]],
            code=row["code"],
            position=position,
            group=row["group"],
            wording_id=row["wording_id"],
            wording_en=row["wording_en"],
            scale_min=row["scale_min"],
            scale_max=row["scale_max"],
            scale_labels=row.get("scale_labels", []),
            reverse=row.get("reverse", False),
            dont_know_values=row.get("dont_know_values", []),
        )
        item.full_clean(exclude=["questionnaire", "indicator"])
        item.save()
    return questionnaire


def default_definition() -> dict:
    return json.loads(DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8"))


def default_questionnaire(*, actor) -> Questionnaire:
    """The newest version of the shipped questionnaire, loaded the first time it is asked for."""
    newest = Questionnaire.objects.filter(code="default").order_by("-version").first()
    return newest or questionnaire_load(actor=actor, definition=default_definition())


def new_link_token() -> str:
    return secrets.token_urlsafe(16)[:22]


@audited
@transaction.atomic
def campaign_create(
    *,
    actor,
    name,
    questionnaire,
    period_start,
    period_end,
    opds,
    groups=None,
    min_cell_size=10,
    survey_round=None,
):
    """A campaign in draft with one unit per OPD and group (every group by default)."""
    require_manager(actor)
    if Campaign.objects.filter(name=name).exists():
        raise ValidationError({"name": _("A campaign with this name exists already.")})
    campaign = Campaign(
        name=name,
        questionnaire=questionnaire,
        period_start=period_start,
        period_end=period_end,
        min_cell_size=min_cell_size,
        round=survey_round,
        created_by=actor,
    )
    campaign.full_clean()
    campaign.save()
    for opd in opds:
        for group in groups or RespondentGroup.values:
            CampaignUnit.objects.create(
                campaign=campaign, opd=opd, group=group, link_token=new_link_token()
            )
    return campaign


@audited
def campaign_recompute(*, actor, campaign, progress=None):
    """Flag the responses, then store every score of the campaign (pages only read them)."""
    require_manager(actor)
    report = progress or (lambda done, total: None)
    responses = selectors.response_table(campaign)
    specs = selectors.item_specs(campaign.questionnaire)
    report(1, 3)
    flags = _flags(campaign, responses, specs)
    report(2, 3)
    included = responses.loc[~responses["excluded"]]
    scores = self_scoring.campaign_scores(
        specs,
        included,
        weights=selectors.group_weights(campaign),
        k=campaign.min_cell_size,
    )
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        _store_flags(locked, responses, flags)
        _store_scores(locked, scores)
        locked.scores_computed_at = timezone.now()
        locked.save(update_fields=["scores_computed_at"])
    report(3, 3)
    return scores


def _flags(campaign, responses, specs):
    answers = responses[[spec.code for spec in specs]]
    return {
        "flag_straight_lining": self_scoring.straight_lining(answers, specs, responses["group"]),
        "flag_identical_vector": self_scoring.identical_vectors(
            answers, responses["unit"], campaign.identical_vector_threshold
        ),
        "flag_too_fast": self_scoring.too_fast(
            responses["duration_seconds"],
            self_scoring.answered_counts(answers),
            campaign.fast_seconds_per_item,
        ),
        "flag_burst": self_scoring.bursts(
            responses["unit"], responses["received_slot"], campaign.burst_per_slot
        ),
    }


def _store_flags(campaign, responses, flags):
    """Write only the flags that changed since they were read (a recomputation of a national
    campaign otherwise rewrites 600,000 rows four times)."""
    for field, values in flags.items():
        new = values.to_numpy(dtype=bool)
        changed = new != responses[field].to_numpy(dtype=bool)
        for value in (True, False):
            ids = responses.loc[changed & (new == value), "id"].tolist()
            for start in range(0, len(ids), 20000):
                Response.objects.filter(pk__in=ids[start : start + 20000]).update(**{field: value})


def _store_scores(campaign, scores):
    opd_ids = selectors.opd_ids_by_code(campaign)
    CampaignScore.objects.filter(campaign=campaign).delete()  # derived data, recomputed whole
    CampaignScore.objects.bulk_create(
        [
            CampaignScore(
                campaign=campaign,
                opd_id=opd_ids[score.opd] if score.opd else None,
                group=score.group or "",
                level=score.level,
                key=score.key,
                respondents=score.respondents,
                score=score.score,
                suppressed=score.suppressed,
            )
            for score in scores
        ],
        batch_size=2000,
    )
