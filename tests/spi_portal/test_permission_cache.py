"""A user's permissions are cached across requests, and every change to them counts at once."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from surveys import public_cache

pytestmark = pytest.mark.django_db

DESK = reverse("actionplans:desk")


def _status(client):
    return client.get(DESK).status_code


def _permission_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(DESK)
    return sum("auth_permission" in query["sql"] for query in captured)


def test_a_warm_request_reads_no_permission_table(inspector_client):
    assert _permission_queries(inspector_client) == 2  # the user's own and the groups'
    assert _permission_queries(inspector_client) == 0


def test_leaving_a_group_takes_its_rights_away_on_the_next_request(inspector_client, inspector):
    assert _status(inspector_client) == 200
    inspector.groups.remove(Group.objects.get(name="Inspektorat"))
    assert _status(inspector_client) == 403
    inspector.groups.add(Group.objects.get(name="Inspektorat"))
    assert _status(inspector_client) == 200


def test_a_group_losing_a_permission_counts_at_once(inspector_client):
    assert _status(inspector_client) == 200
    group = Group.objects.get(name="Inspektorat")
    group.permissions.remove(Permission.objects.get(codename="view_all_plans"))
    assert _status(inspector_client) == 403


def test_a_permission_given_to_the_user_alone_counts_at_once(head_a_client, head_a):
    assert _status(head_a_client) == 403
    head_a.user_permissions.add(Permission.objects.get(codename="view_all_plans"))
    assert _status(head_a_client) == 200
    head_a.user_permissions.clear()
    assert _status(head_a_client) == 403


def test_a_deleted_group_takes_its_rights_with_it(head_a_client, head_a):
    helpers = Group.objects.create(name="Pembantu")
    helpers.permissions.add(Permission.objects.get(codename="view_all_plans"))
    head_a.groups.add(helpers)
    assert _status(head_a_client) == 200
    helpers.delete()  # removes the membership rows without an m2m signal
    assert _status(head_a_client) == 403


def test_a_superuser_flag_taken_away_counts_at_once(head_a_client, head_a):
    head_a.is_superuser = True
    head_a.save()
    assert _status(head_a_client) == 200
    head_a.is_superuser = False
    head_a.save()
    assert _status(head_a_client) == 403


def test_signing_in_does_not_empty_everyone_s_permission_cache(client, inspector):
    before = public_cache.generation(public_cache.ACCESS)
    inspector.set_password("kata-sandi-uji-123")
    inspector.save(update_fields=["password"])
    credentials = {"username": inspector.username, "password": "kata-sandi-uji-123"}
    assert client.post(reverse("login"), credentials).status_code == 302
    inspector.refresh_from_db()
    assert inspector.last_login is not None
    assert public_cache.generation(public_cache.ACCESS) == before


def test_an_opd_membership_is_read_once_and_its_change_counts_at_once(head_a, opd_b):
    from actionplans import access
    from actionplans.models import OPDMembership

    def fresh_opd():
        head_a.refresh_from_db()  # a new request's user object
        for attribute in ("_opd_id_cache", "_access_generation", "_data_generations"):
            head_a.__dict__.pop(attribute, None)
        with CaptureQueriesContext(connection) as captured:
            opd = access.opd_id_of(head_a)
        return opd, sum("opdmembership" in query["sql"] for query in captured)

    first_opd, first_reads = fresh_opd()
    assert first_reads == 1
    assert fresh_opd() == (first_opd, 0)  # from the cache
    membership = OPDMembership.objects.get(user=head_a)
    membership.opd = opd_b
    membership.save()
    assert fresh_opd() == (opd_b.pk, 1)
    membership.delete()
    assert fresh_opd() == (None, 1)
