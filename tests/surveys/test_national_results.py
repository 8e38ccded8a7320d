"""KPK's national results shipped with the portal: loaded once, by one command, into one row per
institution; the demo's home is one of them; peer averages work from the first start."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from spi_portal.demo import INSPECTOR_USERNAME, demo_load
from surveys.importing import ImportRejected
from surveys.models import ImportBatch, Institution, InstitutionResult
from surveys.services import NATIONAL_RESULTS, national_results_load
from tests.factories import importer

pytestmark = pytest.mark.django_db


def shipped_rows():
    with NATIONAL_RESULTS.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def counts():
    return (
        Institution.objects.count(),
        InstitutionResult.objects.count(),
        Institution.history.count(),
        InstitutionResult.history.count(),
        ImportBatch.objects.count(),
    )


def command(*args):
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_portal_ships_the_file_with_its_source():
    assert len(shipped_rows()) == 3192
    readme = (NATIONAL_RESULTS.parent / "README.md").read_text()
    assert "**Source:** Komisi Pemberantasan Korupsi (KPK)" in readme


def test_it_loads_every_result_into_one_institution_each(methodology):
    report = national_results_load(actor=importer())
    assert (report.created_count, len(report.institutions_created)) == (3192, 674)
    assert InstitutionResult.objects.count() == 3192
    names = {row["institution_name"] for row in shipped_rows()}
    assert Institution.objects.count() == len(names) == 674
    bartim = Institution.objects.get(region_code="6213")
    assert (bartim.name, bartim.kpk_code, bartim.type, bartim.province) == (
        "PEMERINTAH KABUPATEN BARITO TIMUR",
        "KAB-BARITO-TIMUR",
        "kabupaten",
        "Kalimantan Tengah",
    )
    assert bartim.results.get(round__year=2022).correction_integrity == Decimal("3.60")
    assert ImportBatch.objects.get().file_name == NATIONAL_RESULTS.name


def test_a_regency_that_moved_province_stays_one_institution_with_its_latest_code(methodology):
    national_results_load(actor=importer())
    asmat = Institution.objects.get(name="PEMERINTAH KABUPATEN ASMAT")
    assert (asmat.region_code, asmat.province) == ("9304", "Papua Selatan")  # 9118, Papua, before
    assert asmat.results.count() == 5


def test_a_province_government_is_in_its_own_province(methodology):
    national_results_load(actor=importer())
    provinces = dict(Institution.objects.filter(type="provinsi").values_list("name", "province"))
    assert provinces["PEMERINTAH PROVINSI KALIMANTAN TENGAH"] == "Kalimantan Tengah"
    assert provinces["PEMERINTAH PROVINSI D.I. YOGYAKARTA"] == "Yogyakarta"
    assert provinces["PEMERINTAH PROVINSI PAPUA SELATAN"] == "Papua Selatan"


def test_the_loader_is_idempotent(methodology):
    importer()
    first = command("load_national_results", "--actor", "importer")
    assert "results created 3192" in first
    after_first = counts()
    again = command("load_national_results", "--actor", "importer")
    assert "results created 0, updated 0, unchanged 3192; new institutions 0" in again
    assert "Nothing changed; nothing was written." in again
    assert counts() == after_first


def test_the_loader_needs_an_account_to_name(methodology):
    with pytest.raises(CommandError, match="pass --actor USERNAME"):
        command("load_national_results", "--actor", "nobody")
    assert counts() == (0, 0, 0, 0, 0)


def test_the_loader_writes_all_rows_or_none(methodology, bartim_2024):
    bartim_2024.internal = Decimal("50.00")  # a stored value the national file contradicts
    bartim_2024.save()
    before = counts()
    with pytest.raises(ImportRejected) as rejected:
        national_results_load(actor=importer())
    assert str(rejected.value) == (
        f'{NATIONAL_RESULTS.name}, row 2023, column "internal": "66.93" would replace the stored '
        "value 50.00 (import with replace to change it)"
    )
    assert counts() == before


def test_an_install_that_already_has_its_home_keeps_that_one_row(methodology, bartim_2024):
    report = national_results_load(actor=importer())
    assert report.institutions_filled == ["KAB-BARTIM (6213)"]
    home = Institution.objects.get(is_home=True)
    assert (home.kpk_code, home.region_code) == ("KAB-BARTIM", "6213")
    assert Institution.objects.filter(name_key="kabupaten barito timur").count() == 1
    assert home.results.count() == 5  # its 2024 result kept, the other four rounds added
    assert Institution.objects.count() == 674


def test_the_demo_home_is_the_national_files_barito_timur_with_no_duplicate():
    demo_load()
    home = Institution.objects.get(is_home=True)
    assert (home.name, home.region_code) == ("PEMERINTAH KABUPATEN BARITO TIMUR", "6213")
    assert Institution.objects.filter(name_key="kabupaten barito timur").count() == 1
    assert Institution.objects.count() == 674
    assert home.indicator_scores.filter(is_illustrative=True).count() == 19


def test_the_demo_dashboard_shows_peer_averages_from_the_first_start(client):
    demo_load()
    client.force_login(get_user_model().objects.get(username=INSPECTOR_USERNAME))
    response = client.get(reverse("dashboard"))
    peers = response.context["peers"]
    same_type, same_province = peers["same_type"], peers["same_province"]
    assert same_type["count"] > 400 and same_type["average"] is not None  # kabupaten in 2024
    assert same_province["count"] == 14  # Kalimantan Tengah's government, regencies, city
    shown_year = response.context["round"].year  # the current follow-up round: 2024
    assert shown_year == 2024
    average = InstitutionResult.objects.filter(
        round__year=shown_year,
        institution__province="Kalimantan Tengah",
        published_index__isnull=False,
    ).exclude(institution__is_home=True)
    expected = sum(r.published_index for r in average) / average.count()
    assert abs(Decimal(same_province["average"]) - expected) < Decimal("0.001")
    page = response.content.decode()
    assert "surveys/data/" in page  # the source of the averages is named


def test_a_dry_run_needs_no_account_and_writes_nothing(methodology):
    out = command("load_national_results", "--dry-run")
    assert "results created 3192" in out and "new institutions 674" in out
    assert "Dry run: nothing was written." in out
    assert counts() == (0, 0, 0, 0, 0)
