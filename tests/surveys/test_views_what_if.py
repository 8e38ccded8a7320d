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
