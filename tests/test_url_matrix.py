"""Every URL of the resolver x anonymous, inspector, head of OPD A, head of OPD B.

The table MATRIX says, for each URL name, how to build its arguments from one world, which
methods to try and what each role gets. A URL the resolver knows but the table does not fails
the test, so a new page is covered the day it is added. Refused requests (login redirect, 403,
404, 405), every GET and every POST answered with its form again (200) change no row of any
table; a write that is let through changes rows and does not end on the login page; a POST
without a CSRF token is refused with 403 and changes nothing; a page a head of OPD opens never
shows the other OPD's plan or report.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from actionplans import services
from selfsurvey.models import BackgroundJob
from spi_portal import public_bytes
from surveys import uploads
from surveys.models import RoundStatus, SurveyRound
from tests.factories import make_plan, pdf_upload, plan_form_data, snapshot, submit
from tests.selfsurvey.world import SECRET_COMMENT, answered_campaign

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "inspector", "head_a", "head_b")
LOGIN = "302 to the login page"
ADMIN_LOGIN = "302 to the admin login page"
REFUSED = {LOGIN, ADMIN_LOGIN, 403, 404, 405}

# Django admin's own pages are Django's code, guarded by is_staff (no portal user has it); its
# index and login stay in the matrix as the proof that the guard is on.
ADMIN_KEPT = {"admin:index", "admin:login"}

PLAN_A_TITLE = "Rencana khusus Dinas Kesehatan"
PLAN_B_TITLE = "Rencana khusus Dinas Pendidikan"
NARRATIVE_A = "Capaian rahasia OPD A"
NARRATIVE_B = "Capaian rahasia OPD B"
RESULTS_CSV = (
    b"year,institution_code,institution_name,internal,external,expert\n"
    b"2024,KOTA-BARU,Kota Baru,70,80,75\n"
)


def _excluded(name: str) -> bool:
    return name.startswith("admin:") and name not in ADMIN_KEPT


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else f"{namespace}<unnamed>"


def resolver_names() -> set[str]:
    return {name for name in _walk(get_resolver().url_patterns) if not _excluded(name)}


# --- the world ---------------------------------------------------------------------------------


@dataclass
class World:
    objects: dict

    def __getattr__(self, name):
        try:
            return self.objects[name]
        except KeyError as missing:
            raise AttributeError(name) from missing


@pytest.fixture(autouse=True)
def _world_media_and_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    public_bytes.forget()


@pytest.fixture
def world(methodology, bartim_2024, inspector, head_a, head_b, opd_a, opd_b) -> World:
    """2024 published, 2025 a draft; an active plan of each OPD with a pending report and its
    evidence; an import file waiting for confirmation."""
    published = methodology[2024]
    published.status = RoundStatus.PUBLISHED
    published.save()
    plan_a = make_plan(published, opd_a, title=PLAN_A_TITLE)
    plan_b = make_plan(published, opd_b, title=PLAN_B_TITLE)
    report_a = submit(plan_a, head_a, narrative=NARRATIVE_A)
    report_b = submit(plan_b, head_b, narrative=NARRATIVE_B)
    recommendation = services.recommendation_create(
        actor=inspector, survey_round=published, code="R1", text="Perkuat SOP gratifikasi"
    )
    token = uploads.pending_save(ContentFile(RESULTS_CSV))
    campaign = answered_campaign(inspector, [opd_a, opd_b], published)
    job = BackgroundJob.objects.create(
        campaign=campaign, kind="recompute", state=BackgroundJob.State.DONE, done=3, total=3
    )
    users = {"inspector": inspector, "head_a": head_a, "head_b": head_b}
    return World(
        {
            "plan_a": plan_a,
            "plan_b": plan_b,
            "report_a": report_a,
            "report_b": report_b,
            "evidence_a": report_a.evidence.get(),
            "evidence_b": report_b.evidence.get(),
            "recommendation": recommendation,
            "import_token": token,
            "campaign": campaign,
            "job": job,
            "opd_a": opd_a,
            "opd_b": opd_b,
            "users": users,
            "sessions": logged_in_sessions(users),
        }
    )


# --- request data ------------------------------------------------------------------------------


def _plan_with_huge_ids(w):
    huge = "9" * 30
    return plan_form_data(w.plan_a) | {"indicators": [huge], "supporting_opds": [huge]}


def _report_data(w):
    return {"report_date": "2025-03-01", "percent": 70, "narrative": "x", "files": [pdf_upload()]}


def _import_upload(w):
    upload = SimpleUploadedFile("hasil.csv", RESULTS_CSV, content_type="text/csv")
    return {"kind": "results", "file": upload, "sheet": ""}


def _import_confirm(w):
    return {
        "kind": "results",
        "token": w.import_token,
        "sha256": hashlib.sha256(RESULTS_CSV).hexdigest(),
        "file_name": "hasil.csv",
        "sheet": "",
    }


def _methodology_revision(w):
    """The round's methodology with one weight moved, as the methodology page posts it."""
    survey_round = SurveyRound.objects.get(year=2024)
    data = {
        "version": 1,
        "weight_internal": "0,3000",
        "weight_external": "0,3325",
        "weight_expert": "0,3675",
        "tolerance": "0,02",
        "reason": "Koreksi bobot dari KPK",
    }
    for position, band in enumerate(survey_round.bands.order_by("lower_bound")):
        for name in ("lower_bound", "label_id", "label_en", "colour"):
            data[f"band_{position}_{name}"] = str(getattr(band, name))
    return data


