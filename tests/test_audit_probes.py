"""Audit probes of issue 10's rules on the merged code: each failing test is a way around a rule
(named as the safe behaviour it expects); passing ones are kept as regression tests."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from actionplans import services
from actionplans.models import OPDMembership, OPDRole, PlanStatus, Recommendation
from surveys import importing
from surveys.models import (
    CategoryBand,
    ImportBatch,
    Institution,
    InstitutionResult,
    RoundStatus,
    SurveyRound,
)
from surveys.services import methodology_load, round_create_from_previous, round_publish
from tests.conftest import PASSWORD, untouched_form_data
from tests.factories import make_plan, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _page_data(client, url) -> dict:
    """The admin change page's form, inlines included, as the browser would post it."""
    page = client.get(url)
    assert page.status_code == 200
    data = untouched_form_data(page.context["adminform"].form)
    for inline in page.context.get("inline_admin_formsets", []):
        data |= untouched_form_data(inline.formset.management_form)
        for form in inline.formset.forms:
            data |= untouched_form_data(form)
    return data | {"_save": "1"}


def _change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


# --- (1) admin writes to published data --------------------------------------------------------


def test_the_admin_cannot_change_the_published_numbers_of_a_published_round(
    superuser_client, published_2024, bartim_2024
):
    url = _change_url(bartim_2024)
    data = _page_data(superuser_client, url) | {"published_index": "90.00", "internal": "99.00"}

    superuser_client.post(url, data)

    bartim_2024.refresh_from_db()
    assert "90.0" not in Client().get("/api/v1/rounds/2024/").content.decode()
    assert bartim_2024.published_index == Decimal("67.78")
    assert bartim_2024.internal == Decimal("66.93")


def test_the_admin_cannot_move_a_result_into_a_published_round(
    superuser_client, published_2024, bartim_2024, methodology
):
    draft = methodology[2025]
    peer = Institution.objects.create(
        kpk_code="KAB-PEER", name="Kabupaten Peer", type="kabupaten", province="Kalimantan Tengah"
    )
    result = InstitutionResult.objects.create(
        round=draft, institution=peer, internal=10, external=10, expert=10
    )
    url = _change_url(result)
    data = _page_data(superuser_client, url) | {"round": str(published_2024.pk)}

    superuser_client.post(url, data)

    result.refresh_from_db()
    assert result.round_id == draft.pk


def test_the_admin_cannot_attribute_a_result_to_an_import_batch_it_did_not_come_from(
    superuser_client, published_2024, bartim_2024, inspector
):
    batch = ImportBatch.objects.create(
        kind="results", file_name="kpk-2024.xlsx", sha256="0" * 64, created_by=inspector
    )
    url = _change_url(bartim_2024)
    data = _page_data(superuser_client, url) | {"import_batch": str(batch.pk)}

    superuser_client.post(url, data)

    bartim_2024.refresh_from_db()
    assert bartim_2024.import_batch_id is None


def test_the_admin_cannot_renumber_the_year_of_a_published_round(superuser_client, published_2024):
    url = _change_url(published_2024)
    data = _page_data(superuser_client, url) | {"year": "2019"}

    superuser_client.post(url, data)

    published_2024.refresh_from_db()
    assert published_2024.year == 2024
    assert superuser_client.get("/data/2024/results.csv").status_code != 404


def test_the_admin_cannot_move_a_recommendation_that_plans_answer_to_another_round(
    superuser_client, methodology, opd_a
):
    recommendation = Recommendation.objects.create(round=methodology[2024], code="R1", text="SOP")
    make_plan(methodology[2024], opd_a).recommendations.add(recommendation)
    url = _change_url(recommendation)
    data = _page_data(superuser_client, url) | {"round": str(methodology[2023].pk)}

    superuser_client.post(url, data)

    recommendation.refresh_from_db()
    assert recommendation.round_id == methodology[2024].pk


# --- (1, 3) workflow state only through verification ---------------------------------------------


def test_a_plan_becomes_done_only_through_an_accepted_report_not_by_editing_its_status(
    dual_role_client, methodology, opd_a
):
    """A dual-role head of OPD A + inspector could otherwise close their own OPD's overdue plan."""
    plan = make_plan(methodology[2024], opd_a)
    url = reverse("actionplans:plan_edit", args=[plan.pk])
    page = dual_role_client.get(url)
    data = untouched_form_data(page.context["form"]) | {"status": PlanStatus.DONE}

    dual_role_client.post(url, data)

    plan.refresh_from_db()
    assert plan.status != PlanStatus.DONE or plan.verified_progress == 100


# --- (3) separation of duties ------------------------------------------------------------------


