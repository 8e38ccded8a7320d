"""A full export restored into an empty database gives the same data (docs/backup.md)."""

import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command

from actionplans.models import OPD, OPDMembership, OPDRole
from surveys import services
from surveys.models import InstitutionResult
from tests.conftest import PASSWORD
from tests.servers import scratch_database

pytestmark = pytest.mark.system

# The same arguments as the export command in docs/backup.md.
DUMP_ARGS = [
    "--natural-foreign",
    "--natural-primary",
    "-e",
    "contenttypes",
    "-e",
    "auth.permission",
]


# dumpdata writes times to the millisecond: 11:27:34.000412 is written "34.000Z", loads back as
# 34.000000 and is then written "34Z". The same instant, so compare without an empty fraction.
EMPTY_MILLISECONDS = re.compile(r"(T\d\d:\d\d:\d\d)\.000(?=Z|[+-]\d\d:\d\d)")


def canonical(dump_path):
    objects = json.loads(dump_path.read_text(encoding="utf-8"))
    return sorted(EMPTY_MILLISECONDS.sub(r"\1", json.dumps(obj, sort_keys=True)) for obj in objects)


def run(command, **kwargs):
    return subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=True, **kwargs
    )


def manage(*args, database_url):
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"}
    env.pop("REDIS_URL", None)
    return run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env)


@pytest.fixture
def portal_data(bartim_2024, inspector):
    inspector.groups.add(Group.objects.get(name="Inspektorat"))
    opd = OPD.objects.create(code="DINKES", name="Dinas Kesehatan")
    OPDMembership.objects.create(user=inspector, opd=opd, role=OPDRole.HEAD)
    services.round_publish(survey_round=bartim_2024.round, actor=inspector)


def test_a_full_export_loads_into_an_empty_database_with_the_same_data(portal_data, tmp_path):
    exported = tmp_path / "export.json"
    call_command("dumpdata", *DUMP_ARGS, output=str(exported), verbosity=0)
    assert InstitutionResult.objects.count() == 1
    assert len(canonical(exported)) > 100  # rounds, bands, dimensions, history, users, groups

    restored_db = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    manage("migrate", "--noinput", database_url=restored_db)
    manage("loaddata", str(exported), database_url=restored_db)
    restored = tmp_path / "restored.json"
    manage("dumpdata", *DUMP_ARGS, "-o", str(restored), database_url=restored_db)

    assert canonical(restored) == canonical(exported)


SEED = f"""
from django.contrib.auth.models import Group, User
from surveys.services import methodology_load_all
user = User.objects.create_user("inspector", password="{PASSWORD}")
methodology_load_all(actor=user)
user.groups.add(Group.objects.get(name="Inspektorat"))
"""


def test_a_pg_dump_restored_with_pg_restore_gives_the_same_data(tmp_path):
    archive = tmp_path / "db.dump"
    with scratch_database() as original, scratch_database() as restored:
        manage("migrate", "--noinput", database_url=original)
        manage("shell", "--no-imports", "-c", SEED, database_url=original)
        run(["pg_dump", "-Fc", "--no-owner", "-d", original, "-f", str(archive)])
        run(["pg_restore", "--no-owner", "--exit-on-error", "-d", restored, str(archive)])
        for name, url in (("original", original), ("restored", restored)):
            manage("dumpdata", *DUMP_ARGS, "-o", str(tmp_path / f"{name}.json"), database_url=url)

    assert len(canonical(tmp_path / "original.json")) > 100
    assert canonical(tmp_path / "restored.json") == canonical(tmp_path / "original.json")
