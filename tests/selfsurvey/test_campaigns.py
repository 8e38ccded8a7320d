"""Questionnaire and campaign pages of the self-run survey: who sees them, creating a campaign,
frozen questionnaires and their new versions, stale edits, populations and target samples, the
margin of error reached, and opening and closing."""

import json
import math

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from actionplans.models import OPD
from selfsurvey import campaigning, services
from selfsurvey.models import Campaign, CampaignStatus, Item, Questionnaire
from tests.conftest import in_english
from tests.selfsurvey.world import add_responses, make_campaign, random_answers, unit_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(inspector, opd_a, opd_b):
    """A campaign without responses: its questionnaire is editable."""
    return make_campaign(inspector, [opd_a, opd_b], name="Survei uji")


def _item(questionnaire, code="I01") -> Item:
    return questionnaire.items.get(code=code)


def _item_data(item, **changes) -> dict:
    data = {
        "fingerprint": campaigning.item_fingerprint(item),
        "wording_id": item.wording_id,
        "wording_en": item.wording_en,
        "scale_min": item.scale_min,
        "scale_max": item.scale_max,
        "dont_know_values": "; ".join(str(v) for v in item.dont_know_values),
        "scale_labels": "\n".join(
            f"{label['value']} | {label['label_id']} | {label['label_en']}"
            for label in item.scale_labels
        ),
    }
    if item.reverse:
        data["reverse"] = "on"
    return data | changes


def _edit_url(item):
    return reverse("selfsurvey:questionnaire_edit", args=[item.questionnaire_id, item.code])


# --- the margin of error -------------------------------------------------------------------------


def test_the_margin_of_error_of_100_respondents_of_an_unknown_population_is_9_8_points():
    # 1.96 x sqrt(0.5 x 0.5 / 100) = 1.96 x 0.05 = 0.098
    assert campaigning.margin_of_error(100) == pytest.approx(9.8, abs=1e-12)


def test_the_margin_of_error_of_100_of_500_is_corrected_for_the_finite_population():
    # 9.8 x sqrt((500 - 100) / (500 - 1)) = 9.8 x sqrt(0.801603...) = 9.8 x 0.895323... = 8.7742
    assert campaigning.margin_of_error(100, 500) == pytest.approx(8.7742, abs=5e-5)
    assert campaigning.margin_of_error(100, 500) == pytest.approx(9.8 * math.sqrt(400 / 499))


def test_the_margin_of_error_of_one_respondent_is_98_points_and_of_none_is_not_known():
    assert campaigning.margin_of_error(1) == pytest.approx(98.0)
    assert campaigning.margin_of_error(0) is None
    assert campaigning.margin_of_error(0, 40) is None


def test_the_margin_of_error_is_zero_when_the_whole_population_answered():
    assert campaigning.margin_of_error(40, 40) == 0
    assert campaigning.margin_of_error(41, 40) == 0


def test_the_campaign_page_shows_the_margin_reached_per_unit(inspector_client, campaign, opd_a):
    unit = unit_of(campaign, opd_a, "internal")
    unit.population = 100
    unit.save()

    page = inspector_client.get(reverse("selfsurvey:campaign_detail", args=[campaign.pk]))

    text = page.content.decode()
    # 12 of 100: 1.96 x sqrt(0.25 / 12) x sqrt(88 / 99) = 26.67...; 12 of unknown: 28.29...
    assert "±26,7" in text
    assert "±28,3" in text
    assert page.context["rows"][0]["received"] == 12


def test_a_unit_without_responses_shows_no_margin(inspector_client, draft):
    page = inspector_client.get(reverse("selfsurvey:campaign_detail", args=[draft.pk]))

    assert all(row["margin"] is None for row in page.context["rows"])
    assert "±" not in page.content.decode()


# --- who sees the pages --------------------------------------------------------------------------


def _pages(campaign):
    questionnaire = campaign.questionnaire
    return [
        reverse("selfsurvey:campaign_list"),
        reverse("selfsurvey:campaign_create"),
        reverse("selfsurvey:campaign_detail", args=[campaign.pk]),
        reverse("selfsurvey:campaign_units_edit", args=[campaign.pk]),
        reverse("selfsurvey:questionnaire_list"),
        reverse("selfsurvey:questionnaire_detail", args=[questionnaire.pk]),
        _edit_url(_item(questionnaire)),
    ]