def _plan_import(w):
    return {"file": SimpleUploadedFile("rencana.xlsx", b"not a workbook"), "dry_run": "on"}


def _wrong_login(w):
    return {"username": "head_a", "password": "not-the-password-123"}


def _wrong_old_password(w):
    return {
        "old_password": "not-the-password-123",
        "new_password1": "a-new-long-password-456",
        "new_password2": "a-new-long-password-456",
    }


def _home_pk():
    from surveys.models import Institution

    return Institution.objects.get(is_home=True).pk


# --- the matrix --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One request: `expected` holds the answer for anonymous, inspector, head A and head B."""

    label: str
    method: str
    expected: tuple
    kwargs: Callable[[World], dict] = lambda w: {}
    data: Callable[[World], dict] | None = None
    query: str = ""
    writes: bool = False  # a POST that is not refused must change rows
    headers: dict = field(default_factory=dict)
    # tables a request answered with its form again may still change (the failed-login counter)
    also_changes: frozenset = frozenset()


def get(expected, label="", **options):
    return Case(label or "get", "get", expected, **options)


def post(expected, label="", **options):
    return Case(label or "post", "post", expected, **options)


def plan_a(w):
    return {"pk": w.plan_a.pk}


def plan_b(w):
    return {"pk": w.plan_b.pk}


def year(value):
    return lambda w: {"year": value}


STAFF = (LOGIN, 200, 200, 200)
INSPECTOR_ONLY = (LOGIN, 200, 403, 403)
INSPECTOR_POST_ONLY = (LOGIN, 405, 403, 403)
INSPECTOR_WRITES = (LOGIN, 302, 403, 403)
EVERYONE = (200, 200, 200, 200)
NOBODY = (404, 404, 404, 404)
# a round that is not published is the Inspectorate's: anyone else gets 404, as for no round
INSPECTOR_SEES_DRAFTS = (LOGIN, 200, 404, 404)
NOT_A_STEP_NOW = (LOGIN, 404, 404, 404)
LOGGED_IN_POST_ONLY = (LOGIN, 405, 405, 405)


FAILED_LOGIN = frozenset({"axes.AccessAttempt"})


def _version(w):
    return {"version": w.plan_a.version}


def _assign(w):
    indicator = w.plan_a.indicators.get()
    return {"indicator": indicator.pk, "owner_opd": w.plan_b.owner_opd_id, "row": "x"}


def _letterhead(w):
    return {"version": 1, "letterhead_institution": "Inspektorat Daerah"}


