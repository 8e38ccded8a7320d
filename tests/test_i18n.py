"""The interface is Indonesian by default and complete; English is a switch.

The catalogues are refreshed with
    manage.py makemessages -l id -l en --no-obsolete <the MAKEMESSAGES_IGNORE options below>
    manage.py compilemessages -l id -l en --ignore=.venv
and both .po and .mo are committed, so setup needs no gettext. These tests fail when a string
of our own code has no Indonesian translation, when an entry is fuzzy, when a placeholder was
lost in translation, or when the committed .mo was not rebuilt from the .po.
"""

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats, translation

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
ID_PO = LOCALE / "id" / "LC_MESSAGES" / "django.po"
EXTENSIONS = (".py", ".html", ".txt")
# Directories makemessages must not read: the virtualenv, third-party files, data, tests.
MAKEMESSAGES_IGNORE = (
    ".venv",
    "staticfiles",
    "static/vendor",
    "media",
    "bench",
    "tests",
    "node_modules",
    "test-artifacts",
)
OWN_SOURCES = ("actionplans/", "selfsurvey/", "spi_portal/", "surveys/", "templates/")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%%")


class Entry:
    def __init__(self):
        self.flags, self.references = set(), []
        self.context, self.msgid, self.msgid_plural = None, None, None
        self.msgstr = {}

    @property
    def key(self):
        return (self.context, self.msgid)

    @property
    def translated(self):
        return bool(self.msgstr) and all(self.msgstr.values())


def _unquote(text):
    return ast.literal_eval(text.strip())


