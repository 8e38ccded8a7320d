"""Reads of a campaign's stored scores for the results pages, the CSV export and the
`survey_scores` command. Nothing here computes a score from answers: `campaign_recompute` stored
them; a suppressed score (fewer than k respondents) has no value here either, anywhere.

Each reader issues a fixed number of queries, whatever the number of OPDs or campaigns.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from actionplans import access
from actionplans.models import OPD, ActionPlan
from surveys import scoring
from surveys import selectors as survey_selectors
from surveys.models import Dimension, Institution, InstitutionResult, RespondentGroup, SurveyRound
from surveys.naming import indicator_name

from .models import (
    Campaign,
    CampaignScore,
    CampaignUnit,
    QuestionnaireIndicator,
    Response,
    ScoreLevel,
)

GROUPS = tuple(RespondentGroup.values)
WEAK_COUNT = 3  # the OPD page's weak indicators: its three lowest shown indicator scores
CENT = Decimal("0.01")
MAP_LEVELS = (ScoreLevel.DIMENSION, ScoreLevel.GROUP, ScoreLevel.COMPOSITE)
EXPORT_COLUMNS = ("opd", "group", "indicator", "respondents", "score", "suppressed")
FLAG_FIELDS = {
    "straight_lining": "flag_straight_lining",
    "identical_vectors": "flag_identical_vector",
    "too_fast": "flag_too_fast",
    "bursts": "flag_burst",
    "excluded": "excluded",
}


@dataclass(frozen=True)
class Cell:
    """One shown place of a table: a score with its band, suppressed (below k), or no data."""

    score: Decimal | None = None
    suppressed: bool = False
    respondents: int | None = None
    band: scoring.Band | None = None
    kind: str = "dimension"  # dimension, group or composite: how the map styles its column

    @property
    def has_data(self):
        return self.suppressed or self.score is not None


NO_DATA = Cell()


# --- shared lookups ------------------------------------------------------------------------------


def stored_scores(campaign: Campaign, **filters) -> dict[tuple, CampaignScore]:
    """The campaign's stored scores by (opd_id, group, level, key), in one query."""
    rows = CampaignScore.objects.filter(campaign=campaign, **filters).only(
        "opd_id", "group", "level", "key", "respondents", "score", "suppressed"
    )
    return {(row.opd_id, row.group, row.level, row.key): row for row in rows}


def methodology_of(campaign: Campaign) -> scoring.Methodology | None:
    """The matching round's bands colour the cells; a campaign without a round stays uncoloured."""
    if campaign.round is None:
        return None
    return survey_selectors.methodology_for(campaign.round)


def _cell(row: CampaignScore | None, methodology, kind="dimension") -> Cell:
    if row is None:
        return Cell(kind=kind)
    band = None
    if methodology is not None and row.score is not None:
        band = methodology.band_for(row.score)
    return Cell(row.score, row.suppressed, row.respondents, band, kind)


def _composite_cell(scores, opd_id, methodology) -> Cell:
    return _cell(scores.get((opd_id, "", ScoreLevel.COMPOSITE, "")), methodology, "composite")


def campaign_groups(campaign: Campaign) -> list[str]:
    """The respondent groups the campaign covers, in the portal's order."""
    covered = set(CampaignUnit.objects.filter(campaign=campaign).values_list("group", flat=True))
    return [group for group in GROUPS if group in covered]


def campaign_opds(campaign: Campaign):
    return OPD.objects.filter(survey_units__campaign=campaign).distinct().order_by("name")


@dataclass(frozen=True)
class DimensionColumn:
    code: str
    name: str


def dimension_columns(campaign: Campaign) -> list[DimensionColumn]:
    """The questionnaire's SPI dimensions in its order, named as the matching round names them."""
    codes = list(
        dict.fromkeys(
            campaign.questionnaire.indicators.order_by("position").values_list(
                "dimension_code", flat=True
            )
        )
    )
    names = {}
    if campaign.round_id:
        dimensions = Dimension.objects.filter(round_id=campaign.round_id, code__in=codes)
        names = {dimension.code: indicator_name(dimension) for dimension in dimensions}
    return [DimensionColumn(code, names.get(code, code)) for code in codes]


