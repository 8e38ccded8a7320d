from decimal import Decimal

from django.urls import reverse


def test_what_if_starts_from_the_real_figures(inspector_client, bartim_2024):
    response = inspector_client.get(reverse("surveys:what_if", args=[2024]))
    assert response.status_code == 200
    assert response.context["index"].computed_index == Decimal("67.77")


def test_what_if_recomputes_with_the_same_engine(inspector_client, bartim_2024):
    data = {
        "internal": "66,93",
        "external": "84,27",
        "expert": "71,01",
        "correction_integrity": "1,12",
        "correction_prevalence": "0",
    }
    response = inspector_client.get(reverse("surveys:what_if", args=[2024]), data)
    index = response.context["index"]
    assert index.computed_index == Decimal("73.00")
    assert index.category.label_id == "Waspada"
    assert "73,00" in response.content.decode()


def test_what_if_refuses_a_score_above_100(inspector_client, bartim_2024):
    data = {
        "internal": "101",
        "external": "84",
        "expert": "56",
        "correction_integrity": "0",
        "correction_prevalence": "0",
    }
    response = inspector_client.get(reverse("surveys:what_if", args=[2024]), data)
    assert response.context["index"] is None
    assert response.context["form"].errors["internal"]


def test_what_if_needs_a_login(client, bartim_2024):
    assert client.get(reverse("surveys:what_if", args=[2024])).status_code == 302


RAISED_EXPERT = {
    "internal": "66,93",
    "external": "84,27",
    "expert": "71,01",
    "correction_integrity": "1,12",
    "correction_prevalence": "0",
}


def test_what_if_shows_the_change_against_the_real_index_and_the_category_reached(
    inspector_client, bartim_2024
):
    response = inspector_client.get(reverse("surveys:what_if", args=[2024]), RAISED_EXPERT)
    change = response.context["change"]
    assert (change.real_index, change.trial_index) == (Decimal("67.77"), Decimal("73.00"))
    assert change.difference == Decimal("5.23")
    assert (change.real_category.label_id, change.trial_category.label_id) == ("Rentan", "Waspada")
    assert change.category_changed
    html = response.content.decode()
    change_line = html.split('id="whatif-change"', 1)[1].split("</p>", 1)[0]
    assert "67,77 → <strong>73,00</strong> (+5,23)" in change_line
    category_line = html.split('id="whatif-category"', 1)[1].split("</p>", 1)[0]
    assert category_line.index("Rentan") < category_line.index("Waspada")


def test_what_if_of_the_real_figures_shows_no_change(inspector_client, bartim_2024):
    response = inspector_client.get(reverse("surveys:what_if", args=[2024]))
    change = response.context["change"]
    assert change.difference == 0
    assert not change.category_changed
    category_line = response.content.decode().split('id="whatif-category"', 1)[1]
    assert "Waspada" not in category_line.split("</p>", 1)[0]


def test_what_if_of_a_lower_score_shows_the_drop(inspector_client, bartim_2024):
    lower = RAISED_EXPERT | {"expert": "50,00"}
    change = inspector_client.get(reverse("surveys:what_if", args=[2024]), lower).context["change"]
    assert change.difference < 0
    assert change.trial_index == change.real_index + change.difference


def test_what_if_without_a_real_result_shows_no_change_line(inspector_client, methodology):
    response = inspector_client.get(reverse("surveys:what_if", args=[2024]), RAISED_EXPERT)
    assert response.context["index"].computed_index == Decimal("73.00")
    assert response.context["change"] is None
    assert 'id="whatif-change"' not in response.content.decode()