MATRIX: dict[str, list[Case]] = {
    # staff pages of spi_portal
    "home": [get((LOGIN, 302, 302, 302))],
    "portal_settings": [
        get(INSPECTOR_ONLY),
        post(INSPECTOR_WRITES, data=lambda w: {"version": 1, "current_round": ""}, writes=True),
    ],
    "portal_letterhead": [
        get((LOGIN, 405, 403, 403)),
        post(INSPECTOR_WRITES, "letterhead", data=_letterhead, writes=True),
    ],
    "dashboard": [
        get(STAFF),
        get(STAFF, "published", query="year=2024"),
        get(INSPECTOR_SEES_DRAFTS, "draft", query="year=2025"),
        get((LOGIN, 404, 404, 404), "unknown year", query="year=1999"),
    ],
    "followup_report": [
        get((LOGIN, 200, 404, 404), kwargs=year(2024)),
        get((LOGIN, 200, 404, 404), "xlsx", kwargs=year(2024), query="format=xlsx"),
        get((LOGIN, 200, 404, 404), "draft", kwargs=year(2025)),
        get((LOGIN, 404, 404, 404), "unknown year", kwargs=year(1999)),
    ],
    "login": [
        get(EVERYONE),
        post(EVERYONE, "wrong password", data=_wrong_login, also_changes=FAILED_LOGIN),
    ],
    "logout": [get((405, 405, 405, 405)), post((302, 302, 302, 302), data=lambda w: {})],
    "password_change": [get(STAFF), post(STAFF, "wrong old password", data=_wrong_old_password)],
    "password_change_done": [get(STAFF)],
    "preferences": [
        get(STAFF),
        post(
            (LOGIN, 302, 302, 302),
            data=lambda w: {"language": "id", "email_notifications": ""},
            writes=True,
        ),
    ],
    "language_choose": [
        get((405, 405, 405, 405)),
        post((302, 302, 302, 302), data=lambda w: {"language": "en", "next": "/"}),
    ],
    "healthz": [get(EVERYONE)],
    "set_language": [
        get((302, 302, 302, 302)),
        post((302, 302, 302, 302), data=lambda w: {"language": "en", "next": "/"}),
    ],
    # surveys
    "surveys:round_list": [get(STAFF)],
    "surveys:compare": [
        get(STAFF),
        get(STAFF, "csv", query="format=csv"),
        get(STAFF, "xlsx", query="format=xlsx"),
    ],
    "surveys:round_create": [
        get(INSPECTOR_POST_ONLY),
        post(INSPECTOR_WRITES, data=lambda w: {"year": 2026}, writes=True),
    ],
    "surveys:round_detail": [
        get(STAFF, kwargs=year(2024)),
        get(INSPECTOR_SEES_DRAFTS, "draft", kwargs=year(2025)),
        get((LOGIN, 404, 404, 404), "unknown year", kwargs=year(1999)),
    ],
    "surveys:what_if": [
        get(STAFF, kwargs=year(2024)),
        get(INSPECTOR_SEES_DRAFTS, "draft", kwargs=year(2025)),
    ],
    "surveys:round_methodology": [
        get(INSPECTOR_ONLY, kwargs=year(2024)),
        post(INSPECTOR_WRITES, kwargs=year(2024), data=_methodology_revision, writes=True),
    ],
    "surveys:round_publish": [
        get(INSPECTOR_POST_ONLY, kwargs=year(2025)),
        post(INSPECTOR_WRITES, kwargs=year(2025), data=lambda w: {}, writes=True),
    ],
    "surveys:round_unpublish": [
        get(INSPECTOR_POST_ONLY, kwargs=year(2024)),
        post(
            INSPECTOR_WRITES,
            kwargs=year(2024),
            data=lambda w: {"reason": "Data dikoreksi"},
            writes=True,
        ),
    ],
    "surveys:import": [get(INSPECTOR_ONLY), post(INSPECTOR_ONLY, data=_import_upload)],
    "surveys:import_confirm": [
        get(INSPECTOR_POST_ONLY),
        post(INSPECTOR_WRITES, data=_import_confirm, writes=True),
        post(INSPECTOR_WRITES, "kind plans", data=lambda w: _import_confirm(w) | {"kind": "plans"}),
    ],
    "surveys:bands_css": [get(EVERYONE)],
    # action plans
    "actionplans:notifications": [get(STAFF)],
    "actionplans:notifications_mark_read": [
        get((LOGIN, 405, 405, 405)),
        post((LOGIN, 302, 302, 302), data=lambda w: {"all": "1"}),
    ],
    "actionplans:plan_list": [get(STAFF)],
    "actionplans:plan_create": [
        get(INSPECTOR_ONLY),
        post(INSPECTOR_WRITES, data=lambda w: plan_form_data(w.plan_a), writes=True),
        post(INSPECTOR_ONLY, "id beyond any column", data=_plan_with_huge_ids),
    ],
    "actionplans:my_plans": [get((LOGIN, 403, 200, 200))],
    "actionplans:desk": [get(INSPECTOR_ONLY)],
    "actionplans:verification_queue": [get(INSPECTOR_ONLY)],
    "actionplans:plan_export": [
        get(STAFF, "xlsx", kwargs=lambda w: {"file_format": "xlsx"}),
        get(STAFF, "csv", kwargs=lambda w: {"file_format": "csv"}),
        get((LOGIN, 404, 404, 404), "pdf", kwargs=lambda w: {"file_format": "pdf"}),
    ],
    "actionplans:plan_import": [
        get(INSPECTOR_ONLY),
        post(INSPECTOR_ONLY, data=_plan_import),
        post(INSPECTOR_ONLY, "a PDF named .xlsx", data=lambda w: {"file": pdf_upload("a.xlsx")}),
    ],
    "actionplans:plan_import_confirm": [
        get(INSPECTOR_POST_ONLY),
        post(INSPECTOR_WRITES, "expired token", data=lambda w: {"token": "nope", "sha256": "0"}),
    ],
    "actionplans:round_followup": [
        get(STAFF, kwargs=year(2024)),
        get(INSPECTOR_SEES_DRAFTS, "draft", kwargs=year(2025)),
        get((LOGIN, 404, 404, 404), "unknown year", kwargs=year(1999)),
    ],
    "actionplans:recommendations": [
        get(STAFF, kwargs=year(2024)),
        get(INSPECTOR_SEES_DRAFTS, "draft", kwargs=year(2025)),
        get((LOGIN, 404, 404, 404), "unknown year", kwargs=year(1999)),
        post(
            INSPECTOR_WRITES,
            kwargs=year(2024),
            data=lambda w: {"code": "R9", "text": "Umumkan SOP"},
            writes=True,
        ),
    ],
    "actionplans:plan_carry_over": [
        get(INSPECTOR_ONLY, kwargs=year(2024)),
        get(INSPECTOR_SEES_DRAFTS, "draft", kwargs=year(2025)),
        post(
            (LOGIN, 302, 404, 404),
            "into the draft round",
            kwargs=year(2025),
            data=lambda w: {"plans": [w.plan_a.pk, w.plan_b.pk]},
            writes=True,
        ),
    ],
    "actionplans:recommendation_withdraw": [
        get(INSPECTOR_ONLY, kwargs=lambda w: {"pk": w.recommendation.pk}),
        post(
            INSPECTOR_WRITES,
            kwargs=lambda w: {"pk": w.recommendation.pk},
            data=lambda w: {"reason": "Digabung dengan rekomendasi lain"},
            writes=True,
        ),
        post(
            INSPECTOR_ONLY,
            "no reason",
            kwargs=lambda w: {"pk": w.recommendation.pk},
            data=lambda w: {"reason": "  "},
        ),
    ],
    "actionplans:plan_detail": [
        get((LOGIN, 200, 200, 404), "plan A", kwargs=plan_a),
        get((LOGIN, 200, 404, 200), "plan B", kwargs=plan_b),
    ],
    "actionplans:plan_edit": [
        get(INSPECTOR_ONLY, kwargs=plan_a),
        post(INSPECTOR_WRITES, kwargs=plan_a, data=lambda w: plan_form_data(w.plan_a), writes=True),
    ],
    "actionplans:plan_cancel": [
        get(INSPECTOR_POST_ONLY, kwargs=plan_a),
        post(INSPECTOR_WRITES, kwargs=plan_b, data=lambda w: {"reason": "Batal"}, writes=True),
    ],
    # the life cycle's steps on an active plan: nobody may take them (a draft's are in
    # tests/actionplans/test_plan_lifecycle.py)
    "actionplans:plan_complete": [get(NOT_A_STEP_NOW, kwargs=plan_a)],
    "actionplans:plan_submit": [
        get(LOGGED_IN_POST_ONLY, kwargs=plan_a),
        post(NOT_A_STEP_NOW, kwargs=plan_a, data=_version),
    ],
    "actionplans:plan_activate": [
        get(LOGGED_IN_POST_ONLY, kwargs=plan_a),
        post(NOT_A_STEP_NOW, kwargs=plan_a, data=_version),
    ],
    "actionplans:plan_approve": [
        get(LOGGED_IN_POST_ONLY, kwargs=plan_a),
        post(NOT_A_STEP_NOW, kwargs=plan_a, data=_version),
    ],
    "actionplans:plan_return": [
        get(LOGGED_IN_POST_ONLY, kwargs=plan_a),
        post(NOT_A_STEP_NOW, kwargs=plan_a, data=lambda w: _version(w) | {"note": "Lengkapi"}),
    ],
    "actionplans:round_meeting": [
        get(INSPECTOR_ONLY, kwargs=year(2024)),
        get((LOGIN, 200, 403, 403), "draft", kwargs=year(2025)),
        post(INSPECTOR_WRITES, kwargs=year(2024), data=_assign, writes=True),
    ],
    # an OPD adds milestones only to its own drafts: any other plan is not there for it
    "actionplans:milestone_create": [
        get((LOGIN, 200, 404, 404), kwargs=plan_a),
        post(
            (LOGIN, 302, 404, 404),
            kwargs=plan_a,
            data=lambda w: {"title": "TW I", "due_date": "2025-03-31", "weight": 1},
            writes=True,
        ),
    ],
    "actionplans:report_create": [
        get((LOGIN, 403, 200, 404), "plan A", kwargs=plan_a),
        get((LOGIN, 403, 404, 200), "plan B", kwargs=plan_b),
        post((LOGIN, 403, 302, 404), "plan A", kwargs=plan_a, data=_report_data, writes=True),
        post((LOGIN, 403, 404, 302), "plan B", kwargs=plan_b, data=_report_data, writes=True),
    ],
    "actionplans:report_verify": [
        get(INSPECTOR_ONLY, kwargs=lambda w: {"pk": w.report_a.pk}),
        post(
            INSPECTOR_WRITES,
            kwargs=lambda w: {"pk": w.report_b.pk},
            data=lambda w: {"outcome": "returned", "note": "Bukti kurang"},
            writes=True,
        ),
        post(
            INSPECTOR_WRITES,
            "accepted",
            kwargs=lambda w: {"pk": w.report_a.pk},
            data=lambda w: {"outcome": "accepted", "note": ""},
            writes=True,
        ),
    ],
    "actionplans:evidence_preview": [
        get((LOGIN, 200, 200, 404), "evidence A", kwargs=lambda w: {"pk": w.evidence_a.pk}),
        get((LOGIN, 200, 404, 200), "evidence B", kwargs=lambda w: {"pk": w.evidence_b.pk}),
    ],
    "actionplans:evidence_download": [
        get((LOGIN, 200, 200, 404), "evidence A", kwargs=lambda w: {"pk": w.evidence_a.pk}),
        get((LOGIN, 200, 404, 200), "evidence B", kwargs=lambda w: {"pk": w.evidence_b.pk}),
    ],
    # Django admin: no portal user is staff
    "admin:index": [get((ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN))],
    "admin:login": [
        get(EVERYONE),
        post(EVERYONE, "wrong password", data=_wrong_login, also_changes=FAILED_LOGIN),
    ],
    # the public page and the open data: published rounds only
    "public_page": [
        get(EVERYONE),
        get(EVERYONE, "English", query="lang=en"),
        get((302, 302, 302, 302), "year in the query", query="year=2024"),
        get(NOBODY, "negative year", query="year=-1"),
        get(NOBODY, "not a year", query="year=abc"),
    ],
    "public_round": [
        get(EVERYONE, kwargs=year(2024)),
        get(NOBODY, "draft", kwargs=year(2025)),
    ],
    "public_plan": [
        get(NOBODY, "plan not public", kwargs=lambda w: {"year": 2024, "pk": w.plan_a.pk}),
        get(NOBODY, "draft round", kwargs=lambda w: {"year": 2025, "pk": w.plan_a.pk}),
    ],
    "favicon": [get((301, 301, 301, 301))],
    "open_data": [get(EVERYONE)],
    "open_data_results": [
        get(EVERYONE, kwargs=year(2024)),
        get(NOBODY, "draft", kwargs=year(2025)),
    ],
    "open_data_indicators": [
        get(EVERYONE, kwargs=year(2024)),
        get(NOBODY, "draft", kwargs=year(2025)),
    ],
    "open_data_plans": [get(EVERYONE, kwargs=year(2024)), get(NOBODY, "draft", kwargs=year(2025))],
    "open_data_methodology": [
        get(EVERYONE, kwargs=year(2024)),
        get(NOBODY, "draft", kwargs=year(2025)),
    ],
    "api_rounds": [get(EVERYONE)],
    "national": [get(EVERYONE), get(NOBODY, "draft", query="year=2025")],
    "national_compare": [get(EVERYONE, query="ids=1,2")],
    "national_province": [get(EVERYONE), get(NOBODY, "draft", query="year=2025")],
    "national_institution": [get(EVERYONE, kwargs=lambda w: {"pk": _home_pk()})],
    "api_round": [get(EVERYONE, kwargs=year(2024)), get(NOBODY, "draft", kwargs=year(2025))],
}

