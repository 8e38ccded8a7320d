"""A round that is not published is the Inspectorate's: a user with no group and the heads of
OPDs get 404 on every page and export of it, find it in no list, choice or chart, and never
read its numbers; counts they see count only the plans they may see."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from actionplans.forms import PlanFilterForm, PlanForm
from actionplans.models import ActionPlan, PlanStatus, Recommendation
from surveys import services
from surveys.models import IndicatorScore, InstitutionResult, RoundStatus, SurveyRound
from tests.conftest import PASSWORD
from tests.factories import make_plan

pytestmark = pytest.mark.django_db

DRAFT_YEAR = 2025
# the draft's figures, each unlike anything else in the world, in both number styles
DRAFT_FIGURES = {
    "published_index": "73.19",
    "internal": "74.61",
    "external": "88.37",
    "expert": "59.42",
}
DRAFT_INDICATOR_SCORE = "41.37"
DRAFT_NUMBERS = [
    text
    for value in [*DRAFT_FIGURES.values(), DRAFT_INDICATOR_SCORE]
    for text in (value, value.replace(".", ","))
]
DRAFT_RECOMMENDATION = "Rekomendasi KPK yang belum terbit"

# every page and export of a round: a draft year answers 404 to anyone but the Inspectorate
DRAFT_ROUND_URLS = [
    ("surveys:round_detail", ""),
    ("surveys:what_if", ""),
    ("surveys:what_if", "internal=70&external=80&expert=60"),
    ("actionplans:round_followup", ""),
    ("actionplans:recommendations", ""),
    ("followup_report", ""),
    ("followup_report", "format=xlsx"),
    ("dashboard", f"year={DRAFT_YEAR}"),
]
# pages that list or chart rounds: open to every login, drafts left out for the others
LISTING_URLS = [
    ("dashboard", ""),
    ("surveys:round_list", ""),
    ("surveys:compare", ""),
    ("surveys:compare", "format=csv"),
    ("surveys:compare", "format=xlsx"),
    ("surveys:compare", "scope=codes&codes=KAB-BARTIM"),
    ("actionplans:plan_list", ""),
    ("actionplans:plan_list", f"round={DRAFT_YEAR}"),
]
OUTSIDERS = ("no_group", "head_a", "head_b")


def _url(name, query="", year=None):
    url = reverse(name, args=[year] if year is not None else [])
    return f"{url}?{query}" if query else url


def _text(response) -> str:
    """What a reader gets to see: the page, or every cell of a downloaded workbook."""
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        cells = [c for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row]
        return " ".join("" if cell is None else str(cell) for cell in cells)
    return response.content.decode("utf-8", "replace")


def _leaked(response) -> list[str]:
    text = _text(response)
    found = [number for number in DRAFT_NUMBERS if number in text]
    return found + ([DRAFT_RECOMMENDATION] if DRAFT_RECOMMENDATION in text else [])


@pytest.fixture
def draft_round(methodology, home, opd_a):
    """SPI 2025, not published, with the home result, an indicator score, a plan and a
    recommendation. The plan stays visible to its OPD (plans are scoped by OPD, not by round);
    the round's figures and recommendations do not."""
    survey_round = methodology[DRAFT_YEAR]
    assert survey_round.status == RoundStatus.DRAFT
    InstitutionResult.objects.create(
        round=survey_round,
        institution=home,
        **{name: Decimal(value) for name, value in DRAFT_FIGURES.items()},
    )
    IndicatorScore.objects.create(
        round=survey_round,
        institution=home,
        group="internal",
        dimension=survey_round.dimensions.order_by("code").first(),
        score=Decimal(DRAFT_INDICATOR_SCORE),
    )
    Recommendation.objects.create(round=survey_round, code="R1", text=DRAFT_RECOMMENDATION)
    make_plan(survey_round, opd_a)
    return survey_round


@pytest.fixture
def no_group(db):
    return get_user_model().objects.create_user("no_group", password=PASSWORD)


