"""The national explorer in a real browser with JavaScript off, on a 390 px phone screen."""

import pytest

from tests.national_world import build_national

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def national(methodology):
    return build_national(methodology)


def _no_horizontal_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def _names(page):
    return page.locator("table.results tbody th.name a").all_inner_texts()


def test_search_filter_sort_institution_and_compare_work_without_javascript_at_390_px(
    new_context, page_watch, national
):
    page = new_context(java_script_enabled=False, viewport=PHONE).new_page()
    page.goto("/")
    page.locator("header a[href='/national/']").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "id"
    assert _names(page)[0] == "PEMERINTAH KOTA SEMARANG"
    _no_horizontal_scroll(page)

    page.fill("#f-q", "pemerintah")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state()
    assert "q=pemerintah" in page.url
    assert "KEMENTERIAN KEUANGAN" not in _names(page)

    page.select_option("#f-province", "Kalimantan Tengah")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state()
    assert "province=Kalimantan+Tengah" in page.url
    assert set(_names(page)) == {
        "PEMERINTAH KABUPATEN BARITO TIMUR",
        "PEMERINTAH KABUPATEN KAPUAS",
        "PEMERINTAH KOTA PALANGKA RAYA",
    }

    page.select_option("#f-sort", "-internal")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state()
    assert "sort=-internal" in page.url and "province=Kalimantan+Tengah" in page.url
    assert _names(page)[0] == "PEMERINTAH KOTA PALANGKA RAYA"  # internal 75
    _no_horizontal_scroll(page)

    page.check("input[aria-label$='KAPUAS']")
    page.check("input[aria-label$='BARITO TIMUR']")
    page.locator("#compare-chosen").click()
    page.wait_for_load_state()
    assert "/national/compare/" in page.url
    compared = page.locator("main table").first.inner_text()
    assert "KAPUAS" in compared and "BARITO TIMUR" in compared
    _no_horizontal_scroll(page)

    page.locator("main table a", has_text="BARITO TIMUR").click()
    page.wait_for_load_state()
    assert page.inner_text("h1") == "PEMERINTAH KABUPATEN BARITO TIMUR"
    assert page.inner_text(".headline .index") == "73,50"
    assert page.locator("svg polyline").count() >= 1
    _no_horizontal_scroll(page)

    page.locator("main .lead a", has_text="Kalimantan Tengah").click()
    page.wait_for_load_state()
    assert _names(page)[0] == "PEMERINTAH PROVINSI KALIMANTAN TENGAH"
    _no_horizontal_scroll(page)
    assert page_watch.console_errors == []


@pytest.mark.parametrize("width", [390, 1366])
def test_the_explorer_pages_have_no_serious_accessibility_violation(
    new_context, axe_violations, national, width
):
    page = new_context(bypass_csp=True, viewport={"width": width, "height": 900}).new_page()
    bartim, kapuas = national["bartim"].pk, national["kapuas"].pk
    for path in (
        "/national/?province=Kalimantan+Tengah",
        f"/national/{bartim}/",
        f"/national/compare/?ids={bartim},{kapuas}",
        "/national/province/?province=Kalimantan+Tengah",
    ):
        page.goto(path)
        assert axe_violations(page) == [], path
