"""The self-survey's results pages: the OPD integrity map, one OPD's page, the trend and the CSV.
They read stored scores only; a score of fewer than k respondents never shows, anywhere."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans.models import OPD
from selfsurvey import score_selectors, services
from selfsurvey.models import CampaignScore, Response, ScoreLevel
from tests.conftest import in_english
from tests.factories import client_for, stored_plan
from tests.selfsurvey.world import (
    SECRET_COMMENT,
    add_responses,
    answered_campaign,
    make_campaign,
    random_answers,
)

pytestmark = pytest.mark.django_db

SUPPRESSED_ID = "kurang dari 10 responden"
SUPPRESSED_EN = "fewer than 10 respondents"


def _map_url(campaign, **query):
    url = reverse("selfsurvey:campaign_map", args=[campaign.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _opd_url(campaign, opd):
    return reverse("selfsurvey:campaign_opd", args=[campaign.pk, opd.code])


def _text(response) -> str:
    return response.content.decode()


def _suppressed_text(text) -> bool:
    return SUPPRESSED_ID in text or SUPPRESSED_EN in text


def _row_of(text, opd_name) -> str:
    """The map's table row of one OPD."""
    match = re.search(
        r"<tr>\s*<th scope=\"row\"[^>]*><a [^>]*><span[^>]*>" + re.escape(opd_name) + r"<.*?</tr>",
        text,
        re.S,
    )
    assert match, opd_name
    return match.group(0)


def _opd_order(text, names) -> list[str]:
    return sorted(names, key=lambda name: text.index(f">{name}<"))


@pytest.fixture
def opd_c(db):
    return OPD.objects.create(code="DISHUB", name="Dinas Perhubungan", short_name="Dishub")


@pytest.fixture
def small_unit_campaign(methodology, inspector, opd_a, opd_b):
    """OPD A with 12 responses in every group; OPD B's internal group with only k - 1 = 9."""
    campaign = make_campaign(inspector, [opd_a, opd_b], methodology[2024])
    for unit in campaign.units.all():
        count = 9 if (unit.opd == opd_b and unit.group == "internal") else 12
        add_responses(unit, random_answers(unit, count, seed=unit.pk))
    services.campaign_recompute(actor=inspector, campaign=campaign)
    return campaign


# --- the map -------------------------------------------------------------------------------------


def test_the_map_lists_the_weakest_opd_first(methodology, inspector, opd_a, opd_b, opd_c):
    campaign = answered_campaign(inspector, [opd_a, opd_b, opd_c], methodology[2024])
    composites = {
        row.opd.name: row.score
        for row in CampaignScore.objects.filter(
            campaign=campaign, level=ScoreLevel.COMPOSITE, opd__isnull=False
        ).select_related("opd")
    }
    assert all(score is not None for score in composites.values())
    weakest_first = sorted(composites, key=lambda name: (composites[name], name))
    text = _text(in_english(client_for(inspector)).get(_map_url(campaign)))
    assert _opd_order(text, list(composites)) == weakest_first
    assert text.index("Institution as a whole") < text.index(weakest_first[0])


def test_without_a_round_the_map_sorts_by_the_mean_of_the_group_aggregates(
    inspector, opd_a, opd_b, opd_c
):
    campaign = answered_campaign(inspector, [opd_a, opd_b, opd_c])  # no round: no weights
    assert not CampaignScore.objects.filter(campaign=campaign, level=ScoreLevel.COMPOSITE)
    aggregates = {}
    for row in CampaignScore.objects.filter(
        campaign=campaign, level=ScoreLevel.GROUP, opd__isnull=False
    ).select_related("opd"):
        aggregates.setdefault(row.opd.name, []).append(row.score)
    means = {name: score_selectors.mean(scores) for name, scores in aggregates.items()}
    text = _text(client_for(inspector).get(_map_url(campaign)))
    assert _opd_order(text, list(means)) == sorted(means, key=lambda name: (means[name], name))
    assert "band-" not in text[text.index('id="integrity-map"') :]
    assert '<th scope="col" class="heat-group">TRN</th>' in text  # named by its code


