"""The respondent form in a real browser on a 390 px phone with JavaScript off: intro, the code,
every page, the comment, the thank-you page; big touch targets, no sideways scroll."""

import datetime

import pytest
from django.utils import timezone

from selfsurvey import answer_codec, collection
from selfsurvey.models import Campaign, CampaignStatus, Response
from tests.selfsurvey.world import make_campaign, unit_of

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
PAGE_WIDTH = "[document.documentElement.scrollWidth, window.innerWidth]"
SMALLEST_CHOICE = (
    "Math.min(...[...document.querySelectorAll('label.choice, main button')]"
    ".map((el) => el.getBoundingClientRect().height))"
)


@pytest.fixture
def internal(inspector, opd_a):
    campaign = make_campaign(inspector, [opd_a])
    today = timezone.localdate()
    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.OPEN,
        period_start=today,
        period_end=today + datetime.timedelta(days=7),
    )
    return unit_of(campaign, opd_a, "internal")


def test_an_internal_respondent_answers_on_a_phone_without_javascript(
    new_context, page_watch, internal, inspector
):
    code = collection.codes_issue(actor=inspector, unit=internal, count=1)[0]
    survey = collection.survey_form(internal)
    page = new_context(java_script_enabled=False, viewport=PHONE).new_page()
    page.goto(f"/survei-mandiri/isi/{internal.link_token}/")
    assert page.locator("html").get_attribute("lang") == "id"
    page.fill("input[name=code]", code.lower())
    page.locator("main button[type=submit]").click()

    chosen = {}
    for number, items in enumerate(survey.pages, start=1):
        assert page.locator("progress").get_attribute("value") == str(number)
        assert page.locator("progress").get_attribute("max") == str(len(survey.pages))
        assert page.evaluate(PAGE_WIDTH)[0] <= PHONE["width"]
        assert page.evaluate(SMALLEST_CHOICE) >= 44
        for item in items:
            options = collection.answer_options(item)
            value = options[number % len(options)][0]
            page.locator(f"label[for=id_q_{item.code}_{number % len(options)}]").click()
            chosen[item.code] = value
        if number < len(survey.pages):
            page.locator("button[value=next]").click()
    page.fill("textarea[name=comment]", "Tolong perbaiki SOP")
    page.locator("button[value=send]").click()

    assert "/terima-kasih/" in page.url
    assert page.locator("h1").inner_text()
    assert page.evaluate(PAGE_WIDTH)[0] <= PHONE["width"]
    stored = Response.objects.get()
    matrix = answer_codec.decode([stored.answers], survey.width)
    assert {item.code: int(matrix[0, item.position]) for item in survey.items} == chosen
    assert stored.comment == "Tolong perbaiki SOP"
    assert page_watch.console_errors == []


def test_the_form_pages_have_no_serious_accessibility_violation(
    axe_page, axe_violations, internal, inspector
):
    code = collection.codes_issue(actor=inspector, unit=internal, count=1)[0]
    axe_page.set_viewport_size(PHONE)
    axe_page.goto(f"/survei-mandiri/isi/{internal.link_token}/")
    assert axe_violations(axe_page) == []
    axe_page.fill("input[name=code]", "ACDE-FGHJ")  # refused: the intro with its error
    axe_page.locator("main button[type=submit]").click()
    assert axe_page.locator("[aria-invalid=true]").count() == 1
    assert axe_violations(axe_page) == []
    axe_page.fill("input[name=code]", code)
    axe_page.locator("main button[type=submit]").click()
    assert axe_page.locator("progress").count() == 1
    assert axe_violations(axe_page) == []
