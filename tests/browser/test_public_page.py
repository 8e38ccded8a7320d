import pytest

from surveys.models import RoundStatus
from tests.factories import make_plan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def published_2024(bartim_2024, opd_a):
    survey_round = bartim_2024.round
    survey_round.status = RoundStatus.PUBLISHED
    survey_round.save()
    make_plan(
        survey_round,
        opd_a,
        title="Pengumuman standar pelayanan puskesmas",
        show_on_public_page=True,
        public_summary="Standar pelayanan diumumkan di setiap puskesmas.",
    )
    return survey_round


def test_the_public_page_without_javascript_shows_index_category_and_plans_and_speaks_english(
    new_context, page_watch, published_2024
):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "id"
    assert page.inner_text("h1") == "Pemerintah Kabupaten Barito Timur"
    assert page.inner_text(".headline .index") == "67,78"
    category_id = page.inner_text(".headline .category-badge")
    assert category_id
    plan = page.locator("article.plan", has_text="Pengumuman standar pelayanan puskesmas")
    assert "Standar pelayanan diumumkan" in plan.inner_text()
    assert "Dinas Kesehatan" in page.inner_text("section[aria-labelledby=plans]")

    page.locator("a[hreflang=en]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.inner_text("#plans") == "Action plans"
    assert page.inner_text(".headline .index") == "67.78"
    category_en = page.inner_text(".headline .category-badge")
    assert category_en and category_en != category_id
    assert "nothing verified yet" in plan.inner_text()
    page.goto("/")  # the choice is remembered
    assert page.inner_text("#plans") == "Action plans"
    assert page_watch.console_errors == []


def test_the_public_page_has_no_serious_accessibility_violation(
    axe_page, axe_violations, published_2024
):
    axe_page.goto("/")
    assert axe_violations(axe_page) == []


@pytest.fixture
def overdue_public_plan(published_2024, opd_b):
    from datetime import date

    return make_plan(
        published_2024,
        opd_b,
        title="Sosialisasi aturan pungutan sekolah",
        show_on_public_page=True,
        due_date=date(2025, 6, 30),
    )


def test_a_journalist_filters_the_plans_and_opens_a_plan_without_javascript_on_a_phone(
    new_context, page_watch, overdue_public_plan
):
    page = new_context(java_script_enabled=False, viewport={"width": 390, "height": 800}).new_page()
    page.goto("/?lang=en")
    page.select_option("#filter-opd", "DISDIK")
    page.select_option("#filter-state", "overdue")
    page.click(".plan-filter button[type=submit]")
    page.wait_for_load_state()
    titles = page.locator("article.plan h4").all_inner_texts()
    assert titles == ["Sosialisasi aturan pungutan sekolah"]
    assert "opd=DISDIK" in page.url and "state=overdue" in page.url
    page.click("article.plan h4 a")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "Sosialisasi aturan pungutan sekolah"
    assert "overdue" in page.inner_text("#plan-status + dl")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page_watch.console_errors == []


def test_the_plan_page_has_no_serious_accessibility_violation(
    axe_page, axe_violations, overdue_public_plan
):
    axe_page.goto(f"/2024/plans/{overdue_public_plan.pk}/")
    assert axe_violations(axe_page) == []
