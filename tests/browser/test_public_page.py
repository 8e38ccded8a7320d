import pytest

from surveys.models import RoundStatus
from tests.actionplans.conftest import make_plan

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
