"""Files as people have them: KPK-style sheets with title rows, Indonesian headers and names only,
name variants, float noise, decimal commas, merged headers, notes under the table, and our own
open data, each into a database that already holds the shipped national results."""

import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from surveys import institution_names
from surveys.importing import ImportRejected, import_file, numbers
from surveys.importing.headers import ALIASES
from surveys.models import ImportBatch, ImportKind, Institution, InstitutionResult
from surveys.services import national_results_load, round_publish
from tests.factories import importer

pytestmark = pytest.mark.django_db

KPK_HEADER = [
    "No",
    "Nama Instansi",
    "Nilai Internal",
    "Nilai Eksternal",
    "Nilai Eksper",
    "Koreksi Integritas",
    "Koreksi Prevalensi",
    "Indeks SPI",
]
# KPK's 2024 figures of four institutions in the shipped file
BARTIM = [66.93, 84.27, 56.79, 1.12, 0, 67.78]
PALANGKA_RAYA_2024 = "PEMERINTAH KOTA PALANGKA RAYA"


@pytest.fixture
def national(methodology):
    """The database as load_demo or a production install leaves it: KPK's results loaded."""
    national_results_load(actor=importer())
    return Institution.objects.count()


def figures(name, year=2024):
    result = InstitutionResult.objects.select_related("institution").get(
        round__year=year, institution__name=name
    )
    return [
        float(result.internal),
        float(result.external),
        float(result.expert),
        float(result.correction_integrity),
        float(result.correction_prevalence),
        float(result.published_index),
    ]


def xlsx(rows, *, merge=()) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "SPI 2024"
    for row in rows:
        sheet.append(row)
    for cells in merge:
        sheet.merge_cells(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def kpk_sheet(names_and_figures, *, title="Hasil Survei Penilaian Integritas (SPI) Tahun 2024"):
    """A sheet as copied from KPK's dashboard: title, source line, a blank row, then the table."""
    return xlsx(
        [
            [title],
            ["Komisi Pemberantasan Korupsi"],
            [],
            KPK_HEADER,
            *[[n, name, *values] for n, (name, values) in enumerate(names_and_figures, 1)],
            [],
            ["Sumber: KPK, jaga.id (diunduh 2025)"],
        ]
    )


def run(content, file_name="kpk.xlsx", **options):
    return import_file(
        ImportKind.RESULTS, io.BytesIO(content), file_name=file_name, actor=importer(), **options
    )


def test_it_imports_a_kpk_sheet_with_title_rows_indonesian_headers_and_names_only(national):
    palangka = figures(PALANGKA_RAYA_2024)
    content = kpk_sheet(
        [("PEMERINTAH KABUPATEN BARITO TIMUR", BARTIM), (PALANGKA_RAYA_2024, palangka)]
    )
    report = run(content)
    assert report.rows_total == 2
    assert (report.created_count, report.updated_count, report.unchanged_count) == (0, 0, 2)
    assert "The header is row 4; the rows above it were skipped." in report.notes
    assert any("its title says 2024" in note for note in report.notes)
    assert any("Rows from 8 on are notes under the table" in note for note in report.notes)
    assert any("Columns left out" in note and "No" in note for note in report.notes)
    assert Institution.objects.count() == national  # no duplicate institution
    assert [str(c) for c in report.unchanged] == [
        "row 5: KAB-BARITO-TIMUR · 2024",
        "row 6: KOTA-PALANGKA-RAYA · 2024",
    ]


@pytest.mark.parametrize(
    "written",
    [
        "PEMERINTAH KABUPATEN BARITO TIMUR",
        "Pemkab Barito Timur",
        "Kab. Barito Timur",
        "Kabupaten Barito Timur",
        "kabupaten  barito-timur",
        "Pemerintah Daerah Kabupaten Barito Timur",
    ],
)
def test_it_matches_every_way_of_writing_a_regency_to_the_one_institution(national, written):
    changed = [*BARTIM[:5], 70.00]  # a corrected index, so the match is visible as an update
    report = run(kpk_sheet([(written, changed)]), replace=True)
    assert report.updated_count == 1
    assert Institution.objects.count() == national
    assert figures("PEMERINTAH KABUPATEN BARITO TIMUR")[-1] == 70.00


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("Kota Palangka Raya", "PEMERINTAH KOTA PALANGKA RAYA"),
        ("Pemkot Palangka Raya", "PEMERINTAH KOTA PALANGKA RAYA"),
        ("Provinsi Kalimantan Tengah", "PEMERINTAH PROVINSI KALIMANTAN TENGAH"),
        ("Prov. Kalimantan Tengah", "PEMERINTAH PROVINSI KALIMANTAN TENGAH"),
        ("Pemprov Kalimantan Tengah", "PEMERINTAH PROVINSI KALIMANTAN TENGAH"),
        ("Pemerintah Provinsi Daerah Istimewa Yogyakarta", "PEMERINTAH PROVINSI D.I. YOGYAKARTA"),
        ("Arsip Nasional Republik Indonesia", "ARSIP NASIONAL REPUBLIK INDONESIA (ANRI)"),
    ],
)
def test_it_matches_cities_provinces_and_agencies_by_their_variants(national, written, stored):
    report = run(kpk_sheet([(written, figures(stored))]))
    assert report.unchanged_count == 1
    assert Institution.objects.count() == national


