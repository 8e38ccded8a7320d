import json
from decimal import Decimal
from io import BytesIO

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from surveys.importing import import_file
from surveys.models import ImportKind, Institution
from tests.factories import importer, indicator_score, stored_plan
from tests.national_world import make_result


def chart_json(response, chart_id):
    html = response.content.decode()
    start = html.index(f'id="{chart_id}-data"')
    body_start = html.index(">", start) + 1
    return json.loads(html[body_start : html.index("</script>", body_start)])


def test_the_dashboard_needs_a_login(client):
    assert client.get(reverse("dashboard")).status_code == 302


def test_the_dashboard_renders_with_no_rounds(inspector_client):
    response = inspector_client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert response.context["round"] is None


def test_the_dashboard_renders_with_one_round(inspector_client, bartim_2024):
    response = inspector_client.get(reverse("dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["round"].year == 2025  # latest round, no result yet
    assert response.context["current"] is None
    assert "chart-index" not in html
    response = inspector_client.get(reverse("dashboard"), {"year": 2024})
    assert response.context["index"].headline_index == Decimal("67.78")
    assert "67,78" in response.content.decode()


def test_the_dashboard_renders_five_rounds_with_trend_and_change(
    inspector_client, methodology, home
):
    figures = [
        ("2021", "65.06", "80.60", "75.65", "72.57"),
        ("2022", "73.03", "80.32", "71.54", "67.81"),
        ("2023", "70.78", "84.74", "60.38", "69.52"),
        ("2024", "66.93", "84.27", "56.79", "67.78"),
        ("2025", "72.07", "90.78", "62.83", "74.32"),
    ]
    for year, internal, external, expert, published in figures:
        make_result(methodology[int(year)], home, internal, external, expert, published)
    response = inspector_client.get(reverse("dashboard"))
    assert response.context["round"].year == 2025
    assert response.context["change"] == Decimal("74.32") - Decimal("67.78")
    trend = chart_json(response, "chart-trend")
    index_series = next(t for t in trend["data"] if t["name"] in ("Index", "Indeks"))
    assert index_series["x"] == [2021, 2022, 2023, 2024, 2025]
    assert index_series["y"] == [72.57, 67.81, 69.52, 67.78, 74.32]


def test_chart_json_matches_the_stored_numbers(inspector_client, bartim_2024):
    response = inspector_client.get(reverse("dashboard"), {"year": 2024})
    groups = chart_json(response, "chart-groups")
    assert groups["data"][0]["y"] == [66.93, 84.27, 56.79]
    assert groups["data"][1]["y"] == [20.39, 27.63, 20.87]
    index = chart_json(response, "chart-index")
    assert index["data"][0]["x"] == [67.78]
    assert [s["x0"] for s in index["layout"]["shapes"]] == [0.0, 73.0, 78.0]


def test_the_heat_map_lists_the_weakest_indicator_first(inspector_client, bartim_2024):
    for code, group, score in [("TRN", "internal", "80"), ("PBJ", "expert", "41.5")]:
        indicator_score(bartim_2024.round, bartim_2024.institution, code, score, group=group)
    response = inspector_client.get(reverse("dashboard"), {"year": 2024})
    rows = response.context["heat_table"].rows
    assert [row.dimension.code for row in rows] == ["PBJ", "TRN"]


def test_peer_averages_leave_out_the_home_institution(inspector_client, bartim_2024):
    peer = Institution.objects.create(
        kpk_code="KAB-X", name="Kab X", type="kabupaten", province="Kalimantan Tengah"
    )
    make_result(bartim_2024.round, peer, "70", "80", "60", published="70.00")
    response = inspector_client.get(reverse("dashboard"), {"year": 2024})
    assert response.context["peers"]["same_type"]["average"] == Decimal("70.00")
    assert response.context["peers"]["same_province"]["count"] == 1


def add_peers(methodology, start, count):
    for n in range(start, start + count):
        peer = Institution.objects.create(kpk_code=f"P{n}", name=f"P{n}", type="kabupaten")
        for year in methodology:
            make_result(methodology[year], peer, "70", "80", "60", "70")


def count_queries(client):
    cache.clear()  # the survey overview is cached per data generation; count a cold view
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("dashboard")).status_code == 200
    return len(queries)


def test_the_dashboard_query_count_does_not_grow_with_data(inspector_client, methodology, home):
    for year in methodology:
        make_result(methodology[year], home, "70", "80", "60", "70")
    add_peers(methodology, 0, 5)
    at_1x = count_queries(inspector_client)
    add_peers(methodology, 5, 45)
    at_10x = count_queries(inspector_client)
    assert at_1x == at_10x
    # session + user, the access generation and 2 permission lookups (the cache is cold), 1 for the
    # rounds the user may see (read before the cache), 4 for the index and trend, 1 for peers, 1
    # for indicator scores, 4 for plan follow-up (roll-up, counts, follow-up rate, weak points), 1
    # for the data generation; once the survey overview is cached (see below) the survey part costs
    # none of these but the rounds the user may see and the generation; 2 for the current follow-up
    # round (the settings, the default), 2 for the menu's waiting count (the user's OPD, the count)
    # and 1 for the unread notifications in the menu
    assert at_10x <= 21


def test_a_weak_point_without_a_plan_is_flagged(inspector_client, bartim_2024):
    response = inspector_client.get(reverse("dashboard"), {"year": 2024})
    [point] = response.context["weak_points"]
    assert point.group == "expert"
    assert not point.has_plan
    assert "belum ada rencana aksi" in response.content.decode()


def test_the_survey_overview_is_read_from_the_cache_until_the_data_changes(
    inspector_client, bartim_2024, django_capture_on_commit_callbacks
):
    inspector_client.get(reverse("dashboard"), {"year": 2024})
    with CaptureQueriesContext(connection) as warm:
        inspector_client.get(reverse("dashboard"), {"year": 2024})
    # session, user, permissions, the rounds the user may see, the plan follow-up and the
    # generation, the menu's waiting count (2) and unread notifications (1); no survey query
    assert len(warm) <= 13
    with django_capture_on_commit_callbacks(execute=True):
        import_file(
            ImportKind.RESULTS,
            BytesIO(
                b"year,institution_code,internal,external,expert\n2024,KAB-BARTIM,66.93,84.27,60\n"
            ),
            file_name="koreksi.csv",
            actor=importer(),
            replace=True,
        )
    response = inspector_client.get(reverse("dashboard"), {"year": 2024})
    assert response.context["result"].expert == Decimal("60.00")


def test_weak_points_count_the_plans_that_answer_them(inspector_client, bartim_2024, opd_a):
    dimensions = {d.code: d for d in bartim_2024.round.dimensions.all()}
    for code, score in [("PBJ", "41.5"), ("TRN", "60")]:
        indicator_score(bartim_2024.round, bartim_2024.institution, code, score, group="expert")
    for title in ("Satu", "Dua"):
        stored_plan(bartim_2024.round, opd_a, title, indicator=dimensions["PBJ"])
    response = inspector_client.get(reverse("dashboard"), {"year": 2024})
    coverage = {p.code: p.plan_count for p in response.context["weak_points"]}
    assert coverage == {"PBJ": 2, "TRN": 0}


def test_groups_are_named_in_the_active_language(inspector_client, bartim_2024):
    html = inspector_client.get(reverse("dashboard"), {"year": 2024}).content.decode()
    assert "Kelompok responden terlemah: Eksper" in html
    assert ": expert<" not in html
