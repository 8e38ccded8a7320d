"""Indicators are named, not coded: every page, export and document shows an indicator by its
name in the page's language with its code as a tag, and a gap says which band it is counted to."""

import csv
import io
import re
import subprocess

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from tests.conftest import in_english
from tests.factories import indicator_score, stored_plan

GAP_TO_WATCH = 'Expert 41.50</span> <span class="weak-gap text-nowrap">(gap to Watch: 31.50)</span>'


def tagged(name, code):
    """What the one indicator filter renders."""
    tag = '<span class="badge rounded-pill text-bg-light border indicator-code">'
    return f"{name} {tag}{code}</span>"


def indonesian_gap(band, gap):
    with translation.override("id"):
        return translation.gettext("gap to %(band)s: %(gap)s") % {"band": band, "gap": gap}


@pytest.fixture
def weak_pbj(bartim_2024):
    """The home institution's expert score on PBJ, 41.50: 31.50 below Waspada (73), the band
    above its index 67.78 (Rentan); TRN at 80 is not weak."""
    survey_round = bartim_2024.round
    dimensions = {d.code: d for d in survey_round.dimensions.all()}
    for code, group, score in [("PBJ", "expert", "41.50"), ("TRN", "internal", "80")]:
        indicator_score(survey_round, bartim_2024.institution, code, score, group=group)
    return dimensions["PBJ"]


def test_the_dashboard_names_a_weak_point_with_its_code_and_labelled_gap(
    inspector_client, weak_pbj
):
    html = inspector_client.get(reverse("dashboard"), {"year": 2024}).content.decode()
    assert tagged(weak_pbj.name_id, "PBJ") in html
    assert indonesian_gap("Waspada", "31,50") in html
    assert "kesenjangan" not in html
    english = in_english(inspector_client).get(reverse("dashboard"), {"year": 2024})
    html = english.content.decode()
    assert tagged(weak_pbj.name_en, "PBJ") in html
    assert GAP_TO_WATCH in html


def test_the_round_follow_up_and_meeting_name_the_weak_indicator(inspector_client, weak_pbj):
    for url in (
        reverse("actionplans:round_followup", args=[2024]),
        reverse("actionplans:round_meeting", args=[2024]),
    ):
        html = in_english(inspector_client).get(url).content.decode()
        assert tagged(weak_pbj.name_en, "PBJ") in html, url
        assert "gap to Watch: 31.50" in html, url


def test_the_follow_up_report_names_indicators_in_its_weak_points_and_plan_table(
    inspector_client, weak_pbj, opd_a
):
    stored_plan(weak_pbj.round, opd_a, "Reformasi pengadaan", indicator=weak_pbj)
    html = inspector_client.get(reverse("followup_report", args=[2024])).content.decode()
    weak_table = html[html.index('id="r-weak"') : html.index('id="r-plans"')]
    gap = indonesian_gap("Waspada", "31,50")
    assert f"<td>{tagged(weak_pbj.name_id, 'PBJ')}</td>" in weak_table
    assert f'<td class="weak-gap">{gap}</td>' in weak_table
    table = html[html.index('id="r-plans"') :]
    assert f"<td>{tagged(weak_pbj.name_id, 'PBJ')}</td>" in table


