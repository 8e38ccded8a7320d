"""Hostile input: text with markup and formulas is shown escaped on every page, neutralised in
every CSV/XLSX export and intact in JSON; malformed files of every importer end in success or
ImportRejected, and a rejected file writes no row."""

import csv
import io
import json
from datetime import date

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from actionplans import services
from actionplans.importing import IMPORT_COLUMNS, plans_import
from actionplans.models import Recommendation
from selfsurvey.models import BackgroundJob
from surveys.importing import (
    INDICATOR_COLUMNS,
    RESULT_COLUMNS,
    ImportRejected,
    import_file,
)
from surveys.models import ImportKind, IndicatorScore, Institution, InstitutionResult, RoundStatus
from tests.factories import importer, make_plan, submit
from tests.selfsurvey.world import answered_campaign
from tests.test_url_matrix import CASES, World, changed_tables, in_rollback, snapshot

pytestmark = pytest.mark.django_db

RAW_MARKUP = ("<script>alert(1)", '" onerror="x')
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def hostile(field: str) -> str:
    """A value that is a formula, a script and an attribute break-out at once."""
    return f'=1+1 <script>alert(1)</script>" onerror="x {field}'


FIELDS = (
    "plan title",
    "campaign name",
    "finding",
    "public summary",
    "opd name",
    "institution name",
    "neighbour name",
    "narrative",
    "pending narrative",
    "verifier note",
    "recommendation",
    "withdrawal reason",
)
VALUE = {name: hostile(name) for name in FIELDS}


@pytest.fixture(autouse=True)
def _fresh_public_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


