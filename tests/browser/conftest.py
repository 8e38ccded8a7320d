"""Real-browser journeys: Playwright drives Debian's chromium against pytest-django's live server.

No browser is ever downloaded: chromium must be at CHROMIUM (default /usr/bin/chromium); if it
is missing the tests fail with the command that installs it. Every page a test opens is watched
for Content-Security-Policy violations (console messages and `securitypolicyviolation` events);
any violation fails the test. On failure each open page leaves a screenshot and its HTML under
test-artifacts/.
"""

import os
import re
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CSP_MARKERS = ("Content Security Policy", "Refused to")
REPORT_VIOLATION = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__spiCspViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""
TIMEOUT_MS = 15_000
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  }));
}"""
AXE_BLOCKING = ("serious", "critical")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def live_server(live_server_plain_http, live_server):
    return live_server


@pytest.fixture(scope="session")
def live_server_plain_http():
    """The live server speaks plain HTTP on localhost: its middleware is built once, at start,
    so production's HTTPS redirect and secure cookies are switched off before it starts."""
    from django.conf import settings

    plain = {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "LANGUAGE_COOKIE_SECURE": False,
    }
    saved = {name: getattr(settings, name) for name in plain}
    for name, value in plain.items():
        setattr(settings, name, value)
    yield
    for name, value in saved.items():
        setattr(settings, name, value)


class PageWatch:
    """What the pages of one test logged: CSP violations and console errors, with the URL."""

    def __init__(self):
        self.csp_violations = []
        self.console_errors = []
        self.pages = []

    def attach(self, page):
        self.pages.append(page)
        page.on("console", lambda message: self._console(page, message))

    def _console(self, page, message):
        entry = f"{page.url}: {message.text}"
        if any(marker in message.text for marker in CSP_MARKERS):
            self.csp_violations.append(entry)
        elif message.type == "error" and not _is_favicon_probe(message):
            self.console_errors.append(entry)

    def violation_event(self, source, text):
        self.csp_violations.append(f"{source['page'].url}: {text}")


def _is_favicon_probe(message):
    """The browser asks for /favicon.ico by itself; the portal has none and no page links it."""
    return message.location.get("url", "").endswith("/favicon.ico")


@pytest.fixture
def chromium(monkeypatch):
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}. Install Debian's package with "
            "`apt-get install -y chromium` (scripts/test.sh does it when run as root), "
            "or deselect the browser tests with -m 'not browser'."
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make
    # from it are still plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_watch():
    return PageWatch()


@pytest.fixture
def new_context(chromium, live_server, page_watch, request):
    """Open browser contexts on the live server; each page is watched for CSP violations."""
    contexts = []
    for stale in ARTIFACTS.glob(f"{_artifact_stem(request.node.name)}-*"):
        stale.unlink()

    def open_context(**options):
        options = {"locale": "id-ID", **options}
        context = chromium.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.expose_binding("__spiCspViolation", page_watch.violation_event)
        context.add_init_script(REPORT_VIOLATION)
        context.on("page", page_watch.attach)
        contexts.append(context)
        return context

    yield open_context
    call = getattr(request.node, "report_call", None)
    if (call is not None and call.failed) or page_watch.csp_violations:
        _save_artifacts(request.node.name, page_watch.pages)
    for context in contexts:
        context.close()
    assert not page_watch.csp_violations, "Content-Security-Policy violations:\n" + "\n".join(
        page_watch.csp_violations
    )


@pytest.fixture
def page(new_context):
    return new_context().new_page()


def _artifact_stem(test_name):
    return re.sub(r"[^\w.-]+", "_", test_name)


def _save_artifacts(test_name, pages):
    ARTIFACTS.mkdir(exist_ok=True)
    stem = _artifact_stem(test_name)
    for number, page in enumerate(pages):
        if page.is_closed():
            continue
        name = f"{stem}-{number}"
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            (ARTIFACTS / f"{name}.html").write_text(page.content(), encoding="utf-8")
        except Exception as error:  # a crashed page must not hide the test's own failure
            (ARTIFACTS / f"{name}.error.txt").write_text(str(error), encoding="utf-8")


@pytest.fixture
def log_in():
    def log_in_through_the_form(page, username, password=PASSWORD):
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, f"{username} could not log in"

    return log_in_through_the_form


@pytest.fixture
def axe_page(new_context):
    """A page for axe only: bypass_csp lets the axe script in; no CSP check relies on it. Reduced
    motion turns off Bootstrap's colour transitions, which axe would otherwise measure halfway
    (a just-clicked outline button read as too pale on a slow machine)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `bash scripts/browser_deps.sh` (npm install axe-core).")
    return new_context(bypass_csp=True, reduced_motion="reduce").new_page()


@pytest.fixture
def axe_violations():
    """Run axe-core on a page: print every violation, return the serious and critical ones."""

    def serious_violations(page):
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(RUN_AXE)
        for violation in violations:
            print(f"axe {violation['impact']}: {violation['id']} · {violation['help']}", end=" ")
            print(f"on {page.url}: {violation['nodes']}")
        return [v for v in violations if v["impact"] in AXE_BLOCKING]

    return serious_violations


@pytest.fixture(autouse=True)
def _restore_migrated_rows(django_db_serialized_rollback):
    """The live server needs transactional tests, which empty every table afterwards; serialized
    rollback brings back the rows migrations made (the role groups) for the next browser test."""