def excluded_count(campaign: Campaign) -> int:
    return Response.objects.filter(campaign=campaign, excluded=True).count()


# --- the OPD integrity map -----------------------------------------------------------------------


@dataclass
class MapRow:
    opd: OPD | None  # None: the institution as a whole
    cells: list[Cell]  # the composite (every group), the group aggregates, the dimensions
    weakness: Decimal | None = None  # what the rows are sorted by, weakest first


@dataclass
class IntegrityMap:
    group: str  # "" for every group
    groups: list[str]
    dimensions: list[DimensionColumn]
    columns: list[dict]
    institution: MapRow
    rows: list[MapRow]
    legend: list[dict] = field(default_factory=list)

    @property
    def table_rows(self) -> list[MapRow]:
        return [self.institution, *self.rows]


def integrity_map(campaign: Campaign, group: str = "") -> IntegrityMap:
    """OPD x dimension, the weakest OPD first, the institution on top; what the rows are sorted
    by comes first.

    With a group: that group's aggregate and dimension scores, sorted by the aggregate. Without
    (every group): the composite and each group's aggregate, sorted by the composite, else by the
    mean of the shown group aggregates; then per dimension the mean of the groups' stored
    dimension scores, suppressed when any group's score of it is suppressed (a mean of only the
    shown groups would pass for the whole OPD)."""
    groups = campaign_groups(campaign)
    dimensions = dimension_columns(campaign)
    methodology = methodology_of(campaign)
    scores = stored_scores(campaign, level__in=MAP_LEVELS)
    shown_groups = [group] if group else groups

    def row_for(opd):
        opd_id = opd.pk if opd else None
        composite = None if group else _composite_cell(scores, opd_id, methodology)
        aggregates = [
            _cell(scores.get((opd_id, g, ScoreLevel.GROUP, "")), methodology, "group")
            for g in shown_groups
        ]
        dimension_cells = [
            _dimension_cell(scores, opd_id, shown_groups, dimension.code, methodology)
            for dimension in dimensions
        ]
        cells = ([composite] if composite else []) + aggregates + dimension_cells
        return MapRow(opd, cells, _weakness(composite, aggregates))

    rows = [row_for(opd) for opd in campaign_opds(campaign)]
    rows.sort(key=lambda row: (row.weakness is None, row.weakness or 0, row.opd.name))
    columns = [] if group else [{"kind": "composite"}]
    columns += [{"group": g, "kind": "group"} for g in shown_groups]
    columns += [{"label": d.name, "code": d.code, "kind": "dimension"} for d in dimensions]
    legend = survey_selectors.band_rows(methodology) if methodology else []
    return IntegrityMap(group, groups, dimensions, columns, row_for(None), rows, legend)


def _dimension_cell(scores, opd_id, groups, code, methodology) -> Cell:
    parts = [scores.get((opd_id, g, ScoreLevel.DIMENSION, code)) for g in groups]
    parts = [part for part in parts if part is not None]
    if len(groups) == 1 or not parts:
        return _cell(parts[0] if parts else None, methodology)
    if any(part.suppressed for part in parts):
        return Cell(suppressed=True)
    value = mean([part.score for part in parts])
    band = methodology.band_for(value) if methodology else None
    return Cell(value, False, None, band)


def mean(values: list[Decimal]) -> Decimal:
    """The mean of stored two-decimal scores, rounded half away from zero to two decimals."""
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)


def _weakness(composite: Cell | None, aggregates: list[Cell]) -> Decimal | None:
    if composite is not None and composite.score is not None:
        return composite.score
    shown = [cell.score for cell in aggregates if cell.score is not None]
    return mean(shown) if shown else None


# --- one OPD's page ------------------------------------------------------------------------------


@dataclass
class IndicatorRow:
    code: str
    name: str
    dimension: str
    dimension_name: str
    cell: Cell


@dataclass
class DimensionBlock:
    column: DimensionColumn
    cell: Cell
    indicators: list[IndicatorRow]


@dataclass
class GroupBlock:
    group: str
    aggregate: Cell
    dimensions: list[DimensionBlock]


