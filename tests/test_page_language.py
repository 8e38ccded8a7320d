"""Every staff page of the URL matrix speaks one language: an English page shows no Indonesian
domain word, an Indonesian page no English one (the world's own data, written in Indonesian
by its users, is taken out first)."""

import re
from html.parser import HTMLParser

import pytest
from django.forms import BaseForm
from django.utils import translation

from actionplans import forms as actionplan_forms
from spi_portal.language import SESSION_KEY
from surveys import forms as survey_forms
from tests import test_url_matrix as matrix
from tests.test_url_matrix import (
    CASES,
    LOGIN,
    NARRATIVE_A,
    NARRATIVE_B,
    PLAN_A_TITLE,
    PLAN_B_TITLE,
    ROLES,
    client_for,
    in_rollback,
    send,
)

pytestmark = pytest.mark.django_db

# the URL matrix's world and its media/cache fixture, shared
world = matrix.world
_world_media_and_cache = matrix._world_media_and_cache

INDONESIAN_WORDS = (
    "Rencana aksi",
    "Verifikasi",
    "capaian",
    "Simpan",
    "Laporan",
    "Kembali",
    "Batal",
    "Tindak lanjut",
    "Rekomendasi",
    "Bukti dukung",
    "Tahapan",
    "Beranda",
    "Keluar",
    "Indeks",
    "Kategori",
    "Belum",
    "Terlambat",
    "Selesai",
    "Diterima",
    "Dikembalikan",
    "Menunggu",
    "Unduh",
    "Tahun",
    "Dasbor",
    "Pengaturan",
    "Rentan",
    "Waspada",
    "Terjaga",
    "Sangat",
    "Bulan",
    "Triwulan",
    "Transparansi",
    "Pengelolaan",
    "Perdagangan",
    "Eksternal",
    "Eksper",
    "kesenjangan",
    "Tidak ada",
    "dari",
    "dan",
    "untuk",
    "yang",
)
ENGLISH_WORDS = (
    "Action plan",
    "Save",
    "Report",
    "Back",
    "Cancel",
    "Verify",
    "Evidence",
    "Follow-up",
    "Dashboard",
    "Submit",
    "Overdue",
    "Download",
    "Settings",
    "Sign out",
    "Log out",
    "Progress",
    "Recommendation",
    "Milestone",
    "the",
    "and",
    "of",
    "with",
)
# What the world's users wrote (in Indonesian) is data, not the interface.
WORLD_TEXT = (
    PLAN_A_TITLE,
    PLAN_B_TITLE,
    NARRATIVE_A,
    NARRATIVE_B,
    "Perkuat SOP gratifikasi",
    "Kota Baru",
    "Menyusun dan mengumumkan SOP",
)
SHOWN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
# Machine names (column headers, codes) and scripts are not the interface's language.
NOT_PROSE = {"script", "style", "template", "code"}


class _VisibleText(HTMLParser):
    """The text a reader sees or hears in the page's language: element text and labelling
    attributes; not scripts, not code, not a passage marked with another `lang`."""

    def __init__(self, language):
        super().__init__()
        self.language, self.parts, self._skipped = language, [], []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self._skipped:
            if tag not in VOID:
                self._skipped.append(tag)
            return
        foreign = attributes.get("lang", self.language).split("-")[0] != self.language
        if (tag in NOT_PROSE or foreign) and tag not in VOID:
            self._skipped.append(tag)
            return
        self.parts += [value for name, value in attrs if name in SHOWN_ATTRIBUTES and value]
        if tag in ("input", "button") and attributes.get("type") in ("submit", "button"):
            self.parts.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if self._skipped and self._skipped[-1] == tag:
            self._skipped.pop()

    def handle_data(self, data):
        if not self._skipped:
            self.parts.append(data)


def visible_text(html: str, language: str) -> str:
    parser = _VisibleText(language)
    parser.feed(html)
    text = " ".join(" ".join(parser.parts).split())
    for written in WORLD_TEXT:
        text = text.replace(written, " ")
    return text


