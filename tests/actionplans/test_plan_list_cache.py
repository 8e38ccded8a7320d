"""The plan list's filter and roll-up come from the cache: the same HTML and figures as computed
in full, fresh after every write."""

import pytest
from django.urls import reverse
from django.utils import translation

from actionplans import services
from actionplans.forms import PlanFilterForm
from tests.factories import make_plan, submit

# the filter and roll-up caches inside the page, with the page content built on every request
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("content_uncached")]

URL = reverse("actionplans:plan_list")


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?round=2024",
        "?round=all&opd=DINKES",
        "?opd=DISDIK&status=active&state=overdue",
        "?round=2024&indicator=TRN&overdue=on",
        "?indicator=OLD-CODE&overdue=false",
        "?status=nonsense",
        "?page=2",
    ],
)
def test_the_cached_filter_is_the_form_rendered_in_full(
    inspector_client, inspector, round_2024, opd_a, opd_b, query
):
    inspector_client.get(URL + query)  # fills the cache
    response = inspector_client.get(URL + query)
    data = response.context["form"].data or None
    with translation.override(response["Content-Language"]):
        full = PlanFilterForm(data, user=inspector)._render_fields()
    assert response.context["filter_fields"] == full


def test_an_opd_head_is_offered_only_their_own_opd_from_the_cache_too(
    head_a_client, inspector_client, round_2024, opd_a, opd_b
):
    inspector_client.get(URL)
    head_a_client.get(URL)
    fields = head_a_client.get(URL).context["filter_fields"]
    assert 'value="DINKES"' in fields
    assert 'value="DISDIK"' not in fields


def test_the_roll_up_follows_an_accepted_report(
    inspector_client, inspector, head_a, round_2024, opd_a
):
    plan = make_plan(round_2024, opd_a)
    assert inspector_client.get(URL).context["rollup"].progress is None
    report = submit(plan, head_a, percent=40)
    services.report_accept(actor=inspector, report=report)
    rollup = inspector_client.get(URL).context["rollup"]
    assert (rollup.progress, rollup.left_out) == (40, 0)
