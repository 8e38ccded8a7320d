"""Every page writes numbers, percentages and dates one way (surveys/formatting.py).

Each page of the URL matrix is rendered as each role, in Indonesian and in English, on the
matrix's world grown with what makes formats visible: a previous round with a higher index (a
negative change), a published index below its recomputation (a negative difference), a
correction of zero, a plan at 66,67% verified through weighted milestones, a plan done and
the follow-up rate of three recommendations; the follow-up report also as the HTML its PDF is
made from. The visible text (no tags, attributes, scripts or styles) may not hold, in
Indonesian, a number with a decimal point; in English, one with a decimal comma; in either, a
hyphen-minus before a number, a signed zero, a space before the percent sign, or a date
written another way than "31 Des 2026" / "31 Dec 2026".
"""

import re
import sys
import types
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

from actionplans import services
from actionplans.models import Milestone
from surveys.models import InstitutionResult, RoundStatus, SurveyRound
from tests.factories import make_plan, pdf_upload
from tests.test_url_matrix import (
    CASES,
    ROLES,
    client_for,
    page_text,
    send,
    world,  # noqa: F401 (the matrix's fixture)
)

pytestmark = pytest.mark.django_db

LANGUAGES = ("id", "en")
HIDDEN = {"script", "style", "template", "svg"}
BLOCKS = {
    "address", "article", "br", "caption", "dd", "div", "dl", "dt", "footer", "form", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "option", "p", "section",
    "select", "table", "tbody", "td", "th", "thead", "title", "tr", "ul",
}  # fmt: skip
ID_MONTHS = "Januari|Februari|Maret|April|Juni|Juli|Agustus|September|Oktober|November|Desember"
EN_MONTHS = "January|February|March|April|June|July|August|September|October|November|December"
ANY_MONTH = (
    f"Jan|Feb|Mar|Apr|Mei|May|Jun|Jul|Agu|Aug|Sep|Okt|Oct|Nov|Des|Dec|{ID_MONTHS}|{EN_MONTHS}"
)
# "1 Des 2026 14.06": the Indonesian time of day is written with a point
TIME_OF_DAY = re.compile(rf"\b\d{{1,2}} (?:{ANY_MONTH}) \d{{4}} \d{{1,2}}[.:]\d{{2}}\b")
# names with a version number in them
VERSIONED_NAMES = re.compile(r"\bCC BY(?:-SA)? \d\.\d\b")
COMMON = {
    "a hyphen-minus before a number (a minus is −)": re.compile(r"(?<![\w\-−/.,:])-\d"),
    "a signed zero": re.compile(r"(?<![\w.,])[−+-]0(?:[.,]0+)?(?![\d.,]*\d)"),
    "a space before the percent sign": re.compile(r"\d[ \u00a0\u202f]%"),
    "a date as digits with hyphens or slashes": re.compile(r"\b\d{1,2}[-/]\d{1,2}[-/]\d{2,4}\b"),
    "an abbreviated month with a point": re.compile(rf"\b\d{{1,2}} (?:{ANY_MONTH})\. \d{{4}}"),
    "a date with its month written out": re.compile(
        rf"\b\d{{1,2}} (?:{ID_MONTHS}|{EN_MONTHS}) \d{{4}}"
    ),
}
# the import help quotes a spreadsheet's raw cell, as the file holds it
FILE_CONTENT_EXAMPLES = re.compile(r"\b74\.11999999999999\b")
BY_LANGUAGE = {
    "id": {"an Indonesian number with a decimal point": re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")},
    "en": {"an English number with a decimal comma": re.compile(r"(?<![\w,])\d+,\d+(?![\w,])")},
}


class _VisibleText(HTMLParser):
    """The text a reader sees, one line per block element; the page's language from <html>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.hidden, self.language = [], 0, None

    def handle_starttag(self, tag, attrs):
        if tag == "html":
            self.language = dict(attrs).get("lang")
        if tag in HIDDEN:
            self.hidden += 1
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> tuple[str, str | None]:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts), parser.language


def format_problems(html: str, language: str) -> list[str]:
    """Each offending piece of visible text with a few characters around it."""
    text, page_language = visible_text(html)
    language = (page_language or language)[:2]
    checks = COMMON | BY_LANGUAGE.get(language, {})
    problems = []
    for line in text.splitlines():
        line = " ".join(line.split())
        scanned = TIME_OF_DAY.sub("(time)", line)
        scanned = FILE_CONTENT_EXAMPLES.sub("(file)", VERSIONED_NAMES.sub("(name)", scanned))
        for what, pattern in checks.items():
            found = pattern.search(scanned)
            if found:
                start, end = max(found.start() - 50, 0), found.end() + 50
                problems.append(f"{what}: …{scanned[start:end]}…")
    return problems


# --- the checks themselves ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Selisih -1,74 poin",
        "Koreksi prevalensi −0,00",
        "Perubahan +0,00",
        "1 dari 6 (16,7 %)",
        "Tenggat 11-11-2026",
        "Tenggat 31 Desember 2026",
        "Tenggat 30 Jan. 2027",
        "Indeks 67.78",
    ],
)
def test_the_scan_finds_each_old_style_in_indonesian(text):
    assert format_problems(f'<html lang="id"><p>{text}</p></html>', "id")


@pytest.mark.parametrize(
    "text",
    [
        "Selisih −1,74 poin dan +0,49",
        "Koreksi prevalensi 0,00",
        "1 dari 6 (16,7%), 100%",
        "Tenggat 31 Des 2026; diputuskan 1 Des 2026 14.06",
        "SPI 2021-2025, laporan-tindak-lanjut-spi-2024.pdf, /api/v1/rounds/2024/",
        "Indeks 67,78 · 3 dari 10",
    ],
)
def test_the_scan_passes_the_one_style_in_indonesian(text):
    assert format_problems(f'<html lang="id"><p>{text}</p></html>', "id") == []


def test_the_scan_reads_text_only_not_attributes_scripts_or_styles():
    html = (
        '<html lang="id"><p data-value="-1.74" style="width: 67.78%">Indeks 67,78</p>'
        "<script>var x = -1.74;</script><style>.a { margin: -0.5rem }</style></html>"
    )
    assert format_problems(html, "id") == []


def test_the_scan_wants_a_decimal_point_in_english():
    assert format_problems('<html lang="en"><p>Index 67,78</p></html>', "en")
    assert format_problems('<html lang="en"><p>Index 67.78, 31 Dec 2026</p></html>', "en") == []


# --- every page ---------------------------------------------------------------------------------


def _grow(w):
    """What the matrix's world lacks to show every kind of figure: see the module docstring."""
    inspector, head_a, head_b = (w.users[k] for k in ("inspector", "head_a", "head_b"))
    earlier = SurveyRound.objects.get(year=2023)
    earlier.status = RoundStatus.PUBLISHED
    earlier.save()
    home_result = InstitutionResult.objects.get(round__year=2024)
    InstitutionResult.objects.create(
        round=earlier,
        institution=home_result.institution,
        internal=Decimal("70.10"),
        external=Decimal("80.20"),
        expert=Decimal("60.30"),
        correction_integrity=Decimal("0.50"),
        correction_prevalence=Decimal("0"),
        published_index=Decimal("68.82"),  # recomputed 69.31: a difference of −0.49
    )
    weighted = make_plan(w.plan_a.round, w.plan_a.owner_opd, title="Rencana berbobot")
    first = Milestone.objects.create(
        plan=weighted, title="TW I", due_date=date(2025, 3, 31), weight=2
    )
    Milestone.objects.create(plan=weighted, title="TW II", due_date=date(2025, 6, 30), weight=1)
    report = services.report_submit(
        actor=head_a,
        plan=weighted,
        percent=60,
        narrative="TW I",
        files=[pdf_upload()],
        milestone=first,
    )
    services.report_accept(actor=inspector, report=report)
    done = make_plan(w.plan_b.round, w.plan_b.owner_opd, title="Rencana selesai")
    report = services.report_submit(
        actor=head_b, plan=done, percent=100, narrative="Selesai", files=[pdf_upload()]
    )
    services.report_accept(actor=inspector, report=report)
    for code in ("R2", "R3"):
        recommendation = services.recommendation_create(
            actor=inspector, survey_round=done.round, code=code, text=f"Rekomendasi {code}"
        )
    done.recommendations.add(recommendation)


EXTRA_PAGES = [
    ("dashboard", {}, "year=2023"),
    ("surveys:round_detail", {"year": 2023}, ""),
    ("public_round", {"year": 2023}, ""),
]


class _PaperPress:
    """Stands in for WeasyPrint: keeps the HTML a PDF is made from, which is what to scan."""

    def __init__(self):
        self.printed = []
        self.module = types.SimpleNamespace(HTML=self._html, CSS=lambda *a, **k: None)
        self.urls = types.SimpleNamespace(URLFetcher=lambda **options: None)

    def _html(self, *args, string="", **options):
        self.printed.append(string)
        return types.SimpleNamespace(write_pdf=lambda *a, **k: b"%PDF-1.7 scanned as HTML")


def _pages(w, role, language, press):
    """(where, HTML) of each page the role may open, and of the documents it may print."""
    client = client_for(w, role)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language  # staff and public alike
    responses = [
        (f"{name} [{case.label}]", send(client, w, name, case))
        for name, case in CASES
        if case.method == "get" and case.expected[ROLES.index(role)] == 200
    ]
    for name, kwargs, query in EXTRA_PAGES:
        url = reverse(name, kwargs=kwargs) + (f"?{query}" if query else "")
        responses.append((url, client.get(url)))
    for where, response in responses:
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            yield where, page_text(response)
    for year in (2023, 2024):
        response = client.get(reverse("followup_report", args=[year]), {"format": "pdf"})
        if response.status_code == 200:
            yield f"followup_report {year} PDF", press.printed.pop()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_writes_numbers_percentages_and_dates_one_way(
    world,  # noqa: F811 (the matrix's fixture)
    role,
    language,
    monkeypatch,
):
    _grow(world)
    press = _PaperPress()
    monkeypatch.setitem(sys.modules, "weasyprint", press.module)
    monkeypatch.setitem(sys.modules, "weasyprint.urls", press.urls)
    problems, scanned = [], []
    for where, html in _pages(world, role, language, press):
        scanned.append(where)
        problems += [f"{where}: {p}" for p in format_problems(html, language)]
    assert len(scanned) > 10
    if role == "inspector":
        assert "followup_report 2024 PDF" in scanned
    assert not problems, "\n".join(sorted(set(problems)))