@dataclass
class WeakIndicator:
    group: str
    indicator: IndicatorRow
    plans: list[ActionPlan]


@dataclass
class OpdScores:
    opd: OPD
    composite: Cell
    groups: list[GroupBlock]
    weak: list[WeakIndicator]
    legend: list[dict]


def opd_scores(campaign: Campaign, opd: OPD, user) -> OpdScores:
    """One OPD's groups, dimensions and indicators, its weak indicators (the WEAK_COUNT lowest
    shown indicator scores over its groups) and the plans of the matching round aimed at them
    that the user may see."""
    scores = stored_scores(campaign, opd=opd)
    methodology = methodology_of(campaign)
    indicators = list(
        QuestionnaireIndicator.objects.filter(questionnaire_id=campaign.questionnaire_id)
    )
    columns = dimension_columns(campaign)
    blocks = [
        _group_block(scores, opd.pk, group, columns, indicators, methodology)
        for group in campaign_groups(campaign)
    ]
    blocks = [block for block in blocks if block.aggregate.has_data or block.dimensions]
    composite = _composite_cell(scores, opd.pk, methodology)
    weak = weak_indicators(blocks)
    plans = _plans_for(campaign, opd, {w.indicator.dimension for w in weak}, user)
    for item in weak:
        item.plans = [p for p in plans if item.indicator.dimension in p.dimension_codes]
    legend = survey_selectors.band_rows(methodology) if methodology else []
    return OpdScores(opd, composite, blocks, weak, legend)


def _group_block(scores, opd_id, group, columns, indicators, methodology) -> GroupBlock:
    dimensions = []
    for column in columns:
        rows = [
            IndicatorRow(
                i.code,
                i.name,
                column.code,
                column.name,
                _cell(scores.get((opd_id, group, ScoreLevel.INDICATOR, i.code)), methodology),
            )
            for i in indicators
            if i.dimension_code == column.code
        ]
        rows = [row for row in rows if row.cell.has_data]
        cell = _cell(scores.get((opd_id, group, ScoreLevel.DIMENSION, column.code)), methodology)
        if rows or cell.has_data:
            dimensions.append(DimensionBlock(column, cell, rows))
    aggregate = _cell(scores.get((opd_id, group, ScoreLevel.GROUP, "")), methodology, "group")
    return GroupBlock(group, aggregate, dimensions)


def weak_indicators(blocks: list[GroupBlock]) -> list[WeakIndicator]:
    """The WEAK_COUNT lowest shown indicator scores of the OPD, over its groups, lowest first.
    Suppressed scores are never among them: a weak point below k would give its value away."""
    shown = [
        WeakIndicator(block.group, row, [])
        for block in blocks
        for dimension in block.dimensions
        for row in dimension.indicators
        if row.cell.score is not None
    ]
    shown.sort(key=lambda w: (w.indicator.cell.score, w.indicator.code, w.group))
    return shown[:WEAK_COUNT]


def _plans_for(campaign, opd, dimension_codes, user) -> list[ActionPlan]:
    """Two queries whenever the campaign has a round (the plans, then which weak dimensions each
    is aimed at), however many plans there are."""
    if campaign.round_id is None:
        return []
    plans = ActionPlan.objects.filter(
        round_id=campaign.round_id, owner_opd=opd, indicators__code__in=dimension_codes
    )
    plans = access.restrict(plans, user, "view").distinct()
    links = ActionPlan.indicators.through.objects.filter(
        actionplan__in=plans, dimension__code__in=dimension_codes
    ).values_list("actionplan_id", "dimension__code")
    codes = {}
    for plan_id, code in links:
        codes.setdefault(plan_id, set()).add(code)
    plans = list(plans.order_by("due_date", "pk"))
    for plan in plans:
        plan.dimension_codes = codes.get(plan.pk, set())
    return plans


# --- the trend across campaigns ------------------------------------------------------------------


@dataclass
class TrendRow:
    campaign: Campaign
    composite: Cell
    groups: list[Cell]
    kpk: InstitutionResult | None
    own_opd_code: str | None = None  # for the head of an OPD the campaign covers: their page