def test_the_inspectorate_opens_every_campaign_page(inspector_client, campaign):
    for url in _pages(campaign):
        assert inspector_client.get(url).status_code == 200, url


def test_opd_heads_are_refused_every_campaign_page(head_a_client, head_b_client, campaign):
    for url in _pages(campaign):
        assert head_a_client.get(url).status_code == 403, url
        assert head_b_client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_log_in(client, campaign):
    for url in _pages(campaign):
        answer = client.get(url)
        assert answer.status_code == 302 and answer["Location"].startswith(reverse("login"))


def test_the_menu_shows_the_self_survey_to_the_inspectorate_only(
    inspector_client, head_a_client, db
):
    link = reverse("selfsurvey:campaign_list")
    assert link in inspector_client.get(reverse("dashboard")).content.decode()
    assert link not in head_a_client.get(reverse("dashboard")).content.decode()


def test_services_refuse_anyone_but_the_inspectorate(head_a, draft):
    with pytest.raises(PermissionDenied):
        campaigning.campaign_open(actor=head_a, campaign=draft)
    with pytest.raises(PermissionDenied):
        campaigning.questionnaire_new_version(actor=head_a, questionnaire=draft.questionnaire)
    item = _item(draft.questionnaire)
    changes = {field: getattr(item, field) for field in campaigning.ITEM_FIELDS}
    fingerprint = campaigning.item_fingerprint(item)
    with pytest.raises(PermissionDenied):
        campaigning.item_update(actor=head_a, item=item, fingerprint=fingerprint, **changes)


# --- creating a campaign -------------------------------------------------------------------------


def test_the_form_offers_active_opds_all_checked_and_every_group(inspector_client, opd_a, opd_b):
    OPD.objects.create(code="LAMA", name="Dinas Lama", is_active=False)

    form = inspector_client.get(reverse("selfsurvey:campaign_create")).context["form"]

    assert [opd.code for opd in form.fields["opds"].queryset] == ["DINKES", "DISDIK"]
    assert [opd.code for opd in form.initial["opds"]] == ["DINKES", "DISDIK"]
    assert form.initial["groups"] == ["internal", "external", "expert"]
    assert form["min_cell_size"].value() == 10
    assert form["opds"].value() == [opd_a.pk, opd_b.pk]


def test_a_campaign_is_created_through_the_form_with_the_shipped_questionnaire(
    inspector_client, inspector, methodology, opd_a, opd_b
):
    data = {
        "name": "Survei mandiri 2027",
        "period_start": "2027-03-01",
        "period_end": "2027-04-30",
        "questionnaire": "default",
        "opds": [opd_a.pk],
        "groups": ["internal", "expert"],
        "min_cell_size": 12,
        "survey_round": methodology[2024].pk,
    }

    answer = inspector_client.post(reverse("selfsurvey:campaign_create"), data)

    campaign = Campaign.objects.get(name="Survei mandiri 2027")
    assert answer.status_code == 302
    assert answer["Location"] == reverse("selfsurvey:campaign_detail", args=[campaign.pk])
    assert campaign.status == CampaignStatus.DRAFT
    assert (campaign.min_cell_size, campaign.round.year) == (12, 2024)
    assert (campaign.questionnaire.code, campaign.questionnaire.version) == ("default", 1)
    units = sorted((unit.opd.code, unit.group) for unit in campaign.units.all())
    assert units == [("DINKES", "expert"), ("DINKES", "internal")]
    assert campaign.history.get().history_user == inspector


def test_a_period_ending_before_it_starts_is_refused_and_loads_nothing(inspector_client, opd_a):
    data = {
        "name": "Survei",
        "period_start": "2027-03-01",
        "period_end": "2027-02-01",
        "questionnaire": "default",
        "opds": [opd_a.pk],
        "groups": ["internal"],
        "min_cell_size": 10,
    }

    answer = inspector_client.post(reverse("selfsurvey:campaign_create"), data)

    assert answer.status_code == 200
    assert "period_end" in answer.context["form"].errors
    assert not Campaign.objects.exists() and not Questionnaire.objects.exists()


