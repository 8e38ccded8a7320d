"""Two app processes behind one PostgreSQL and one Redis share everything a request needs."""

import re
import time

import pytest

from tests.conftest import PASSWORD
from tests.servers import Browser, deployment

SEED = f"""
from decimal import Decimal
from django.contrib.auth.models import Group, Permission, User
from surveys.models import Institution, InstitutionResult, RoundStatus, SurveyRound
from surveys.services import methodology_load_all

user = User.objects.create_user("inspector", password="{PASSWORD}")
methodology_load_all(actor=user)
user.groups.add(Group.objects.get(name="Inspektorat"))
user.user_permissions.add(Permission.objects.get(codename="publish_surveyround"))
home = Institution.objects.create(
    kpk_code="KAB-BARTIM", name="Pemerintah Kabupaten Barito Timur", type="kabupaten",
    province="Kalimantan Tengah", is_home=True,
)
for year, scores in {{
    2023: ("70.78", "84.74", "60.38", "2.02", "0", "69.52"),
    2024: ("66.93", "84.27", "56.79", "1.12", "0", "67.78"),
}}.items():
    internal, external, expert, integrity, prevalence, published = map(Decimal, scores)
    InstitutionResult.objects.create(
        round=SurveyRound.objects.get(year=year), institution=home, internal=internal,
        external=external, expert=expert, correction_integrity=integrity,
        correction_prevalence=prevalence, published_index=published,
    )
SurveyRound.objects.filter(year=2023).update(status=RoundStatus.PUBLISHED)
"""
# Changes a published figure behind the cache's back (no generation bump), to see what is cached.
EDIT_2023_QUIETLY = """
from surveys.models import InstitutionResult
InstitutionResult.objects.filter(round__year=2023).update(published_index="69.99")
"""
# spi_portal.public_bytes.CHECK_SECONDS on the servers (this process's tests set it 0)
WORKER_CHECK_SECONDS = 1.0
READ_GENERATION = "from surveys import public_cache; print(public_cache.generation())"

pytestmark = pytest.mark.system


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    with deployment(tmp_path_factory.mktemp("portal")) as portal:
        portal.manage("shell", "--no-imports", "-c", SEED)
        portal.start_server()
        portal.start_server()
        yield portal


def log_in(browser, server, password=PASSWORD):
    browser.get(server.url("/accounts/login/"))
    data = {"username": "inspector", "password": password}
    return browser.post(server.url("/accounts/login/"), data)


def headline_index(server):
    page = Browser().get(server.url("/"))
    assert page.status == 200
    return re.search(r'<span class="index">([^<]+)</span>', page.text).group(1)


def generation(portal):
    return int(portal.manage("shell", "--no-imports", "-c", READ_GENERATION))


def test_a_login_on_one_server_is_valid_on_the_other(portal):
    a, b = portal.servers
    browser = Browser()
    assert log_in(browser, a).status == 302
    assert browser.get(b.url("/rounds/")).status == 200
    assert Browser().get(b.url("/rounds/")).status == 302  # a stranger is sent to log in


def test_a_logout_on_one_server_ends_the_session_on_the_other(portal):
    """Sessions are read from the shared cache (cached_db with REDIS_URL): a logout must reach
    both servers at once."""
    a, b = portal.servers
    browser = Browser()
    assert log_in(browser, a).status == 302
    assert browser.get(b.url("/rounds/")).status == 200  # the session cached on both
    assert browser.get(a.url("/rounds/")).status == 200
    assert browser.post(b.url("/accounts/logout/")).status == 302
    assert browser.get(a.url("/rounds/")).status == 302  # sent to log in


def test_publishing_through_one_server_drops_the_public_page_cache_on_the_other(portal):
    a, b = portal.servers
    assert headline_index(a) == "69,52"  # SPI 2023, the latest published round
    portal.manage("shell", "--no-imports", "-c", EDIT_2023_QUIETLY)
    assert headline_index(b) == "69,52"  # B serves the page A cached in the shared Redis
    before = generation(portal)

    browser = Browser()
    log_in(browser, a)
    assert browser.post(b.url("/rounds/2024/publish/")).status == 302
    assert generation(portal) == before + 1
    time.sleep(WORKER_CHECK_SECONDS)  # every worker reads the generation within that
    assert headline_index(a) == "67,78"  # A rebuilds: SPI 2024 is now the latest

    assert browser.post(a.url("/rounds/2024/unpublish/"), {"reason": "uji"}).status == 302
    assert generation(portal) == before + 2
    time.sleep(WORKER_CHECK_SECONDS)
    assert headline_index(b) == "69,99"  # back to 2023, rebuilt with the quiet edit


def test_failed_logins_on_both_servers_count_towards_one_lockout(portal):
    a, b = portal.servers
    browser = Browser()
    for server in (a, b, a, b, a):
        log_in(browser, server, password="wrong-password-123")
    assert log_in(browser, b).status == 429
    portal.manage("axes_reset")
    assert log_in(browser, b).status == 302
