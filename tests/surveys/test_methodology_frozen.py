"""A published round's methodology is frozen; a change is a new version with a reason."""

import io
import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.forms import CheckboxInput, NullBooleanSelect
from django.test import Client
from django.urls import reverse

from surveys import public_cache, selectors, services
from surveys.models import CategoryBand, Dimension, MethodologyRevision, SurveyRound
from tests.conftest import PASSWORD

SHIPPED_2024 = json.loads((services.METHODOLOGY_DIR / "spi-2024.json").read_text())
NEW_WEIGHTS = {"internal": "0.3000", "external": "0.3300", "expert": "0.3700"}


@pytest.fixture
def published(methodology, bartim_2024, inspector):
    return services.round_publish(survey_round=methodology[2024], actor=inspector)


@pytest.fixture
def superuser_client(db):
    user = get_user_model().objects.create_superuser("root", password=PASSWORD)
    client = Client()
    client.force_login(user)
    return client


def methodology_state(survey_round) -> dict:
    """Everything that makes the methodology, straight from the database."""
    return selectors.methodology_snapshot(survey_round)


def revise(survey_round, actor, **changes):
    arguments = {"reason": "KPK mengoreksi bobot kelompok", "weights": NEW_WEIGHTS} | changes
    return services.methodology_revise(actor=actor, survey_round=survey_round, **arguments)


def current_bands(survey_round) -> list[dict]:
    return methodology_state(survey_round)["bands"]


# --- the admin -------------------------------------------------------------------------------


def _field_value(bound):
    value = bound.value()
    if isinstance(bound.field.widget, NullBooleanSelect):
        return {True: "true", False: "false"}.get(value, "unknown")
    if isinstance(bound.field.widget, CheckboxInput):
        return "on" if value else None
    return "" if value is None else value


def _form_data(form) -> dict:
    data = {bound.html_name: _field_value(bound) for bound in form}
    return {name: value for name, value in data.items() if value is not None}


def admin_form_data(response) -> dict:
    """What the admin change form would post back unchanged (main form and inlines)."""
    data = _form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data |= _form_data(formset.management_form)
        for form in formset.forms:
            data |= _form_data(form)
    return data


def post_round_change(client, survey_round):
    url = reverse("admin:surveys_surveyround_change", args=[survey_round.pk])
    data = admin_form_data(client.get(url))
    data |= {
        "weight_internal": "0.5000",
        "weight_external": "0.2500",
        "weight_expert": "0.2500",
        "tolerance": "0.50",
        "bands-0-label_id": "Diubah",
        "bands-1-lower_bound": "60",
        "dimensions-0-name_id": "Diubah",
    }
    return client.post(url, data)


def test_the_admin_change_form_of_a_draft_round_does_change_its_methodology(
    superuser_client, methodology
):
    """The control for the test below: the same POST is one that changes a draft."""
    before = methodology_state(methodology[2024])
    response = post_round_change(superuser_client, methodology[2024])
    assert response.status_code == 302
    after = methodology_state(methodology[2024])
    assert after["weights"]["internal"] == "0.5000"
    assert after["bands"][0]["label_id"] == "Diubah"
    assert after != before


def test_the_admin_cannot_change_weights_bands_or_dimensions_of_a_published_round(
    superuser_client, published
):
    before = methodology_state(published)
    response = post_round_change(superuser_client, published)
    assert response.status_code in (200, 302)
    assert methodology_state(published) == before


def test_the_admin_shows_a_published_rounds_methodology_read_only(superuser_client, published):
    url = reverse("admin:surveys_surveyround_change", args=[published.pk])
    response = superuser_client.get(url)
    form = response.context["adminform"].form
    assert not {"weight_internal", "weight_external", "weight_expert", "tolerance"} & set(
        form.fields
    )
    for inline in response.context["inline_admin_formsets"]:
        assert not inline.has_change_permission
        assert not inline.has_add_permission
        assert not inline.has_delete_permission


