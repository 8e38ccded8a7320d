from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.forms import inlineformset_factory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from surveys.admin import BandFormSet
from surveys.models import CategoryBand, IndicatorScore, SurveyRound


def test_the_round_page_needs_a_login(client, bartim_2024):
    response = client.get(reverse("surveys:round_detail", args=[2024]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_round_page_shows_kpk_headline_and_recomputed_index(inspector_client, bartim_2024):
    response = inspector_client.get(reverse("surveys:round_detail", args=[2024]))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<p class="headline-index mb-1">67,78</p>' in html
    assert "67,77" in html
    assert "Rentan" in html
    assert "+14,22" in html
    assert "+17,16" in html


def test_the_round_page_flags_an_unexplained_correction(inspector_client, methodology, home):
    home.results.create(
        round=methodology[2022],
        internal=Decimal("73.03"),
        external=Decimal("80.32"),
        expert=Decimal("71.54"),
        correction_integrity=Decimal("3.60"),
        correction_prevalence=Decimal("0.16"),
        published_index=Decimal("67.81"),
    )
    response = inspector_client.get(reverse("surveys:round_detail", args=[2022]))
    html = response.content.decode()
    assert "alert-warning" in html
    assert response.context["index"].exceeds_tolerance
    assert "Sangat Rentan" in html  # the badge beside KPK's 67,81
    assert html.index("Sangat Rentan") < html.index("71,11")


def test_an_unknown_round_answers_404(inspector_client, methodology):
    assert inspector_client.get(reverse("surveys:round_detail", args=[1999])).status_code == 404


def test_a_round_without_results_says_so(inspector_client, methodology, home):
    response = inspector_client.get(reverse("surveys:round_detail", args=[2025]))
    assert response.status_code == 200
    assert response.context["result"] is None


def test_weights_that_do_not_sum_to_one_are_refused_on_save(methodology):
    survey_round = methodology[2024]
    survey_round.weight_expert = Decimal("0.3600")
    with pytest.raises(ValidationError, match="add up to exactly 1"):
        survey_round.full_clean()


def band_formset(survey_round, bounds):
    data = {
        "bands-TOTAL_FORMS": str(len(bounds)),
        "bands-INITIAL_FORMS": "0",
        "bands-MIN_NUM_FORMS": "0",
        "bands-MAX_NUM_FORMS": "1000",
    }
    for i, bound in enumerate(bounds):
        data.update(
            {
                f"bands-{i}-lower_bound": bound,
                f"bands-{i}-label_id": f"Pita {i}",
                f"bands-{i}-label_en": f"Band {i}",
                f"bands-{i}-colour": "#123456",
            }
        )
    formset_class = inlineformset_factory(
        SurveyRound, CategoryBand, formset=BandFormSet, fields="__all__", extra=0
    )
    return formset_class(data, instance=SurveyRound(year=2099), prefix="bands")


def test_bands_with_a_gap_at_zero_are_refused_with_a_clear_message(methodology):
    formset = band_formset(methodology[2024], ["5", "73"])
    assert not formset.is_valid()
    assert "must start at 0" in str(formset.non_form_errors())


def test_bands_covering_0_to_100_are_accepted(methodology):
    assert band_formset(methodology[2024], ["0", "73", "78"]).is_valid()


def test_the_band_stylesheet_has_a_class_per_colour(client, methodology):
    css = client.get(reverse("surveys:bands_css")).content.decode()
    assert ".band-c62828 { background-color: #c62828; color: #ffffff; }" in css
    assert ".band-f9a825 { background-color: #f9a825; color: #000000; }" in css


def test_edited_weights_change_the_result(inspector_client, bartim_2024):
    survey_round = bartim_2024.round
    survey_round.weight_internal = Decimal("0.5")
    survey_round.weight_external = Decimal("0.25")
    survey_round.weight_expert = Decimal("0.25")
    survey_round.save()
    response = inspector_client.get(reverse("surveys:round_detail", args=[2024]))
    # 0.5*66.93 + 0.25*84.27 + 0.25*56.79 - 1.12 = 67.61
    assert response.context["index"].computed_index == Decimal("67.61")


def test_the_round_page_shows_the_index_before_the_publish_controls(
    inspector_client, published_2024
):
    html = inspector_client.get(reverse("surveys:round_detail", args=[2024])).content.decode()
    unpublish = reverse("surveys:round_unpublish", args=[2024])
    assert html.index('class="headline-index') < html.index('id="round-settings"')
    assert html.index('id="round-settings"') < html.index(unpublish)
    assert html.index('id="indicators"') < html.index(unpublish)
    assert '<details class="unpublish">' in html  # unpublishing is a second, deliberate step
    assert 'name="reason" required' in html


def test_a_draft_round_offers_publishing_in_its_settings(inspector_client, bartim_2024):
    html = inspector_client.get(reverse("surveys:round_detail", args=[2024])).content.decode()
    publish = reverse("surveys:round_publish", args=[2024])
    assert html.index('class="headline-index') < html.index(publish)
    assert reverse("surveys:round_unpublish", args=[2024]) not in html


def test_an_opd_head_sees_the_index_without_round_settings(head_a_client, published_2024):
    html = head_a_client.get(reverse("surveys:round_detail", args=[2024])).content.decode()
    assert 'class="headline-index' in html
    assert 'id="round-settings"' not in html
    assert reverse("surveys:round_unpublish", args=[2024]) not in html


def test_unpublishing_without_a_reason_keeps_the_round_public(inspector_client, published_2024):
    url = reverse("surveys:round_unpublish", args=[2024])
    assert inspector_client.post(url, {"reason": "  "}).status_code == 302
    assert SurveyRound.objects.get(year=2024).is_published
    inspector_client.post(url, {"reason": "Angka KPK dikoreksi"})
    assert not SurveyRound.objects.get(year=2024).is_published


def test_the_round_page_costs_the_same_queries_with_more_indicator_scores(
    inspector_client, bartim_2024, methodology, home
):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            inspector_client.get(reverse("surveys:round_detail", args=[2024]))
        return len(captured)

    dimensions = list(methodology[2024].dimensions.order_by("code"))
    IndicatorScore.objects.create(
        round=methodology[2024],
        institution=home,
        group="internal",
        dimension=dimensions[0],
        score=Decimal("60"),
    )
    queries()  # warm: the permissions cached
    few = queries()
    for group in ("external", "expert"):
        for dimension in dimensions:
            IndicatorScore.objects.create(
                round=methodology[2024],
                institution=home,
                group=group,
                dimension=dimension,
                score=Decimal("70"),
            )
    assert queries() == few
