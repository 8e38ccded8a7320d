"""The plan form: sections, one round's choices with scores and gap, no status, checkbox lists
that work without JavaScript, and a query count that does not grow with the data."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans.forms import PLAN_SECTIONS, PlanForm
from actionplans.models import OPD, ActionPlan, Milestone, PlanStatus, Recommendation
from surveys.models import Dimension, IndicatorScore
from tests.factories import indicator_score, make_plan

pytestmark = pytest.mark.django_db

NEW = reverse("actionplans:plan_create")


def _post_data(survey_round, opd, indicators, **extra):
    return {
        "round": survey_round.pk,
        "title": "Publikasi SOP dan biaya layanan",
        "finding": "Biaya layanan tidak diumumkan",
        "indicators": [i.pk for i in indicators],
        "activity": "Menyusun SOP",
        "start_date": "2025-01-01",
        "due_date": "2025-06-30",
        "owner_opd": opd.pk,
        "weight": 1,
        **extra,
    }


def _form_page(client, year=2024, **query):
    params = "&".join(f"{key}={value}" for key, value in {"round": year, **query}.items())
    response = client.get(f"{NEW}?{params}")
    assert response.status_code == 200
    return response


def test_it_asks_for_the_round_before_the_form(inspector_client, methodology):
    response = inspector_client.get(NEW)
    assert "form" not in response.context
    page = response.content.decode()
    for year in methodology:
        assert f'href="{NEW}?round={year}"' in page


def test_it_groups_the_fields_in_six_headed_sections_in_order(inspector_client, round_2024):
    page = _form_page(inspector_client).content.decode()
    keys = re.findall(r'<fieldset class="plan-section[^"]*" id="section-(\w+)"', page)
    assert keys == ["problem", "activity", "target", "schedule", "responsibility", "publication"]
    for heading in ("Problem", "Activity", "Target", "Schedule", "Responsibility", "Publication"):
        assert re.search(rf"<legend[^>]*>{heading}</legend>", page)
    assert "each line becomes a milestone" in page
    sections = {section.key: section.fields for section in PLAN_SECTIONS}
    assert sections["problem"][:2] == ("finding", "root_cause")
    assert sections["responsibility"] == ("owner_opd", "supporting_opds")


def test_every_label_is_in_sentence_case_and_the_weight_is_explained(round_2024):
    form = PlanForm(survey_round=round_2024)
    for name, field in form.fields.items():
        if name not in ("round", "version"):
            assert str(field.label)[0].isupper(), name
    weight = form.fields["weight"]
    assert str(weight.label) == "Weight in roll-ups"
    assert "counts twice as much" in str(weight.help_text)


def test_it_offers_only_the_indicators_and_recommendations_of_the_plan_s_round(
    inspector_client, methodology, inspector
):
    round_2024, round_2025 = methodology[2024], methodology[2025]
    Recommendation.objects.create(round=round_2024, code="R-24", text="Umumkan biaya layanan")
    Recommendation.objects.create(round=round_2025, code="R-25", text="Perkuat kanal WBS")
    form = _form_page(inspector_client).context["form"]
    assert {d.round_id for d in form.fields["indicators"].queryset} == {round_2024.pk}
    assert [r.code for r in form.fields["recommendations"].queryset] == ["R-24"]
    page = _form_page(inspector_client).content.decode()
    assert "Umumkan biaya layanan" in page
    assert "Perkuat kanal WBS" not in page


def test_an_indicator_of_another_round_is_refused(inspector_client, methodology, opd_a):
    other = methodology[2025].dimensions.get(code="TRN")
    response = inspector_client.post(NEW, _post_data(methodology[2024], opd_a, [other]))
    assert response.status_code == 200
    assert "indicators" in response.context["form"].errors
    assert not ActionPlan.objects.exists()


def test_recommendations_show_their_full_text(inspector_client, round_2024):
    text = "Bangun saluran pengaduan " + "yang menjamin kerahasiaan pelapor " * 5
    Recommendation.objects.create(round=round_2024, code="R-04", text=text.strip())
    assert text.strip() in _form_page(inspector_client).content.decode()


def test_a_new_plan_is_a_draft_whatever_status_is_posted(inspector_client, round_2024, opd_a):
    form = _form_page(inspector_client).context["form"]
    assert "status" not in form.fields
    indicator = round_2024.dimensions.get(code="TRN")
    data = _post_data(round_2024, opd_a, [indicator], status=PlanStatus.DONE)
    response = inspector_client.post(NEW, data)
    plan = ActionPlan.objects.get()
    assert response.status_code == 302
    assert plan.status == PlanStatus.DRAFT
    assert 'name="status"' not in _form_page(inspector_client).content.decode()


def test_an_edit_neither_offers_nor_changes_the_status_and_keeps_the_round(
    inspector_client, plan_a, methodology
):
    url = reverse("actionplans:plan_edit", args=[plan_a.pk])
    assert "status" not in inspector_client.get(url).context["form"].fields
    indicator = plan_a.indicators.get()
    data = _post_data(plan_a.round, plan_a.owner_opd, [indicator], version=plan_a.version)
    data |= {"status": PlanStatus.DRAFT, "round": methodology[2025].pk, "title": "Judul baru"}
    assert inspector_client.post(url, data).status_code == 302
    plan_a.refresh_from_db()
    assert (plan_a.title, plan_a.status, plan_a.round) == (
        "Judul baru",
        PlanStatus.ACTIVE,
        methodology[2024],
    )


def test_each_indicator_shows_its_name_code_group_scores_and_gap_weakest_first(
    inspector_client, bartim_2024, round_2024, home
):
    indicator_score(round_2024, home, "TRN", "60.00", group="internal")
    indicator_score(round_2024, home, "TRN", "82.50", group="external")
    indicator_score(round_2024, home, "SDM", "65.00", group="internal")
    indicator_score(round_2024, home, "PBJ", "95.00", group="internal")
    response = _form_page(inspector_client)
    round_page = inspector_client.get(reverse("actionplans:round_followup", args=[2024]))
    weak = {weak.code: weak for weak in round_page.context["weak_indicators"]}
    codes = [d.code for d in response.context["form"].fields["indicators"].queryset]
    assert codes[:3] == ["TRN", "SDM", "PBJ"]  # weakest first, unscored ones after
    page = response.content.decode()
    trn = round_2024.dimensions.get(code="TRN")
    label = re.search(r'for="id_indicators_0">(.*?)</label>', page, re.S).group(1)
    assert trn.name_en in label  # the page is in English
    tag = '<span class="badge rounded-pill text-bg-light border indicator-code">TRN</span>'
    assert tag in label
    assert "Internal 60.00 · External 82.50" in label
    assert f"gap to {weak['TRN'].band.label_en}: {weak['TRN'].gap}" in label
    assert "No score of the home institution" in page


def test_the_checkbox_lists_submit_without_javascript(inspector_client, round_2024, opd_a, opd_b):
    recommendation = Recommendation.objects.create(round=round_2024, code="R-01", text="SOP")
    page = _form_page(inspector_client).content.decode()
    for name in ("indicators", "recommendations", "supporting_opds"):
        assert re.search(rf'<input type="checkbox" name="{name}" value="\d+"', page), name
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # no inline script: static files only
    assert "js/checklist.js" in page
    indicators = list(round_2024.dimensions.filter(code__in=["TRN", "SDM"]))
    data = _post_data(
        round_2024,
        opd_a,
        indicators,
        recommendations=[recommendation.pk],
        supporting_opds=[opd_b.pk],
    )
    assert inspector_client.post(NEW, data).status_code == 302
    plan = ActionPlan.objects.get()
    assert set(plan.indicators.all()) == set(indicators)
    assert list(plan.recommendations.all()) == [recommendation]
    assert list(plan.supporting_opds.all()) == [opd_b]


def test_the_stale_version_check_still_refuses_a_second_save(inspector_client, plan_a):
    url = reverse("actionplans:plan_edit", args=[plan_a.pk])
    indicator = plan_a.indicators.get()
    data = _post_data(plan_a.round, plan_a.owner_opd, [indicator], version=plan_a.version)
    assert inspector_client.post(url, data | {"title": "A"}).status_code == 302
    assert inspector_client.post(url, data | {"title": "B"}).status_code == 409


def _more_data(survey_round, home, numbers):
    """Per number: one more indicator with a score, one recommendation and one OPD."""
    for i in numbers:
        dimension = Dimension.objects.create(
            round=survey_round, code=f"X{i:02d}", name_id=f"Indikator {i}", name_en=f"Ind {i}"
        )
        IndicatorScore.objects.create(
            round=survey_round,
            institution=home,
            group="internal",
            dimension=dimension,
            score=Decimal("50") + i,
        )
        Recommendation.objects.create(round=survey_round, code=f"R-{i:02d}", text=f"Saran {i}")
        OPD.objects.create(code=f"OPD{i:02d}", name=f"Dinas {i}")


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


FORM_QUERIES = {"create": 12, "edit": 16}


@pytest.mark.parametrize("page", ["create", "edit"])
def test_the_plan_form_issues_the_same_number_of_queries_at_1x_and_10x_data(
    page, inspector_client, bartim_2024, round_2024, home, opd_a
):
    plan = make_plan(round_2024, opd_a)
    edit = reverse("actionplans:plan_edit", args=[plan.pk])
    url = f"{NEW}?round=2024" if page == "create" else edit
    _more_data(round_2024, home, range(1))
    _queries(inspector_client, url)  # warm: the permissions cached
    once = _queries(inspector_client, url)
    _more_data(round_2024, home, range(1, 10))
    assert _queries(inspector_client, url) == once == FORM_QUERIES[page]


def test_a_refused_form_keeps_the_ticks_and_names_them_under_each_list(
    inspector_client, round_2024, opd_a, opd_b
):
    indicators = list(round_2024.dimensions.filter(code__in=["SDM", "TRN"]))
    data = _post_data(round_2024, opd_a, indicators, supporting_opds=[opd_b.pk], title="")
    response = inspector_client.post(NEW, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<span class="checklist-chosen-list">SDM, TRN</span>' in page
    assert '<span class="checklist-chosen-list">Disdik</span>' in page
    assert '<span class="checklist-chosen-list">—</span>' in page  # no recommendation
    for indicator in indicators:
        assert re.search(rf'name="indicators" value="{indicator.pk}"[^>]*checked', page)


def test_a_posted_round_beyond_any_id_shows_the_round_choice(inspector_client, round_2024, opd_a):
    indicator = round_2024.dimensions.get(code="TRN")
    data = _post_data(round_2024, opd_a, [indicator], round="9" * 30)
    response = inspector_client.post(NEW, data)
    assert response.status_code == 200
    assert "rounds" in response.context and "form" not in response.context
    assert not ActionPlan.objects.exists()


def _milestone_rows(plan):
    return list(plan.milestones.order_by("quarter").values_list("title", "quarter", "due_date"))


def test_quarter_lines_of_a_new_plan_become_milestones_of_its_first_year(
    inspector_client, round_2024, opd_a
):
    indicator = round_2024.dimensions.get(code="TRN")
    lines = {"milestone_q1": "SOP disusun", "milestone_q2": "  SOP diumumkan  "}
    response = inspector_client.post(NEW, _post_data(round_2024, opd_a, [indicator], **lines))
    plan = ActionPlan.objects.get()
    assert response.status_code == 302 and plan.status == PlanStatus.DRAFT
    assert _milestone_rows(plan) == [
        ("SOP disusun", 1, date(2025, 3, 31)),
        ("SOP diumumkan", 2, date(2025, 6, 30)),
    ]


def test_save_and_activate_makes_a_complete_new_plan_active_at_once(
    inspector_client, round_2024, opd_a
):
    indicator = round_2024.dimensions.get(code="TRN")
    data = _post_data(
        round_2024, opd_a, [indicator], target="100", milestone_q2="SOP diumumkan", then="activate"
    )
    response = inspector_client.post(NEW, data, follow=True)
    plan = ActionPlan.objects.get()
    assert plan.status == PlanStatus.ACTIVE
    assert plan.reviews.get().outcome == "activated"
    assert "created and is active" in response.content.decode()


def test_save_and_activate_keeps_an_incomplete_plan_a_draft_and_says_what_is_missing(
    inspector_client, round_2024, opd_a
):
    indicator = round_2024.dimensions.get(code="TRN")
    data = _post_data(round_2024, opd_a, [indicator], target="100", then="activate")
    page = inspector_client.post(NEW, data, follow=True).content.decode()
    assert ActionPlan.objects.get().status == PlanStatus.DRAFT
    assert "saved as a draft, not activated" in page and "milestone" in page


def test_save_and_activate_is_offered_to_the_inspectorate_and_never_works_on_its_own_opd(
    inspector_client, dual_role_client, round_2024, opd_a
):
    assert 'value="activate"' in _form_page(inspector_client).content.decode()
    indicator = round_2024.dimensions.get(code="TRN")
    data = _post_data(
        round_2024, opd_a, [indicator], target="100", milestone_q1="SOP", then="activate"
    )
    dual_role_client.post(NEW, data)
    assert ActionPlan.objects.get().status == PlanStatus.DRAFT


@pytest.mark.parametrize(
    ("start", "due", "quarter", "says"),
    [
        (
            "2025-05-01",
            "2025-12-31",
            "milestone_q1",
            "Q1 2025 ends before the plan starts.",
        ),
        ("2025-01-01", "2025-06-30", "milestone_q3", "Q3 2025 ends after the plan's due"),
    ],
)
def test_a_quarter_outside_the_plan_s_dates_is_refused_and_nothing_is_saved(
    inspector_client, round_2024, opd_a, start, due, quarter, says
):
    indicator = round_2024.dimensions.get(code="TRN")
    data = _post_data(round_2024, opd_a, [indicator], start_date=start, due_date=due)
    response = inspector_client.post(NEW, {**data, quarter: "Tahap"})
    assert response.status_code == 200
    assert says in " ".join(response.context["form"].errors[quarter])
    assert not ActionPlan.objects.exists() and not Milestone.objects.exists()


def test_an_edit_has_no_quarter_lines(inspector_client, plan_a):
    form = inspector_client.get(reverse("actionplans:plan_edit", args=[plan_a.pk])).context["form"]
    assert not any(name.startswith("milestone_q") for name in form.fields)