def test_the_name_variants_are_one_key():
    keys = {
        institution_names.institution_key(name)
        for name in ("PEMERINTAH KABUPATEN X", "Pemkab X", "Kab. X", "Kabupaten X", "kab x")
    }
    assert keys == {"kabupaten x"}
    assert institution_names.institution_key("Pemkot X") == "kota x"
    assert institution_names.institution_key("Prov. X") == institution_names.institution_key(
        "PEMERINTAH PROVINSI X"
    )


def test_an_ambiguous_or_unknown_name_is_a_row_error_with_file_row_and_column(national):
    content = kpk_sheet([("Bekasi", BARTIM), ("Kabupaten Tidak Ada", BARTIM)])
    with pytest.raises(ImportRejected) as rejected:
        run(content)
    lines = str(rejected.value).splitlines()
    assert lines[0].startswith(
        'kpk.xlsx, row 5, column "Nama Instansi": "Bekasi" fits several institutions ('
    )
    assert "PEMERINTAH KABUPATEN BEKASI (KAB-BEKASI)" in lines[0]
    assert "PEMERINTAH KOTA BEKASI (KOTA-BEKASI)" in lines[0]
    assert lines[1].startswith(
        'kpk.xlsx, row 6, column "Nama Instansi": "Kabupaten Tidak Ada" is not a known institution'
    )
    assert Institution.objects.count() == national


def test_a_file_allowed_to_create_institutions_creates_an_unknown_name_once(national):
    content = kpk_sheet([("Kabupaten Contoh Baru", BARTIM)])
    report = run(content, create_institutions=True)
    assert report.institutions_created == ["KAB-CONTOH-BARU"]
    created = Institution.objects.get(kpk_code="KAB-CONTOH-BARU")
    assert (created.type, created.name_key) == ("kabupaten", "kabupaten contoh baru")
    assert Institution.objects.count() == national + 1


def test_a_region_code_is_the_key_and_wins_over_the_name(national):
    header = ["Tahun", "Kode Wilayah", "Nama Pemda", *KPK_HEADER[2:]]
    content = xlsx([header, [2024, "62.13", "Bartim (nama lama)", *BARTIM]])
    report = run(content)
    assert report.unchanged_count == 1
    assert Institution.objects.count() == national


def test_it_reads_float_noise_as_the_stated_two_decimals(national):
    noisy = [66.93 + 1e-12, 84.27 - 2e-13, 56.79, 1.12, 0, 67.78]
    assert repr(noisy[0]) != "66.93"  # a float the spreadsheet would write as 66.93000000000099
    report = run(kpk_sheet([("Kabupaten Barito Timur", noisy)]))
    assert report.unchanged_count == 1


def test_it_rounds_spreadsheet_noise_and_refuses_real_extra_decimals(national):
    header = ["Tahun", "Kode Wilayah", *KPK_HEADER[2:]]
    noise = xlsx([header, [2024, 6213, 66.92999999999999, 84.27, 56.79, 1.12, 0, 67.78]])
    assert run(noise).unchanged_count == 1
    real = xlsx([header, [2024, 6213, 66.935, 84.27, 56.79, 1.12, 0, 67.78]])
    with pytest.raises(ImportRejected) as rejected:
        run(real, file_name="bartim.xlsx")
    assert str(rejected.value) == (
        'bartim.xlsx, row 2, column "Nilai Internal": "66.935" has more than two decimals '
        "(at most two are allowed)"
    )


def test_it_reads_decimal_commas_and_thousands_points_in_text(national):
    content = (
        b"Tahun;Kode Wilayah;Nilai Internal;Nilai Eksternal;Nilai Eksper;Koreksi Integritas;"
        b"Indeks SPI\n2024;6213;66,93;84,27;56,79;1,12;67,78\n"
    )
    assert run(content, file_name="bartim.csv").unchanged_count == 1


def test_it_reads_a_two_row_merged_header_and_skips_a_numbering_row(national):
    content = xlsx(
        [
            ["Indeks Integritas Pemerintah Daerah 2024"],
            ["No", "Nama Instansi", "Nilai", None, None, "Koreksi", None, "Indeks SPI"],
            [None, None, "Internal", "Eksternal", "Eksper", "Integritas", "Prevalensi", None],
            ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)"],
            [1, "Kabupaten Barito Timur", *BARTIM],
        ],
        merge=("A2:A3", "B2:B3", "C2:E2", "F2:G2", "H2:H3"),
    )
    report = run(content)
    assert report.unchanged_count == 1
    assert "The header is rows 2-3 (two header rows, read as one)." in report.notes
    assert report.preview_columns[:4] == [
        "No",
        "Nama Instansi",
        "Nilai Internal",
        "Nilai Eksternal",
    ]