@pytest.fixture
def clients(draft_round, published_2024, inspector, no_group, head_a, head_b):
    users = {"inspector": inspector, "no_group": no_group, "head_a": head_a, "head_b": head_b}
    made = {}
    for role, user in users.items():
        made[role] = Client()
        made[role].force_login(user)
    return made


def test_the_inspectorate_group_holds_the_draft_permission_and_no_other_group_does():
    assert (
        Group.objects.get(name="Inspektorat")
        .permissions.filter(content_type__app_label="surveys", codename="view_draft_round")
        .exists()
    )
    assert (
        not Group.objects.get(name="Kepala OPD")
        .permissions.filter(codename="view_draft_round")
        .exists()
    )


def test_a_round_is_visible_to_a_user_only_when_published_or_with_the_permission(
    clients, inspector, no_group, head_a
):
    assert set(SurveyRound.objects.visible_to(inspector)) == set(SurveyRound.objects.all())
    for user in (no_group, head_a):
        assert list(SurveyRound.objects.visible_to(user).values_list("year", flat=True)) == [2024]


@pytest.mark.parametrize(("name", "query"), DRAFT_ROUND_URLS)
def test_every_page_and_export_of_a_draft_round_answers_404_to_everyone_but_the_inspectorate(
    clients, name, query
):
    url = _url(name, query, year=None if name == "dashboard" else DRAFT_YEAR)
    seen = clients["inspector"].get(url)  # also warms any cache the page keeps
    assert seen.status_code == 200
    for role in OUTSIDERS:
        response = clients[role].get(url)
        assert response.status_code == 404, role
        assert not _leaked(response), role


@pytest.mark.parametrize(("name", "query"), DRAFT_ROUND_URLS[:5])
def test_a_draft_year_answers_like_a_year_without_a_round(clients, name, query):
    missing = clients["head_a"].get(_url(name, query, year=1999))
    draft = clients["head_a"].get(_url(name, query, year=DRAFT_YEAR))
    assert (missing.status_code, draft.status_code) == (404, 404)


@pytest.mark.parametrize(("name", "query"), LISTING_URLS)
def test_lists_charts_and_exports_leave_the_draft_out(clients, name, query):
    clients["inspector"].get(_url(name, query))
    for role in OUTSIDERS:
        response = clients[role].get(_url(name, query))
        assert response.status_code == 200, role
        assert not _leaked(response), f"{name}?{query} shows the draft to {role}"
        text = _text(response)
        assert _url("surveys:round_detail", year=DRAFT_YEAR) not in text, role
        assert f'value="{DRAFT_YEAR}"' not in text, role


def test_the_inspectorate_still_reads_the_draft_everywhere(clients):
    inspector = clients["inspector"]
    round_page = inspector.get(_url("surveys:round_detail", year=DRAFT_YEAR))
    assert "73,19" in round_page.content.decode()
    dashboard = inspector.get(_url("dashboard", f"year={DRAFT_YEAR}"))
    assert "73,19" in dashboard.content.decode()
    assert dashboard.context["round_year"] == DRAFT_YEAR
    csv_text = inspector.get(_url("surveys:compare", "format=csv")).content.decode("utf-8-sig")
    assert "73.19" in csv_text and str(DRAFT_YEAR) in csv_text
    assert "73.19" in _text(inspector.get(_url("surveys:compare", "format=xlsx")))
    recommendations = inspector.get(_url("actionplans:recommendations", year=DRAFT_YEAR))
    assert DRAFT_RECOMMENDATION in recommendations.content.decode()
    assert f"SPI {DRAFT_YEAR}" in inspector.get(_url("surveys:round_list")).content.decode()


def test_the_dashboard_cache_never_hands_the_inspectorates_overview_to_others(clients):
    # the overview opens on the current follow-up round (a published one); the draft is asked for
    inspector_view = clients["inspector"].get(_url("dashboard", f"year={DRAFT_YEAR}"))
    assert inspector_view.context["round_year"] == DRAFT_YEAR
    for role in OUTSIDERS:
        response = clients[role].get(_url("dashboard"))
        assert response.context["round_year"] == 2024
        assert [r["year"] for r in response.context["round_choices"]] == [2024]
        assert not _leaked(response)