def words_found(text: str, words) -> list[str]:
    return [word for word in words if re.search(rf"\b{re.escape(word)}\b", text)]


def _where(text: str, word: str) -> str:
    """The words around the first hit, so a failure says which label to fix."""
    start = re.search(rf"\b{re.escape(word)}\b", text).start()
    return f"{word!r} in ...{text[max(0, start - 40) : start + 40]}..."


def _staff_html_pages():
    for name, case in CASES:
        if case.method == "get" and case.expected[0] == LOGIN and "format=" not in case.query:
            yield name, case


def _in_language(world, role, language):
    client = client_for(world, role)
    session = client.session
    session[SESSION_KEY] = language
    session.save()
    return client


def _language_problems(world, role, language, words) -> list[str]:
    problems = []
    client = _in_language(world, role, language)
    for name, case in _staff_html_pages():
        if case.expected[ROLES.index(role)] != 200:
            continue
        response = in_rollback(lambda: [send(client, world, name, case)])[0]  # noqa: B023
        if not response["Content-Type"].startswith("text/html"):
            continue
        text = visible_text(response.content.decode(), language)
        found = [_where(text, word) for word in words_found(text, words)]
        if found:
            problems.append(f"{name} [{case.label}] as {role} in {language}: {found}")
    return problems


@pytest.mark.parametrize("role", ["inspector", "head_a"])
def test_english_staff_pages_show_no_indonesian_word(world, role):
    problems = _language_problems(world, role, "en", INDONESIAN_WORDS)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ["inspector", "head_a"])
def test_indonesian_staff_pages_show_no_english_word(world, role):
    problems = _language_problems(world, role, "id", ENGLISH_WORDS)
    assert not problems, "\n".join(problems)


def test_the_scan_sees_visible_text_and_labels_but_not_scripts_code_or_quoted_passages():
    html = (
        '<p>Simpan</p><a title="Kembali">x</a><script>var Laporan = 1</script>'
        '<code>Tahapan</code><p lang="id">Catatan <b>dari</b> KPK<br></p><p>Batal</p>'
    )
    found = words_found(visible_text(html, "en"), INDONESIAN_WORDS)
    assert found == ["Simpan", "Kembali", "Batal"]


def _form_classes():
    for module in (actionplan_forms, survey_forms):
        for cls in vars(module).values():
            if (
                isinstance(cls, type)
                and issubclass(cls, BaseForm)
                and cls.__module__ == module.__name__
            ):
                yield cls


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_form_label_starts_with_a_capital(language):
    lower = []
    with translation.override(language):
        for form in _form_classes():
            for name, field in form.base_fields.items():
                label = str(field.label or "")
                if label[:1].isalpha() and not label[0].isupper():
                    lower.append(f"{form.__name__}.{name}: {label!r}")
    assert lower == []


GLOSSARY_PAIRS = (
    ("Rencana aksi", "Action plan"),
    ("Capaian", "Reported progress"),
    ("Bukti dukung", "Evidence"),
    ("Tindak lanjut", "Follow-up"),
    ("Inspektorat", "Inspectorate"),
    ("Tahapan", "Milestone"),
)


@pytest.mark.parametrize(("language", "heading"), [("id", "Glosarium"), ("en", "Glossary")])
def test_the_data_guide_has_a_glossary_of_the_domain_words_in_both_languages(
    client, bartim_2024, language, heading
):
    html = client.get(f"/data/?lang={language}").content.decode()
    glossary = html.split('<h2 id="glossary">', 1)[1].split("</section>", 1)[0]
    assert glossary.startswith(f"{heading}</h2>")
    for indonesian, english in GLOSSARY_PAIRS:
        row = f'<th scope="row" lang="id">{indonesian}</th><td lang="en">{english}</td>'
        assert row in glossary
    meanings = re.findall(r"</td><td>([^<]+)</td></tr>", glossary)
    assert len(meanings) == glossary.count("<tr>") - 1  # every term is explained
    other_language = INDONESIAN_WORDS if language == "en" else ("the", "of", "and")
    assert words_found(" ".join(meanings), other_language) == []
