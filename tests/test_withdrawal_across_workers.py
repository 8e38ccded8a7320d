"""An unpublish run from the command line is seen at once by every worker of a running server.

One gunicorn with three workers, production settings and no REDIS_URL (each worker has its own
memory cache), as the README's `--workers $((2*nproc+1))` runs it. Each worker caches SPI 2024;
then `manage.py unpublish_round` runs as a process of its own. Every request after it must be a
404, whichever worker answers.
"""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.servers import Browser, deployment

WORKERS = 3
SEED = """
from decimal import Decimal
from django.contrib.auth.models import Group, Permission, User
from surveys.models import Institution, InstitutionResult, RoundStatus, SurveyRound
from surveys.services import methodology_load_all

methodology_load_all()
user = User.objects.create_user("inspector", password="a-long-test-password-123")
user.groups.add(Group.objects.get(name="Inspektorat"))
user.user_permissions.add(Permission.objects.get(codename="publish_surveyround"))
home = Institution.objects.create(
    kpk_code="KAB-BARTIM", name="Pemerintah Kabupaten Barito Timur", type="kabupaten",
    is_home=True,
)
for year, published in {2023: "69.52", 2024: "67.78"}.items():
    InstitutionResult.objects.create(
        round=SurveyRound.objects.get(year=year), institution=home, internal=Decimal("70"),
        external=Decimal("80"), expert=Decimal("60"), correction_integrity=Decimal("0"),
        correction_prevalence=Decimal("0"), published_index=Decimal(published),
    )
SurveyRound.objects.filter(year=2023).update(status=RoundStatus.PUBLISHED)
"""
YEAR_URLS = ("/2024/", "/data/2024/results.csv", "/api/v1/rounds/2024/")
# the worker's process id and the path of every request, in the server's log
ACCESS_LOG = ("--access-logfile", "-", "--access-logformat", "served %(p)s %(U)s %(s)s")


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    with deployment(tmp_path_factory.mktemp("withdrawal"), redis=False) as portal:
        portal.manage("shell", "--no-imports", "-c", SEED)
        portal.manage("publish_round", "2024", "--actor", "inspector")
        portal.start_server(workers=WORKERS, options=ACCESS_LOG)
        yield portal


def fetch_all(server, paths) -> list[int]:
    """Several requests at a time, so that every idle worker answers some of them."""
    with ThreadPoolExecutor(max_workers=2 * WORKERS) as pool:
        return list(pool.map(lambda path: Browser().get(server.url(path)).status, paths))


def workers_that_served(server, path, since: int) -> set[str]:
    lines = server.log.read_text().splitlines()[since:]
    pattern = re.compile(rf"^served (\S+) {re.escape(path)} ")
    return {m.group(1) for m in map(pattern.match, lines) if m}


def log_length(server) -> int:
    return len(server.log.read_text().splitlines())


def statuses_from_every_worker(server, path, at_least=30) -> list[int]:
    """At least `at_least` answers for `path`, and more until each worker has given some."""
    since = log_length(server)
    statuses = fetch_all(server, [path] * at_least)
    for _attempt in range(20):
        if len(workers_that_served(server, path, since)) == WORKERS:
            return statuses
        statuses += fetch_all(server, [path] * 2 * WORKERS)
    raise AssertionError(f"not every worker answered {path}:\n{server.log.read_text()}")


def test_an_unpublish_from_the_command_line_is_a_404_on_every_worker_at_once(portal):
    [server] = portal.servers
    statuses_from_every_worker(server, "/healthz")  # every worker has booted
    for path in YEAR_URLS:
        assert set(statuses_from_every_worker(server, path)) == {200}  # and cached the year
    assert "67,78" in Browser().get(server.url("/2024/")).text

    reason = "KPK mengoreksi data"
    portal.manage("unpublish_round", "2024", "--reason", reason, "--actor", "inspector")

    for path in YEAR_URLS:
        assert set(statuses_from_every_worker(server, path)) == {404}
    latest = [Browser().get(server.url("/")) for _request in range(3 * WORKERS)]
    assert all('<span class="index">69,52</span>' in page.text for page in latest)