@pytest.fixture
def world(methodology, bartim_2024, home, opd_a, head_a, inspector):
    survey_round = methodology[2024]
    survey_round.status = RoundStatus.PUBLISHED
    survey_round.save()
    Institution.objects.filter(pk=home.pk).update(name=VALUE["institution name"])
    neighbour = Institution.objects.create(
        kpk_code="KOTA-X", name=VALUE["neighbour name"], type="kota", province=home.province
    )
    InstitutionResult.objects.create(
        round=survey_round, institution=neighbour, internal=70, external=80, expert=75
    )
    opd_a.name = VALUE["opd name"]
    opd_a.save()
    plan = make_plan(
        survey_round,
        opd_a,
        title=VALUE["plan title"],
        finding=VALUE["finding"],
        public_summary=VALUE["public summary"],
        show_on_public_page=True,
        due_date=date(2030, 12, 31),
    )
    recommendation = Recommendation.objects.create(
        round=survey_round, code="R1", text=VALUE["recommendation"]
    )
    withdrawn = Recommendation.objects.create(round=survey_round, code="R2", text="Kanal WBS")
    plan.recommendations.add(recommendation, withdrawn)
    services.recommendation_withdraw(
        actor=inspector, recommendation=withdrawn, reason=VALUE["withdrawal reason"]
    )
    returned = submit(plan, head_a, 40, VALUE["narrative"])
    services.report_return(actor=inspector, report=returned, note=VALUE["verifier note"])
    second = make_plan(survey_round, opd_a, title=VALUE["plan title"], due_date=date(2030, 6, 30))
    pending = submit(second, head_a, 40, VALUE["pending narrative"])
    campaign = answered_campaign(inspector, [opd_a], survey_round, name=VALUE["campaign name"])
    job = BackgroundJob.objects.create(campaign=campaign, kind="recompute", state="done")
    return {
        "plan": plan,
        "pending": pending,
        "round": survey_round,
        "withdrawn": withdrawn,
        "campaign": campaign,
        "job": job,
    }


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html_of(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("text/html"), url
    return response.content.decode()


def assert_no_raw_markup(text, where):
    for raw in RAW_MARKUP:
        assert raw not in text, f"raw {raw!r} on {where}"


def assert_escaped(text, fields, where):
    assert_no_raw_markup(text, where)
    for name in fields:
        assert escape(VALUE[name]) in text, f"{name} is not shown (escaped) on {where}"


# Staff pages, what each must show (escaped), and who opens them.
def _campaign_page(name):
    return lambda w: reverse(name, kwargs={"pk": w["campaign"].pk})


STAFF_PAGES = [
    (
        "campaign list",
        "inspector",
        lambda w: reverse("selfsurvey:campaign_list"),
        ["campaign name"],
    ),
    (
        "campaign page",
        "inspector",
        _campaign_page("selfsurvey:campaign_detail"),
        ["campaign name"],
    ),
    (
        "OPD integrity map",
        "inspector",
        _campaign_page("selfsurvey:campaign_map"),
        ["campaign name", "opd name"],
    ),
    ("campaign trend", "head_a", lambda w: reverse("selfsurvey:campaign_trend"), ["campaign name"]),
    ("plan list", "inspector", lambda w: reverse("actionplans:plan_list"), ["plan title"]),
    (
        "plan detail",
        "inspector",
        lambda w: w["plan"].get_absolute_url(),
        ["plan title", "finding", "narrative", "verifier note", "withdrawal reason"],
    ),
    (
        "plan detail for the OPD",
        "head_a",
        lambda w: w["plan"].get_absolute_url(),
        ["plan title", "finding", "narrative", "verifier note"],
    ),
    (
        "verification queue",
        "inspector",
        lambda w: reverse("actionplans:verification_queue"),
        ["plan title"],
    ),
    (
        "verification page",
        "inspector",
        lambda w: reverse("actionplans:report_verify", args=[w["pending"].pk]),
        ["plan title", "pending narrative"],
    ),
    (
        "my plans",
        "head_a",
        lambda w: reverse("actionplans:my_plans"),
        ["plan title", "verifier note"],
    ),
    (
        "dashboard",
        "inspector",
        lambda w: reverse("dashboard") + "?year=2024",
        ["opd name", "institution name"],
    ),
    (
        "round page",
        "head_a",
        lambda w: reverse("surveys:round_detail", args=[2024]),
        ["institution name"],
    ),
    (
        "follow-up report",
        "inspector",
        lambda w: reverse("followup_report", args=[2024]),
        ["plan title", "opd name", "recommendation", "withdrawal reason"],
    ),
    (
        "round follow-up",
        "inspector",
        lambda w: reverse("actionplans:round_followup", args=[2024]),
        ["opd name"],
    ),
    (
        "recommendations",
        "inspector",
        lambda w: reverse("actionplans:recommendations", args=[2024]),
        ["recommendation", "withdrawal reason"],
    ),
    (
        "withdrawn recommendation",
        "inspector",
        lambda w: reverse("actionplans:recommendation_withdraw", args=[w["withdrawn"].pk]),
        ["withdrawal reason"],
    ),
    ("comparison", "inspector", lambda w: reverse("surveys:compare"), ["neighbour name"]),
]
PUBLIC_PAGES = [
    ("public page", "/", ["plan title", "public summary", "opd name", "institution name"]),
    ("public round page", "/2024/", ["plan title", "public summary", "opd name"]),
]


@pytest.mark.parametrize("page", STAFF_PAGES, ids=[page[0] for page in STAFF_PAGES])
def test_staff_pages_show_user_text_escaped(world, inspector, head_a, page):
    where, role, url_for, fields = page
    client = logged_in({"inspector": inspector, "head_a": head_a}[role])
    assert_escaped(html_of(client, url_for(world)), fields, where)


@pytest.mark.parametrize("page", PUBLIC_PAGES, ids=[page[0] for page in PUBLIC_PAGES])
def test_public_pages_show_user_text_escaped(world, client, page):
    where, url, fields = page
    assert_escaped(html_of(client, url), fields, where)


def test_no_html_page_of_the_matrix_holds_raw_markup(world, inspector, head_a):
    """Every GET page of the URL matrix, for each role, as a net under the list above."""
    matrix_world = World(
        {
            "plan_a": world["plan"],
            "plan_b": world["plan"],
            "report_a": world["pending"],
            "report_b": world["pending"],
            "evidence_a": world["pending"].evidence.get(),
            "evidence_b": world["pending"].evidence.get(),
            "recommendation": world["withdrawn"],
            "campaign": world["campaign"],
            "job": world["job"],
            "opd_a": world["campaign"].units.first().opd,
            "opd_b": world["campaign"].units.first().opd,
            "users": {"inspector": inspector, "head_a": head_a, "head_b": head_a},
        }
    )
    clients = [Client(), logged_in(inspector), logged_in(head_a)]
    checked = 0
    for name, case in CASES:
        if case.method != "get":
            continue
        url = reverse(name, kwargs=case.kwargs(matrix_world))
        url = f"{url}?{case.query}" if case.query else url
        for client in clients:
            response = client.get(url)
            if response.get("Content-Type", "").startswith("text/html"):
                assert_no_raw_markup(response.content.decode(), url)
                checked += 1
    assert checked > 40


# --- exports ------------------------------------------------------------------------------------


def csv_cells(content: bytes) -> list[str]:
    text = content.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def xlsx_cells(content: bytes) -> list:
    workbook = load_workbook(io.BytesIO(content))
    cells = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula in {sheet.title}!{cell.coordinate}"
                cells.append(cell.value)
    return cells


def assert_neutralised(cells, fields, where):
    for cell in cells:
        if isinstance(cell, str):
            assert not cell.startswith(FORMULA_START), f"{cell!r} runs as a formula ({where})"
    for name in fields:
        assert "'" + VALUE[name] in cells, f"{name} missing or changed in {where}"


EXPORTS = [
    ("plan export csv", lambda: reverse("actionplans:plan_export", args=["csv"]), "csv"),
    ("plan export xlsx", lambda: reverse("actionplans:plan_export", args=["xlsx"]), "xlsx"),
    (
        "follow-up report xlsx",
        lambda: reverse("followup_report", args=[2024]) + "?format=xlsx",
        "xlsx",
    ),
    ("comparison csv", lambda: reverse("surveys:compare") + "?format=csv", "csv"),
    ("comparison xlsx", lambda: reverse("surveys:compare") + "?format=xlsx", "xlsx"),
    ("open data plans", lambda: "/data/2024/plans.csv", "csv"),
    ("open data results", lambda: "/data/2024/results.csv", "csv"),
]
EXPORT_FIELDS = {
    "plan export csv": ["plan title", "finding", "public summary"],
    "plan export xlsx": ["plan title", "finding", "public summary"],
    "follow-up report xlsx": ["plan title", "opd name"],
    "comparison csv": ["institution name", "neighbour name"],
    "comparison xlsx": ["institution name", "neighbour name"],
    "open data plans": ["plan title", "public summary", "opd name"],
    "open data results": ["institution name", "neighbour name"],
}


@pytest.mark.parametrize("export", EXPORTS, ids=[export[0] for export in EXPORTS])
def test_exports_neutralise_formulas_and_keep_the_text(world, inspector, export):
    where, url_for, file_format = export
    response = logged_in(inspector).get(url_for())
    assert response.status_code == 200
    content = response.content
    cells = csv_cells(content) if file_format == "csv" else xlsx_cells(content)
    assert_neutralised(cells, EXPORT_FIELDS[where], where)


# --- JSON ---------------------------------------------------------------------------------------


def strings_in(document) -> list[str]:
    if isinstance(document, dict):
        return [s for value in document.values() for s in strings_in(value)]
    if isinstance(document, list):
        return [s for value in document for s in strings_in(value)]
    return [document] if isinstance(document, str) else []


@pytest.mark.parametrize(
    "url,fields",
    [
        ("/api/v1/rounds/2024/", ["plan title", "public summary", "opd name", "institution name"]),
        ("/api/v1/rounds/", []),
        ("/data/2024/methodology.json", []),
    ],
)
def test_json_is_valid_and_user_text_round_trips(world, client, url, fields):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    document = json.loads(response.content)
    values = strings_in(document)
    for name in fields:
        assert VALUE[name] in values, f"{name} does not round-trip in {url}"


# --- fuzzed import files ------------------------------------------------------------------------

RESULT_NAMES = [(c.name, *c.aliases) for c in RESULT_COLUMNS]
INDICATOR_NAMES = [(c.name, *c.aliases) for c in INDICATOR_COLUMNS]
PLAN_NAMES = [(name,) for name in ("id", *IMPORT_COLUMNS)]
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "utf-16")
SEPARATORS = (",", ";", "\t", "|")
TRICKY_CELLS = (
    "",
    " ",
    "2024",
    "2023",
    "1999",
    "99999",
    "KAB-BARTIM",
    "KOTA-BARU",
    "Kota Baru",
    "kabupaten",
    "Kota",
    "internal",
    "eksternal",
    "Expert",
    "TRN",
    "trn",
    "70",
    "70,5",
    "66.93",
    "66,934",
    "100",
    "100.01",
    "-1",
    "1e5",
    "9" * 40,
    "1" + "0" * 30 + ",5",
    "0" * 50 + "1",
    "=1+1",
    '=HYPERLINK("http://evil.example","x")',
    "@SUM(A1)",
    "+1",
    "NaN",
    "inf",
    "None",
    "2025-01-01",
    "2025-02-30",
    "31/12/2025",
    "yes",
    "active",
    "draft",
    "DINKES",
    "DINKES;NOPE",
    "1",
    "²",
    "<script>alert(1)</script>",
    '"',
    "a\nb",
    "\x00",
)
CELL = st.one_of(
    st.sampled_from(TRICKY_CELLS),
    st.text(max_size=12),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(min_value=0, max_value=100, places=3).map(lambda d: str(d).replace(".", ",")),
)


