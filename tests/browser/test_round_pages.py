"""The round's pages on a phone: the index comes first, unpublishing is a deliberate second step
at the bottom, and the what-if says how far the trial index moved."""

import pytest

from surveys.models import RoundStatus, SurveyRound

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(new_context):
    return new_context(viewport=PHONE).new_page()


@pytest.fixture
def published(bartim_2024):
    survey_round = bartim_2024.round
    survey_round.status = RoundStatus.PUBLISHED
    survey_round.save()
    return survey_round


def _top(page, selector) -> float:
    return page.locator(selector).first.bounding_box()["y"]


def test_the_index_comes_before_the_settings_and_unpublishing_takes_a_reason(
    phone, page_watch, log_in, inspector, published
):
    log_in(phone, inspector.username)
    phone.goto("/rounds/2024/")
    assert _top(phone, ".headline-index") < _top(phone, "#round-settings")
    confirm = phone.locator("#unpublish-form button[type=submit]")
    assert not confirm.is_visible()
    phone.locator("details.unpublish summary").click()
    confirm.click()  # without a reason the browser keeps the form
    assert SurveyRound.objects.get(year=2024).is_published
    phone.fill("#unpublish-reason", "Angka KPK dikoreksi")
    confirm.click()
    phone.wait_for_load_state()
    assert not SurveyRound.objects.get(year=2024).is_published
    assert phone.locator("#publish-form").is_visible()
    assert page_watch.csp_violations == []


def test_the_what_if_shows_the_change_and_the_category_reached(
    phone, page_watch, log_in, inspector, published
):
    log_in(phone, inspector.username)
    phone.goto("/rounds/2024/what-if/")
    phone.fill("#id_expert", "72,00")
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_load_state()
    change = phone.locator("#whatif-change").inner_text()
    assert "67,77 → 73,36 (+5,59)" in change
    category = phone.locator("#whatif-category").inner_text()
    assert category.index("Rentan") < category.index("Waspada")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page_watch.csp_violations == []


def test_the_follow_up_page_is_its_own_page_linked_both_ways(
    phone, page_watch, log_in, inspector, published
):
    log_in(phone, inspector.username)
    phone.goto("/rounds/2024/")
    round_title = phone.title()
    phone.locator(".round-nav a[href='/plans/round/2024/']").click()
    phone.wait_for_load_state()
    assert phone.title() != round_title
    assert phone.locator("#plan-states").is_visible()
    assert phone.locator("#groups").count() == 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.locator(".round-nav a[href='/rounds/2024/']").click()
    phone.wait_for_load_state()
    assert phone.title() == round_title
    assert page_watch.csp_violations == []


@pytest.mark.parametrize("path", ["/rounds/2024/", "/plans/round/2024/", "/rounds/2024/what-if/"])
def test_the_round_pages_have_no_serious_accessibility_violation(
    axe_page, axe_violations, log_in, inspector, published, path
):
    log_in(axe_page, inspector.username)
    axe_page.goto(path)
    if path == "/rounds/2024/":
        axe_page.locator("details.unpublish summary").click()  # the form inside is checked too
    assert axe_violations(axe_page) == []