# The self-run survey's pages, one file per area (they import the helpers above, so come after).
from tests.selfsurvey import (  # noqa: E402
    matrix_campaigns,
    matrix_collect,
    matrix_imports,
    matrix_jobs,
    matrix_results,
    matrix_review,
)

AREAS = (
    matrix_campaigns,
    matrix_collect,
    matrix_imports,
    matrix_jobs,
    matrix_results,
    matrix_review,
)
for _area in AREAS:
    assert not set(_area.CASES) & set(MATRIX), _area.__name__
    MATRIX.update(_area.CASES)

CASES = [(name, case) for name, cases in MATRIX.items() for case in cases]
POST_CASES = [(name, case) for name, case in CASES if case.method == "post"]


# --- helpers -----------------------------------------------------------------------------------


def changed_tables(before, after) -> list[str]:
    return sorted(label for label in before if before[label] != after[label])


def client_for(world, role, **options) -> Client:
    """A fresh client with the role's session: the login happened once, before the requests, so
    the rows it writes (last login, its history) are part of the world every request starts from."""
    client = Client(**options)
    if role != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


def logged_in_sessions(users) -> dict[str, str]:
    sessions = {}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return sessions


def send(client, world, name, case, **extra):
    url = reverse(name, kwargs=case.kwargs(world))
    if case.query:
        url = f"{url}?{case.query}"
    method = getattr(client, case.method)
    if case.data is None:
        return method(url, **extra)
    return method(url, case.data(world), **extra)


