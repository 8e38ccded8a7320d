"""Copy last year forward: plans of the previous round become drafts of the new one, linked to
their predecessor, indicators mapped by code, dates moved, and nothing copied twice."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans import services
from actionplans.models import ActionPlan, PlanStatus, Recommendation
from surveys.models import Dimension
from tests.factories import make_plan, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def rounds(methodology):
    return methodology[2024], methodology[2025]


def _page(year=2025):
    return reverse("actionplans:plan_carry_over", args=[year])


def test_it_copies_a_plan_as_a_draft_linked_to_its_predecessor(
    rounds, opd_a, opd_b, inspector, head_a
):
    old_round, new_round = rounds
    recommendation = Recommendation.objects.create(round=old_round, code="R-01", text="SOP")
    source = make_plan(
        old_round,
        opd_a,
        indicators=list(old_round.dimensions.filter(code__in=["TRN", "SDM"])),
        recommendations=[recommendation],
        supporting_opds=[opd_b],
        root_cause="Belum ada SOP",
        weight=3,
        show_on_public_page=True,
        public_summary="SOP diumumkan",
    )
    services.milestone_create(
        actor=inspector, plan=source, title="TW I", due_date=date(2025, 3, 31)
    )
    submit(source, head_a)
    result = services.plan_carry_over(
        actor=inspector, source_plans=[source], target_round=new_round
    )
    [copy] = result.created
    assert copy.round == new_round
    assert copy.status == PlanStatus.DRAFT
    assert copy.carried_over_from == source
    assert (copy.title, copy.root_cause, copy.weight) == (source.title, "Belum ada SOP", 3)
    assert sorted(d.code for d in copy.indicators.all()) == ["SDM", "TRN"]
    assert {d.round_id for d in copy.indicators.all()} == {new_round.pk}
    assert list(copy.supporting_opds.all()) == [opd_b]
    assert (copy.start_date, copy.due_date) == (date(2026, 1, 1), date(2026, 12, 31))
    assert not copy.recommendations.exists()
    assert not copy.milestones.exists()
    assert not copy.reports.exists()
    assert copy.show_on_public_page is False
    assert copy.verified_progress is None
    source.refresh_from_db()
    assert source.round == old_round and source.reports.count() == 1


def test_it_writes_one_history_row_per_copy_naming_the_actor(rounds, opd_a, inspector):
    old_round, new_round = rounds
    source = make_plan(old_round, opd_a)
    [copy] = services.plan_carry_over(
        actor=inspector, source_plans=[source], target_round=new_round
    ).created
    [row] = copy.history.all()
    assert row.history_type == "+"
    assert row.history_user == inspector
    assert row.carried_over_from_id == source.pk
    assert "carried over from SPI 2024" in row.history_change_reason


def test_a_plan_carried_over_once_is_not_copied_again(rounds, opd_a, inspector, inspector_client):
    old_round, new_round = rounds
    source = make_plan(old_round, opd_a)
    services.plan_carry_over(actor=inspector, source_plans=[source], target_round=new_round)
    again = services.plan_carry_over(actor=inspector, source_plans=[source], target_round=new_round)
    assert again.created == [] and again.already == [source]
    inspector_client.post(_page(), {"plans": [source.pk]})
    assert ActionPlan.objects.filter(round=new_round, carried_over_from=source).count() == 1
    copy = ActionPlan.objects.get(round=new_round)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionPlan.objects.filter(pk=make_plan(new_round, opd_a).pk).update(
            carried_over_from=source
        )
    assert copy.carried_over_from == source


def test_indicators_are_mapped_by_code_and_those_without_a_match_are_named(
    rounds, opd_a, inspector, inspector_client
):
    old_round, new_round = rounds
    gone = Dimension.objects.create(round=old_round, code="OLD", name_id="Lama", name_en="Old")
    trn = old_round.dimensions.get(code="TRN")
    partly = make_plan(old_round, opd_a, title="Sebagian", indicators=[trn, gone])
    not_at_all = make_plan(old_round, opd_a, title="Tidak sama sekali", indicators=[gone])
    page = inspector_client.get(_page()).content.decode()
    assert "Not in SPI 2025, left out of the copy: OLD." in page
    assert "Cannot be copied: no indicator of SPI 2025 has its codes." in page
    assert f'value="{not_at_all.pk}" id="plan-{not_at_all.pk}" disabled' in page
    result = services.plan_carry_over(
        actor=inspector, source_plans=[partly, not_at_all], target_round=new_round
    )
    [copy] = result.created
    assert [d.code for d in copy.indicators.all()] == ["TRN"]
    assert copy.indicators.get().round == new_round
    assert result.unmapped == {partly.pk: ["OLD"], not_at_all.pk: ["OLD"]}
    assert result.not_copied == [not_at_all]


def test_the_page_ticks_the_plans_not_done_and_shows_status_and_verified_progress(
    rounds, opd_a, inspector_client
):
    old_round, _new_round = rounds
    active = make_plan(old_round, opd_a, title="Masih berjalan")
    done = make_plan(old_round, opd_a, title="Sudah selesai", status=PlanStatus.DONE)
    ActionPlan.objects.filter(pk=done.pk).update(verified_progress=100)
    response = inspector_client.get(_page())
    page = response.content.decode()
    assert f'value="{active.pk}" id="plan-{active.pk}" checked' in page
    assert f'value="{done.pk}" id="plan-{done.pk}">' in page
    assert "Done" in page and "100%" in page


def test_the_page_copies_the_ticked_plans_and_says_so(rounds, opd_a, inspector_client):
    old_round, new_round = rounds
    chosen = make_plan(old_round, opd_a, title="Dipilih")
    make_plan(old_round, opd_a, title="Tidak dipilih")
    response = inspector_client.post(_page(), {"plans": [chosen.pk]}, follow=True)
    assert "1 plan was copied into SPI 2025 as a draft." in response.content.decode()
    assert [p.title for p in ActionPlan.objects.filter(round=new_round)] == ["Dipilih"]


def test_an_opd_head_cannot_carry_over(published_2024, methodology, opd_a, head_a, head_a_client):
    source = make_plan(methodology[2023], opd_a)
    assert head_a_client.get(_page(2024)).status_code == 403
    assert head_a_client.post(_page(2024), {"plans": [source.pk]}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.plan_carry_over(actor=head_a, source_plans=[source], target_round=published_2024)
    assert not ActionPlan.objects.filter(round=published_2024).exists()


def test_only_plans_of_the_round_just_before_are_copied(methodology, opd_a, inspector):
    two_years_back = make_plan(methodology[2023], opd_a)
    with pytest.raises(ValidationError):
        services.plan_carry_over(
            actor=inspector, source_plans=[two_years_back], target_round=methodology[2025]
        )
    assert not ActionPlan.objects.filter(round=methodology[2025]).exists()


def test_the_plan_list_and_detail_flag_new_and_carried_over_plans(
    rounds, opd_a, inspector, inspector_client
):
    old_round, new_round = rounds
    source = make_plan(old_round, opd_a, title="Rencana lama")
    [copy] = services.plan_carry_over(
        actor=inspector, source_plans=[source], target_round=new_round
    ).created
    listing = inspector_client.get(reverse("actionplans:plan_list")).content.decode()
    assert "Carried over from 2024" in listing
    assert ">New</span>" in listing
    detail = inspector_client.get(copy.get_absolute_url()).content.decode()
    assert "Carried over from 2024" in detail
    assert f'href="{source.get_absolute_url()}"' in detail
    predecessor = inspector_client.get(source.get_absolute_url()).content.decode()
    assert "Continued in SPI 2025" in predecessor
    assert f'href="{copy.get_absolute_url()}"' in predecessor


def test_the_carry_over_page_issues_the_same_number_of_queries_for_1_and_10_plans(
    rounds, opd_a, inspector_client
):
    old_round, _new_round = rounds
    make_plan(old_round, opd_a, title="Rencana 0")
    inspector_client.get(_page())

    def count():
        with CaptureQueriesContext(connection) as queries:
            inspector_client.get(_page())
        return len(queries)

    once = count()
    for i in range(1, 10):
        make_plan(old_round, opd_a, title=f"Rencana {i}")
    inspector_client.get(_page())  # warm again: the menu's count cached
    assert count() == once