def test_a_band_or_dimension_of_a_published_round_cannot_be_changed_on_its_own(
    superuser_client, published
):
    before = methodology_state(published)
    band = published.bands.order_by("lower_bound").last()
    response = superuser_client.post(
        reverse("admin:surveys_categoryband_change", args=[band.pk]),
        {"round": published.pk, "lower_bound": "1", "label_id": "X", "label_en": "X"}
        | {"colour": "#000000"},
    )
    assert response.status_code == 403
    dimension = published.dimensions.first()
    response = superuser_client.post(
        reverse("admin:surveys_dimension_change", args=[dimension.pk]),
        {"round": published.pk, "code": dimension.code, "name_id": "X", "name_en": "X"},
    )
    assert response.status_code == 403
    assert methodology_state(published) == before


def test_no_band_or_dimension_can_be_added_to_a_published_round(superuser_client, published):
    before = methodology_state(published)
    superuser_client.post(
        reverse("admin:surveys_categoryband_add"),
        {"round": published.pk, "lower_bound": "90", "label_id": "X", "label_en": "X"}
        | {"colour": "#000000"},
    )
    superuser_client.post(
        reverse("admin:surveys_dimension_add"),
        {"round": published.pk, "code": "NEW", "name_id": "X", "name_en": "X"},
    )
    assert methodology_state(published) == before
    assert not CategoryBand.objects.filter(lower_bound=90).exists()


def test_a_round_published_once_stays_frozen_after_an_unpublish(
    superuser_client, published, inspector
):
    services.round_unpublish(survey_round=published, actor=inspector, reason="Data dikoreksi")
    before = methodology_state(published)
    post_round_change(superuser_client, published)
    assert methodology_state(published) == before


def test_revisions_cannot_be_added_changed_or_deleted_in_the_admin(
    superuser_client, published, inspector
):
    revision = revise(published, inspector)
    response = superuser_client.post(
        reverse("admin:surveys_methodologyrevision_change", args=[revision.pk]),
        {"reason": "Dipalsukan", "version": 9},
    )
    assert response.status_code == 403
    add = superuser_client.get(reverse("admin:surveys_methodologyrevision_add"))
    assert add.status_code == 403
    revision.refresh_from_db()
    assert (revision.reason, revision.version) == ("KPK mengoreksi bobot kelompok", 2)


# --- loading packs -----------------------------------------------------------------------------


def _changed_pack() -> dict:
    return SHIPPED_2024 | {"weights": NEW_WEIGHTS}


def test_methodology_load_overwrite_refuses_a_published_round(published, inspector):
    before = methodology_state(published)
    with pytest.raises(ValidationError, match="SPI 2024 has been published"):
        services.methodology_load(actor=inspector, pack=_changed_pack(), overwrite=True)
    assert methodology_state(published) == before
    assert not MethodologyRevision.objects.exists()


def test_load_methodology_overwrite_refuses_and_changes_no_round(published, methodology, inspector):
    draft = methodology[2025]
    SurveyRound.objects.filter(pk=draft.pk).update(tolerance=Decimal("0.05"))
    with pytest.raises(CommandError, match="SPI 2024 has been published"):
        call_command(
            "load_methodology", "--overwrite", "--actor", "inspector", stdout=io.StringIO()
        )
    draft.refresh_from_db()
    assert draft.tolerance == Decimal("0.05")  # all or nothing: the draft was not reset either


def test_load_methodology_overwrite_with_a_reason_records_a_new_version(published, inspector):
    revise(published, inspector)
    out = io.StringIO()
    call_command(
        "load_methodology",
        "--overwrite",
        "--reason",
        "Kembali ke bobot paket resmi",
        "--actor",
        "inspector",
        stdout=out,
    )
    assert "SPI 2024: revised" in out.getvalue()
    latest = published.methodology_revisions.get(version=3)
    assert latest.reason == "Kembali ke bobot paket resmi"
    assert latest.actor == inspector
    assert latest.after["weights"]["internal"] == "0.3046"
    published.refresh_from_db()
    assert published.weight_internal == Decimal("0.3046")


def test_load_methodology_with_a_reason_and_an_unchanged_pack_records_nothing(published):
    get_user_model().objects.create_user("operator", password=PASSWORD)
    out = io.StringIO()
    call_command(
        "load_methodology", "--overwrite", "--reason", "x", "--actor", "operator", stdout=out
    )
    assert "SPI 2024: unchanged" in out.getvalue()
    assert not MethodologyRevision.objects.exists()


# --- methodology_revise ------------------------------------------------------------------------


