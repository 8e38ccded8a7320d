"""The results import in bulk: foreign keys checked once per batch on PostgreSQL, all or nothing,
COPY text as written, and institution keys as before."""

import io
import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from surveys import institution_names
from surveys.importing import bulk, import_file, results
from surveys.models import ImportBatch, ImportKind, Institution, InstitutionResult
from tests.factories import importer

HEADER = "year,institution_code,institution_name,internal,external,expert"
ROWS = (
    "2024,KAB-A,Kabupaten A,66.93,84.27,56.79",
    "2024,KAB-B,Kabupaten B,70.10,80.00,60.00",
    "2023,KAB-A,Kabupaten A,65.00,83.00,55.00",
)
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="foreign keys checked once on PostgreSQL only"
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _import(*lines, **options):
    content = io.BytesIO(("\n".join(lines) + "\n").encode())
    options.setdefault("actor", importer())
    return import_file(ImportKind.RESULTS, content, file_name="results.csv", **options)


def _keys() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [InstitutionResult._meta.db_table],
        )
        return cursor.fetchall()


@postgresql_only
@pytest.mark.transactional
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_new_results_in_bulk_have_their_keys_checked_once_and_kept_as_they_were(
    methodology, monkeypatch
):
    monkeypatch.setattr(results, "CHECK_KEYS_ONCE_FROM", 1)
    before = _keys()
    with CaptureQueriesContext(connection) as queries:
        report = _import(HEADER, *ROWS)
    statements = [q["sql"] for q in queries.captured_queries]
    assert any(re.match(r"ALTER TABLE \S+ DROP CONSTRAINT", sql) for sql in statements)
    assert any(re.match(r"ALTER TABLE \S+ ADD CONSTRAINT", sql) for sql in statements)
    assert _keys() == before and len(before) == 3
    assert report.created_count == InstitutionResult.objects.count() == 3
    assert InstitutionResult.history.filter(history_type="+").count() == 3
    with pytest.raises(IntegrityError), transaction.atomic():
        InstitutionResult.objects.create(
            round=methodology[2024], institution_id=10**9, internal=1, external=1, expert=1
        )


@postgresql_only
@pytest.mark.transactional
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_bulk_import_that_also_updates_writes_one_history_row_per_changed_result(
    methodology, monkeypatch
):
    monkeypatch.setattr(results, "CHECK_KEYS_ONCE_FROM", 1)
    _import(HEADER, *ROWS[:2])
    before = _keys()
    changed = "2024,KAB-A,Kabupaten A,66.94,84.27,56.79"
    report = _import(
        HEADER, changed, ROWS[1], ROWS[2], "2023,KAB-B,Kabupaten B,1,2,3", replace=True
    )
    assert (report.created_count, report.updated_count, report.unchanged_count) == (2, 1, 1)
    rows = InstitutionResult.history.filter(import_batch=report.batch)
    assert sorted(rows.values_list("history_type", flat=True)) == ["+", "+", "~"]
    assert _keys() == before


@postgresql_only
@pytest.mark.transactional
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_bulk_import_that_fails_after_dropping_its_keys_writes_nothing_and_keeps_them(
    methodology, monkeypatch
):
    monkeypatch.setattr(results, "CHECK_KEYS_ONCE_FROM", 1)

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(results, "_history", broken)
    before = _keys()
    with pytest.raises(RuntimeError):
        _import(HEADER, *ROWS)
    assert _keys() == before
    assert not InstitutionResult.objects.exists() and not ImportBatch.objects.exists()
    assert not Institution.objects.filter(kpk_code__in=["KAB-A", "KAB-B"]).exists()


@postgresql_only
@pytest.mark.django_db
def test_keys_that_cannot_be_dropped_are_checked_row_by_row(methodology, monkeypatch):
    """Inside a test's transaction, rows written before the import leave checks pending, and
    PostgreSQL refuses to drop a key then: the import checks each row instead."""
    monkeypatch.setattr(results, "CHECK_KEYS_ONCE_FROM", 1)
    Institution.objects.create(kpk_code="KAB-C", name="Kabupaten C")
    InstitutionResult.objects.create(
        round=methodology[2021],
        institution=Institution.objects.get(kpk_code="KAB-C"),
        internal=1,
        external=1,
        expert=1,
    )
    before = _keys()
    report = _import(HEADER, *ROWS)
    assert report.created_count == 3 and _keys() == before
    assert InstitutionResult.history.filter(import_batch=report.batch).count() == 3


@pytest.mark.django_db
def test_new_institutions_keep_quotes_commas_and_backslashes_as_written(methodology):
    name = 'Badan "Riset", Data\\Statistik'
    line = '2024,BRDS,"Badan ""Riset"", Data\\Statistik",66.93,84.27,56.79'
    _import(HEADER, line)
    assert Institution.objects.get(kpk_code="BRDS").name == name
    assert Institution.history.get(kpk_code="BRDS").name == name


@pytest.mark.django_db
def test_updated_and_new_results_of_one_import_each_get_one_history_row(methodology):
    _import(HEADER, ROWS[0])
    report = _import(HEADER, "2024,KAB-A,Kabupaten A,66.94,84.27,56.79", *ROWS[1:], replace=True)
    assert (report.created_count, report.updated_count) == (2, 1)
    rows = InstitutionResult.history.filter(import_batch=report.batch)
    assert sorted(rows.values_list("history_type", flat=True)) == ["+", "+", "~"]
    assert (
        rows.get(history_type="~").internal
        == InstitutionResult.objects.get(institution__kpk_code="KAB-A", round__year=2024).internal
    )


def _split_type_as_before(name):
    """The prefix search as it was written before it looked words up."""
    text = institution_names.normalise(
        institution_names._BRACKETS.sub("", name or "").strip() or name or ""
    )
    for prefix in sorted(institution_names._PREFIXES, key=len, reverse=True):
        if text == prefix:
            break
        if text.startswith(prefix + " "):
            return institution_names._PREFIXES[prefix], text[len(prefix) + 1 :]
    return None, text


@pytest.mark.parametrize(
    "name",
    [
        "PEMERINTAH KABUPATEN BARITO TIMUR",
        "Pemerintah Daerah Kabupaten Barito Timur",
        "Pemerintah Kabupaten",
        "Kab. Barito  Timur",
        "Kabupaten",
        "Pemda Kab Kapuas",
        "Pemda Kab",
        "Kota",
        "Kota Baru",
        "Pemerintah Provinsi D.I. Yogyakarta",
        "Prov. DKI Jakarta",
        "Propinsi Daerah Istimewa Aceh",
        "Arsip Nasional Republik Indonesia (ANRI)",
        "(ANRI)",
        "Kementerian Sosial",
        "Badan Pusat Statistik",
        " kab x ",
        "KABUPATEN-BARITO-TIMUR",
        "Kotawaringin Barat",
        "",
        "Pemkab",
        "P e m k a b  X",
    ],
)
def test_an_institution_name_splits_into_the_same_type_and_rest_as_before(name):
    assert institution_names.split_type(name) == _split_type_as_before(name)


def test_copy_text_writes_each_value_as_postgresql_reads_it():
    from decimal import Decimal

    texts = bulk.column_texts([Decimal("74.12"), None, True, "a\tb\\c\nd", 7, Decimal("74.12")])
    assert texts.tolist() == ["74.12", r"\N", "t", "a\\tb\\\\c\\nd", "7", "74.12"]
