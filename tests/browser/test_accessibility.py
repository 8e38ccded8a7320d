"""axe-core on the main staff pages: no serious or critical violation; the others are printed."""

import pytest

from tests.factories import make_plan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_dashboard_has_no_serious_accessibility_violation(
    axe_page, axe_violations, log_in, inspector, bartim_2024
):
    log_in(axe_page, inspector.username)
    axe_page.goto("/dashboard/?year=2024")
    assert axe_page.locator(".chart").count() >= 3
    axe_page.wait_for_function(
        "[...document.querySelectorAll('.chart')].every("
        "(chart) => chart.matches('.chart-drawn') && chart.querySelector('svg.main-svg'))"
    )
    assert axe_violations(axe_page) == []


def test_the_plan_form_has_no_serious_accessibility_violation(
    axe_page, axe_violations, log_in, inspector, methodology, opd_a
):
    log_in(axe_page, inspector.username)
    axe_page.goto("/plans/new/?round=2024")
    axe_page.wait_for_selector("#id_title")
    assert axe_violations(axe_page) == []


def test_the_progress_report_form_has_no_serious_accessibility_violation(
    axe_page, axe_violations, log_in, head_a, methodology, opd_a
):
    plan = make_plan(methodology[2024], opd_a)
    log_in(axe_page, head_a.username)
    axe_page.goto(f"/plans/{plan.pk}/report/")
    axe_page.wait_for_selector("#id_files")
    assert axe_violations(axe_page) == []
