"""The plan form's filter boxes (static/js/checklist.js) in a real browser: typing hides the
options that do not match, ticked ones stay, Enter does not submit, the chosen line follows."""

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_it_filters_a_checkbox_list_and_keeps_the_ticked_options_visible(
    page, page_watch, log_in, inspector, methodology
):
    log_in(page, inspector.username)
    page.goto("/plans/new/?round=2024&indicator=TRN")
    box = page.locator("#id_indicators_box")
    search = page.locator("input.checklist-filter[data-checklist='id_indicators_box']")
    assert search.is_visible()
    search.fill("pengadaan")
    visible = box.locator(".checklist-item:visible")
    codes = {visible.nth(i).get_attribute("data-short") for i in range(visible.count())}
    assert codes == {"PBJ", "TRN"}  # TRN is ticked, so it stays
    search.press("Enter")
    assert "/plans/new/" in page.url and page.locator("#id_title").count() == 1
    chosen = page.locator(".checklist-chosen[data-checklist='id_indicators_box']")
    chosen = chosen.locator(".checklist-chosen-list")
    assert chosen.inner_text() == "TRN"
    box.locator(".checklist-item[data-short='PBJ'] input").check()
    assert chosen.inner_text() == "PBJ, TRN"
    assert page_watch.csp_violations == []
    assert page_watch.console_errors == []
