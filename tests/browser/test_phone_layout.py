"""Every page of the URL matrix (tests/test_url_matrix.py), opened as each role on a 390 px phone:
no page wider than the screen, every menu link, button, field and page link at least 44 px tall,
no Content-Security-Policy violation, no serious or critical axe-core violation.

The pages are the matrix's GET requests that answer the role with 200 and an HTML page; files
(CSV, XLSX, PDF, JSON, downloads) are answered by the server and left out. axe-core is served
under the portal's own origin, so it runs under the real policy and the CSP watch stays on.
"""

import time

import pytest
from django.urls import reverse

from actionplans.models import OPDRole
from tests.browser.conftest import AXE, AXE_BLOCKING, RUN_AXE
from tests.factories import opd_user
from tests.test_url_matrix import CASES, ROLES, _world_media_and_cache, world  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
AXE_URL = "/static/__test_axe.min.js"
NOT_A_PAGE = "<!doctype html><title>a file, not a page</title>"
# The operator of OPD A sees what its head sees: the matrix's head A column.
MATRIX_COLUMN = {
    "anonymous": "anonymous",
    "inspector": "inspector",
    "head_a": "head_a",
    "operator_a": "head_a",
}
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

TOUCH_TARGET_PX = 44
# Django admin's login is Django's own page, kept in the matrix only to prove it is guarded.
DJANGO_ADMIN = "admin:"
SMALL_TARGETS = """(least) => {
  const targets = "nav a, header a, footer a, button, .btn, select, textarea, .page-link, "
    + "input:not([type=hidden]):not([type=checkbox]):not([type=radio])";
  return [...document.querySelectorAll(targets)]
    .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden")
    .filter((el) => !el.closest(".modebar, .visually-hidden, .visually-hidden-focusable"))
    .filter((el) => el.getBoundingClientRect().height < least - 0.5)
    .slice(0, 3).map((el) => `${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 20)}"`
      + ` (${Math.round(el.getBoundingClientRect().height)} px)`);
}"""


def matrix_pages(objects, role):
    """The matrix's GET requests that open a page for this role: (label, URL)."""
    column = ROLES.index(MATRIX_COLUMN[role])
    pages = []
    for name, case in CASES:
        if case.method == "get" and case.expected[column] == 200:
            url = reverse(name, kwargs=case.kwargs(objects))
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


def _route_document(route, kinds):
    if route.request.resource_type == "document":
        kinds.route(route)
    else:
        route.continue_()


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
    problems += [f"{label} {url}: {problem}" for problem in _layout_problems(page, label)]
    problems += [f"{label} {url}: {problem}" for problem in _axe_problems(page)]
    problems += [f"{label} {url}: CSP {text}" for text in page_watch.csp_violations]
    page_watch.csp_violations.clear()
    return problems, True


def _layout_problems(page, label):
    problems = []
    scroll_width, viewport = page.evaluate(PAGE_WIDTH)
    if scroll_width > viewport:
        wide = page.evaluate(WIDE_ELEMENTS)
        problems.append(f"{scroll_width} px wide on a {viewport} px screen, {wide}")
    if not label.startswith(DJANGO_ADMIN):
        small = page.evaluate(SMALL_TARGETS, TOUCH_TARGET_PX)
        if small:
            problems.append(f"touch targets under {TOUCH_TARGET_PX} px: {small}")
    return problems


def _axe_problems(page):
    page.add_script_tag(url=AXE_URL)
    return [
        f"axe {v['impact']} {v['id']} ({v['help']}) on {v['nodes']}"
        for v in page.evaluate(RUN_AXE)
        if v["impact"] in AXE_BLOCKING
    ]


@pytest.fixture
def operator_a(opd_a):
    return opd_user("operator_a", opd_a, role=OPDRole.OPERATOR)


@pytest.mark.parametrize("role", list(MATRIX_COLUMN))
def test_every_matrix_page_fits_a_phone_and_passes_the_touch_csp_and_axe_checks(
    role,
    world,  # noqa: F811 (the URL matrix's world, imported above)
    operator_a,
    new_context,
    page_watch,
    log_in,
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