def test_the_map_of_one_group_sorts_by_that_groups_aggregate(
    methodology, inspector, opd_a, opd_b, opd_c
):
    campaign = answered_campaign(inspector, [opd_a, opd_b, opd_c], methodology[2024])
    aggregates = {
        row.opd.name: row.score
        for row in CampaignScore.objects.filter(
            campaign=campaign, level=ScoreLevel.GROUP, group="external", opd__isnull=False
        ).select_related("opd")
    }
    text = _text(client_for(inspector).get(_map_url(campaign, group="external")))
    assert _opd_order(text, list(aggregates)) == sorted(
        aggregates, key=lambda name: (aggregates[name], name)
    )


def test_a_map_cell_shows_the_stored_value_with_its_band(campaign, inspector, opd_a):
    stored = CampaignScore.objects.get(
        campaign=campaign, opd=opd_a, group="internal", level=ScoreLevel.DIMENSION, key="TRN"
    )
    text = _text(client_for(inspector).get(_map_url(campaign, group="internal")))
    row = _row_of(text, opd_a.name)
    assert f"{stored.score:.2f}".replace(".", ",") in row
    assert "band-" in row


def test_the_all_groups_map_shows_the_mean_of_the_groups_dimension_scores(campaign, inspector):
    built = score_selectors.integrity_map(campaign)
    institution = built.institution
    trn = [c.code for c in built.dimensions].index("TRN")
    parts = CampaignScore.objects.filter(
        campaign=campaign, opd__isnull=True, level=ScoreLevel.DIMENSION, key="TRN"
    ).values_list("score", flat=True)
    dimension_cells = [cell for cell in institution.cells if cell.kind == "dimension"]
    assert dimension_cells[trn].score == score_selectors.mean(list(parts))


def test_a_suppressed_cell_says_so_and_never_shows_a_value(small_unit_campaign, inspector, opd_b):
    stored = CampaignScore.objects.filter(campaign=small_unit_campaign, opd=opd_b, group="internal")
    assert stored.exists()
    assert all(row.suppressed and row.score is None for row in stored)
    client = client_for(inspector)
    text = _text(client.get(_map_url(small_unit_campaign, group="internal")))
    row = _row_of(text, opd_b.name)
    cells = re.findall(r"<td[^>]*>.*?</td>", row, re.S)
    assert cells and all("data-suppressed" in cell for cell in cells)
    assert all(_suppressed_text(cell) for cell in cells)
    assert not re.search(r"\d+,\d\d", row)
    legend = text[text.index("heat-legend") :]
    assert _suppressed_text(legend)


def test_a_suppressed_group_suppresses_the_all_groups_cells_and_composite(
    small_unit_campaign, inspector, opd_b
):
    text = _text(client_for(inspector).get(_map_url(small_unit_campaign)))
    row = _row_of(text, opd_b.name)
    cells = re.findall(r"<td[^>]*>.*?</td>", row, re.S)
    composite, internal = 0, 1  # composite, internal, external, expert, then seven dimensions
    assert "data-suppressed" in cells[internal] and "data-suppressed" in cells[composite]
    # every dimension has internal items, so each all-groups mean has a suppressed part
    assert all("data-suppressed" in cell for cell in cells[4:])


def test_the_opd_page_never_shows_a_suppressed_value(small_unit_campaign, inspector, opd_b):
    text = _text(client_for(inspector).get(_opd_url(small_unit_campaign, opd_b)))
    internal = text[text.index('id="group-internal"') : text.index('id="group-external"')]
    assert _suppressed_text(internal)
    assert not re.search(r"\d+,\d\d", internal)


def test_the_csv_writes_a_suppressed_score_as_empty(small_unit_campaign, inspector, opd_b):
    response = client_for(inspector).get(
        reverse("selfsurvey:campaign_scores_csv", args=[small_unit_campaign.pk])
    )
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "opd,group,indicator,respondents,score,suppressed"
    rows = [line.split(",") for line in lines[1:]]
    small = [row for row in rows if row[0] == opd_b.code and row[1] == "internal"]
    assert small and all(row[4] == "" and row[5] == "true" for row in small)
    assert all(int(row[3]) < 10 for row in small)
    shown = [row for row in rows if row[5] == "false"]
    assert shown and all(re.fullmatch(r"\d+\.\d\d", row[4]) for row in shown)


def test_the_map_says_how_many_responses_were_excluded_and_when_scores_were_computed(
    campaign, inspector
):
    ids = list(Response.objects.filter(campaign=campaign).values_list("pk", flat=True)[:3])
    Response.objects.filter(pk__in=ids).update(excluded=True)
    text = _text(client_for(inspector).get(_map_url(campaign)))
    facts = text[text.index('id="campaign-facts"') :][:600]
    assert re.search(r"\b3 (responses excluded|respons dikeluarkan)", facts), facts
    campaign.refresh_from_db()
    assert str(campaign.scores_computed_at.year) in facts


