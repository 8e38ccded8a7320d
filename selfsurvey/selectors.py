"""Reads of the self-run survey for pages, commands and the scoring."""

from decimal import Decimal

import pandas as pd
from django.db import connection

from surveys.self_scoring import ItemSpec

from . import answer_codec
from .models import Campaign, CampaignUnit, Item, Response

FLAG_FIELDS = [
    "flag_straight_lining",
    "flag_identical_vector",
    "flag_too_fast",
    "flag_burst",
]
RESPONSE_COLUMNS = [
    "id",
    "unit",
    "excluded",
    "duration_seconds",
    "received_slot",
    *FLAG_FIELDS,
    "answers",
]


def items_of(questionnaire) -> list[Item]:
    return list(questionnaire.items.select_related("indicator").order_by("position"))


def item_specs(questionnaire) -> list[ItemSpec]:
    return [
        ItemSpec(
            code=item.code,
            group=item.group,
            indicator=item.indicator.code,
            dimension=item.indicator.dimension_code,
            scale_min=item.scale_min,
            scale_max=item.scale_max,
            reverse=item.reverse,
            dont_know=frozenset(item.dont_know_values),
        )
        for item in items_of(questionnaire)
    ]


def group_weights(campaign: Campaign) -> dict[str, Decimal] | None:
    survey_round = campaign.round
    if survey_round is None:
        return None
    return {
        "internal": survey_round.weight_internal,
        "external": survey_round.weight_external,
        "expert": survey_round.weight_expert,
    }


def units_of(campaign: Campaign) -> dict[int, CampaignUnit]:
    return {unit.pk: unit for unit in campaign.units.select_related("opd")}


def opd_ids_by_code(campaign: Campaign) -> dict[str, int]:
    return {unit.opd.code: unit.opd_id for unit in units_of(campaign).values()}


def response_table(campaign: Campaign) -> pd.DataFrame:
    """Every response of the campaign, one row each: `id`, `unit`, `opd` (code), `group`,
    `excluded`, `duration_seconds`, `received_slot` and one numeric column per item code."""
    items = items_of(campaign.questionnaire)
    width = max((item.position for item in items), default=-1) + 1
    rows = _response_rows(campaign)
    frame = pd.DataFrame(rows, columns=RESPONSE_COLUMNS)
    units = units_of(campaign)
    frame["opd"] = frame["unit"].map({pk: unit.opd.code for pk, unit in units.items()})
    frame["group"] = frame["unit"].map({pk: unit.group for pk, unit in units.items()})
    for name in ["excluded", *FLAG_FIELDS]:
        frame[name] = frame[name].astype(bool)
    matrix = answer_codec.decode(frame["answers"].tolist(), width)
    # one block (a frame from a dict of columns copies and stacks each column again)
    answers = pd.DataFrame(
        matrix[:, [item.position for item in items]],
        columns=[item.code for item in items],
        index=frame.index,
    )
    return pd.concat([frame.drop(columns=["answers"]), answers], axis=1)


def _response_rows(campaign: Campaign):
    # a plain cursor: building 600,000 model rows would take most of the recomputation's time
    query, params = (
        Response.objects.filter(campaign=campaign)
        .order_by("pk")
        .values_list(
            "id",
            "unit_id",
            "excluded",
            "duration_seconds",
            "received_slot",
            *FLAG_FIELDS,
            "answers",
        )
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()