def test_the_follow_up_pdf_names_the_indicator_and_its_gap(inspector_client, weak_pbj, opd_a):
    stored_plan(weak_pbj.round, opd_a, "Reformasi pengadaan", indicator=weak_pbj)
    url = reverse("followup_report", args=[2024])
    response = in_english(inspector_client).get(url, {"format": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())
    weak = flat[flat.index("Weak points") :]
    assert "Procurement of goods and services PBJ" in weak
    assert "gap to Watch: 31.50" in weak
    assert "services PBJ" in flat[flat.rindex("Action plans") :]  # the plan table, in columns


def test_the_follow_up_xlsx_names_indicators_beside_their_codes(inspector_client, weak_pbj, opd_a):
    stored_plan(weak_pbj.round, opd_a, "Reformasi pengadaan", indicator=weak_pbj)
    url = reverse("followup_report", args=[2024])
    response = in_english(inspector_client).get(url, {"format": "xlsx"})
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    for sheet, code_column, name_column in (
        ("Action plans", "Indicators", "Indicator names"),
        ("Weak points", "Indicator", "Indicator name"),
    ):
        header = [c.value for c in workbook[sheet][1]]
        row = [c.value for c in workbook[sheet][2]]
        assert header.index(name_column) == header.index(code_column) + 1
        named = (row[header.index(code_column)], row[header.index(name_column)])
        assert named == ("PBJ", weak_pbj.name_en), sheet


def test_the_plan_export_has_an_indicator_name_column_beside_the_codes(
    inspector_client, weak_pbj, opd_a
):
    trn = weak_pbj.round.dimensions.get(code="TRN")
    plan = stored_plan(weak_pbj.round, opd_a, "Dua indikator", indicator=weak_pbj)
    plan.indicators.add(trn)
    response = in_english(inspector_client).get(reverse("actionplans:plan_export", args=["csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, row = rows[0], rows[1]
    assert header.index("indicator_names") == header.index("indicator_codes") + 1
    assert row[header.index("indicator_codes")] == "PBJ;TRN"
    assert row[header.index("indicator_names")] == f"{weak_pbj.name_en}; {trn.name_en}"


def _options(html):
    select = re.search(r'<select name="indicator"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)


def test_the_plan_list_filter_chooses_the_rounds_indicators_by_name(
    inspector_client, weak_pbj, opd_a
):
    survey_round = weak_pbj.round
    trn = survey_round.dimensions.get(code="TRN")
    stored_plan(survey_round, opd_a, "Rencana pengadaan", indicator=weak_pbj)
    stored_plan(survey_round, opd_a, "Rencana transparansi", indicator=trn)
    url = reverse("actionplans:plan_list")
    html = in_english(inspector_client).get(url, {"round": 2024}).content.decode()
    options = _options(html)
    dimensions = survey_round.dimensions.all()
    assert {value for value, _, _ in options} == {""} | {d.code for d in dimensions}
    assert (
        "PBJ",
        "",
        f"{weak_pbj.name_en} (PBJ)",
    ) in options
    labels = [label for value, _, label in options if value]
    assert labels == sorted(labels, key=str.casefold)
    # the value is the code, so links that typed it keep working
    response = in_english(inspector_client).get(url, {"round": 2024, "indicator": "PBJ"})
    assert [p.title for p in response.context["page"]] == ["Rencana pengadaan"]
    assert ("PBJ", " selected", f"{weak_pbj.name_en} (PBJ)") in _options(response.content.decode())
    assert tagged(weak_pbj.name_en, "PBJ") in response.content.decode()


def test_a_code_no_round_has_still_filters_and_stays_chosen(inspector_client, weak_pbj, opd_a):
    stored_plan(weak_pbj.round, opd_a, "Rencana pengadaan", indicator=weak_pbj)
    response = inspector_client.get(reverse("actionplans:plan_list"), {"indicator": "OLD"})
    assert response.context["form"].is_valid()
    assert list(response.context["page"]) == []
    assert ("OLD", " selected", "OLD") in _options(response.content.decode())


def test_plan_detail_and_form_name_the_indicator(inspector_client, weak_pbj, opd_a):
    plan = stored_plan(weak_pbj.round, opd_a, "Reformasi pengadaan", indicator=weak_pbj)
    detail = inspector_client.get(plan.get_absolute_url()).content.decode()
    assert tagged(weak_pbj.name_id, "PBJ") in detail
    form = (
        in_english(inspector_client)
        .get(reverse("actionplans:plan_edit", args=[plan.pk]))
        .content.decode()
    )
    assert tagged(weak_pbj.name_en, "PBJ") in form
    assert "gap to Watch: 31.50" in form


def test_the_round_follow_up_rolls_progress_up_per_named_indicator(
    inspector_client, weak_pbj, opd_a
):
    stored_plan(weak_pbj.round, opd_a, "Reformasi pengadaan", indicator=weak_pbj)
    response = in_english(inspector_client).get(reverse("actionplans:round_followup", args=[2024]))
    [row] = response.context["rollup_indicator"]
    assert (row.label.code, row.plans) == ("PBJ", 1)
    assert f'<th scope="row">{tagged(weak_pbj.name_en, "PBJ")}</th>' in response.content.decode()


def test_an_indicator_name_is_escaped_where_it_is_shown(inspector_client, weak_pbj, opd_a):
    weak_pbj.name_id = weak_pbj.name_en = '<script>alert("x")</script>'
    weak_pbj.save()
    stored_plan(weak_pbj.round, opd_a, "Reformasi pengadaan", indicator=weak_pbj)
    for url in (reverse("actionplans:plan_list"), reverse("dashboard") + "?year=2024"):
        html = inspector_client.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert tagged("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;", "PBJ") in html, url


def test_the_desk_names_a_weak_point_without_a_plan(inspector_client, weak_pbj, published_2024):
    html = in_english(inspector_client).get(reverse("actionplans:desk")).content.decode()
    assert f"<strong>{tagged(weak_pbj.name_en, 'PBJ')}</strong>" in html
    assert GAP_TO_WATCH in html