def test_a_csv_with_a_title_row_and_a_blank_row_above_the_header_is_read(national):
    content = (
        b"Hasil SPI 2024\n\nnama instansi,internal,eksternal,eksper,koreksi integritas,indeks\n"
        b"Kab. Barito Timur,66.93,84.27,56.79,1.12,67.78\n"
    )
    report = run(content, file_name="spi.csv")
    assert report.unchanged_count == 1
    assert "The header is row 3; the rows above it were skipped." in report.notes


def test_our_own_open_data_imports_back_unchanged(national, client, methodology):
    round_publish(survey_round=methodology[2024], actor=importer())
    content = client.get(reverse("open_data_results", args=[2024])).content
    batches = ImportBatch.objects.count()
    report = run(content, file_name="results.csv")
    assert report.rows_total == 643
    assert (report.created_count, report.updated_count, report.unchanged_count) == (0, 0, 643)
    assert report.batch is None and ImportBatch.objects.count() == batches
    assert Institution.objects.count() == national


def test_an_error_names_the_file_the_row_the_column_and_why(national):
    content = kpk_sheet([("Kabupaten Barito Timur", ["abc", *BARTIM[1:]])])
    with pytest.raises(ImportRejected) as rejected:
        run(content, file_name="kpk-2024.xlsx")
    assert str(rejected.value) == (
        'kpk-2024.xlsx, row 5, column "Nilai Internal": "abc" is not a number '
        "(expected a score from 0 to 100)"
    )


def test_a_file_naming_no_institution_is_refused_at_its_header(national):
    content = xlsx([["Judul"], ["Tahun", "Nilai Internal", "Nilai Eksternal", "Nilai Eksper"]])
    with pytest.raises(ImportRejected) as rejected:
        run(content, file_name="x.xlsx")
    assert 'x.xlsx, row 2, column "institution_code": is missing: the file needs a column' in str(
        rejected.value
    )


def test_the_aliases_table_has_the_headers_people_write():
    assert {"indeks", "index", "indeks spi", "nilai spi"} <= set(ALIASES["published_index"])
    assert "nilai internal" in ALIASES["internal"]
    assert {"koreksi integritas", "integrity correction"} <= set(ALIASES["correction_integrity"])
    assert "kode_wilayah" in ALIASES["region_code"]
    assert "kpk_code" in ALIASES["institution_code"]
    assert "nama_instansi" in ALIASES["institution_name"]


def test_the_import_page_shows_the_aliases_table(inspector_client):
    page = inspector_client.get(reverse("surveys:import")).content.decode()
    assert "Indeks SPI" in page or "indeks spi" in page
    assert "kode_wilayah" in page


def test_stated_decimals_stay_exact(national):
    result = InstitutionResult.objects.get(round__year=2024, institution__region_code="6213")
    assert result.internal == Decimal("66.93")


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("74.12", "74.12"),
        ("74,12", "74.12"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("74.11999999999999", "74.12"),
        ("7.412E+01", "74.12"),
    ],
)
def test_numbers_are_read_as_written_anywhere(text, read):
    assert numbers.to_places(numbers.read_decimal(text), 2) == Decimal(read)


def test_counts_read_thousands_points_and_refuse_fractions():
    assert [numbers.read_whole(t) for t in ("1.234", "1,234", "1234", "1233.9999999999998")] == [
        1234
    ] * 4
    with pytest.raises(numbers.TooPrecise):
        numbers.read_whole("12.5")


def test_the_import_page_previews_a_kpk_sheet_and_creates_new_names_only_when_asked(
    inspector_client, national
):
    sheet = kpk_sheet([("Kabupaten Barito Timur", BARTIM), ("Kabupaten Contoh Baru", BARTIM)])
    inspector_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def upload(**extra):
        file = SimpleUploadedFile("kpk.xlsx", sheet)
        data = {"kind": "results", "file": file, **extra}
        return inspector_client.post(reverse("surveys:import"), data)

    refused = upload().context["rejected"]
    assert [(e.row, e.column) for e in refused.errors] == [(6, "Nama Instansi")]
    preview = upload(create_institutions="on")
    page = preview.content.decode()
    assert "The header is row 4; the rows above it were skipped." in page
    form = preview.context["confirm_form"]
    data = {name: form[name].value() for name in form.fields}
    response = inspector_client.post(
        reverse("surveys:import_confirm"), {k: v for k, v in data.items() if v not in (None, False)}
    )
    assert response.status_code == 302
    assert Institution.objects.count() == national + 1
    assert Institution.objects.filter(name_key="kabupaten barito timur").count() == 1