def test_a_taken_name_is_refused_on_the_form(inspector_client, draft, opd_a):
    data = {
        "name": draft.name,
        "period_start": "2027-03-01",
        "period_end": "2027-04-01",
        "questionnaire": str(draft.questionnaire_id),
        "opds": [opd_a.pk],
        "groups": ["internal"],
        "min_cell_size": 10,
    }

    answer = inspector_client.post(reverse("selfsurvey:campaign_create"), data)

    assert answer.status_code == 200
    assert answer.context["form"].errors["name"]
    assert Campaign.objects.count() == 1


# --- questionnaires ------------------------------------------------------------------------------


def test_the_questionnaire_page_shows_indicators_and_items(inspector_client, draft):
    questionnaire = draft.questionnaire

    text = inspector_client.get(
        reverse("selfsurvey:questionnaire_detail", args=[questionnaire.pk])
    ).content.decode()

    assert "TRN1" in text and "Kejelasan prosedur dan persyaratan layanan" in text
    assert "Prosedur kerja di unit saya tertulis dan mudah dipahami." in text
    assert "Sangat tidak setuju" in text and "Strongly agree" in text
    assert _edit_url(_item(questionnaire)) in text


def test_the_definition_round_trips_the_shipped_questionnaire(inspector_client, draft):
    shipped = services.default_definition()

    definition = campaigning.questionnaire_definition(draft.questionnaire)

    assert definition["indicators"] == shipped["indicators"]
    assert definition["items"] == [
        {key: item[key] for key in definition["items"][0]} for item in shipped["items"]
    ]
    download = inspector_client.get(
        reverse("selfsurvey:questionnaire_detail", args=[draft.questionnaire_id]),
        {"format": "json"},
    )
    assert json.loads(download.content) == definition
    assert "kuesioner-default-v1.json" in download["Content-Disposition"]


def test_an_item_of_a_questionnaire_without_responses_is_edited_and_recorded(
    inspector_client, inspector, draft
):
    item = _item(draft.questionnaire)
    data = _item_data(
        item,
        wording_id="Prosedur tertulis.",
        scale_max=5,
        reverse="on",
        dont_know_values="8; 9",
        scale_labels=(
            "1|a|A\n2|b|B\n3|c|C\n4|d|D\n5|e|E\n8|Tidak menjawab|No answer\n9|Tidak tahu|Don't know"
        ),
    )

    answer = inspector_client.post(_edit_url(item), data)

    assert answer.status_code == 302
    item.refresh_from_db()
    assert (item.wording_id, item.scale_max, item.reverse) == ("Prosedur tertulis.", 5, True)
    assert item.dont_know_values == [8, 9]
    assert item.scale_labels[-1] == {"value": 9, "label_id": "Tidak tahu", "label_en": "Don't know"}
    change = item.history.first()
    assert (change.history_type, change.history_user) == ("~", inspector)


def test_a_frozen_questionnaire_refuses_an_edit_and_offers_a_new_version(
    inspector_client, inspector, campaign
):
    item = _item(campaign.questionnaire)
    before = (item.wording_id, item.history.count())

    page = inspector_client.get(_edit_url(item))
    answer = inspector_client.post(_edit_url(item), _item_data(item, wording_id="Diubah"))

    assert 'id="questionnaire-frozen"' in page.content.decode()
    assert "form" not in page.context
    assert answer.status_code == 409
    item.refresh_from_db()
    assert (item.wording_id, item.history.count()) == before
    with pytest.raises(campaigning.QuestionnaireFrozen):
        campaigning.item_update(
            actor=inspector,
            item=item,
            fingerprint=campaigning.item_fingerprint(item),
            **{field: getattr(item, field) for field in campaigning.ITEM_FIELDS},
        )