@st.composite
def _spelled(draw, spellings, exact_odds=1):
    """One of the column's names, as written or (one time in exact_odds + 1) respelled."""
    name = draw(st.sampled_from(spellings))
    if draw(st.integers(0, exact_odds)):
        return name
    return draw(st.sampled_from([name.upper(), f" {name} ", name.replace("_", " ")]))


@st.composite
def headers(draw, columns, exact_odds):
    """(written name, canonical name or None): mostly the importer's columns in any spelling and
    order, some left out, some unknown; sometimes any list of names."""
    if draw(st.integers(0, 4)) == 0:
        name = st.one_of(_spelled([n for c in columns for n in c]), st.text(max_size=12))
        return [(written, None) for written in draw(st.lists(name, max_size=14))]
    named = [(draw(_spelled(c, exact_odds)), c[0]) for c in columns if draw(st.integers(0, 40))]
    extra = st.one_of(st.text(max_size=12), _spelled(columns[0]))
    if draw(st.integers(0, 4)) == 0:
        named += [(written, None) for written in draw(st.lists(extra, min_size=1, max_size=2))]
    return list(draw(st.permutations(named)))


def _number(low, high):
    value = st.decimals(min_value=low, max_value=high, places=2)
    return st.tuples(value, st.booleans()).map(
        lambda pair: str(pair[0]).replace(".", ",") if pair[1] else str(pair[0])
    )


