"""The self-run survey end to end in a real browser: the Inspectorate creates a campaign, opens it
and prints a unit's QR poster; two citizens answer on their phones, without JavaScript, through
the link the poster carries; the recomputation runs as a background job; the OPD map shows the
unit's score."""

import re
import subprocess

import pytest

from selfsurvey.models import BackgroundJob, Campaign, Response

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _create_campaign(page, opd):
    page.goto("/survei-mandiri/kampanye/baru/")
    page.fill("#id_name", "Survei uji jalan")
    for box in page.locator("input[name=opds]").all():
        if box.get_attribute("value") != str(opd.pk):
            box.uncheck()
    for group in ("internal", "expert"):
        page.uncheck(f"input[name=groups][value={group}]")
    page.fill("#id_min_cell_size", "2")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    return Campaign.objects.get(name="Survei uji jalan")


def _print_poster(page, tmp_path):
    page.locator("#campaign-units a:has-text('Poster')").first.click()
    page.wait_for_load_state()
    assert page.locator(".poster svg").count() == 1  # the QR code, drawn inline
    pdf = tmp_path / "poster.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = re.search(r"^Pages:\s+(\d+)$", info.stdout, re.M).group(1)
    assert pages == "1", info.stdout
    short_url = page.inner_text(".poster-url").strip()
    return "/" + short_url.split("/", 1)[1]


def _answer(phone, link, choice):
    phone.goto(link)
    phone.locator("button:has-text('Mulai')").click()
    while True:
        assert "Halaman" in phone.inner_text("#progress-text")
        for question in phone.locator("fieldset.question").all():
            radios = question.locator("input[type=radio]")
            answers = radios.count() - 1  # the last one is "tidak tahu"
            radios.nth(min(choice, answers - 1)).check()
        send = phone.locator("button[name=go][value=send]")
        if send.count():
            send.click()
            break
        phone.locator("button[name=go][value=next]").click()
    assert "/terima-kasih/" in phone.url


def test_from_printing_a_qr_poster_to_the_opd_map(
    page, new_context, log_in, inspector, methodology, opd_a, opd_b, settings, tmp_path
):
    settings.TASKS = IMMEDIATE
    log_in(page, inspector.username)
    campaign = _create_campaign(page, opd_a)
    assert list(campaign.units.values_list("opd__code", "group")) == [("DINKES", "external")]
    page.locator("button:has-text('Buka')").click()
    page.wait_for_load_state()
    link = _print_poster(page, tmp_path)

    for choice in (3, 1):  # "Sangat setuju" / "Tidak setuju" on the 1-4 items
        phone = new_context(java_script_enabled=False, viewport=PHONE).new_page()
        _answer(phone, link, choice)
    assert Response.objects.filter(campaign=campaign).count() == 2

    page.goto(f"/survei-mandiri/kampanye/{campaign.pk}/")
    page.locator("#campaign-areas button[type=submit]").click()
    page.wait_for_load_state()
    assert BackgroundJob.objects.get(campaign=campaign).state == BackgroundJob.State.DONE
    assert "Selesai" in page.inner_text("main")

    page.goto(f"/survei-mandiri/kampanye/{campaign.pk}/")
    page.locator("#campaign-areas a:has-text('Peta integritas')").click()
    page.wait_for_load_state()
    opd_row = page.locator("#integrity-map tbody tr", has_text="Dinas Kesehatan")
    cells = opd_row.locator("td.heat-cell:not(.heat-missing)")
    assert cells.count() >= 2  # the external aggregate and its dimensions
    assert opd_row.locator("[data-suppressed]").count() == 0
