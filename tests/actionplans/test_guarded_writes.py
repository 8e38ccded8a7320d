"""Every write service checks access itself, inside its transaction: an actor out of scope is
refused with PermissionDenied and nothing is written, whoever calls the service (a view, an
import, the shell); a write without an actor is refused too."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from actionplans import services
from actionplans.models import PlanStatus
from surveys.models import SurveyRound
from tests.factories import pdf_upload, snapshot

pytestmark = pytest.mark.django_db


def _plan_fields(plan):
    return {
        "round": plan.round,
        "title": "Rencana baru",
        "finding": plan.finding,
        "activity": plan.activity,
        "start_date": plan.start_date,
        "due_date": plan.due_date,
        "owner_opd": plan.owner_opd,
        "indicators": list(plan.indicators.all()),
    }


# service name -> the call, given the world and the actor
CALLS = {
    "plan_create": lambda w, actor: services.plan_create(actor=actor, fields=_plan_fields(w.plan)),
    "plan_update": lambda w, actor: services.plan_update(
        actor=actor, plan=w.plan, version=w.plan.version, fields={"title": "Diubah"}
    ),
    "plan_cancel": lambda w, actor: services.plan_cancel(
        actor=actor, plan=w.plan, reason="Tidak dilanjutkan"
    ),
    "milestone_create": lambda w, actor: services.milestone_create(
        actor=actor, plan=w.plan, title="TW I", due_date=w.plan.due_date
    ),
    "report_submit": lambda w, actor: services.report_submit(
        actor=actor, plan=w.plan, percent=60, narrative="x", files=[pdf_upload()]
    ),
    "report_accept": lambda w, actor: services.report_accept(actor=actor, report=w.report),
    "report_return": lambda w, actor: services.report_return(
        actor=actor, report=w.report, note="Kurang bukti"
    ),
    "recommendation_create": lambda w, actor: services.recommendation_create(
        actor=actor, survey_round=w.plan.round, code="R-99", text="Perkuat APIP"
    ),
    "plan_carry_over": lambda w, actor: services.plan_carry_over(
        actor=actor,
        source_plans=[w.plan],
        target_round=SurveyRound.objects.get(year=w.plan.round.year + 1),
    ),
}
# who is out of scope for each service (the head of OPD A owns the plan and made the report)
REFUSED = {
    "plan_create": ("head_a", "head_b", "nobody"),
    "plan_update": ("head_a", "head_b", "nobody"),
    "plan_cancel": ("head_a", "head_b", "nobody"),
    "milestone_create": ("head_a", "head_b", "nobody"),
    "report_submit": ("inspector", "head_b", "nobody"),
    "report_accept": ("head_a", "head_b", "nobody"),
    "report_return": ("head_a", "head_b", "nobody"),
    "recommendation_create": ("head_a", "head_b", "nobody"),
    "plan_carry_over": ("head_a", "head_b", "nobody"),
}
CASES = [(service, who) for service, cast in REFUSED.items() for who in cast]


class World:
    def __init__(self, plan, report):
        self.plan, self.report = plan, report


@pytest.fixture
def world(plan_a, report_a):
    return World(plan_a, report_a)


@pytest.fixture
def actors(inspector, head_a, head_b):
    nobody = get_user_model().objects.create_user("nobody")
    return {"inspector": inspector, "head_a": head_a, "head_b": head_b, "nobody": nobody}


@pytest.mark.parametrize(("service", "who"), CASES, ids=[f"{s}-{w}" for s, w in CASES])
def test_each_service_refuses_an_actor_out_of_scope_and_writes_nothing(world, actors, service, who):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        CALLS[service](world, actors[who])
    assert snapshot() == before


@pytest.mark.parametrize("service", list(CALLS))
def test_each_service_refuses_a_write_without_an_actor(world, service):
    before = snapshot()
    with pytest.raises(ValueError, match="needs an actor"):
        CALLS[service](world, None)
    assert snapshot() == before


@pytest.mark.parametrize("service", ["plan_update", "plan_cancel", "milestone_create"])
def test_a_cancelled_plan_is_final_for_the_services_too(world, inspector, service):
    services.plan_cancel(actor=inspector, plan=world.plan, reason="Tidak dilanjutkan")
    world.plan.refresh_from_db()
    before = snapshot()
    with pytest.raises(PermissionDenied):
        CALLS[service](world, inspector)
    assert snapshot() == before
    assert world.plan.status == PlanStatus.CANCELLED


@pytest.mark.parametrize("service", list(CALLS))
def test_the_actor_in_scope_passes_the_same_guard(world, actors, service):
    """The refusals above are refusals of the actor, not of the call."""
    who = "head_a" if service == "report_submit" else "inspector"
    before = snapshot()
    CALLS[service](world, actors[who])
    assert snapshot() != before
