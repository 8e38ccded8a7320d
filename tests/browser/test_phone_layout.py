"""Every page of the URL matrix (tests/test_url_matrix.py), opened as each role on a 390 px phone:
no page wider than the screen, no Content-Security-Policy violation, no serious or critical
axe-core violation.

The pages are the matrix's GET requests that answer the role with 200 and an HTML page; files
(CSV, XLSX, PDF, JSON, downloads) are answered by the server and left out. axe-core is served
under the portal's own origin, so it runs under the real policy and the CSP watch stays on.
"""

import time

import pytest
from django.urls import reverse

from actionplans.models import OPDRole
from tests.browser.conftest import AXE, AXE_BLOCKING, RUN_AXE
from tests.conftest import _opd_user
from tests.test_url_matrix import CASES, ROLES, _world_media_and_cache, world  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
AXE_URL = "/static/__test_axe.min.js"
NOT_A_PAGE = "<!doctype html><title>a file, not a page</title>"
# The operator of OPD A sees what its head sees: the matrix's head A column.
MATRIX_COLUMN = {"anonymous": "anonymous", "inspector": "inspector", "head_a": "head_a",
                 "operator_a": "head_a"}
CHARTS_DRAWN = "document.querySelectorAll('.chart:not(.chart-drawn)').length === 0"
PAGE_WIDTH = "[document.documentElement.scrollWidth, window.innerWidth]"
WIDE_ELEMENTS = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > width + 1
      && el.parentElement.getBoundingClientRect().right <= width + 1)
    .slice(0, 3).map((el) => `${el.tagName.toLowerCase()}.${el.classList.value} (${
      Math.round(el.getBoundingClientRect().right)} px)`);
}"""


def matrix_pages(world, role):
    """The matrix's GET requests that open a page for this role: (label, URL)."""
    column = ROLES.index(MATRIX_COLUMN[role])
    pages = []
    for name, case in CASES:
        if case.method == "get" and case.expected[column] == 200:
            url = reverse(name, kwargs=case.kwargs(world))
            pages.append((f"{name} [{case.label}]", f"{url}?{case.query}" if case.query else url))
    return pages


def _serve_axe(route):
    route.fulfill(path=str(AXE), content_type="text/javascript")


class DocumentKinds:
    """Remembers which navigations answered with something other than an HTML page."""

    def __init__(self):
        self.not_html = set()

    def route(self, route):
        response = route.fetch(max_redirects=0)
        if "text/html" not in response.headers.get("content-type", ""):
            self.not_html.add(route.request.url)
            route.fulfill(body=NOT_A_PAGE, content_type="text/html")
        else:
            route.fulfill(response=response)


def _check_page(page, page_watch, label, url, kinds):
    response = page.goto(url)
    if page.url in kinds.not_html or response.url in kinds.not_html:
        return [], False
    problems = []
    if response.status != 200:
        return [f"{label} {url}: answered {response.status}"], True
    if "content-security-policy" not in response.headers:
        problems.append(f"{label} {url}: served without its Content-Security-Policy")
    if page.locator(".chart").count():
        page.wait_for_function(CHARTS_DRAWN)
    scroll_width, viewport = page.evaluate(PAGE_WIDTH)
    if scroll_width > viewport:
        problems.append(
            f"{label} {url}: {scroll_width} px wide on a {viewport} px screen, "
            f"{page.evaluate(WIDE_ELEMENTS)}"
        )
    page.add_script_tag(url=AXE_URL)
    for violation in page.evaluate(RUN_AXE):
        if violation["impact"] in AXE_BLOCKING:
            problems.append(f"{label} {url}: axe {violation['impact']} {violation['id']} "
                            f"({violation['help']}) on {violation['nodes']}")
    problems += [f"{label} {url}: CSP {text}" for text in page_watch.csp_violations]
    page_watch.csp_violations.clear()
    return problems, True


@pytest.fixture
def operator_a(opd_a):
    return _opd_user("operator_a", opd_a, role=OPDRole.OPERATOR)


@pytest.mark.parametrize("role", list(MATRIX_COLUMN))
def test_every_matrix_page_fits_a_phone_passes_axe_and_the_csp(
    role, world, operator_a, new_context, page_watch, log_in  # noqa: F811
):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `bash scripts/browser_deps.sh` (npm install axe-core).")
    started = time.monotonic()
    context = new_context(viewport=PHONE)
    kinds = DocumentKinds()
    context.route(f"**{AXE_URL}", _serve_axe)
    context.route(lambda url: AXE_URL not in url, lambda route: _route_document(route, kinds))
    page = context.new_page()
    if role != "anonymous":
        log_in(page, "operator_a" if role == "operator_a" else world.users[role].username)
    problems, checked = [], 0
    for label, url in matrix_pages(world, role):
        found, was_page = _check_page(page, page_watch, label, url, kinds)
        problems += found
        checked += was_page
    print(f"\n{role}: {checked} pages at {PHONE['width']} px in {time.monotonic() - started:.0f} s")
    assert checked >= 10, f"only {checked} pages opened as {role}"
    assert not problems, "\n".join(problems)


def _route_document(route, kinds):
    if route.request.resource_type == "document":
        kinds.route(route)
    else:
        route.continue_()
