import csv
import io
import json
from decimal import ROUND_HALF_UP, Decimal

import pytest

from spi_portal import open_data
from tests.public_world import FORMULA_NAME, build_world, public_urls, year_urls

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(methodology, home, opd_a):
    return build_world(methodology, home, opd_a)


def csv_rows(client, url) -> tuple[list[str], list[dict]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    reader = csv.DictReader(io.StringIO(response.content.decode()))
    return reader.fieldnames, list(reader)


def json_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def assert_documented(item: dict, fields):
    assert list(item) == open_data.names(fields)


def test_results_csv_has_the_documented_columns_and_only_kpk_published_results(client, world):
    header, rows = csv_rows(client, "/data/2024/results.csv")
    assert header == open_data.names(open_data.RESULT_FIELDS)
    assert [row["kpk_code"] for row in rows] == ["KAB-BARTIM", "KOTA-FORMULA"]
    home = rows[0]
    assert home["published_index"] == "67.78"
    assert home["computed_index"] == "67.77"
    assert home["difference"] == "0.01"
    assert home["category_id"] == "Rentan"
    assert home["is_home"] == "true"


def test_anyone_can_recompute_every_index_from_the_csv_and_the_methodology(client, world):
    methodology = json_of(client, "/data/2024/methodology.json")
    weights = {group: Decimal(w) for group, w in methodology["weights"].items()}
    _, rows = csv_rows(client, "/data/2024/results.csv")
    for row in rows:
        raw = sum(weights[g] * Decimal(row[g]) for g in ("internal", "external", "expert"))
        raw -= Decimal(row["correction_integrity"]) + Decimal(row["correction_prevalence"])
        recomputed = raw.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert recomputed == Decimal(row["computed_index"])
        headline = Decimal(row["published_index"] or row["computed_index"])
        band = [b for b in methodology["bands"] if Decimal(b["lower_bound"]) <= headline][-1]
        assert band["label_id"] == row["category_id"]


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(client, world):
    _, rows = csv_rows(client, "/data/2024/results.csv")
    neighbour = rows[1]
    assert neighbour["institution"] == "'" + FORMULA_NAME
    assert neighbour["difference"] == "-0.12"


def test_csv_cell_keeps_numbers_and_neutralises_text():
    assert open_data.csv_cell(Decimal("-0.01")) == Decimal("-0.01")
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1"):
        assert open_data.csv_cell(text) == "'" + text
    assert open_data.csv_cell(["TRN", "SDM"]) == "TRN; SDM"
    assert open_data.csv_cell(None) == ""
    assert open_data.csv_cell(True) == "true"


def test_indicators_csv_marks_illustrative_scores(client, world, methodology, home):
    dimension = methodology[2024].dimensions.get(code="TRN")
    home.indicator_scores.create(
        round=methodology[2024],
        group="external",
        dimension=dimension,
        score=Decimal("61.50"),
        is_illustrative=True,
    )
    header, rows = csv_rows(client, "/data/2024/indicators.csv")
    assert header == open_data.names(open_data.INDICATOR_FIELDS)
    assert rows == [
        {
            "dimension_code": "TRN",
            "dimension_name_id": dimension.name_id,
            "dimension_name_en": dimension.name_en,
            "parent_code": "",
            "respondent_group": "external",
            "score": "61.50",
            "respondents": "",
            "is_illustrative": "true",
        }
    ]


def test_plans_csv_lists_public_plans_with_verified_progress_only(client, world):
    header, rows = csv_rows(client, "/data/2024/plans.csv")
    assert header == open_data.names(open_data.PLAN_FIELDS)
    by_title = {row["title"]: row for row in rows}
    assert set(by_title) == {"Publikasi SOP layanan perizinan", "Kanal pengaduan daring"}
    public = by_title["Publikasi SOP layanan perizinan"]
    assert public["verified_progress"] == "40.00"
    assert public["is_overdue"] == "true"
    assert public["opd"] == "Dinas Kesehatan"
    assert public["due_date"] == "2025-12-31"
    assert by_title["Kanal pengaduan daring"]["status"] == "done"


def test_the_round_list_json_has_the_documented_fields(client, world):
    document = json_of(client, "/api/v1/rounds/")
    assert list(document) == ["licence", "rounds"]
    assert [item["year"] for item in document["rounds"]] == [2024, 2023]
    for item in document["rounds"]:
        assert_documented(item, open_data.ROUND_LIST_FIELDS)
    assert document["rounds"][0]["index"] == "67.78"
    assert document["rounds"][0]["url"] == "/api/v1/rounds/2024/"


def test_the_round_json_validates_against_the_documented_fields(client, world):
    document = json_of(client, "/api/v1/rounds/2024/")
    assert_documented(document, open_data.ROUND_DETAIL_FIELDS)
    assert_documented(document["methodology"], open_data.METHODOLOGY_FIELDS)
    for band in document["methodology"]["bands"]:
        assert_documented(band, open_data.BAND_FIELDS)
    for dimension in document["methodology"]["dimensions"]:
        assert_documented(dimension, open_data.DIMENSION_FIELDS)
    for result in document["results"]:
        assert_documented(result, open_data.RESULT_FIELDS)
    for plan in document["plans"]:
        assert_documented(plan, open_data.PLAN_FIELDS)
    assert_documented(document["follow_up"], open_data.FOLLOW_UP_FIELDS)
    assert document["follow_up"] == {"followed": 1, "total": 2, "rate": "50.0"}
    assert document["licence"] == "CC BY 4.0"
    assert document["methodology"]["weights"] == {
        "internal": "0.3046",
        "external": "0.3279",
        "expert": "0.3675",
    }
    assert document["downloads"]["results"] == "/data/2024/results.csv"


def test_the_data_page_documents_every_field_and_the_licence(client, world):
    content = client.get("/data/").content.decode()
    for _anchor, _title, fields in open_data.FIELD_SECTIONS:
        for field in fields:
            assert f"<code>{field.name}</code>" in content
    assert 'rel="license">CC BY 4.0</a>' in content
    assert 'href="/data/2023/results.csv"' in content
    assert "/data/2025/" not in content


@pytest.mark.parametrize("url", [*year_urls(2025), *year_urls(1999)])
def test_an_unpublished_or_unknown_year_answers_404(client, world, url):
    assert client.get(url).status_code == 404


def test_open_data_may_be_fetched_from_other_sites(client, world):
    for url in public_urls():
        if url.endswith((".csv", ".json")) or "/api/" in url:
            assert client.get(url)["Access-Control-Allow-Origin"] == "*"
