"""Every plan, report, evidence and verification URL x anonymous, inspector, head of OPD A,
head of OPD B: the expected status, and no row changed by a refused request."""

import pytest
from django.test import Client
from django.urls import reverse

from actionplans.models import (
    ActionPlan,
    Evidence,
    Milestone,
    ProgressReport,
    Recommendation,
    VerificationDecision,
)
from tests.actionplans.conftest import pdf_upload

pytestmark = pytest.mark.django_db

USERS = ("anonymous", "inspector", "head_a", "head_b")
CLIENTS = {
    "inspector": "inspector_client",
    "head_a": "head_a_client",
    "head_b": "head_b_client",
}
TRACKED = (ActionPlan, Milestone, ProgressReport, VerificationDecision, Evidence, Recommendation)


def _plan_data(world):
    plan = world["plan"]
    return {
        "round": plan.round_id,
        "title": "Judul baru",
        "finding": plan.finding,
        "indicators": [i.pk for i in plan.indicators.all()],
        "activity": plan.activity,
        "start_date": "2025-01-01",
        "due_date": "2025-12-31",
        "owner_opd": plan.owner_opd_id,
        "weight": 1,
        "status": "active",
        "version": plan.version,
    }


def _report_data(world):
    return {"report_date": "2025-03-01", "percent": 70, "narrative": "x", "files": [pdf_upload()]}


# name, method, url builder, data builder, expected status for each of USERS
CASES = [
    ("plan_list", "get", lambda w: reverse("actionplans:plan_list"), None, (302, 200, 200, 200)),
    ("create_get", "get", lambda w: reverse("actionplans:plan_create"), None, (302, 200, 403, 403)),
    (
        "create_post",
        "post",
        lambda w: reverse("actionplans:plan_create"),
        _plan_data,
        (302, 302, 403, 403),
    ),
    ("detail", "get", lambda w: w["plan"].get_absolute_url(), None, (302, 200, 200, 404)),
    (
        "edit_get",
        "get",
        lambda w: reverse("actionplans:plan_edit", args=[w["plan"].pk]),
        None,
        (302, 200, 403, 403),
    ),
    (
        "edit_post",
        "post",
        lambda w: reverse("actionplans:plan_edit", args=[w["plan"].pk]),
        _plan_data,
        (302, 302, 403, 403),
    ),
    (
        "cancel_get",
        "get",
        lambda w: reverse("actionplans:plan_cancel", args=[w["plan"].pk]),
        None,
        (302, 405, 403, 403),
    ),
    (
        "cancel_post",
        "post",
        lambda w: reverse("actionplans:plan_cancel", args=[w["plan"].pk]),
        lambda w: {"reason": "Tidak dilanjutkan"},
        (302, 302, 403, 403),
    ),
    (
        "milestone_get",
        "get",
        lambda w: reverse("actionplans:milestone_create", args=[w["plan"].pk]),
        None,
        (302, 200, 404, 404),
    ),
    (
        "milestone_post",
        "post",
        lambda w: reverse("actionplans:milestone_create", args=[w["plan"].pk]),
        lambda w: {"title": "TW I", "due_date": "2025-03-31", "weight": 1},
        (302, 302, 404, 404),
    ),
    (
        "report_get",
        "get",
        lambda w: reverse("actionplans:report_create", args=[w["plan"].pk]),
        None,
        (302, 403, 200, 404),
    ),
    (
        "report_post",
        "post",
        lambda w: reverse("actionplans:report_create", args=[w["plan"].pk]),
        _report_data,
        (302, 403, 302, 404),
    ),
    (
        "queue",
        "get",
        lambda w: reverse("actionplans:verification_queue"),
        None,
        (302, 200, 403, 403),
    ),
    (
        "verify_get",
        "get",
        lambda w: reverse("actionplans:report_verify", args=[w["report"].pk]),
        None,
        (302, 200, 403, 403),
    ),
    (
        "verify_post",
        "post",
        lambda w: reverse("actionplans:report_verify", args=[w["report"].pk]),
        lambda w: {"outcome": "accepted", "note": ""},
        (302, 302, 403, 403),
    ),
    (
        "evidence",
        "get",
        lambda w: w["evidence"].get_absolute_url(),
        None,
        (302, 200, 200, 404),
    ),
    ("my_plans", "get", lambda w: reverse("actionplans:my_plans"), None, (302, 403, 200, 200)),
    (
        "export",
        "get",
        lambda w: reverse("actionplans:plan_export", args=["xlsx"]),
        None,
        (302, 200, 200, 200),
    ),
    ("import_get", "get", lambda w: reverse("actionplans:plan_import"), None, (302, 200, 403, 403)),
    (
        "import_post",
        "post",
        lambda w: reverse("actionplans:plan_import"),
        lambda w: {"file": pdf_upload("plans.xlsx")},
        (302, 200, 403, 403),
    ),
    (
        "recommendations_get",
        "get",
        lambda w: reverse("actionplans:recommendations", args=[2024]),
        None,
        (302, 200, 200, 200),
    ),
    (
        "recommendations_post",
        "post",
        lambda w: reverse("actionplans:recommendations", args=[2024]),
        lambda w: {"code": "R-09", "text": "Perkuat APIP"},
        (302, 302, 403, 403),
    ),
    (
        "round_followup",
        "get",
        lambda w: reverse("actionplans:round_followup", args=[2024]),
        None,
        (302, 200, 200, 200),
    ),
]


def _snapshot():
    rows = {}
    for model in TRACKED:
        rows[model.__name__] = list(model.objects.order_by("pk").values())
        history = getattr(model, "history", None)
        rows[f"{model.__name__}.history"] = history.count() if history is not None else None
    return rows


@pytest.fixture
def world(plan_a, report_a, evidence_a, head_b, published_2024):
    return {"plan": plan_a, "report": report_a, "evidence": evidence_a}


REFUSED = (403, 404, 405)


def _client(request, user):
    return Client() if user == "anonymous" else request.getfixturevalue(CLIENTS[user])


def _outcome(request, world, user, method, url, data_for):
    """(status, whether any tracked row changed, whether it redirected to the login page)."""
    data = data_for(world) if data_for else None
    before = _snapshot()
    send = getattr(_client(request, user), method)
    response = send(url, data) if data is not None else send(url)
    login = response.get("Location", "").startswith(reverse("login"))
    return response.status_code, _snapshot() != before, login


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_each_url_answers_each_role_as_expected_and_refusals_change_nothing(request, world, case):
    _name, method, url_for, data_for, expected = case
    url = url_for(world)
    # refused requests first: the one request that may change the world comes last
    for user in sorted(USERS, key=lambda u: expected[USERS.index(u)] not in REFUSED):
        status = expected[USERS.index(user)]
        anonymous = user == "anonymous"
        changes = method == "post" and status == 302 and not anonymous
        outcome = _outcome(request, world, user, method, url, data_for)
        assert outcome == (status, changes, anonymous), user
