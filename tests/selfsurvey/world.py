"""Builders for the self-run survey's tests: a campaign over OPDs with answered responses."""

import datetime
import random

from selfsurvey import answer_codec, services
from selfsurvey.models import CampaignUnit, Response, ResponseChannel

SECRET_COMMENT = "Komentar rahasia responden"


def make_campaign(actor, opds, survey_round=None, *, name="Survei mandiri 2026", k=10):
    questionnaire = services.default_questionnaire(actor=actor)
    return services.campaign_create(
        actor=actor,
        name=name,
        questionnaire=questionnaire,
        period_start=datetime.date(2026, 3, 1),
        period_end=datetime.date(2026, 4, 30),
        opds=opds,
        survey_round=survey_round,
        min_cell_size=k,
    )


def unit_of(campaign, opd, group) -> CampaignUnit:
    return campaign.units.get(opd=opd, group=group)


def add_responses(unit, answers_by_code: list[dict], *, channel=ResponseChannel.IMPORT, **fields):
    """One response per dict {item code: value}; items not named are blank."""
    items = {item.code: item for item in unit.campaign.questionnaire.items.all()}
    width = max(item.position for item in items.values()) + 1
    rows = [
        Response(
            campaign=unit.campaign,
            unit=unit,
            channel=channel,
            answers=answer_codec.encode(
                {items[code].position: value for code, value in answers.items()}, width
            ),
            **fields,
        )
        for answers in answers_by_code
    ]
    return Response.objects.bulk_create(rows)


def random_answers(unit, count, *, seed=1) -> list[dict]:
    generator = random.Random(seed)
    items = [item for item in unit.campaign.questionnaire.items.all() if item.group == unit.group]
    return [
        {item.code: generator.randint(item.scale_min, item.scale_max) for item in items}
        for _ in range(count)
    ]


def answered_campaign(actor, opds, survey_round=None, *, per_unit=12, **options):
    """A campaign with `per_unit` random responses in every unit, one with a free-text comment,
    and its scores computed."""
    campaign = make_campaign(actor, opds, survey_round, **options)
    for unit in campaign.units.all():
        responses = add_responses(unit, random_answers(unit, per_unit, seed=unit.pk))
        Response.objects.filter(pk=responses[0].pk).update(
            comment=f"{SECRET_COMMENT} {unit.opd.code}"
        )
    services.campaign_recompute(actor=actor, campaign=campaign)
    return campaign