def test_a_new_version_of_a_frozen_questionnaire_copies_it_and_is_editable(
    inspector_client, inspector, campaign
):
    frozen = campaign.questionnaire

    answer = inspector_client.post(
        reverse("selfsurvey:questionnaire_new_version", args=[frozen.pk])
    )

    new = Questionnaire.objects.get(code=frozen.code, version=frozen.version + 1)
    assert answer["Location"] == reverse("selfsurvey:questionnaire_detail", args=[new.pk])
    assert (new.based_on, new.created_by) == (frozen, inspector)
    old_definition = campaigning.questionnaire_definition(frozen)
    new_definition = campaigning.questionnaire_definition(new)
    assert new_definition | {"version": 1} == old_definition | {"version": 1}
    item = _item(new)
    edited = inspector_client.post(_edit_url(item), _item_data(item, wording_en="Changed."))
    assert edited.status_code == 302
    assert _item(new).wording_en == "Changed."
    assert _item(frozen).wording_en != "Changed."
    assert campaign.questionnaire_id == frozen.pk
    old_page = inspector_client.get(reverse("selfsurvey:questionnaire_detail", args=[frozen.pk]))
    assert reverse("selfsurvey:questionnaire_detail", args=[new.pk]) in old_page.content.decode()
    assert 'id="newer-version"' in old_page.content.decode()


def test_an_edit_made_on_an_older_state_of_the_item_is_refused(inspector_client, inspector, draft):
    item = _item(draft.questionnaire)
    opened = _item_data(item, wording_id="Versi saya")
    changes = {field: getattr(item, field) for field in campaigning.ITEM_FIELDS}
    campaigning.item_update(
        actor=inspector,
        item=item,
        fingerprint=campaigning.item_fingerprint(item),
        **changes | {"wording_id": "Versi rekan"},
    )

    answer = inspector_client.post(_edit_url(item), opened)

    assert answer.status_code == 409
    assert 'id="edit-conflict"' in answer.content.decode()
    item.refresh_from_db()
    assert item.wording_id == "Versi rekan"
    assert answer.context["form"].initial["wording_id"] == "Versi rekan"


@pytest.mark.parametrize(
    ("changes", "field", "problem"),
    [
        ({"dont_know_values": "3; 9"}, "dont_know_values", "inside the scale"),
        ({"dont_know_values": "9; 36"}, "dont_know_values", "36 does not fit"),
        ({"dont_know_values": "x"}, "dont_know_values", "Whole numbers"),
        ({"scale_labels": "1|a|A\n2|b|B\n3|c|C\n9|t|T"}, "scale_labels", "4 has no label."),
        (
            {"scale_labels": "1|a|A\n2|b|B\n3|c|C\n4|d|D\n7|x|X\n9|t|T"},
            "scale_labels",
            "not an answer",
        ),
        ({"scale_labels": "1|a|A\n2|b|B\n3|c|C\n4|d|\n9|t|T"}, "scale_labels", "both languages"),
        ({"scale_labels": "1 a A"}, "scale_labels", "Line 1"),
        ({"scale_min": 4, "scale_max": 2}, "scale_labels", ""),
    ],
)
def test_an_item_that_would_not_be_answerable_is_refused(
    inspector_client, draft, changes, field, problem
):
    item = _item(draft.questionnaire)
    before = campaigning.item_fingerprint(item)

    answer = in_english(inspector_client).post(_edit_url(item), _item_data(item, **changes))

    assert answer.status_code == 200
    assert set(answer.context["form"].errors) & {field, "__all__"}
    assert problem in answer.content.decode()
    item.refresh_from_db()
    assert campaigning.item_fingerprint(item) == before


def test_the_questionnaire_list_marks_frozen_versions(inspector_client, campaign):
    new = campaigning.questionnaire_new_version(
        actor=campaign.created_by, questionnaire=campaign.questionnaire
    )

    rows = inspector_client.get(reverse("selfsurvey:questionnaire_list")).context["rows"]

    assert [(q.version, frozen) for q, frozen in rows] == [(new.version, False), (1, True)]


# --- populations, target samples, status ---------------------------------------------------------


def _sizes(campaign, version, **by_group) -> dict:
    data = {"version": version}
    for unit in campaign.units.all():
        population, target = by_group.get(unit.group, ("", ""))
        data[f"unit-{unit.pk}-population"] = population
        data[f"unit-{unit.pk}-target_sample"] = target
    return data


def test_populations_and_targets_are_saved_together_and_recorded(
    inspector_client, inspector, draft, opd_a
):
    url = reverse("selfsurvey:campaign_units_edit", args=[draft.pk])

    answer = inspector_client.post(url, _sizes(draft, 1, internal=(500, 100), expert=("", 15)))

    assert answer.status_code == 302
    internal, expert = unit_of(draft, opd_a, "internal"), unit_of(draft, opd_a, "expert")
    assert (internal.population, internal.target_sample) == (500, 100)
    assert (expert.population, expert.target_sample) == (None, 15)
    assert internal.history.first().history_user == inspector
    draft.refresh_from_db()
    assert draft.version == 2
    page = inspector_client.get(reverse("selfsurvey:campaign_detail", args=[draft.pk]))
    assert "±8,8" in page.content.decode()  # 100 of 500 at target: 8.77


