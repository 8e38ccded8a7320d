"""axe-core (node_modules/, installed by scripts/browser_deps.sh) on the main pages: no serious or
critical violation; the others are printed."""

import pytest

from tests.actionplans.conftest import make_plan
from tests.browser.conftest import ROOT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  }));
}"""
BLOCKING = ("serious", "critical")


@pytest.fixture
def axe_page(new_context):
    """A page for axe only: bypass_csp lets the axe script in; no CSP check relies on it."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `bash scripts/browser_deps.sh` (npm install axe-core).")
    return new_context(bypass_csp=True).new_page()


def axe_violations(page):
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(RUN_AXE)
    for violation in violations:
        print(f"axe {violation['impact']}: {violation['id']} · {violation['help']}", end=" ")
        print(f"on {page.url}: {violation['nodes']}")
    return [v for v in violations if v["impact"] in BLOCKING]


def test_the_dashboard_has_no_serious_accessibility_violation(
    axe_page, log_in, inspector, bartim_2024
):
    log_in(axe_page, inspector.username)
    axe_page.goto("/dashboard/?year=2024")
    axe_page.wait_for_selector(".chart.chart-drawn svg.main-svg")
    assert axe_violations(axe_page) == []


def test_the_plan_form_has_no_serious_accessibility_violation(
    axe_page, log_in, inspector, methodology, opd_a
):
    log_in(axe_page, inspector.username)
    axe_page.goto("/plans/new/")
    axe_page.wait_for_selector("#id_title")
    assert axe_violations(axe_page) == []


def test_the_progress_report_form_has_no_serious_accessibility_violation(
    axe_page, log_in, head_a, methodology, opd_a
):
    plan = make_plan(methodology[2024], opd_a)
    log_in(axe_page, head_a.username)
    axe_page.goto(f"/plans/{plan.pk}/report/")
    axe_page.wait_for_selector("#id_files")
    assert axe_violations(axe_page) == []