def test_a_revision_creates_version_2_with_reason_actor_and_snapshots(
    published, inspector, django_capture_on_commit_callbacks
):
    before = methodology_state(published)
    generation = public_cache.generation()
    bands = current_bands(published)
    bands[1] |= {"lower_bound": "72.5", "label_en": "Watch out"}
    with django_capture_on_commit_callbacks(execute=True):
        revision = revise(published, inspector, bands=bands, tolerance="0.03")
    assert revision.version == 2
    assert revision.reason == "KPK mengoreksi bobot kelompok"
    assert revision.actor == inspector
    assert revision.before == before
    assert revision.after == methodology_state(published)
    published.refresh_from_db()
    assert published.weight_internal == Decimal("0.3000")
    assert published.tolerance == Decimal("0.03")
    assert current_bands(published)[1]["lower_bound"] == "72.50"
    assert current_bands(published)[1]["label_en"] == "Watch out"
    assert public_cache.generation() == generation + 1
    assert published.history.first().history_user == inspector
    assert selectors.methodology_version(published) == 2


def test_bands_can_move_past_each_others_old_bounds(published, inspector):
    # 0/73/78 -> 0/78/85: the middle band takes the top band's old bound
    bands = current_bands(published)
    bands[1]["lower_bound"], bands[2]["lower_bound"] = "78", "85"
    revise(published, inspector, weights=None, bands=bands)
    assert [b["lower_bound"] for b in current_bands(published)] == ["0.00", "78.00", "85.00"]
    bands = current_bands(published)
    bands[1]["lower_bound"], bands[2]["lower_bound"] = "60", "78"
    revise(published, inspector, weights=None, bands=bands)
    assert [b["lower_bound"] for b in current_bands(published)] == ["0.00", "60.00", "78.00"]


def test_the_public_page_and_open_data_show_the_revision(
    client, published, inspector, django_capture_on_commit_callbacks
):
    assert "Metodologi versi" not in client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        revise(published, inspector, reason="Bobot <b>dikoreksi</b> KPK")
    page = client.get("/?lang=en").content.decode()
    assert "Methodology version 2" in page
    assert "Bobot &lt;b&gt;dikoreksi&lt;/b&gt; KPK" in page
    assert "inspector" not in page
    document = json.loads(client.get("/data/2024/methodology.json").content)
    assert document["methodology_version"] == 2
    [revision] = document["revisions"]
    assert revision["version"] == 2
    assert revision["reason"] == "Bobot <b>dikoreksi</b> KPK"
    assert revision["after"]["weights"] == NEW_WEIGHTS
    assert revision["before"]["weights"]["internal"] == "0.3046"
    assert document["weights"]["internal"] == "0.3000"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": "  "}, "Say why"),
        ({"weights": {"internal": "0.5"}}, "add up to 1"),
        ({"weights": {"internal": "-0.1", "external": "0.5", "expert": "0.6"}}, "negative"),
        ({"weights": {"internal": "NaN"}}, "must be a number"),
        ({"weights": {"internal": "0.30461", "external": "0.32789"}}, "decimal places"),
        ({"tolerance": "abc"}, "must be a number"),
        ({"expected_version": 5}, "changed meanwhile"),
    ],
)
def test_a_bad_revision_is_refused_and_changes_nothing(published, inspector, changes, message):
    before = methodology_state(published)
    with pytest.raises(ValidationError, match=message):
        revise(published, inspector, **changes)
    assert methodology_state(published) == before
    assert not MethodologyRevision.objects.exists()


def _bands_with(survey_round, position, **values):
    bands = current_bands(survey_round)
    bands[position] |= values
    return bands


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        (lambda r: _bands_with(r, 0, lower_bound="5"), "must start at 0"),
        (lambda r: _bands_with(r, 2, lower_bound="73"), "overlap"),
        (lambda r: _bands_with(r, 2, lower_bound="100"), "below 100"),
        (lambda r: _bands_with(r, 1, colour="red"), "hex colour"),
        (lambda r: current_bands(r)[:2], "keeps the round's 3 categories"),
    ],
)
def test_bad_bands_are_refused_and_change_nothing(published, inspector, bands, message):
    before = methodology_state(published)
    with pytest.raises(ValidationError, match=message):
        revise(published, inspector, weights=None, bands=bands(published))
    assert methodology_state(published) == before
    assert not MethodologyRevision.objects.exists()