def test_an_unpublished_round_is_gone_from_the_cached_dashboard_at_once(
    clients, inspector, django_capture_on_commit_callbacks
):
    survey_round = SurveyRound.objects.get(year=DRAFT_YEAR)
    with django_capture_on_commit_callbacks(execute=True):
        services.round_publish(survey_round=survey_round, actor=inspector)
    assert "73,19" in clients["head_a"].get(_url("dashboard")).content.decode()
    SurveyRound.objects.filter(pk=survey_round.pk).update(status=RoundStatus.DRAFT)
    # even without the generation bump an unpublish makes, the key follows the visible rounds
    response = clients["head_a"].get(_url("dashboard"))
    assert response.context["round_year"] == 2024
    assert not _leaked(response)
    assert clients["head_a"].get(_url("dashboard", f"year={DRAFT_YEAR}")).status_code == 404


def test_round_choices_of_plan_forms_leave_the_draft_out(clients, head_a, inspector):
    years = PlanFilterForm(user=head_a).fields["round"].queryset.values_list("year", flat=True)
    assert list(years) == [2024]
    form = PlanForm(user=head_a)
    assert list(form.fields["round"].queryset.values_list("year", flat=True)) == [2024]
    assert not form.fields["recommendations"].queryset.filter(round__year=DRAFT_YEAR).exists()
    assert not form.fields["indicators"].queryset.filter(round__year=DRAFT_YEAR).exists()
    assert PlanForm(user=inspector).fields["round"].queryset.filter(year=DRAFT_YEAR).exists()


@pytest.fixture
def counted_world(clients, published_2024, opd_a, opd_b):
    """SPI 2024 (published): R1 answered by OPD B's draft plan and its active plan, R2 by
    OPD B's plan done and verified; OPD A has no plan for either."""
    r1 = Recommendation.objects.create(round=published_2024, code="R1", text="Perkuat APIP")
    r2 = Recommendation.objects.create(round=published_2024, code="R2", text="Umumkan SOP")
    make_plan(
        published_2024, opd_b, title="Draf OPD B", status=PlanStatus.DRAFT
    ).recommendations.add(r1)
    make_plan(published_2024, opd_b, title="Aktif OPD B").recommendations.add(r1)
    done = make_plan(published_2024, opd_b, title="Selesai OPD B")
    done.recommendations.add(r2)
    ActionPlan.objects.filter(pk=done.pk).update(status=PlanStatus.DONE, verified_progress=100)
    return clients


def _recommendation_counts(client):
    response = client.get(_url("actionplans:recommendations", year=2024))
    assert response.status_code == 200
    counts = {r.code: (r.n_plans, r.n_done) for r in response.context["recommendations"]}
    return counts, response.context["follow_up"]["followed"]


def test_recommendation_counts_count_only_the_plans_the_reader_may_see(counted_world):
    # a draft answers no recommendation (issue 11 part 7): the draft on R1 is not counted, even
    # for OPD B, which sees its own draft (it completes it); OPD A sees none of OPD B's plans
    assert _recommendation_counts(counted_world["inspector"]) == ({"R1": (1, 0), "R2": (1, 1)}, 1)
    assert _recommendation_counts(counted_world["head_b"]) == ({"R1": (1, 0), "R2": (1, 1)}, 1)
    assert _recommendation_counts(counted_world["head_a"]) == ({"R1": (0, 0), "R2": (0, 0)}, 0)


@pytest.mark.parametrize(
    "name", ["dashboard", "actionplans:round_followup", "actionplans:recommendations"]
)
def test_the_follow_up_rate_an_opd_head_sees_counts_only_plans_of_their_scope(counted_world, name):
    url = _url(name, "year=2024") if name == "dashboard" else _url(name, year=2024)
    assert counted_world["inspector"].get(url).context["follow_up"]["followed"] == 1
    assert counted_world["head_a"].get(url).context["follow_up"]["followed"] == 0
