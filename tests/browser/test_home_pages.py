"""The first page after login for each role, in a real browser at a phone's width: the
Inspectorate's work desk links the work of every round, the OPD's cards link every active
plan, and neither page scrolls sideways at 390 px."""

from datetime import date, timedelta

import pytest

from actionplans import services
from surveys.models import RoundStatus
from tests.factories import make_plan, submit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
LATER = date.today() + timedelta(days=200)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def work(methodology, bartim_2024, opd_a, opd_b, head_a, inspector):
    """Reports waiting and late plans and milestones in SPI 2024 and SPI 2025."""
    bartim_2024.round.status = RoundStatus.PUBLISHED
    bartim_2024.round.save(update_fields=["status"])
    waiting, late_plans, late_milestones = [], [], []
    for survey_round in (methodology[2024], methodology[2025]):
        year = survey_round.year
        late = make_plan(
            survey_round,
            opd_a,
            title=f"Seleksi terbuka JPT pratama berbasis sistem merit {year}",
            due_date=date(2025, 6, 30),
        )
        late_plans.append(late)
        waiting.append(submit(late, head_a))
        on_time = make_plan(survey_round, opd_a, title=f"Pengumuman RUP {year}", due_date=LATER)
        late_milestones.append(
            services.milestone_create(
                actor=inspector,
                plan=on_time,
                title=f"Triwulan I {year}",
                due_date=date(2025, 3, 31),
            )
        )
        returned = submit(on_time, head_a, percent=40)
        services.report_return(
            actor=inspector,
            report=returned,
            note="Lampirkan SK penetapan yang sudah ditandatangani",
        )
    return {"waiting": waiting, "late_plans": late_plans, "late_milestones": late_milestones}


def _fits_a_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def test_the_inspectors_first_page_links_every_waiting_report_and_late_work_of_every_round(
    new_context, log_in, inspector, work
):
    page = new_context(viewport=PHONE).new_page()
    log_in(page, inspector.username)
    assert page.url.endswith("/plans/desk/")
    for report in work["waiting"]:
        assert page.locator(f"a[href$='/plans/reports/{report.pk}/verify/']").count() == 1
    for plan in work["late_plans"]:
        assert page.locator(f"#overdue-plans ~ ul a[href$='/plans/{plan.pk}/']").count() == 1
    for milestone in work["late_milestones"]:
        link = page.locator(f"a[href$='/plans/{milestone.plan_id}/#milestones']")
        assert link.count() == 1
    assert page.inner_text("#menu-waiting-count").startswith("2")
    _fits_a_phone(page)
    page.locator("#count-overdue-plans").click()
    page.wait_for_url("**/plans/?state=overdue&round=all")
    for plan in work["late_plans"]:
        assert page.locator(f"main a[href$='/plans/{plan.pk}/']").count() == 1


def test_the_heads_first_page_is_a_card_per_plan_with_one_report_button(
    new_context, log_in, head_a, opd_a, work
):
    page = new_context(viewport=PHONE).new_page()
    log_in(page, head_a.username)
    assert page.url.endswith("/plans/mine/")
    assert opd_a.name in page.inner_text("#opd-name")
    assert page.locator("article.plan-card").count() == 4
    for plan in (*work["late_plans"], *(m.plan for m in work["late_milestones"])):
        card = page.locator("article.plan-card", has=page.locator(f"a[href$='/plans/{plan.pk}/']"))
        assert card.locator(f"a[href*='/plans/{plan.pk}/report/']").count() == 1
    returned_card = page.locator("article.plan-card", has_text="Pengumuman RUP 2024")
    assert "Lampirkan SK penetapan" in returned_card.inner_text()
    assert "Triwulan I 2024" in returned_card.inner_text()
    _fits_a_phone(page)