def test_a_member_of_a_supporting_opd_does_not_verify_the_plans_report(
    methodology, opd_a, opd_b, head_a
):
    plan = make_plan(methodology[2024], opd_a)
    plan.supporting_opds.add(opd_b)
    report = submit(plan, head_a)
    verifier = get_user_model().objects.create_user("inspector_in_b", password=PASSWORD)
    verifier.groups.add(Group.objects.get(name="Inspektorat"))
    OPDMembership.objects.create(user=verifier, opd=opd_b, role=OPDRole.OPERATOR)

    with pytest.raises(PermissionDenied):
        services.report_accept(actor=verifier, report=report)


def test_a_reporter_who_moved_to_another_opd_still_cannot_verify_their_own_report(
    methodology, opd_a, opd_b, head_a
):
    report = submit(make_plan(methodology[2024], opd_a), head_a)
    OPDMembership.objects.filter(user=head_a).update(opd=opd_b)
    head_a.groups.add(Group.objects.get(name="Inspektorat"))
    head_a = get_user_model().objects.get(pk=head_a.pk)

    with pytest.raises(PermissionDenied):
        services.report_accept(actor=head_a, report=report)


# --- (6) every write records its actor -------------------------------------------------------

RESULTS_CSV = (
    "year,institution_code,institution_name,institution_type,province,internal,external,expert\n"
    "2024,KAB-X,Kabupaten X,kabupaten,Kalimantan Tengah,70,80,60\n"
)


def test_the_survey_import_refuses_to_write_without_an_actor(methodology):
    with pytest.raises(ValueError):
        importing.import_file(
            "results", io.BytesIO(RESULTS_CSV.encode()), file_name="x.csv", actor=None
        )

    assert not InstitutionResult.history.filter(history_user__isnull=True).exists()


def test_the_import_command_refuses_an_actor_without_the_import_permission(
    methodology, head_a, tmp_path
):
    path = tmp_path / "results.csv"
    path.write_text(RESULTS_CSV, encoding="utf-8")

    with pytest.raises(CommandError, match="Only the Inspectorate may import"):
        call_command("import_results", str(path), "--actor", head_a.username)

    assert not InstitutionResult.objects.filter(institution__kpk_code="KAB-X").exists()


# --- (2) draft rounds: held, kept as regressions ------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/rounds/2025/",
        "/rounds/2025/what-if/",
        "/rounds/2025/methodology/",
        "/plans/round/2025/",
        "/plans/round/2025/recommendations/",
        "/dashboard/?year=2025",
        "/reports/2025/",
        "/reports/2025/?format=xlsx",
    ],
)
def test_a_draft_rounds_pages_answer_404_to_an_opd_head(head_a_client, methodology, path):
    assert methodology[2025].status == RoundStatus.DRAFT
    assert head_a_client.get(path).status_code == 404


def test_the_comparison_export_leaves_a_draft_round_out_for_an_opd_head(
    head_a_client, published_2024, home, methodology
):
    InstitutionResult.objects.create(
        round=methodology[2025],
        institution=home,
        internal=Decimal("11"),
        external=Decimal("11"),
        expert=Decimal("11"),
        published_index=Decimal("11.11"),
    )
    body = head_a_client.get("/rounds/compare/?format=csv").content.decode("utf-8-sig")
    assert "2025" not in body.splitlines()[0]
    assert "11.11" not in body


def test_the_round_choices_of_the_plan_filter_leave_a_draft_out(head_a_client, methodology):
    page = head_a_client.get("/plans/")
    years = [str(r.year) for r in page.context["form"].fields["round"].queryset]
    assert "2025" not in years
    assert SurveyRound.objects.filter(year=2025).exists()


def test_an_opd_head_cannot_open_the_plan_import(head_a_client):
    assert head_a_client.get("/plans/import/").status_code == 403
    assert head_a_client.post("/plans/import/confirm/", {"token": "x"}).status_code == 403


# --- (4) hard deletes --------------------------------------------------------------------------


def test_reloading_a_draft_rounds_pack_does_not_delete_its_bands(methodology, inspector):
    survey_round = methodology[2025]
    bands = list(survey_round.bands.order_by("lower_bound"))
    pack = {
        "year": 2025,
        "weights": {"internal": "0.4", "external": "0.4", "expert": "0.2"},
        "bands": [
            {
                "lower_bound": str(b.lower_bound + (1 if i else 0)),
                "label_id": b.label_id,
                "label_en": b.label_en,
                "colour": b.colour,
            }
            for i, b in enumerate(bands)
        ],
        "dimensions": [],
    }

    methodology_load(actor=inspector, pack=pack, overwrite=True)

    assert all(CategoryBand.objects.filter(pk=b.pk).exists() for b in bands)


# --- (6) held: services record their actor ------------------------------------------------------


def test_round_services_leave_no_history_row_without_a_user(methodology, inspector):
    round_publish(survey_round=methodology[2024], actor=inspector)
    copy = round_create_from_previous(year=2026, actor=inspector)

    for model in (SurveyRound, CategoryBand, copy.dimensions.model):
        assert not model.history.filter(history_user__isnull=True).exists(), model