def answer_problems(response, expected, where) -> list[str]:
    status = response.status_code
    if expected in (LOGIN, ADMIN_LOGIN):
        login = reverse("login" if expected == LOGIN else "admin:login")
        if status != 302 or not response["Location"].startswith(login):
            return [f"{where}: expected {expected}, got {status} {response.get('Location', '')}"]
        return []
    return [] if status == expected else [f"{where}: expected {expected}, got {status}"]


def page_text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


# free text of survey respondents stays on the Inspectorate's pages, the own OPD's included
OTHER_OPD_SECRETS = {
    "head_a": (PLAN_B_TITLE, NARRATIVE_B, SECRET_COMMENT),
    "head_b": (PLAN_A_TITLE, NARRATIVE_A, SECRET_COMMENT),
}


# --- the tests ---------------------------------------------------------------------------------


def test_every_url_of_the_resolver_is_in_the_matrix():
    names = resolver_names()
    missing = sorted(names - set(MATRIX))
    assert not missing, f"add it to the matrix in tests/test_url_matrix.py: {missing}"
    stale = sorted(set(MATRIX) - names)
    assert not stale, f"the resolver no longer has these URLs; drop them from the matrix: {stale}"


def test_the_admin_exclusions_are_only_django_admin_pages():
    excluded = {name for name in _walk(get_resolver().url_patterns) if _excluded(name)}
    assert excluded
    assert all(name.startswith("admin:") for name in excluded)