def test_sizes_saved_on_an_older_version_of_the_campaign_are_refused(inspector_client, draft):
    url = reverse("selfsurvey:campaign_units_edit", args=[draft.pk])
    inspector_client.post(url, _sizes(draft, 1, internal=(300, 50)))

    answer = inspector_client.post(url, _sizes(draft, 1, internal=(900, 90)))

    assert answer.status_code == 409
    assert 'id="edit-conflict"' in answer.content.decode()
    assert set(draft.units.filter(group="internal").values_list("population", flat=True)) == {300}


def test_a_target_larger_than_its_population_saves_nothing(inspector_client, draft):
    url = reverse("selfsurvey:campaign_units_edit", args=[draft.pk])

    sizes = _sizes(draft, 1, internal=(30, 50), expert=(10, 5))
    answer = in_english(inspector_client).post(url, sizes)

    assert answer.status_code == 200
    assert "larger than the population" in answer.content.decode()
    assert not draft.units.exclude(population=None).exists()
    draft.refresh_from_db()
    assert draft.version == 1


def test_a_campaign_is_opened_and_closed_by_the_inspectorate_and_recorded(
    inspector_client, inspector, draft
):
    open_url = reverse("selfsurvey:campaign_open", args=[draft.pk])
    close_url = reverse("selfsurvey:campaign_close", args=[draft.pk])

    inspector_client.post(open_url, {"version": 1})
    draft.refresh_from_db()
    assert draft.status == CampaignStatus.OPEN
    inspector_client.post(close_url, {"version": draft.version})
    draft.refresh_from_db()

    assert draft.status == CampaignStatus.CLOSED
    statuses = [(row.status, row.history_user) for row in draft.history.order_by("history_id")]
    assert statuses == [("draft", inspector), ("open", inspector), ("closed", inspector)]


def test_a_draft_cannot_be_closed_nor_a_stale_page_open_it(inspector_client, draft):
    inspector_client.post(reverse("selfsurvey:campaign_close", args=[draft.pk]), {"version": 1})
    inspector_client.post(reverse("selfsurvey:campaign_open", args=[draft.pk]), {"version": 0})

    draft.refresh_from_db()
    assert (draft.status, draft.version) == (CampaignStatus.DRAFT, 1)


def test_opd_heads_cannot_open_a_campaign(head_a_client, draft):
    answer = head_a_client.post(
        reverse("selfsurvey:campaign_open", args=[draft.pk]), {"version": 1}
    )

    assert answer.status_code == 403
    draft.refresh_from_db()
    assert draft.status == CampaignStatus.DRAFT


def test_the_campaign_list_counts_units_and_responses(inspector_client, campaign, draft, opd_a):
    add_responses(
        unit_of(draft, opd_a, "external"), random_answers(unit_of(draft, opd_a, "external"), 3)
    )

    rows = {
        row.name: (row.unit_count, row.response_count)
        for row in inspector_client.get(reverse("selfsurvey:campaign_list")).context["campaigns"]
    }

    assert rows == {campaign.name: (6, 72), draft.name: (6, 3)}


def test_an_item_may_have_no_dont_know_value(inspector_client, draft):
    item = _item(draft.questionnaire)
    labels = "1|a|A\n2|b|B\n3|c|C\n4|d|D"

    answer = inspector_client.post(
        _edit_url(item), _item_data(item, dont_know_values="", scale_labels=labels)
    )

    assert answer.status_code == 302
    item.refresh_from_db()
    assert (item.dont_know_values, len(item.scale_labels)) == ([], 4)


def test_the_campaign_page_reads_its_units_in_one_query_ten_in_all(
    inspector_client, campaign, django_assert_max_num_queries
):
    url = reverse("selfsurvey:campaign_detail", args=[campaign.pk])
    inspector_client.get(url)

    with django_assert_max_num_queries(10):
        inspector_client.get(url)
