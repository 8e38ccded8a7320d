"""The national explorer: KPK's published results of every institution, every view a link."""

import base64
import csv
import hashlib
import html as html_text
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from surveys import public_cache
from surveys.models import Institution, InstitutionResult
from tests.national_world import (
    DRAFT_FIGURE,
    DRAFT_NAME,
    HOSTILE_NAME,
    PUBLISHED_YEARS,
    WITHHELD_NAME,
    build_national,
    institution,
    make_result,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def national(methodology):
    return build_national(methodology)


def names_in(response) -> list[str]:
    """Institution names of the result rows, in page order."""
    html = response.content.decode()
    found = re.findall(r'<th scope="row" class="name"><a href="[^"]+">([^<]+)</a>', html)
    return [html_text.unescape(name) for name in found]


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_it_lists_the_latest_published_round_by_index_in_indonesian(client, national):
    response = client.get("/national/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="id">' in html
    assert "{#" not in html and "SHA-256" not in html  # no template comment leaks onto the page
    assert "Hasil SPI nasional 2024" in html or "National SPI results 2024" in html
    assert names_in(response)[:2] == ["PEMERINTAH KOTA SEMARANG", "PEMERINTAH KABUPATEN KAPUAS"]
    assert "77,00" in html  # Kapuas 2024, Indonesian decimals


def test_it_searches_by_name_ignoring_case_and_punctuation(client, national):
    response = client.get("/national/", {"q": "kabupaten.  barito"})
    assert names_in(response) == ["PEMERINTAH KABUPATEN BARITO TIMUR"]
    assert 'value="kabupaten.  barito"' in response.content.decode()


@pytest.mark.parametrize("search", ["Pemkab Barito Timur", "Kab. Barito Timur", "6213"])
def test_it_finds_an_institution_by_the_name_variants_files_use_or_its_region_code(
    client, national, search
):
    assert names_in(client.get("/national/", {"q": search})) == [
        "PEMERINTAH KABUPATEN BARITO TIMUR"
    ]


def test_it_filters_by_type_province_and_category_of_the_rounds_own_bands(client, national):
    by_type = client.get("/national/", {"type": "kota"})
    assert sorted(names_in(by_type)) == [
        "PEMERINTAH KOTA PALANGKA RAYA",
        "PEMERINTAH KOTA SEMARANG",
    ]
    by_province = client.get("/national/", {"province": "Kalimantan Tengah", "type": "kabupaten"})
    assert names_in(by_province) == [
        "PEMERINTAH KABUPATEN KAPUAS",
        "PEMERINTAH KABUPATEN BARITO TIMUR",
    ]
    # 73.50 is Rentan under 2023's bands (Waspada from 73.7) and Waspada under 2024's (from 73)
    rentan_2023 = client.get("/national/", {"year": "2023", "category": "2", "q": "barito"})
    assert names_in(rentan_2023) == ["PEMERINTAH KABUPATEN BARITO TIMUR"]
    assert "Rentan" in rentan_2023.content.decode()
    waspada_2024 = client.get("/national/", {"year": "2024", "category": "2", "q": "barito"})
    assert names_in(waspada_2024) == ["PEMERINTAH KABUPATEN BARITO TIMUR"]
    assert "band-" in waspada_2024.content.decode()
    rentan_2024 = client.get("/national/", {"year": "2024", "category": "1", "q": "barito"})
    assert names_in(rentan_2024) == []


def test_it_sorts_by_index_or_any_group_both_ways_and_links_each_sort(client, national):
    internal_up = names_in(client.get("/national/", {"sort": "internal"}))
    assert internal_up[0] == HOSTILE_NAME and internal_up[-1] == "KEMENTERIAN KEUANGAN"
    expert_down = names_in(client.get("/national/", {"sort": "-expert"}))
    assert expert_down[0] == "PEMERINTAH KOTA SEMARANG"
    index_up = names_in(client.get("/national/", {"sort": "index"}))
    assert index_up[0] == HOSTILE_NAME
    html = client.get("/national/", {"q": "kota", "type": "kota"}).content.decode()
    assert 'href="?q=kota&amp;type=kota&amp;sort=-internal"' in html
    assert 'aria-sort="descending"' in html  # the default sort, by index


def test_it_recomputes_where_kpk_published_no_index(client, national):
    html = client.get("/national/", {"q": "palangka"}).content.decode()
    # 0.3275 * 75 + 0.3950 * 70 + 0.2775 * 65 with 2024's weights, or whatever they are:
    r = national["rounds"][2024]
    expected = (r.weight_internal * 75 + r.weight_external * 70 + r.weight_expert * 65).quantize(
        Decimal("0.01")
    )
    assert str(expected).replace(".", ",") in html


def test_it_pages_through_links_in_the_url(client, national, methodology):
    r = methodology[2024]
    for number in range(60):
        make_result(r, institution(f"X{number}", f"Kabupaten Contoh {number:02}"), 70, 70, 70, "70")
    first = client.get("/national/", {"q": "contoh", "sort": "name"})
    assert len(names_in(first)) == 50
    html = first.content.decode()
    assert 'href="?q=contoh&amp;sort=name&amp;page=2" rel="next"' in html
    second = client.get("/national/", {"q": "contoh", "sort": "name", "page": "2"})
    assert names_in(second) == [f"Kabupaten Contoh {n}" for n in range(50, 60)]
    assert client.get("/national/", {"page": "x"}).status_code == 200


def test_an_institution_page_shows_groups_corrections_both_indexes_and_category_per_round(
    client, national
):
    response = client.get(f"/national/{national['palangka'].pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "PEMERINTAH KOTA PALANGKA RAYA" in html
    for year in PUBLISHED_YEARS:
        assert f'<th scope="row">{year}</th>' in html
    assert "2025" not in re.sub(r"<footer.*", "", html, flags=re.S)
    assert "<svg" in html and "<polyline" in html
    assert "plotly" not in html
    assert "category-badge band-" in html
    assert "/national/province/?province=Kalimantan%20Tengah" in html


def test_it_compares_up_to_ten_institutions_and_refuses_an_eleventh(client, national, methodology):
    ids = [national[k].pk for k in ("bartim", "kapuas", "semarang")]
    response = client.get("/national/compare/", {"ids": ",".join(map(str, ids))})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("BARITO TIMUR") < html.index("KAPUAS") < html.index("SEMARANG")
    repeated = client.get("/national/compare/", [("ids", ids[0]), ("ids", ids[1])])
    assert "KAPUAS" in repeated.content.decode()
    eleven = [
        str(pk) for pk in [*Institution.objects.values_list("pk", flat=True), *range(900, 911)]
    ][:11]
    refused = client.get("/national/compare/", {"ids": ",".join(eleven)})
    assert refused.status_code == 400
    assert "11" in refused.content.decode() and "10" in refused.content.decode()
    assert "BARITO" not in refused.content.decode()
    assert f"?ids={','.join(eleven[:10])}" in refused.content.decode()


def test_the_list_offers_checkboxes_that_open_the_comparison(client, national):
    html = client.get("/national/").content.decode()
    assert 'action="/national/compare/"' in html
    assert f'name="ids" value="{national["kapuas"].pk}"' in html


def test_the_province_view_shows_the_province_then_its_regencies_and_cities(client, national):
    response = client.get("/national/province/", {"province": "Kalimantan Tengah"})
    assert response.status_code == 200
    assert names_in(response) == [
        "PEMERINTAH PROVINSI KALIMANTAN TENGAH",
        "PEMERINTAH KABUPATEN KAPUAS",
        "PEMERINTAH KABUPATEN BARITO TIMUR",
        "PEMERINTAH KOTA PALANGKA RAYA",
    ]
    html = response.content.decode()
    assert "SEMARANG" not in html and WITHHELD_NAME not in html
    chooser = client.get("/national/province/").content.decode()
    assert "Kalimantan Tengah" in chooser and "Jawa Tengah" in chooser
    assert client.get("/national/province/", {"province": "Atlantis"}).status_code == 404


@pytest.mark.parametrize(
    "url, params",
    [
        ("/national/", {"province": "Kalimantan Tengah", "sort": "expert"}),
        ("/national/", {"q": "pemerintah", "year": "2022"}),
        ("/national/province/", {"province": "Kalimantan Tengah", "sort": "-internal"}),
    ],
)
def test_exports_hold_the_same_rows_in_the_same_order_as_the_page(client, national, url, params):
    page_names = names_in(client.get(url, params))
    assert page_names
    rows = csv_rows(client.get(url, {**params, "format": "csv"}))
    assert [row["institution_name"] for row in rows] == page_names
    workbook = load_workbook(io.BytesIO(client.get(url, {**params, "format": "xlsx"}).content))
    sheet = list(workbook.active.iter_rows(values_only=True))
    assert sheet[0][3] == "institution_name"
    assert [row[3] for row in sheet[1:]] == page_names


def test_the_institution_and_comparison_exports_hold_every_published_round(client, national):
    rows = csv_rows(client.get(f"/national/{national['bartim'].pk}/", {"format": "csv"}))
    assert [row["year"] for row in rows] == ["2021", "2022", "2023", "2024"]
    assert {row["published_index"] for row in rows} == {"73.50"}
    assert [row["category"] for row in rows] == ["Rentan", "Rentan", "Rentan", "Waspada"]
    ids = f"{national['bartim'].pk},{national['kapuas'].pk}"
    compared = csv_rows(client.get("/national/compare/", {"ids": ids, "format": "csv"}))
    assert len(compared) == 8


def test_names_are_escaped_on_pages_and_neutralised_in_spreadsheets(client, national):
    html = client.get("/national/", {"type": "lembaga"}).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    page = client.get(f"/national/{national['hostile'].pk}/").content.decode()
    assert "<script>alert" not in page
    rows = csv_rows(client.get("/national/", {"type": "lembaga", "format": "csv"}))
    assert rows[0]["institution_name"] == HOSTILE_NAME  # starts with "<", not a formula
    formula = institution("FORMULA", "=1+1 Kota", "kota")
    make_result(national["rounds"][2024], formula, 70, 70, 70, "70")
    public_cache.bump()
    rows = csv_rows(client.get("/national/", {"q": "1 1 kota", "format": "csv"}))
    assert rows[0]["institution_name"] == "'=1+1 Kota"


def test_drafts_and_withheld_results_are_never_shown(client, national):
    urls = [
        "/national/",
        "/national/?q=draf",
        "/national/?format=csv",
        f"/national/{national['bartim'].pk}/",
        f"/national/{national['bartim'].pk}/?format=csv",
        f"/national/compare/?ids={national['bartim'].pk}",
        f"/national/compare/?ids={national['bartim'].pk}&format=csv",
        "/national/province/?province=Kalimantan%20Tengah",
        "/national/province/?province=Kalimantan%20Tengah&format=csv",
    ]
    for url in urls:
        body = client.get(url).content.decode("utf-8-sig")
        for marker in (DRAFT_NAME, DRAFT_FIGURE, "12.34", WITHHELD_NAME):
            assert marker not in body, (url, marker)
    for url in ("/national/?year=2025", "/national/province/?year=2025", "/national/?year=abc"):
        assert client.get(url).status_code == 404
    draft_only = Institution.objects.get(name=DRAFT_NAME)
    assert client.get(f"/national/{draft_only.pk}/").status_code == 404


def test_the_pages_are_the_same_for_staff_and_linked_from_the_menus(
    client, inspector_client, national
):
    assert names_in(inspector_client.get("/national/")) == names_in(client.get("/national/"))
    assert 'href="/national/"' in inspector_client.get("/dashboard/").content.decode()
    assert 'href="/national/"' in client.get("/").content.decode()


def test_the_language_links_keep_the_query(client, national):
    html = client.get("/national/", {"q": "kota", "sort": "name"}).content.decode()
    assert 'href="?q=kota&amp;sort=name&amp;lang=en"' in html


def _grow(methodology, factor):
    """`factor` x 20 institutions with a result in each published round, in bulk."""
    kinds = ("kabupaten", "kota", "provinsi", "kementerian")
    created = Institution.objects.bulk_create(
        Institution(
            kpk_code=f"G{factor}-{n}",
            name=f"Pemerintah Contoh {factor}-{n}",
            type=kinds[n % 4],
            province=f"Provinsi {n % 7}",
        )
        for n in range(20 * factor)
    )
    InstitutionResult.objects.bulk_create(
        InstitutionResult(
            round=methodology[year],
            institution=i,
            internal=Decimal(60 + n % 30),
            external=Decimal(70 + n % 20),
            expert=Decimal(65 + n % 25),
            published_index=Decimal(65 + n % 25) if n % 3 else None,
        )
        for n, i in enumerate(created)
        for year in PUBLISHED_YEARS
    )


# the publication generation, published rounds, their bands, the round's results (one query)
LIST_QUERIES = 4
PAGES = [
    ("/national/", {}, LIST_QUERIES),
    ("/national/", {"q": "contoh", "type": "kota", "sort": "-external", "page": "2"}, LIST_QUERIES),
    ("/national/", {"province": "Provinsi 3", "category": "2", "sort": "expert"}, LIST_QUERIES),
    ("/national/", {"year": "2021", "sort": "name", "format": "csv"}, LIST_QUERIES),
    ("/national/compare/", {"ids": "1,2,3,4,5"}, 3),
    ("/national/province/", {"province": "Provinsi 3"}, 4),
]


@pytest.mark.parametrize("url, params, expected", PAGES)
def test_query_counts_are_pinned_at_1x_and_10x_institutions(
    client, national, methodology, django_assert_num_queries, url, params, expected
):
    _grow(methodology, 1)
    with django_assert_num_queries(expected):
        assert client.get(url, params).status_code == 200
    _grow(methodology, 10)
    public_cache.bump()  # as every import and publication does
    with django_assert_num_queries(expected):
        assert client.get(url, params).status_code == 200


def test_a_rounds_scored_rows_are_cached_until_the_public_data_changes(
    client, national, methodology, django_assert_num_queries
):
    client.get("/national/")
    with django_assert_num_queries(LIST_QUERIES - 1):  # generation, rounds, bands: no results
        assert len(names_in(client.get("/national/", {"q": "pemerintah"}))) == 5
    make_result(
        methodology[2024], institution("BARU", "PEMERINTAH KOTA BARU", "kota"), 70, 70, 70, "70"
    )
    public_cache.bump()
    assert "PEMERINTAH KOTA BARU" in names_in(client.get("/national/", {"q": "pemerintah"}))


@pytest.mark.parametrize("path", ["/national/", "/national/province/", "/national/compare/"])
def test_the_stylesheet_is_inline_and_allowed_by_its_hash_alone(client, national, path):
    response = client.get(path)
    css = re.search(r"<style>(.*?)</style>", response.content.decode(), re.S).group(1)
    assert ".category-badge" in css and ".band-" in css
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    policy = response["Content-Security-Policy"]
    style_src = re.search(r"style-src ([^;]+)", policy).group(1).split()
    assert style_src == ["'self'", f"'sha256-{digest}'"]
    assert "unsafe-inline" not in policy
    assert 'rel="stylesheet"' not in response.content.decode()


def test_the_institution_page_costs_four_queries_whatever_the_data(
    client, national, methodology, django_assert_num_queries
):
    _grow(methodology, 10)
    with django_assert_num_queries(4):  # the institution, rounds, bands, its results
        assert client.get(f"/national/{national['bartim'].pk}/").status_code == 200
