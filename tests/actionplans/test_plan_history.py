"""A plan's history holds its indicators, recommendations and supporting OPDs, and the
timeline names a change to them."""

import pytest
from django.urls import reverse

from actionplans import services
from actionplans.models import ActionPlan, PlanStatus, Recommendation

pytestmark = pytest.mark.django_db


def _recorded(record, relation) -> set:
    related = ActionPlan._meta.get_field(relation).m2m_reverse_field_name()
    return set(getattr(record, relation).values_list(related, flat=True))


def _edit(plan, actor, **fields):
    plan = ActionPlan.objects.get(pk=plan.pk)
    return services.plan_update(actor=actor, plan=plan, version=plan.version, fields=fields)


@pytest.fixture
def recommendation(round_2024):
    return Recommendation.objects.create(round=round_2024, code="R1", text="Perbaiki SOP")


def test_a_new_plan_has_one_history_row_holding_its_relations(
    round_2024, opd_a, opd_b, recommendation, inspector
):
    indicator = round_2024.dimensions.order_by("code").first()
    plan = services.plan_create(
        actor=inspector,
        fields={
            "round": round_2024,
            "title": "SOP layanan",
            "finding": "Prosedur tidak jelas",
            "activity": "Menyusun SOP",
            "start_date": "2025-01-01",
            "due_date": "2025-12-31",
            "owner_opd": opd_a,
            "indicators": [indicator],
            "recommendations": [recommendation],
            "supporting_opds": [opd_b],
        },
    )
    (record,) = plan.history.all()
    assert record.history_type == "+"
    assert record.history_user == inspector
    assert _recorded(record, "indicators") == {indicator.pk}
    assert _recorded(record, "recommendations") == {recommendation.pk}
    assert _recorded(record, "supporting_opds") == {opd_b.pk}


def test_changing_indicators_recommendations_and_supporting_opds_is_one_row_each_time(
    plan_a, round_2024, opd_b, recommendation, inspector
):
    old_indicator = plan_a.indicators.get()
    new_indicator = round_2024.dimensions.exclude(pk=old_indicator.pk).order_by("code").first()
    _edit(plan_a, inspector, indicators=[new_indicator], recommendations=[recommendation])
    _edit(plan_a, inspector, supporting_opds=[opd_b], recommendations=[])

    latest, middle, first = plan_a.history.all()
    assert _recorded(first, "indicators") == {old_indicator.pk}
    assert _recorded(middle, "indicators") == {new_indicator.pk}
    assert _recorded(middle, "recommendations") == {recommendation.pk}
    assert _recorded(latest, "recommendations") == set()
    assert _recorded(latest, "supporting_opds") == {opd_b.pk}
    assert {latest.history_user, middle.history_user} == {inspector}


def test_a_cancelled_plan_keeps_its_relations_in_the_cancelling_row(plan_a, inspector):
    services.plan_cancel(actor=inspector, plan=plan_a, reason="Tidak dilanjutkan")
    latest = plan_a.history.first()
    assert latest.status == PlanStatus.CANCELLED
    assert _recorded(latest, "indicators") == set(plan_a.indicators.values_list("pk", flat=True))


def _changed_fields(client, plan) -> list[str]:
    response = client.get(reverse("actionplans:plan_detail", args=[plan.pk]))
    changes = [e for e in response.context["timeline"] if e["kind"] == "change" and e["fields"]]
    (change,) = changes
    return [str(name) for name in change["fields"] if str(name) != "version"]


def test_the_timeline_names_a_change_of_indicators_and_supporting_opds(
    plan_a, round_2024, opd_b, inspector, inspector_client
):
    other = round_2024.dimensions.exclude(pk=plan_a.indicators.get().pk).first()
    _edit(plan_a, inspector, indicators=[other], supporting_opds=[opd_b])
    assert _changed_fields(inspector_client, plan_a) == [
        "weak indicators addressed",
        "supporting OPDs",
    ]


def test_an_unchanged_relation_is_not_named_in_the_timeline(plan_a, inspector, inspector_client):
    _edit(plan_a, inspector, title="SOP terpadu", indicators=list(plan_a.indicators.all()))
    assert _changed_fields(inspector_client, plan_a) == ["title"]
