"""Demo campaigns of the self-run survey: two closed rounds of 2026 (a trend) and one collecting
now, over the demo OPDs. The answers are generated (a fixed seed), not anyone's real answers: each
OPD leans towards its own weak dimensions, some expert cells stay below k, and one OPD's external
answers hold a block of identical copies for the review list."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from actionplans.models import OPD
from surveys.models import SurveyRound

from . import answer_codec, campaigning, services
from .models import Campaign, CampaignStatus, CampaignUnit, Response, ResponseChannel

# name, period, status, how much better than the first campaign every answer leans
CAMPAIGNS = [
    ("Survei Integritas Mandiri Semester I 2026", (2026, 1, 12), (2026, 3, 20), "closed", 0.0),
    ("Survei Integritas Mandiri Semester II 2026", (2026, 7, 6), (2026, 9, 18), "closed", 0.06),
    ("Survei Integritas Mandiri Akhir 2026", (2026, 11, 16), (2027, 1, 29), "open", 0.0),
]
# OPD code -> the dimensions where its answers lean towards the bad end
WEAK_DIMENSIONS = {
    "DPMPTSP": {"INT", "TIN", "TRN"},
    "BKPSDM": {"SDM"},
    "PBJ": {"PBJ", "TIN"},
    "BPKAD": {"ANG"},
    "DINKES": {"INT"},
}
RESPONDENTS = {"internal": (24, 40), "external": (14, 30), "expert": (7, 16)}
IDENTICAL_BLOCK = ("DPMPTSP", "external", 22)
STRAIGHT_LINERS = ("BKPSDM", "internal", 3)  # "1" to every item, valid on every scale


@transaction.atomic
def demo_campaigns(*, actor) -> list[Campaign]:
    """Create the demo campaigns once (idempotent by name) and compute their scores."""
    # SPI 2024 is the round the demo's plans follow up: the campaigns measure whether they work
    survey_round = SurveyRound.objects.filter(year=2024).first()
    opds = list(OPD.objects.filter(is_active=True).order_by("code"))
    campaigns = []
    for index, (name, start, end, status, lift) in enumerate(CAMPAIGNS):
        campaign = Campaign.objects.filter(name=name).first()
        if campaign is None:
            campaign = _campaign(actor, name, start, end, opds, survey_round)
            generator = random.Random(index + 2026)
            closing = status == CampaignStatus.CLOSED
            _answer(campaign, generator, lift, share=1.0 if closing else 0.45)
            campaign = campaigning.campaign_open(actor=actor, campaign=campaign)
            if closing:
                campaign = campaigning.campaign_close(actor=actor, campaign=campaign)
            services.campaign_recompute(actor=actor, campaign=campaign)
            campaign.refresh_from_db()
        campaigns.append(campaign)
    return campaigns


def _campaign(actor, name, start, end, opds, survey_round):
    campaign = services.campaign_create(
        actor=actor,
        name=name,
        questionnaire=services.default_questionnaire(actor=actor),
        period_start=datetime.date(*start),
        period_end=datetime.date(*end),
        opds=opds,
        survey_round=survey_round,
    )
    for unit in campaign.units.all():
        low, high = RESPONDENTS[unit.group]
        unit.population = {"internal": 6, "external": 40, "expert": 2}[unit.group] * high
        unit.target_sample = high
        unit.save()
    return campaign


def _answer(campaign, generator, lift, *, share):
    items = list(campaign.questionnaire.items.select_related("indicator"))
    width = max(item.position for item in items) + 1
    rows = []
    for unit in campaign.units.select_related("opd"):
        low, high = RESPONDENTS[unit.group]
        count = round(generator.randint(low, high) * share)
        group_items = [item for item in items if item.group == unit.group]
        weak = WEAK_DIMENSIONS.get(unit.opd.code, set())
        for _ in range(count):
            answers = {
                item.position: _answer_one(item, weak, lift, generator) for item in group_items
            }
            rows.append(_response(campaign, unit, answer_codec.encode(answers, width), generator))
        if (unit.opd.code, unit.group) == IDENTICAL_BLOCK[:2]:
            copy = answer_codec.encode(
                {item.position: item.scale_max for item in group_items}, width
            )
            rows += [_response(campaign, unit, copy, generator) for _ in range(IDENTICAL_BLOCK[2])]
        if (unit.opd.code, unit.group) == STRAIGHT_LINERS[:2]:
            ones = answer_codec.encode({item.position: 1 for item in group_items}, width)
            rows += [_response(campaign, unit, ones, generator) for _ in range(STRAIGHT_LINERS[2])]
    Response.objects.bulk_create(rows, batch_size=1000)


def _answer_one(item, weak, lift, generator):
    if generator.random() < 0.04:
        return item.dont_know_values[0] if item.dont_know_values else None
    good = 0.45 if item.indicator.dimension_code in weak else 0.72
    good = min(good + lift, 0.95)
    steps = item.scale_max - item.scale_min
    position = sum(generator.random() < good for _ in range(steps))  # 0 (bad) .. steps (good)
    return item.scale_max - position if item.reverse else item.scale_min + position


def _response(campaign, unit: CampaignUnit, answers, generator):
    web = generator.random() < 0.6
    day = campaign.period_start + datetime.timedelta(days=generator.randint(0, 20))
    slot = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))
    return Response(
        campaign=campaign,
        unit=unit,
        channel=ResponseChannel.WEB if web else ResponseChannel.IMPORT,
        answers=answers,
        received_slot=slot + datetime.timedelta(minutes=10 * generator.randint(0, 40))
        if web
        else None,
        duration_seconds=generator.randint(90, 600) if web else None,
    )
