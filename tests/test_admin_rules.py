"""The admin is read-only for workflow rows and history; it writes only where
surveys/admin_policy.py says, never deletes, and history pages never restore a version.
KPK recommendations are withdrawn with a reason instead of deleted."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation
from simple_history.admin import SimpleHistoryAdmin

from actionplans import selectors, services
from actionplans.models import (
    OPD,
    ActionPlan,
    PlanStatus,
    ProgressReport,
    Recommendation,
    ReportStatus,
)
from surveys import public_cache
from surveys.admin_policy import ADMIN_WRITES, HistoryAdmin
from surveys.models import CategoryBand, ImportBatch, RoundStatus, SurveyRound
from tests.conftest import untouched_form_data
from tests.factories import make_plan, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def admin_request(superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    return request


def _history_url(obj, record):
    opts = obj._meta
    name = f"admin:{opts.app_label}_{opts.model_name}_simple_history"
    return reverse(name, args=[obj.pk, record.history_id])


def _revert_data(admin_request, obj) -> dict:
    """A complete, valid form of `obj` as the history page would post it back."""
    model_admin = admin.site._registry[type(obj)]
    return untouched_form_data(model_admin.get_form(admin_request, obj)(instance=obj))


# --- history pages -----------------------------------------------------------------------------


def test_a_superuser_posting_to_a_report_history_page_cannot_accept_it_or_move_it(
    superuser_client, admin_request, methodology, opd_a, opd_b, head_a
):
    report = submit(make_plan(methodology[2024], opd_a), head_a)
    other_plan = make_plan(methodology[2024], opd_b, title="Rencana OPD B")
    data = _revert_data(admin_request, report) | {"status": "accepted", "plan": other_plan.pk}
    history_rows = report.history.count()

    response = superuser_client.post(_history_url(report, report.history.first()), data)

    assert response.status_code == 405
    report.refresh_from_db()
    assert (report.plan_id, report.status) != (other_plan.pk, ReportStatus.ACCEPTED)
    assert report.status == ReportStatus.PENDING
    assert report.history.count() == history_rows
    assert not report.decisions.exists()


def test_a_staff_inspector_with_view_permission_cannot_write_through_history_either(
    inspector, admin_request, methodology, opd_a, head_a
):
    inspector.is_staff = True
    inspector.save()
    client = Client()
    client.force_login(inspector)
    report = submit(make_plan(methodology[2024], opd_a), head_a)
    data = _revert_data(admin_request, report) | {"status": "accepted", "percent": 100}

    response = client.post(_history_url(report, report.history.first()), data)

    assert response.status_code == 405
    report.refresh_from_db()
    assert (report.status, report.percent) == (ReportStatus.PENDING, 50)


def test_a_superuser_posting_to_a_plan_history_page_cannot_revive_a_cancelled_plan(
    superuser_client, admin_request, methodology, opd_a, inspector
):
    plan = make_plan(methodology[2024], opd_a)
    first_version = plan.history.earliest()
    plan = services.plan_cancel(actor=inspector, plan=plan, reason="Tidak dilanjutkan")
    data = _revert_data(admin_request, plan) | {"status": PlanStatus.ACTIVE, "version": 1}

    response = superuser_client.post(_history_url(plan, first_version), data)

    assert response.status_code == 405
    plan.refresh_from_db()
    assert (plan.status, plan.version) == (PlanStatus.CANCELLED, 2)


def test_a_published_round_cannot_be_reverted_to_draft_on_its_history_page(
    superuser_client, admin_request, methodology, django_capture_on_commit_callbacks
):
    survey_round = methodology[2024]
    draft_version = survey_round.history.earliest()
    survey_round.status = RoundStatus.PUBLISHED
    survey_round.save()
    data = _revert_data(admin_request, survey_round) | {"status": RoundStatus.DRAFT}

    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(_history_url(survey_round, draft_version), data)

    assert response.status_code == 405
    survey_round.refresh_from_db()
    assert survey_round.status == RoundStatus.PUBLISHED


def test_a_round_is_published_or_withdrawn_only_through_its_page_not_the_admin_form(
    superuser_client, admin_request, methodology
):
    survey_round = methodology[2024]
    survey_round.status = RoundStatus.PUBLISHED
    survey_round.save()
    data = untouched_form_data(
        admin.site._registry[SurveyRound].get_form(admin_request, survey_round)()
    )
    url = reverse("admin:surveys_surveyround_change", args=[survey_round.pk])

    superuser_client.post(url, data | {"status": RoundStatus.DRAFT, "_save": "1"})

    survey_round.refresh_from_db()
    assert survey_round.status == RoundStatus.PUBLISHED
    assert "status" not in untouched_form_data(
        admin.site._registry[SurveyRound].get_form(admin_request, survey_round)()
    )


def test_history_pages_stay_readable_for_a_staff_inspector_without_revert_or_form(
    inspector, methodology, opd_a, head_a
):
    inspector.is_staff = True
    inspector.save()
    client = Client()
    client.force_login(inspector)
    report = submit(make_plan(methodology[2024], opd_a), head_a)
    listing = reverse("admin:actionplans_progressreport_history", args=[report.pk])

    assert client.get(listing).status_code == 200
    page = client.get(_history_url(report, report.history.first()))

    assert page.status_code == 200
    html = page.content.decode()
    assert "SOP disusun" in html
    assert 'name="_save"' not in html
    assert "progressreport_form" not in html
    assert "<textarea" not in html and 'name="percent"' not in html


def test_every_admin_of_a_model_with_history_uses_the_read_only_history_admin():
    for model, model_admin in admin.site._registry.items():
        if hasattr(model, "history") or isinstance(model_admin, SimpleHistoryAdmin):
            assert isinstance(model_admin, HistoryAdmin), model._meta.label


# --- no deletion, writes only where the policy lists them --------------------------------------


def _inlines(admin_request):
    for model_admin in admin.site._registry.values():
        yield from model_admin.get_inline_instances(admin_request)


def test_no_admin_page_offers_deletion_to_a_superuser(admin_request):
    for model, model_admin in admin.site._registry.items():
        assert not model_admin.has_delete_permission(admin_request), model._meta.label
        assert "delete_selected" not in model_admin.get_actions(admin_request), model._meta.label
    for inline in _inlines(admin_request):
        assert not inline.has_delete_permission(admin_request), inline.model._meta.label


def test_every_inline_formset_refuses_deletion(admin_request, methodology):
    for inline in _inlines(admin_request):
        assert inline.can_delete is False, inline.model._meta.label
        formset = inline.get_formset(admin_request, methodology[2025])
        assert formset.can_delete is False, inline.model._meta.label


def _writes_allowed(model):
    return ADMIN_WRITES.get(model._meta.label_lower, frozenset())


def test_the_admin_adds_and_changes_only_what_the_policy_lists(admin_request):
    for model, model_admin in admin.site._registry.items():
        if model_admin.has_add_permission(admin_request):
            assert "add" in _writes_allowed(model), f"{model._meta.label} is addable"
        if model_admin.has_change_permission(admin_request):
            assert "change" in _writes_allowed(model), f"{model._meta.label} is changeable"
    for inline in _inlines(admin_request):
        if inline.has_add_permission(admin_request, None):
            assert "add" in _writes_allowed(inline.model), inline.model._meta.label
        if inline.has_change_permission(admin_request):
            assert "change" in _writes_allowed(inline.model), inline.model._meta.label


def test_workflow_and_audit_rows_are_read_only_in_the_admin(admin_request):
    for label in (
        "actionplans.actionplan",
        "actionplans.progressreport",
        "actionplans.verificationdecision",
        "actionplans.evidence",
        "actionplans.reminderlog",
        "surveys.importbatch",
        "axes.accesslog",
    ):
        assert label not in ADMIN_WRITES
    model_admin = admin.site._registry[ProgressReport]
    assert not model_admin.has_change_permission(admin_request)
    assert model_admin.has_view_permission(admin_request)


def test_a_band_cannot_be_deleted_through_the_round_page(superuser_client, methodology):
    survey_round = methodology[2025]
    url = reverse("admin:surveys_surveyround_change", args=[survey_round.pk])
    page = superuser_client.get(url)
    data = untouched_form_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        data |= untouched_form_data(inline.formset.management_form)
        for form in inline.formset.forms:
            data |= untouched_form_data(form)
    bands = [f for i in page.context["inline_admin_formsets"] for f in i.formset.forms]
    highest = max(
        (form for form in bands if form._meta.model is CategoryBand),
        key=lambda form: form.instance.lower_bound,
    )
    data[f"{highest.prefix}-DELETE"] = "on"
    count = survey_round.bands.count()

    response = superuser_client.post(url, data)

    assert response.status_code == 302
    assert survey_round.bands.count() == count
    assert CategoryBand.objects.filter(pk=highest.instance.pk).exists()


@pytest.mark.parametrize(
    "model_name", ["surveys_surveyround", "actionplans_recommendation", "actionplans_opd"]
)
def test_the_change_page_of_a_superuser_has_no_delete_link(
    superuser_client, methodology, opd_a, model_name
):
    objects = {
        "surveys_surveyround": methodology[2024],
        "actionplans_recommendation": Recommendation.objects.create(
            round=methodology[2024], code="R1", text="x"
        ),
        "actionplans_opd": opd_a,
    }
    obj = objects[model_name]
    page = superuser_client.get(reverse(f"admin:{model_name}_change", args=[obj.pk]))
    assert page.status_code == 200
    assert "deletelink" not in page.content.decode()
    delete = superuser_client.post(
        reverse(f"admin:{model_name}_delete", args=[obj.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_a_user_cannot_be_deleted_in_the_admin_only_deactivated(superuser_client, head_a):
    delete = reverse("admin:auth_user_delete", args=[head_a.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:auth_user_changelist")
    bulk = {"action": "delete_selected", "_selected_action": [head_a.pk], "post": "yes"}
    superuser_client.post(changelist, bulk)
    assert get_user_model().objects.filter(pk=head_a.pk).exists()
    model_admin = admin.site._registry[get_user_model()]
    assert "is_active" in str(model_admin.get_fieldsets(RequestFactory().get("/"), head_a))


def test_an_opd_is_deactivated_in_the_admin_and_the_public_cache_dropped(
    superuser_client, admin_request, opd_a, django_capture_on_commit_callbacks
):
    data = _revert_data(admin_request, opd_a)
    data.pop("is_active", None)
    before = public_cache.generation()
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(
            reverse("admin:actionplans_opd_change", args=[opd_a.pk]), data
        )
    assert response.status_code == 302
    assert OPD.objects.get(pk=opd_a.pk).is_active is False
    assert public_cache.generation() > before


def test_an_admin_edit_of_a_recommendation_drops_the_public_cache(
    superuser_client, admin_request, methodology, django_capture_on_commit_callbacks
):
    recommendation = Recommendation.objects.create(round=methodology[2024], code="R1", text="x")
    data = _revert_data(admin_request, recommendation) | {"text": "Perbaiki PBJ"}
    before = public_cache.generation()
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(
            reverse("admin:actionplans_recommendation_change", args=[recommendation.pk]), data
        )
    assert response.status_code == 302
    assert public_cache.generation() > before


def test_the_import_log_cannot_be_written_in_the_admin(superuser_client, head_a):
    add = reverse("admin:surveys_importbatch_add")
    assert superuser_client.get(add).status_code == 403
    forged = {"file_name": "palsu.csv", "kind": "results", "created_by": head_a.pk}
    assert superuser_client.post(add, forged).status_code == 403
    assert not ImportBatch.objects.exists()


# --- withdrawing a recommendation --------------------------------------------------------------


@pytest.fixture
def followed_and_pending(methodology, opd_a, head_a, inspector):
    survey_round = methodology[2024]
    followed = Recommendation.objects.create(round=survey_round, code="R1", text="Perbaiki PBJ")
    pending = Recommendation.objects.create(round=survey_round, code="R2", text="Kanal WBS")
    done = make_plan(survey_round, opd_a, recommendations=[followed])
    make_plan(survey_round, opd_a, title="Belum", recommendations=[pending])
    services.report_accept(actor=inspector, report=submit(done, head_a, percent=100))
    return followed, pending


def _withdraw(client, recommendation, reason):
    url = reverse("actionplans:recommendation_withdraw", args=[recommendation.pk])
    return client.post(url, {"reason": reason})


def test_withdrawing_a_recommendation_keeps_its_row_and_history_with_actor_and_reason(
    inspector_client, inspector, followed_and_pending
):
    _, pending = followed_and_pending
    history_rows = pending.history.count()

    response = _withdraw(inspector_client, pending, "Digabung dengan R1 oleh KPK")

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.withdrawn_by == inspector
    assert pending.withdrawn_reason == "Digabung dengan R1 oleh KPK"
    assert pending.withdrawn_at is not None
    assert pending.plans.count() == 1
    latest = pending.history.latest()
    assert pending.history.count() == history_rows + 1
    assert latest.history_user == inspector
    assert latest.history_change_reason == "Digabung dengan R1 oleh KPK"


def test_a_withdrawn_recommendation_leaves_the_follow_up_rate_and_shows_its_reason(
    inspector_client, methodology, followed_and_pending
):
    _, pending = followed_and_pending
    survey_round = methodology[2024]
    assert selectors.follow_up_rate(survey_round) == {
        "followed": 1,
        "total": 2,
        "rate": Decimal("50.0"),
    }

    _withdraw(inspector_client, pending, "Digabung dengan R1 oleh KPK")

    assert selectors.follow_up_rate(survey_round) == {
        "followed": 1,
        "total": 1,
        "rate": Decimal("100.0"),
    }
    assert [r.code for r in selectors.recommendations_with_follow_up(survey_round, None)] == ["R1"]
    page = inspector_client.get(reverse("actionplans:recommendations", args=[2024]))
    assert [r.code for r in page.context["withdrawn"]] == ["R2"]
    assert "Digabung dengan R1 oleh KPK" in page.content.decode()


def test_the_follow_up_report_marks_a_withdrawn_recommendation_with_its_reason(
    inspector_client, inspector, followed_and_pending
):
    _, pending = followed_and_pending
    services.recommendation_withdraw(actor=inspector, recommendation=pending, reason="Duplikat")
    page = inspector_client.get(reverse("followup_report", args=[2024])).content.decode()
    assert "Duplikat" in page
    assert "<s>R2</s>" in page


def test_a_withdrawal_without_a_reason_is_refused_and_changes_nothing(
    inspector_client, inspector, followed_and_pending
):
    _, pending = followed_and_pending
    response = _withdraw(inspector_client, pending, "   ")
    assert response.status_code == 200
    assert "Sebutkan alasan rekomendasi ini ditarik." in response.content.decode()
    with translation.override("en"), pytest.raises(ValidationError, match="Say why"):
        services.recommendation_withdraw(actor=inspector, recommendation=pending, reason=" ")
    pending.refresh_from_db()
    assert not pending.is_withdrawn
    assert pending.history.count() == 1


def test_a_recommendation_is_withdrawn_once(inspector_client, inspector, followed_and_pending):
    _, pending = followed_and_pending
    services.recommendation_withdraw(actor=inspector, recommendation=pending, reason="Duplikat")
    again = _withdraw(inspector_client, pending, "Lagi")
    assert again.status_code == 200
    pending.refresh_from_db()
    assert pending.withdrawn_reason == "Duplikat"


def test_only_the_inspectorate_withdraws_a_recommendation(
    head_a_client, head_a, followed_and_pending
):
    _, pending = followed_and_pending
    assert _withdraw(head_a_client, pending, "Tidak relevan").status_code == 403
    with pytest.raises(PermissionDenied):
        services.recommendation_withdraw(actor=head_a, recommendation=pending, reason="x")
    pending.refresh_from_db()
    assert not pending.is_withdrawn


def test_a_withdrawal_names_its_actor_or_is_refused(followed_and_pending):
    _, pending = followed_and_pending
    with pytest.raises(ValueError, match="needs an actor"):
        services.recommendation_withdraw(actor=None, recommendation=pending, reason="x")


def test_a_withdrawal_drops_the_public_cache(
    inspector_client, followed_and_pending, django_capture_on_commit_callbacks
):
    _, pending = followed_and_pending
    before = public_cache.generation()
    with django_capture_on_commit_callbacks(execute=True):
        _withdraw(inspector_client, pending, "Duplikat")
    assert public_cache.generation() > before


def test_the_database_refuses_a_withdrawal_without_a_reason(methodology, inspector):
    recommendation = Recommendation.objects.create(round=methodology[2024], code="R1", text="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Recommendation.objects.filter(pk=recommendation.pk).update(
            withdrawn_at=timezone.now(), withdrawn_by=inspector
        )


def test_plans_keep_their_link_to_a_withdrawn_recommendation(
    inspector, followed_and_pending, methodology
):
    _, pending = followed_and_pending
    services.recommendation_withdraw(actor=inspector, recommendation=pending, reason="Duplikat")
    plan = ActionPlan.objects.get(title="Belum")
    assert list(plan.recommendations.all()) == [pending]
    assert SurveyRound.objects.get(year=2024).recommendations.count() == 2