SCORE = _number(0, 100)
GOOD_CELLS = {
    "year": st.sampled_from(["2024", "2023"]),
    "institution_code": st.sampled_from(["KAB-BARTIM", *(f"KOTA-{n}" for n in range(9))]),
    "institution_name": st.sampled_from(["Kota Baru", "Kabupaten Lama"]),
    "institution_type": st.sampled_from(["kota", "Kabupaten", "provinsi"]),
    "province": st.just("Kalimantan Tengah"),
    "internal": SCORE,
    "external": SCORE,
    "expert": SCORE,
    "correction_integrity": _number(0, 5),
    "correction_prevalence": _number(0, 5),
    "published_index": SCORE,
    "group": st.sampled_from(["internal", "Eksternal", "expert"]),
    "indicator_code": st.sampled_from(["TRN", "sdm", "PBJ"]),
    "score": SCORE,
    "respondents": st.one_of(st.integers(0, 500).map(str), st.just("9" * 30)),
    "id": st.sampled_from(["", "", "1"]),
    "round_year": st.sampled_from(["2024", "2024.0"]),
    "title": st.text(min_size=1, max_size=30),
    "finding": st.text(min_size=1, max_size=30),
    "activity": st.text(min_size=1, max_size=30),
    "indicator_codes": st.sampled_from(["TRN", "TRN;SDM"]),
    "owner_opd_code": st.just("DINKES"),
    "start_date": st.just("2025-01-01"),
    "due_date": st.sampled_from(["2025-12-31", "2024-12-31"]),
    "status": st.sampled_from(["active", "draft", "done"]),
    "weight": st.sampled_from(["1", "3", "70000"]),
    "budget_idr": st.sampled_from(["", "1000000", "9" * 20]),
    "show_on_public_page": st.sampled_from(["yes", "no", ""]),
}

# indicator scores need a known institution: the home one
INDICATOR_CELLS = {**GOOD_CELLS, "institution_code": st.just("KAB-BARTIM")}