def test_a_revision_that_changes_nothing_is_refused(published, inspector):
    with pytest.raises(ValidationError, match="nothing to revise"):
        revise(published, inspector, weights=methodology_state(published)["weights"])
    assert not MethodologyRevision.objects.exists()


def test_a_revision_without_an_actor_is_refused(published):
    with pytest.raises(ValueError, match="needs an actor"):
        revise(published, None)
    assert not MethodologyRevision.objects.exists()


# --- the methodology page ----------------------------------------------------------------------


def page_data(survey_round, **changes) -> dict:
    data = {
        "version": selectors.methodology_version(survey_round),
        "weight_internal": "0,3000",
        "weight_external": "0,3300",
        "weight_expert": "0,3700",
        "tolerance": "0,02",
        "reason": "Koreksi bobot dari KPK",
    }
    for position, band in enumerate(current_bands(survey_round)):
        data |= {f"band_{position}_{name}": value for name, value in band.items()}
        data[f"band_{position}_lower_bound"] = band["lower_bound"].replace(".", ",")
    return data | changes


def methodology_url(year=2024):
    return reverse("surveys:round_methodology", args=[year])


def test_the_inspectorate_sees_the_methodology_and_records_a_version(
    inspector_client, published, inspector
):
    page = inspector_client.get(methodology_url())
    assert page.status_code == 200
    assert page.context["version"] == 1
    response = inspector_client.post(methodology_url(), page_data(published))
    assert response.status_code == 302
    revision = published.methodology_revisions.get()
    assert (revision.version, revision.actor, revision.reason) == (
        2,
        inspector,
        "Koreksi bobot dari KPK",
    )
    published.refresh_from_db()
    assert published.weight_external == Decimal("0.3300")
    page = inspector_client.get(methodology_url()).content.decode()
    assert "Bobot kelompok Eksternal" in page  # the change by name, not `weights.external`
    assert "weights.external" not in page
    assert "0,3300" in page and "0.3300" not in page  # numbers in the page's language
    assert "Koreksi bobot dari KPK" in page


def test_the_page_refuses_a_change_without_reason_or_with_bad_weights(inspector_client, published):
    before = methodology_state(published)
    for changes in ({"reason": ""}, {"weight_expert": "0,4000"}, {"band_0_lower_bound": "1"}):
        response = inspector_client.post(methodology_url(), page_data(published, **changes))
        assert response.status_code == 200
        assert response.context["form"].errors
    assert methodology_state(published) == before
    assert not MethodologyRevision.objects.exists()


def test_a_stale_page_does_not_overwrite_a_newer_version(inspector_client, published, inspector):
    stale = page_data(published, weight_internal="0,3100", weight_external="0,3225")
    stale["weight_expert"] = "0,3675"
    revise(published, inspector)
    response = inspector_client.post(methodology_url(), stale)
    assert response.status_code == 200
    assert published.methodology_revisions.count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_only_the_inspectorate_reaches_the_methodology_page(
    head_a_client, client, published, method
):
    nobody = Client()
    nobody.force_login(get_user_model().objects.create_user("nobody", password=PASSWORD))
    for refused in (head_a_client, nobody):
        response = getattr(refused, method)(methodology_url(), page_data(published))
        assert response.status_code in (403, 404)
    response = getattr(client, method)(methodology_url(), page_data(published))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    assert not MethodologyRevision.objects.exists()


def test_the_round_page_links_the_methodology_page_for_the_inspectorate(
    inspector_client, head_a_client, published
):
    link = f'href="{methodology_url()}"'
    assert (
        link in inspector_client.get(reverse("surveys:round_detail", args=[2024])).content.decode()
    )
    head_page = head_a_client.get(reverse("surveys:round_detail", args=[2024]))
    assert link not in head_page.content.decode()


def test_dimensions_of_a_published_round_change_only_as_a_revision(published, inspector):
    dimensions = methodology_state(published)["dimensions"]
    dimensions[0] |= {"name_en": "Openness"}
    revision = revise(published, inspector, weights=None, dimensions=dimensions)
    assert Dimension.objects.get(round=published, code=dimensions[0]["code"]).name_en == "Openness"
    assert [c["field"] for c in selectors.methodology_changes(revision.before, revision.after)] == [
        f"dimensions.{dimensions[0]['code']}.name_en"
    ]