def test_every_state_changing_url_is_also_tried_with_get():
    for name, _case in POST_CASES:
        assert any(c.method == "get" for c in MATRIX[name]), f"{name}: add a GET case"


class _Rollback(Exception):
    pass


def in_rollback(check):
    """Run one request in a savepoint that is always rolled back: each case sees the same world."""
    outcome = []
    try:
        with transaction.atomic():
            outcome.extend(check())
            raise _Rollback
    except _Rollback:
        pass
    cache.clear()
    public_bytes.forget()
    return outcome


def _answer_problems(world, before, role, name, case) -> list[str]:
    where = f"{case.method.upper()} {name} [{case.label}] as {role}"
    expected = case.expected[ROLES.index(role)]
    client = client_for(world, role)
    response = send(client, world, name, case)
    problems = answer_problems(response, expected, where)
    changed = [
        label for label in changed_tables(before, snapshot()) if label not in case.also_changes
    ]
    if changed and (expected in REFUSED or case.method == "get" or expected == 200):
        problems.append(f"{where}: changed {changed}")
    elif case.writes and expected not in REFUSED:
        if not changed:
            problems.append(f"{where}: wrote nothing")
        if response.get("Location", "").startswith(reverse("login")):
            problems.append(f"{where}: a write that succeeded sent {role} to the login page")
    if role in OTHER_OPD_SECRETS and response.status_code == 200:
        text = page_text(response)
        leaked = [secret for secret in OTHER_OPD_SECRETS[role] if secret in text]
        if leaked:
            problems.append(f"{where}: shows the other OPD's {leaked}")
    return problems