# --- access --------------------------------------------------------------------------------------


def test_the_head_of_an_opd_sees_their_own_opd_page(campaign, head_a, opd_a):
    response = client_for(head_a).get(_opd_url(campaign, opd_a))
    assert response.status_code == 200
    assert opd_a.name in _text(response)


def test_the_head_of_an_opd_gets_404_for_another_opd(campaign, head_a, opd_b):
    assert client_for(head_a).get(_opd_url(campaign, opd_b)).status_code == 404


def test_the_head_of_an_opd_is_sent_from_the_map_to_their_own_page(campaign, head_a, opd_a):
    response = client_for(head_a).get(_map_url(campaign))
    assert response.status_code == 302
    assert response["Location"] == _opd_url(campaign, opd_a)


def test_the_head_of_an_opd_may_not_download_the_scores(campaign, head_a):
    url = reverse("selfsurvey:campaign_scores_csv", args=[campaign.pk])
    assert client_for(head_a).get(url).status_code == 403


def test_no_page_shows_a_respondents_comment(campaign, inspector, head_a, opd_a, opd_b):
    urls = [
        _map_url(campaign),
        _map_url(campaign, group="internal"),
        _opd_url(campaign, opd_a),
        _opd_url(campaign, opd_b),
        reverse("selfsurvey:campaign_trend"),
        reverse("selfsurvey:campaign_scores_csv", args=[campaign.pk]),
    ]
    assert Response.objects.filter(comment__startswith=SECRET_COMMENT).exists()
    for user in (inspector, head_a):
        client = client_for(user)
        for url in urls:
            response = client.get(url)
            assert SECRET_COMMENT not in response.content.decode("utf-8-sig"), (user, url)


# --- the OPD page: weak indicators and plans -----------------------------------------------------


def test_the_opd_page_names_its_three_lowest_indicators_as_weak(campaign, inspector, opd_a):
    page = score_selectors.opd_scores(campaign, opd_a, inspector)
    lowest = CampaignScore.objects.filter(
        campaign=campaign, opd=opd_a, level=ScoreLevel.INDICATOR, suppressed=False
    ).order_by("score", "key", "group")[:3]
    assert [(w.group, w.indicator.code) for w in page.weak] == [(s.group, s.key) for s in lowest]


def test_the_opd_page_lists_the_plans_aimed_at_its_weak_dimensions(
    campaign, inspector, opd_a, opd_b
):
    page = score_selectors.opd_scores(campaign, opd_a, inspector)
    weak = page.weak[0]
    dimension = campaign.round.dimensions.get(code=weak.indicator.dimension)
    aimed = stored_plan(campaign.round, opd_a, "Rencana untuk titik lemah", indicator=dimension)
    stored_plan(campaign.round, opd_b, "Rencana OPD lain", indicator=dimension)
    text = _text(client_for(inspector).get(_opd_url(campaign, opd_a)))
    assert aimed.get_absolute_url() in text
    assert "Rencana untuk titik lemah" in text
    assert "Rencana OPD lain" not in text


def test_the_plan_link_of_a_weak_indicator_prefills_the_new_plan(campaign, inspector, opd_a):
    text = _text(client_for(inspector).get(_opd_url(campaign, opd_a)))
    links = re.findall(r'plan-create" href="([^"]+)"', text)
    assert links
    link = links[0].replace("&amp;", "&")
    weak = score_selectors.opd_scores(campaign, opd_a, inspector).weak[0]
    assert f"opd={opd_a.code}" in link and f"indicator={weak.indicator.dimension}" in link
    response = client_for(inspector).get(link)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["owner_opd"] == opd_a
    assert [d.code for d in form.initial["indicators"]] == [weak.indicator.dimension]
    assert form.initial["respondent_group"] == weak.group
    page = _text(response)
    assert re.search(rf'<option value="{opd_a.pk}" selected>', page)
    dimension = campaign.round.dimensions.get(code=weak.indicator.dimension)
    assert re.search(rf'value="{dimension.pk}"[^>]*checked', page) or re.search(
        rf'checked[^>]*value="{dimension.pk}"', page
    )