def campaign_trend(user) -> list[TrendRow]:
    """Every campaign by period: the institution's composite and group aggregates, beside KPK's
    result of the home institution in the matching round (rounds the user may see only)."""
    campaigns = list(Campaign.objects.select_related("round").order_by("period_start", "name"))
    scores = {}
    rows = CampaignScore.objects.filter(
        campaign__in=campaigns, opd__isnull=True, level__in=[ScoreLevel.GROUP, ScoreLevel.COMPOSITE]
    )
    for row in rows:
        scores[(row.campaign_id, row.group)] = row
    kpk = _kpk_results(campaigns, user)
    own = own_campaign_opds(user)
    return [
        TrendRow(
            campaign,
            _cell(scores.get((campaign.pk, "")), None, "composite"),
            [_cell(scores.get((campaign.pk, g)), None, "group") for g in GROUPS],
            kpk.get(campaign.round_id),
            own.get(campaign.pk),
        )
        for campaign in campaigns
    ]


def _kpk_results(campaigns, user) -> dict[int, InstitutionResult]:
    round_ids = {c.round_id for c in campaigns if c.round_id}
    if not round_ids:
        return {}
    rounds = SurveyRound.objects.visible_to(user).filter(pk__in=round_ids)
    results = InstitutionResult.objects.filter(
        round__in=rounds, institution__in=Institution.objects.filter(is_home=True)
    )
    return {result.round_id: result for result in results}


def trend_series(trend: list[TrendRow]) -> list[dict]:
    """The trend's lines for surveys.charts.comparison_figure: ours (composite and groups) and
    KPK's published index; a suppressed or missing value is a gap."""
    lines = [
        (_("Self-survey composite"), [row.composite.score for row in trend]),
        *[
            (
                _("Self-survey %(group)s") % {"group": RespondentGroup(g).label},
                [row.groups[i].score for row in trend],
            )
            for i, g in enumerate(GROUPS)
        ],
        (_("KPK published index"), [row.kpk.published_index if row.kpk else None for row in trend]),
    ]
    return [{"institution": _Named(name), "values": values} for name, values in lines]


@dataclass(frozen=True)
class _Named:
    name: str


# --- exports and the command ---------------------------------------------------------------------


def indicator_score_rows(campaign: Campaign) -> list[dict]:
    """One row per OPD x group x indicator: opd (code), group, indicator, respondents, score
    (None when suppressed) and suppressed. The page's CSV and `survey_scores` both write these."""
    rows = (
        CampaignScore.objects.filter(
            campaign=campaign, level=ScoreLevel.INDICATOR, opd__isnull=False
        )
        .order_by("opd__code", "group", "key")
        .values_list("opd__code", "group", "key", "respondents", "score", "suppressed")
    )
    return [
        {
            "opd": opd,
            "group": group,
            "indicator": key,
            "respondents": respondents,
            "score": None if suppressed else score,
            "suppressed": suppressed,
        }
        for opd, group, key, respondents, score, suppressed in rows
    ]


def flag_counts(campaign: Campaign) -> dict[str, int]:
    """How many of the campaign's respondents carry each quality flag; how many were excluded."""
    counts = {name: Count("pk", filter=Q(**{column: True})) for name, column in FLAG_FIELDS.items()}
    return Response.objects.filter(campaign=campaign).aggregate(**counts)


def csv_cells(row: dict) -> list[str]:
    """An export row as CSV cells: a suppressed score is an empty cell, never a value."""
    score = "" if row["suppressed"] or row["score"] is None else f"{row['score']:.2f}"
    return [
        row["opd"],
        row["group"],
        row["indicator"],
        str(row["respondents"]),
        score,
        "true" if row["suppressed"] else "false",
    ]


def own_campaign_opds(user) -> dict[int, str]:
    """For the head of an OPD: campaign id -> their OPD's code, for the campaigns covering it."""
    opd_id = access.opd_id_of(user) if user.has_perm("actionplans.report_progress") else None
    if opd_id is None:
        return {}
    units = CampaignUnit.objects.filter(opd_id=opd_id).values_list("campaign_id", "opd__code")
    return dict(units)