def _csrf_problems(world, before, role, name, case) -> list[str]:
    where = f"{case.method.upper()} {name} [{case.label}] as {role} without CSRF token"
    client = client_for(world, role, enforce_csrf_checks=True)
    response = send(client, world, name, case)
    problems = [] if response.status_code == 403 else [f"{where}: {response.status_code}"]
    changed = changed_tables(before, snapshot())
    return problems + ([f"{where}: changed {changed}"] if changed else [])


@pytest.mark.parametrize("role", ROLES)
def test_each_url_answers_each_role_as_the_matrix_says(world, role):
    problems = []
    before = snapshot()  # each request's savepoint is rolled back to this very state
    for name, case in CASES:
        problems += in_rollback(lambda: _answer_problems(world, before, role, name, case))  # noqa: B023
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ROLES)
def test_a_post_without_csrf_token_is_refused_and_changes_nothing(world, role):
    problems = []
    before = snapshot()
    for name, case in POST_CASES:
        problems += in_rollback(lambda: _csrf_problems(world, before, role, name, case))  # noqa: B023
    assert not problems, "\n".join(problems)


def test_matrix_size():
    """URLs x roles x methods, printed for the report (pytest -s)."""
    methods = sum(len({case.method for case in cases}) for cases in MATRIX.values())
    print(
        f"\nURL matrix: {len(MATRIX)} URL names, {len(CASES)} requests x {len(ROLES)} roles = "
        f"{len(CASES) * len(ROLES)} checks; {methods} URL-methods x {len(ROLES)} roles; "
        f"{len(POST_CASES) * len(ROLES)} CSRF checks"
    )
    assert len(MATRIX) == len(resolver_names())