@st.composite
def tables(draw, columns, good_cells, exact_odds):
    """A header and up to six rows, each clean (every cell valid) or dirty (any cell hostile)."""
    header = draw(headers(columns, exact_odds))
    body, hostile_table = [], draw(st.booleans())
    for _ in range(draw(st.sampled_from([1, 1, 2, 2, 3, 4, 6, 0]))):
        dirty = hostile_table and draw(st.booleans())
        cells = [
            draw(CELL if dirty and draw(st.booleans()) else good_cells.get(name, st.just("")))
            for _written, name in header
        ]
        body.append(cells + draw(st.lists(CELL, max_size=2)) if dirty else cells)
    if body and draw(st.booleans()):
        body.append(list(body[0]))  # a duplicate row
    return [[written for written, _name in header], *body]


def csv_content(table, separator, encoding, quoted) -> bytes:
    buffer = io.StringIO()
    if quoted:
        csv.writer(buffer, delimiter=separator).writerows(table)
    else:
        buffer.write("\n".join(separator.join(map(str, row)) for row in table))
    return buffer.getvalue().encode(encoding, errors="replace")


def xlsx_content(table) -> bytes:
    workbook = Workbook()
    for row in table:
        workbook.active.append([_xlsx_cell(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(text):
    """Numbers as numbers, the rest as text (formula-looking text becomes a formula)."""
    cleaned = ILLEGAL_CHARACTERS_RE.sub("", text)
    try:
        number = float(cleaned)
    except ValueError:
        return cleaned
    return number if abs(number) < 1e300 else cleaned


SURVEY_SHAPES = ("csv", "csv", "csv", "xlsx", "xlsx", "truncated", "bytes")
PLAN_SHAPES = ("xlsx", "xlsx", "xlsx", "xlsx", "csv", "truncated", "bytes")


@st.composite
def import_files(draw, columns, shapes, good_cells=GOOD_CELLS, exact_odds=1):
    """CSV in any encoding and separator, XLSX whole or truncated, or random bytes."""
    table = draw(tables(columns, good_cells, exact_odds))
    shape = draw(st.sampled_from(shapes))
    if shape == "csv":
        separator, encoding = draw(st.sampled_from(SEPARATORS)), draw(st.sampled_from(ENCODINGS))
        return csv_content(table, separator, encoding, draw(st.booleans()))
    if shape == "bytes":
        prefix = draw(st.sampled_from([b"", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xd0\xcf\x11\xe0"]))
        return prefix + draw(st.binary(max_size=600))
    content = xlsx_content(table)
    if shape == "truncated":
        # a share of the length, so that what is drawn does not depend on the file's timestamps
        return content[: len(content) * draw(st.integers(0, 999)) // 1000]
    return content


FUZZ = hypothesis_settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def fuzz_once(run_import) -> str:
    """One import in a savepoint that is always rolled back; "applied" or "rejected"."""

    def attempt():
        before = snapshot()
        try:
            run_import()
        except ImportRejected:
            assert changed_tables(before, snapshot()) == []
            return ["rejected"]
        return ["applied"]

    return in_rollback(attempt)[0]


@pytest.fixture
def import_world(bartim_2024, home, opd_a, inspector):
    dimension = bartim_2024.round.dimensions.get(code="TRN")
    IndicatorScore.objects.create(
        round=bartim_2024.round, institution=home, group="internal", dimension=dimension, score=60
    )
    make_plan(bartim_2024.round, opd_a)
    return {"actor": inspector}


@pytest.mark.system
@pytest.mark.parametrize(
    "kind,names,good_cells",
    [
        (ImportKind.RESULTS, RESULT_NAMES, GOOD_CELLS),
        (ImportKind.INDICATOR_SCORES, INDICATOR_NAMES, INDICATOR_CELLS),
    ],
    ids=["results", "indicator scores"],
)
def test_fuzzed_survey_files_are_imported_or_rejected_and_a_rejection_writes_nothing(
    import_world, kind, names, good_cells
):
    outcomes = []

    @FUZZ
    @given(
        content=import_files(names, SURVEY_SHAPES, good_cells),
        replace=st.booleans(),
        dry_run=st.booleans(),
        sheet=st.sampled_from([None, None, None, None, "Sheet", "hasil"]),
    )
    def check(content, replace, dry_run, sheet):
        def run_import():
            import_file(
                kind,
                io.BytesIO(content),
                file_name="fuzz.csv",
                actor=import_world["actor"],
                replace=replace,
                dry_run=dry_run,
                sheet=sheet,
            )

        outcomes.append(fuzz_once(run_import))

    check()
    assert len(outcomes) >= FUZZ.max_examples
    print(f"\n{kind}: {len(outcomes)} files, {outcomes.count('applied')} applied")


def test_a_csv_with_a_lone_carriage_return_is_rejected_and_writes_nothing(import_world):
    # found by the fuzzer: the second reading (below title rows) raised csv.Error uncaught
    before = InstitutionResult.objects.count(), Institution.objects.count()
    with pytest.raises(ImportRejected) as rejected:
        import_file(
            ImportKind.RESULTS,
            io.BytesIO(b"0\r,YEAR\n,"),
            file_name="hasil.csv",
            actor=import_world["actor"],
        )
    assert "CSV" in " ".join(error.message for error in rejected.value.errors)
    assert (InstitutionResult.objects.count(), Institution.objects.count()) == before


@pytest.mark.system
def test_fuzzed_plan_files_are_imported_or_rejected_and_a_rejection_writes_nothing(import_world):
    outcomes = []

    @FUZZ
    @given(content=import_files(PLAN_NAMES, PLAN_SHAPES, exact_odds=200), dry_run=st.booleans())
    def check(content, dry_run):
        def run_import():
            plans_import(
                io.BytesIO(content),
                file_name="rencana.xlsx",
                actor=import_world["actor"],
                dry_run=dry_run,
            )

        outcomes.append(fuzz_once(run_import))

    check()
    assert len(outcomes) >= FUZZ.max_examples
    print(f"\nplans: {len(outcomes)} files, {outcomes.count('applied')} applied")


# --- what the fuzzing found ---------------------------------------------------------------------


def test_an_indicator_file_with_a_respondent_count_beyond_any_database_column_is_rejected(
    bartim_2024,
):
    content = (
        b"year,institution_code,group,indicator_code,score,respondents\n"
        b"2024,KAB-BARTIM,internal,TRN,70,999999999999999999999999999999\n"
    )
    with pytest.raises(ImportRejected, match="out of range"):
        import_file(
            ImportKind.INDICATOR_SCORES,
            io.BytesIO(content),
            file_name="nilai.csv",
            actor=importer(),
        )
    assert not IndicatorScore.objects.exists()


@pytest.mark.parametrize("column,value", [("round_year", "KAB-BARTIM"), ("id", "²")])
def test_a_plan_file_with_text_for_a_year_or_an_id_is_rejected_with_the_column(
    import_world, column, value
):
    header = ["id", *IMPORT_COLUMNS]
    row = {name: "" for name in header} | {"round_year": "2024", "title": "Judul", column: value}
    content = xlsx_content([header, [row[name] for name in header]])
    with pytest.raises(ImportRejected) as rejected:
        plans_import(io.BytesIO(content), file_name="rencana.xlsx", actor=import_world["actor"])
    assert column in {error.column for error in rejected.value.errors}


WEB_FUZZ = hypothesis_settings(FUZZ, max_examples=30)


@pytest.mark.system
@pytest.mark.parametrize(
    "url,field_data,files",
    [
        ("surveys:import", {"kind": "results"}, import_files(RESULT_NAMES, SURVEY_SHAPES)),
        (
            "surveys:import",
            {"kind": "indicator_scores"},
            import_files(INDICATOR_NAMES, SURVEY_SHAPES, INDICATOR_CELLS),
        ),
        (
            "actionplans:plan_import",
            {"dry_run": "on"},
            import_files(PLAN_NAMES, PLAN_SHAPES, exact_odds=200),
        ),
    ],
    ids=["results page", "indicator scores page", "plan import page"],
)
def test_fuzzed_files_uploaded_to_the_import_pages_get_a_page_and_write_nothing(
    import_world, url, field_data, files
):
    """Through the upload pages: an answer (never a 500), and a preview writes no row."""
    client = logged_in(import_world["actor"])
    statuses = []

    @WEB_FUZZ
    @given(content=files, name=st.sampled_from(["hasil.csv", "hasil.xlsx", "hasil.txt"]))
    def check(content, name):
        def upload():
            before = snapshot()
            upload = SimpleUploadedFile(name, content)
            response = client.post(reverse(url), {**field_data, "file": upload})
            assert changed_tables(before, snapshot()) == []
            return [response.status_code]

        statuses.extend(in_rollback(upload))

    check()
    assert set(statuses) == {200}
    assert len(statuses) >= WEB_FUZZ.max_examples
