"""The coordination meeting in a real browser: the inspector assigns a weak indicator to OPD A,
its head completes and submits the draft, the inspector returns it with a note, the head sees
the note, completes and resubmits, the inspector approves and the plan is active."""

from decimal import Decimal

import pytest

from actionplans.models import ActionPlan, PlanStatus
from surveys.models import IndicatorScore

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def weak_trn(bartim_2024, home):
    survey_round = bartim_2024.round
    IndicatorScore.objects.create(
        round=survey_round,
        institution=home,
        group="internal",
        dimension=survey_round.dimensions.get(code="TRN"),
        score=Decimal("60.00"),
    )
    return survey_round.dimensions.get(code="TRN")


def _post_button(page, action):
    page.locator(f"form[action$='/{action}/'] button[type=submit]").click()
    page.wait_for_load_state()


def test_assign_complete_submit_return_resubmit_and_approve(
    new_context, log_in, inspector, head_a, opd_a, opd_b, weak_trn
):
    verifier, head = new_context().new_page(), new_context().new_page()
    log_in(verifier, inspector.username)
    log_in(head, head_a.username)

    verifier.goto("/plans/round/2024/meeting/")
    row = verifier.locator(f"#ind-{weak_trn.pk}")
    row.locator("select[name=owner_opd]").select_option(str(opd_a.pk))
    row.locator("details.supporting summary").click()
    row.locator(f"input[name=supporting_opds][value='{opd_b.pk}']").check()
    row.locator("button[type=submit]").click()
    verifier.wait_for_load_state()
    plan = ActionPlan.objects.get()
    assert (plan.status, plan.owner_opd, list(plan.supporting_opds.all())) == (
        PlanStatus.DRAFT,
        opd_a,
        [opd_b],
    )
    assert plan.title in verifier.locator(f"#ind-{weak_trn.pk}").inner_text()

    head.goto("/plans/mine/")
    head.locator(f"a[href$='/plans/{plan.pk}/complete/']").click()
    head.fill("#id_root_cause", "Belum ada SOP keterbukaan informasi")
    head.fill("#id_activity", "Menyusun dan mengumumkan SOP layanan informasi")
    head.locator("main form button[type=submit]").first.click()
    head.wait_for_url(f"**/plans/{plan.pk}/")
    _post_button(head, "submit")  # no target, no milestone yet: said, not submitted
    assert ActionPlan.objects.get(pk=plan.pk).status == PlanStatus.DRAFT
    assert head.locator("#plan-missing").count() == 1

    head.goto(f"/plans/{plan.pk}/complete/")
    head.fill("#id_target", "100")
    head.locator("main form button[type=submit]").first.click()
    head.wait_for_url(f"**/plans/{plan.pk}/")
    head.goto(f"/plans/{plan.pk}/milestones/new/")
    head.fill("#id_title", "Triwulan I")
    head.fill("#id_due_date", "2025-03-31")
    head.locator("main form button[type=submit]").click()
    head.wait_for_url(f"**/plans/{plan.pk}/")
    _post_button(head, "submit")
    assert ActionPlan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED

    verifier.goto(f"/plans/{plan.pk}/")
    verifier.locator("details:has(form[action$='/return/']) summary").click()
    verifier.fill("#return-note", "Tambahkan ukuran keberhasilan yang dapat diperiksa")
    _post_button(verifier, "return")
    assert ActionPlan.objects.get(pk=plan.pk).status == PlanStatus.DRAFT

    head.goto(f"/plans/{plan.pk}/")
    assert "Tambahkan ukuran keberhasilan" in head.inner_text(".plan-actions .alert-warning")
    head.goto(f"/plans/{plan.pk}/complete/")
    assert "Tambahkan ukuran keberhasilan" in head.inner_text("main")
    head.fill("#id_success_measure", "SOP diumumkan di laman PPID")
    head.locator("main form button[type=submit]").first.click()
    head.wait_for_url(f"**/plans/{plan.pk}/")
    _post_button(head, "submit")
    assert head.locator(".plan-actions .alert-warning").count() == 0

    verifier.goto(f"/plans/{plan.pk}/")
    _post_button(verifier, "approve")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    outcomes = list(plan.reviews.order_by("pk").values_list("outcome", "actor__username"))
    assert outcomes == [
        ("submitted", "head_a"),
        ("returned", "inspector"),
        ("submitted", "head_a"),
        ("approved", "inspector"),
    ]
    head.goto(f"/plans/{plan.pk}/")
    assert head.locator(f"a[href$='/plans/{plan.pk}/report/']").count() == 1
