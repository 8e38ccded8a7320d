"""Two app processes behind one PostgreSQL and one Redis share everything a request needs."""

import pytest

from tests.conftest import PASSWORD
from tests.servers import Browser, deployment

CREATE_PUBLISHER = f"""
from django.contrib.auth.models import Group, Permission, User
user = User.objects.create_user("inspector", password="{PASSWORD}")
user.groups.add(Group.objects.get(name="Inspektorat"))
user.user_permissions.add(Permission.objects.get(codename="publish_surveyround"))
"""
READ_GENERATION = "from surveys import public_cache; print(public_cache.generation())"


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    with deployment(tmp_path_factory.mktemp("portal")) as portal:
        portal.manage("load_methodology")
        portal.manage("shell", "--no-imports", "-c", CREATE_PUBLISHER)
        portal.start_server()
        portal.start_server()
        yield portal


def log_in(browser, server, password=PASSWORD):
    browser.get(server.url("/accounts/login/"))
    data = {"username": "inspector", "password": password}
    return browser.post(server.url("/accounts/login/"), data)


def test_a_login_on_one_server_is_valid_on_the_other(portal):
    a, b = portal.servers
    browser = Browser()
    assert log_in(browser, a).status == 302
    assert browser.get(b.url("/rounds/")).status == 200
    assert Browser().get(b.url("/rounds/")).status == 302  # a stranger is sent to log in


def test_publishing_through_one_server_bumps_the_cache_generation_every_process_reads(portal):
    a, b = portal.servers
    browser = Browser()
    log_in(browser, a)
    before = int(portal.manage("shell", "--no-imports", "-c", READ_GENERATION))
    assert browser.post(b.url("/rounds/2024/publish/")).status == 302
    assert int(portal.manage("shell", "--no-imports", "-c", READ_GENERATION)) == before + 1
    assert browser.post(a.url("/rounds/2024/unpublish/"), {"reason": "uji"}).status == 302
    assert int(portal.manage("shell", "--no-imports", "-c", READ_GENERATION)) == before + 2


def test_failed_logins_on_both_servers_count_towards_one_lockout(portal):
    a, b = portal.servers
    browser = Browser()
    for server in (a, b, a, b, a):
        log_in(browser, server, password="wrong-password-123")
    assert log_in(browser, b).status == 429
    portal.manage("axes_reset")
    assert log_in(browser, b).status == 302
