"""actionplans.access: every action on every model x the cast (and a dual-role account): the
rows `restrict` keeps, and `allows` agreeing with it row by row."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from actionplans import access, services
from actionplans.models import OPD, ActionPlan, Evidence, Milestone, PlanStatus, ProgressReport
from surveys.models import SurveyRound
from tests.factories import make_plan, submit

pytestmark = pytest.mark.django_db

CAST = ("anonymous", "nobody", "inspector", "head_a", "head_b", "dual_role")
EVERY_ROUND = "every round"

# (model, action) -> the names each member of CAST gets, in CAST's order
EXPECTED = {
    (ActionPlan, "view"): (
        set(),
        set(),
        {"plan_a", "plan_b", "draft_a", "cancelled_a"},
        {"plan_a", "draft_a", "cancelled_a"},
        {"plan_b"},
        {"plan_a", "plan_b", "draft_a", "cancelled_a"},
    ),
    (ActionPlan, "change"): (
        set(),
        set(),
        {"plan_a", "plan_b", "draft_a"},
        set(),
        set(),
        {"plan_a", "plan_b", "draft_a"},
    ),
    (ActionPlan, "add_milestone"): (
        set(),
        set(),
        {"plan_a", "plan_b", "draft_a"},
        {"draft_a"},
        set(),
        {"plan_a", "plan_b", "draft_a"},
    ),
    # the responsible OPD completes and submits its drafts; the Inspectorate activates a draft
    # (not one of its member's own OPD); approving a submitted plan: test_plan_lifecycle.py
    (ActionPlan, "complete"): (set(), set(), set(), {"draft_a"}, set(), {"draft_a"}),
    (ActionPlan, "activate"): (set(), set(), {"draft_a"}, set(), set(), set()),
    (ActionPlan, "report"): (set(), set(), set(), {"plan_a"}, {"plan_b"}, {"plan_a"}),
    (Milestone, "view"): (set(), set(), {"milestone_a"}, {"milestone_a"}, set(), {"milestone_a"}),
    (ProgressReport, "view"): (
        set(),
        set(),
        {"report_a", "report_b"},
        {"report_a"},
        {"report_b"},
        {"report_a", "report_b"},
    ),
    (ProgressReport, "verify"): (
        set(),
        set(),
        {"report_a", "report_b"},
        set(),
        set(),
        {"report_b"},
    ),
    (Evidence, "view"): (
        set(),
        set(),
        {"evidence_a", "evidence_b"},
        {"evidence_a"},
        {"evidence_b"},
        {"evidence_a", "evidence_b"},
    ),
    (OPD, "add_plan"): (set(), set(), {"opd_a", "opd_b"}, set(), set(), {"opd_a", "opd_b"}),
    (SurveyRound, "add_recommendation"): (
        set(),
        set(),
        {EVERY_ROUND},
        set(),
        set(),
        {EVERY_ROUND},
    ),
}
SAME_AS = {
    (ActionPlan, "cancel"): (ActionPlan, "change"),
    (ActionPlan, "submit"): (ActionPlan, "complete"),
    (Evidence, "download"): (Evidence, "view"),
}


@pytest.fixture
def world(round_2024, opd_a, opd_b, head_a, head_b):
    plan_a, plan_b = make_plan(round_2024, opd_a), make_plan(round_2024, opd_b)
    cancelled = make_plan(round_2024, opd_a, title="Dibatalkan")
    services.plan_cancel(actor=cancelled.created_by, plan=cancelled, reason="Tidak dilanjutkan")
    report_a, report_b = submit(plan_a, head_a), submit(plan_b, head_b)
    rows = {
        "plan_a": plan_a,
        "plan_b": plan_b,
        "draft_a": make_plan(round_2024, opd_a, status=PlanStatus.DRAFT, title="Konsep"),
        "cancelled_a": cancelled,
        "milestone_a": services.milestone_create(
            actor=plan_a.created_by, plan=plan_a, title="TW I", due_date=plan_a.due_date
        ),
        "report_a": report_a,
        "report_b": report_b,
        "evidence_a": report_a.evidence.get(),
        "evidence_b": report_b.evidence.get(),
        "opd_a": opd_a,
        "opd_b": opd_b,
    }
    return rows


@pytest.fixture
def cast(request, inspector, head_a, head_b, dual_role):
    nobody = get_user_model().objects.create_user("nobody")
    users = {"anonymous": AnonymousUser(), "nobody": nobody, "inspector": inspector}
    return users | {"head_a": head_a, "head_b": head_b, "dual_role": dual_role}


def _names(world, rows) -> set[str]:
    if rows.model is SurveyRound:
        return {EVERY_ROUND} if rows.count() == SurveyRound.objects.count() else set(rows)
    return {name for name, obj in world.items() if isinstance(obj, rows.model) and obj in rows}


KEYS = [*EXPECTED, *SAME_AS]


@pytest.mark.parametrize("key", KEYS, ids=[f"{m.__name__}.{a}" for m, a in KEYS])
@pytest.mark.parametrize("who", CAST)
def test_restrict_keeps_exactly_the_rows_each_role_may_act_on(world, cast, key, who):
    model, action = key
    expected = EXPECTED[SAME_AS.get(key, key)][CAST.index(who)]
    rows = access.restrict(model._default_manager.all(), cast[who], action)
    assert _names(world, rows) == expected


@pytest.mark.parametrize("who", CAST)
def test_allows_answers_as_restrict_does_for_every_row(world, cast, who):
    user = cast[who]
    for model, action in KEYS:
        kept = set(access.restrict(model._default_manager.all(), user, action))
        for obj in (o for o in world.values() if isinstance(o, model)):
            assert access.allows(user, action, obj) == (obj in kept), (model, action, obj)


def test_the_queryset_methods_are_the_same_decision(world, cast):
    dual = cast["dual_role"]
    assert set(ActionPlan.objects.visible_to(dual)) == set(
        access.restrict(ActionPlan.objects.all(), dual, "view")
    )
    assert list(ProgressReport.objects.verifiable_by(dual)) == [world["report_b"]]
    assert list(ActionPlan.objects.reportable_by(dual)) == [world["plan_a"]]


def test_an_action_without_a_rule_is_an_error_not_a_yes(inspector):
    with pytest.raises(ValueError, match="No access rule"):
        access.restrict(ActionPlan.objects.all(), inspector, "delete")


def test_a_deactivated_account_may_do_nothing(world, head_a, inspector):
    for user in (head_a, inspector):
        user.is_active = False
        user.save()
    assert not access.allows(head_a, "view", world["plan_a"])
    assert not access.allows(head_a, "report", world["plan_a"])
    assert not access.allows(inspector, "verify", world["report_a"])