def test_the_plan_prefill_ignores_an_opd_the_user_may_not_plan_for(methodology, inspector):
    closed = OPD.objects.create(code="TUTUP", name="Dinas Tutup", is_active=False)
    url = reverse("actionplans:plan_create") + f"?round=2024&opd={closed.code}"
    response = client_for(inspector).get(url)
    assert "owner_opd" not in response.context["form"].initial


def test_the_head_of_an_opd_gets_no_plan_button(campaign, head_a, opd_a):
    text = _text(client_for(head_a).get(_opd_url(campaign, opd_a)))
    assert "plan-create" not in text


# --- the trend -----------------------------------------------------------------------------------


def test_the_trend_shows_each_campaign_beside_kpks_result(
    methodology, bartim_2024, inspector, opd_a, opd_b
):
    first = answered_campaign(inspector, [opd_a, opd_b], methodology[2024], name="Survei 2025")
    second = answered_campaign(inspector, [opd_a, opd_b], methodology[2024], name="Survei 2026")
    type(first).objects.filter(pk=first.pk).update(
        period_start="2025-03-01", period_end="2025-04-30"
    )
    response = client_for(inspector).get(reverse("selfsurvey:campaign_trend"))
    text = _text(response)
    assert text.index("Survei 2025") < text.index("Survei 2026")
    composite = CampaignScore.objects.get(
        campaign=second, opd__isnull=True, level=ScoreLevel.COMPOSITE
    )
    assert f"{composite.score:.2f}".replace(".", ",") in text
    assert "67,78" in text  # KPK's published index of the home institution in SPI 2024
    assert 'data-chart="chart-selfsurvey-trend-data"' in text


def test_the_trend_marks_a_suppressed_institution_score(methodology, inspector, opd_a):
    campaign = make_campaign(inspector, [opd_a], methodology[2024], name="Survei kecil")
    for unit in campaign.units.all():
        add_responses(unit, random_answers(unit, 5, seed=unit.pk))
    services.campaign_recompute(actor=inspector, campaign=campaign)
    text = _text(client_for(inspector).get(reverse("selfsurvey:campaign_trend")))
    table = text[text.index('id="trend-table"') :]
    row = table[table.index("Survei kecil") :]
    row = row[: row.index("</tr>")]
    assert _suppressed_text(row)
    assert not re.search(r"\d+,\d\d", row)


def test_the_head_of_an_opd_sees_the_trend_with_a_link_to_their_own_page(campaign, head_a, opd_a):
    text = _text(client_for(head_a).get(reverse("selfsurvey:campaign_trend")))
    assert _opd_url(campaign, opd_a) in text
    assert _map_url(campaign) not in text


# --- constant query counts -----------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.fixture
def more_opds(db):
    return [OPD.objects.create(code=f"OPD{n}", name=f"Dinas Nomor {n}") for n in range(4)]


def test_the_map_and_the_opd_page_take_the_same_queries_for_more_opds(
    methodology, inspector, opd_a, opd_b, more_opds, django_assert_num_queries
):
    small = answered_campaign(inspector, [opd_a], methodology[2024], name="Kecil")
    large = answered_campaign(inspector, [opd_b, *more_opds], methodology[2024], name="Besar")
    for opd in (opd_a, opd_b):
        stored_plan(methodology[2024], opd, f"Rencana {opd.code}")
    client = client_for(inspector)
    client.get(_map_url(small))  # the session's first request
    pages = [
        (_map_url(small), _map_url(large)),
        (_map_url(small, group="internal"), _map_url(large, group="internal")),
        (_opd_url(small, opd_a), _opd_url(large, opd_b)),
        (
            reverse("selfsurvey:campaign_scores_csv", args=[small.pk]),
            reverse("selfsurvey:campaign_scores_csv", args=[large.pk]),
        ),
    ]
    for small_url, large_url in pages:
        with django_assert_num_queries(_queries(client, small_url)):
            client.get(large_url)


def test_the_trend_takes_the_same_queries_for_more_campaigns(
    methodology, bartim_2024, inspector, opd_a, django_assert_num_queries
):
    answered_campaign(inspector, [opd_a], methodology[2024], name="Satu", per_unit=10)
    client = client_for(inspector)
    url = reverse("selfsurvey:campaign_trend")
    client.get(url)
    one = _queries(client, url)
    for name in ("Dua", "Tiga"):
        answered_campaign(inspector, [opd_a], methodology[2024], name=name, per_unit=10)
    with django_assert_num_queries(one):
        client.get(url)