def parse_po(path):
    """Entries of a .po file (header first); obsolete entries (#~) are ignored."""
    entries, entry, field = [], Entry(), None
    for line in [*Path(path).read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry.msgid is not None:
                entries.append(entry)
            entry, field = Entry(), None
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#:"):
            entry.references += line[2:].split()
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            _append(entry, field, _unquote(line))
        else:
            keyword, value = line.split(" ", 1)
            field = keyword
            _append(entry, field, _unquote(value), start=True)
    return entries


def _append(entry, field, text, start=False):
    if field == "msgctxt":
        entry.context = text if start else entry.context + text
    elif field == "msgid":
        entry.msgid = text if start else entry.msgid + text
    elif field == "msgid_plural":
        entry.msgid_plural = text if start else entry.msgid_plural + text
    else:
        index = int(field[7:-1]) if field.startswith("msgstr[") else 0
        entry.msgstr[index] = text if start else entry.msgstr[index] + text


def _messages(path):
    return [entry for entry in parse_po(path) if entry.msgid]


def _catalogue(language):
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def _extract_msgids_from_the_code(tmp_path):
    """Run makemessages on a copy of our sources, so the committed catalogues stay untouched."""
    if not shutil.which("xgettext") or not shutil.which("msgmerge"):
        pytest.fail("GNU gettext (xgettext, msgmerge) is needed to check the catalogue")
    copy = tmp_path / "project"
    for directory, subdirs, files in os.walk(ROOT):
        relative = Path(directory).relative_to(ROOT)
        subdirs[:] = [
            name
            for name in subdirs
            if not name.startswith(".")
            and name not in ("locale", "__pycache__")
            and (relative / name).as_posix() not in MAKEMESSAGES_IGNORE
        ]
        for name in files:
            if name.endswith(EXTENSIONS):
                (copy / relative).mkdir(parents=True, exist_ok=True)
                shutil.copy2(Path(directory) / name, copy / relative / name)
    ignore = [f"--ignore={pattern}" for pattern in MAKEMESSAGES_IGNORE]
    command = [sys.executable, "manage.py", "makemessages", "-l", "id", "--no-obsolete", *ignore]
    env = {**os.environ, "SECRET_KEY": "i18n-test", "DEBUG": "1"}
    done = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return _messages(copy / "locale" / "id" / "LC_MESSAGES" / "django.po")


def test_the_indonesian_catalogue_has_a_translation_for_every_entry():
    untranslated = [entry.msgid for entry in _messages(ID_PO) if not entry.translated]
    assert untranslated == []


def test_no_catalogue_entry_or_header_is_fuzzy():
    for language in ("id", "en"):
        fuzzy = [entry.msgid for entry in parse_po(_catalogue(language)) if "fuzzy" in entry.flags]
        assert fuzzy == [], language


def test_the_indonesian_catalogue_declares_one_plural_form_and_utf8():
    header = parse_po(ID_PO)[0]
    assert header.msgid == ""
    assert "Language: id\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]
    plurals = [entry for entry in _messages(ID_PO) if entry.msgid_plural]
    assert plurals
    assert all(set(entry.msgstr) == {0} for entry in plurals)


def test_translations_keep_every_placeholder():
    for entry in _messages(ID_PO):
        source = set(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for translation_text in entry.msgstr.values():
            assert set(PLACEHOLDER.findall(translation_text)) == source, entry.msgid


def test_every_string_in_the_code_has_an_indonesian_translation(tmp_path):
    extracted = _extract_msgids_from_the_code(tmp_path)
    assert len(extracted) > 100
    committed = {entry.key: entry for entry in _messages(ID_PO)}
    missing = [
        entry.msgid
        for entry in extracted
        if entry.key not in committed or not committed[entry.key].translated
    ]
    assert missing == [], "run makemessages and translate these strings"


def test_the_catalogues_hold_only_our_own_strings():
    for language in ("id", "en"):
        for entry in _messages(_catalogue(language)):
            assert entry.references, entry.msgid
            assert all(ref.startswith(OWN_SOURCES) for ref in entry.references), entry.msgid


def test_the_english_catalogue_has_the_same_entries_as_the_indonesian_one():
    english = {entry.key for entry in _messages(_catalogue("en"))}
    assert english == {entry.key for entry in _messages(ID_PO)}


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_committed_mo_is_compiled_from_the_committed_po(language):
    po = _catalogue(language)
    with open(po.with_suffix(".mo"), "rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)._catalog
    expected = {}
    for entry in _messages(po):
        if not entry.translated or "fuzzy" in entry.flags:
            continue
        msgid = entry.msgid if entry.context is None else f"{entry.context}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            expected[msgid] = entry.msgstr[0]
        else:
            expected.update({(msgid, i): text for i, text in entry.msgstr.items()})
    assert {key: text for key, text in compiled.items() if key != ""} == expected


def test_the_login_page_is_indonesian_by_default(client):
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="id">' in html
    assert "<title>Masuk</title>" in html
    assert "Log in" not in html


def test_the_language_cookie_switches_the_login_page_to_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in html
    assert "<title>Log in</title>" in html
    assert "Masuk" not in html


def test_the_language_switch_form_sets_english_and_back(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "<title>Log in</title>" in client.get(reverse("login")).content.decode()
    client.post(reverse("set_language"), {"language": "id", "next": "/accounts/login/"})
    assert "<title>Masuk</title>" in client.get(reverse("login")).content.decode()


def test_the_admin_shows_indonesian_model_names_and_field_labels(client, db):
    admin = get_user_model().objects.create_superuser("admin", password="a-long-admin-pass-1")
    client.force_login(admin)
    index = client.get(reverse("admin:index")).content.decode()
    assert "Survei SPI" in index
    assert "Tahun SPI" in index
    assert "Hasil instansi" in index
    form = client.get(reverse("admin:surveys_surveyround_add")).content.decode()
    assert "Bobot internal" in form
    assert "Toleransi hitung ulang" in form
    assert "internal weight" not in form.lower()


def test_numbers_follow_the_active_language():
    with translation.override("id"):
        assert formats.number_format(Decimal("67.78"), 2) == "67,78"
    with translation.override("en"):
        assert formats.number_format(Decimal("67.78"), 2) == "67.78"


def test_signed_differences_follow_the_active_language():
    template = Template("{% load spi %}{{ up|signed }} {{ down|signed }}")
    context = Context({"up": Decimal("6.54"), "down": Decimal("-1.12")})
    with translation.override("id"):
        assert template.render(context) == "+6,54 −1,12"
    with translation.override("en"):
        assert template.render(context) == "+6.54 −1.12"
