import pytest
from django.contrib.auth import get_user_model

from actionplans.models import (
    OPD,
    ActionPlan,
    Evidence,
    PlanStatus,
    ProgressReport,
    Recommendation,
    ReportStatus,
)
from actionplans.selectors import landing_page
from spi_portal.demo import DEMO_PASSWORD, demo_load
from surveys.models import RoundStatus, SurveyRound

pytestmark = pytest.mark.django_db


def _counts():
    models = (OPD, Recommendation, ActionPlan, ProgressReport, Evidence)
    return {model.__name__: model.objects.count() for model in models}


def test_the_demo_has_plans_in_every_state_and_reports_in_every_status():
    demo_load()
    assert set(ActionPlan.objects.values_list("status", flat=True)) == set(PlanStatus.values)
    assert set(ProgressReport.objects.values_list("status", flat=True)) == set(ReportStatus.values)
    assert OPD.objects.filter(code__in=["BKPSDM", "BPKAD", "PBJ", "DINKES", "DISDIK"]).count() == 5
    assert Recommendation.objects.filter(round__year=2024).count() >= 5
    evidence = Evidence.objects.first()
    with evidence.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert ActionPlan.objects.filter(verified_progress=50).exists()


def test_the_demo_users_log_in_with_the_demo_password_and_have_their_roles():
    users = dict(demo_load())
    assert set(users.values()) == {DEMO_PASSWORD}
    accounts = {user.username: user for user in get_user_model().objects.filter(username__in=users)}
    assert all(user.check_password(DEMO_PASSWORD) for user in accounts.values())
    assert accounts["inspektur"].has_perm("actionplans.verify_progressreport")
    heads = [user for name, user in accounts.items() if name.startswith("kepala")]
    assert len({head.opd_membership.opd_id for head in heads}) >= 2
    assert all(landing_page(head) == "actionplans:my_plans" for head in heads)


def test_loading_the_demo_twice_changes_nothing():
    demo_load()
    before = _counts()
    demo_load()
    assert _counts() == before


def test_the_demo_publishes_kpk_rounds_so_the_public_page_shows_them(db, client):
    demo_load()
    assert set(SurveyRound.objects.values_list("status", flat=True)) == {RoundStatus.PUBLISHED}
    html = client.get("/", {"lang": "id"}).content.decode()
    assert "74,32" in html  # Barito Timur 2025, KPK's published index, in Indonesian format
