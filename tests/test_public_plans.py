"""The public page for journalists: a page per public plan, the recommendations with their
follow-up, the plan filters, the published status scale, the default round and the favicon."""

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actionplans import services as plan_services
from actionplans.models import ActionPlan, PlanStatus
from spi_portal import public_bytes, public_scale
from spi_portal.selectors import progress_steps
from surveys import services as survey_services
from surveys.models import IndicatorScore
from tests.factories import make_plan, submit
from tests.public_world import build_world

pytestmark = pytest.mark.django_db

# the generation, the round (2, with its bands), the plan (2, with its indicators), its
# recommendations, milestones, accepted decisions and indicator scores
PLAN_PAGE_QUERIES = 9
# the public page of a year (no current-round lookup, 2) without the generation (a filtered
# page is not cached, 1): see PUBLIC_PAGE_QUERIES in test_public.py
FILTERED_PAGE_QUERIES = 10
STAFF_NAMES = ("Budi Verifikator", "Sari Pelapor", "head_a", "inspector", "planner")
SECRET_NOTE = "Catatan rahasia verifikator"


@pytest.fixture
def world(methodology, home, opd_a):
    return build_world(methodology, home, opd_a)


@pytest.fixture
def named_staff(inspector, head_a):
    for user, (first, last) in (
        (inspector, ("Budi", "Verifikator")),
        (head_a, ("Sari", "Pelapor")),
    ):
        user.first_name, user.last_name = first, last
        user.save()


@pytest.fixture
def reported_plan(world, inspector, head_a, named_staff, django_capture_on_commit_callbacks):
    """A public plan with two quarterly milestones (the first done), one report accepted, one
    returned and one waiting."""
    plan = world.public_plan
    ActionPlan.objects.filter(pk=plan.pk).update(due_date=date(2027, 6, 30), verified_progress=None)
    plan.refresh_from_db()
    first = plan_services.milestone_create(
        actor=inspector, plan=plan, title="SOP <b>ditetapkan</b>", quarter=1, year=2025
    )
    plan_services.milestone_create(
        actor=inspector, plan=plan, title="SOP diumumkan", quarter=2, year=2025
    )
    with django_capture_on_commit_callbacks(execute=True):
        accepted = submit(plan, head_a, percent=30, milestone=first, report_date=date(2025, 3, 20))
        plan_services.report_accept(actor=inspector, report=accepted, note="Bukti lengkap")
        returned = submit(plan, head_a, percent=60, report_date=date(2025, 6, 20))
        plan_services.report_return(actor=inspector, report=returned, note=SECRET_NOTE)
        submit(plan, head_a, percent=80, report_date=date(2025, 6, 25), revises=returned)
    plan.refresh_from_db()
    return plan


def page_text(client, url, **extra) -> str:
    response = client.get(url, **extra)
    assert response.status_code == 200, url
    return response.content.decode()


def plan_url(plan, year=2024) -> str:
    return f"/{year}/plans/{plan.pk}/"


def _queries(client, url) -> int:
    cache.clear()
    public_bytes.forget()
    with CaptureQueriesContext(connection) as queries:
        page_text(client, url)
    return len(queries)


# --- the published scale -----------------------------------------------------------------------

STARTED = date(2025, 1, 1)
BEFORE_START = date(2024, 12, 31)


@pytest.mark.parametrize(
    ("progress", "today", "level"),
    [
        (None, BEFORE_START, public_scale.NOT_STARTED),
        (None, STARTED, public_scale.NO_EVIDENCE),
        (Decimal("0"), STARTED, public_scale.NOT_STARTED),
        (Decimal("0.01"), STARTED, public_scale.LIMITED),
        (Decimal("49.99"), STARTED, public_scale.LIMITED),
        (Decimal("50"), STARTED, public_scale.SUBSTANTIAL),
        (Decimal("99.99"), STARTED, public_scale.SUBSTANTIAL),
        (Decimal("100"), STARTED, public_scale.COMPLETE),
        (Decimal("100"), BEFORE_START, public_scale.COMPLETE),
    ],
)
def test_the_status_scale_follows_verified_progress_and_the_start_date(progress, today, level):
    assert public_scale.plan_level(progress, STARTED, today) == level


def test_the_scale_is_published_in_order_with_english_and_indonesian_labels():
    levels = public_scale.scale()
    assert [str(level.label) for level in levels] == [
        "not started",
        "limited",
        "substantial",
        "complete",
        "no evidence",
    ]
    assert all(str(level.definition) for level in levels)


def _decision(day, percent, milestone=None, reported=None):
    moment = timezone.make_aware(datetime(2025, 1, day, 10))
    return {
        "decided_at": moment,
        "percent": percent,
        "report_date": reported or date(2025, 1, day),
        "milestone_id": milestone,
    }


class _Milestone:
    def __init__(self, pk, weight):
        self.pk, self.weight = pk, weight


def test_progress_over_time_is_the_share_of_verified_milestones_by_weight():
    milestones = [_Milestone(1, 1), _Milestone(2, 3)]
    steps = progress_steps([_decision(9, 90, 2), _decision(5, 20, 1)], milestones)
    assert [step["progress"] for step in steps] == [Decimal("25.00"), Decimal("100.00")]
    assert [step["percent"] for step in steps] == [20, 90]


def test_progress_over_time_without_milestones_keeps_the_latest_report_not_the_latest_decision():
    late_decision_of_an_older_report = _decision(20, 40, reported=date(2025, 1, 2))
    steps = progress_steps([_decision(10, 60), late_decision_of_an_older_report], [])
    assert [step["progress"] for step in steps] == [Decimal(60), Decimal(60)]


# --- a page per public plan --------------------------------------------------------------------


def test_a_public_plan_has_its_own_page_with_indicator_milestones_and_verified_history(
    client, reported_plan
):
    content = page_text(client, plan_url(reported_plan), data={"lang": "en"})
    assert "<h1>Publikasi SOP layanan perizinan</h1>" in content
    assert "Dinas Kesehatan" in content
    indicator = reported_plan.indicators.get()
    assert f'href="/2024/#indicator-{indicator.code.lower()}"' in content
    assert f'<code class="tag">{indicator.code}</code>' in content
    assert "Q1 2025</td><td>done (verified)" in content
    assert re.search(r"Q2 2025</td><td><strong class=\"overdue\">overdue", content)
    history = content[content.index('id="plan-history"') :]
    assert history.count('<tr><th scope="row"><time') == 1  # only the accepted report
    assert "30%</td><td>50%" in history  # 30% claimed and accepted; 1 of 2 milestones done
    assert "60%" not in history and "80%" not in history
    assert 'class="level level-substantial">Substantial' in content
    assert f'<time datetime="{timezone.localdate().isoformat()}">' in content  # last verified


def test_the_plan_page_names_no_staff_and_shows_no_verifier_note(client, reported_plan):
    for url in (plan_url(reported_plan), plan_url(reported_plan) + "?lang=en", "/", "/?lang=en"):
        content = page_text(client, url)
        for private in (*STAFF_NAMES, SECRET_NOTE, "Bukti lengkap", "SOP disusun", ".pdf"):
            assert private not in content, f"{private!r} on {url}"


def test_the_plan_page_escapes_user_text_and_needs_no_script(client, reported_plan):
    content = page_text(client, plan_url(reported_plan))
    assert "<script" not in content and "style=" not in content
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in content
    assert "SOP &lt;b&gt;ditetapkan&lt;/b&gt;" in content


def test_a_plan_the_public_may_not_see_has_no_page(client, world, methodology, opd_a):
    draft = ActionPlan.objects.get(title="Rencana masih draf")
    draft_round_plan = ActionPlan.objects.get(title="Rencana putaran draf")
    assert client.get(plan_url(world.hidden_plan)).status_code == 404
    assert client.get(plan_url(draft)).status_code == 404
    assert client.get(plan_url(draft_round_plan, 2025)).status_code == 404
    assert client.get(plan_url(world.public_plan, 2023)).status_code == 404
    assert client.get("/2024/plans/999999/").status_code == 404


def test_the_plan_page_costs_the_same_queries_for_one_step_and_for_ten(
    client, reported_plan, inspector, head_a, django_capture_on_commit_callbacks
):
    url = plan_url(reported_plan)
    assert _queries(client, url) == PLAN_PAGE_QUERIES
    with django_capture_on_commit_callbacks(execute=True):
        for year, quarter in [(2025, 3), (2025, 4), *((2026, q) for q in (1, 2, 3, 4)), (2027, 1)]:
            plan_services.milestone_create(
                actor=inspector,
                plan=reported_plan,
                title=f"Langkah {quarter} {year}",
                quarter=quarter,
                year=year,
            )
        for day in range(1, 10):
            report = submit(reported_plan, head_a, percent=30 + day, report_date=date(2025, 7, day))
            plan_services.report_accept(actor=inspector, report=report)
    assert _queries(client, url) == PLAN_PAGE_QUERIES
    history = page_text(client, url)
    assert history.count('<tr><th scope="row"><time') == 10


def test_a_new_milestone_of_a_public_plan_shows_on_its_cached_page(client, world, inspector):
    url = plan_url(world.public_plan)
    assert "Tim dibentuk" not in page_text(client, url)
    plan_services.milestone_create(
        actor=inspector, plan=world.public_plan, title="Tim dibentuk", quarter=3, year=2025
    )
    assert "Tim dibentuk" in page_text(client, url)


def test_the_public_page_links_each_plan_to_its_page_and_its_indicator_score(
    client, world, home, methodology
):
    indicator = world.public_plan.indicators.get()
    IndicatorScore.objects.create(
        round=methodology[2024],
        institution=home,
        group="internal",
        dimension=indicator,
        score=61.18,
    )
    content = page_text(client, "/")
    assert f'href="{plan_url(world.public_plan)}"' in content
    anchor = f"indicator-{indicator.code.lower()}"
    assert f'href="/2024/#{anchor}"' in content
    row = content[content.index(f'<tr id="{anchor}">') :]
    assert row[: row.index("</tr>")].count("61,18") == 1
    plan_page = page_text(client, plan_url(world.public_plan))
    assert f'href="/2024/#{anchor}"' in plan_page and "61,18" in plan_page


# --- recommendations and the follow-up --------------------------------------------------------


def test_every_recommendation_is_listed_with_its_follow_up_state(client, world):
    content = page_text(client, "/?lang=en")
    section = content[content.index('id="recommendations"') : content.index('id="plans"')]
    assert "1 of 2 (50%)" in section
    followed = section[
        section.index('id="recommendation-r1"') : section.index('id="recommendation-r2"')
    ]
    assert "Umumkan SOP" in followed and "follow-up-followed" in followed
    assert f'href="{plan_url(world.done_plan)}">Kanal pengaduan daring</a>' in followed
    without_plan = section[section.index('id="recommendation-r2"') :]
    assert "Perbaiki kanal pengaduan" in without_plan and "follow-up-no_plan" in without_plan
    assert "No plan yet" in without_plan


def test_a_recommendation_answered_by_a_hidden_plan_counts_but_links_no_hidden_plan(client, world):
    world.hidden_plan.recommendations.add(world.done_plan.recommendations.get())
    content = page_text(client, "/?lang=en")
    assert "Audit internal pegawai rahasia" not in content
    assert "2 plans active or done" in content


# --- filters without JavaScript ----------------------------------------------------------------


def _plan_titles(content) -> list[str]:
    plans = content[content.index('id="plans"') :]
    return re.findall(r'<h4><a href="/2024/plans/\d+/">([^<]+)</a></h4>', plans)


@pytest.fixture
def two_opds(world, methodology, opd_b):
    other = make_plan(
        methodology[2024],
        opd_b,
        title="Sosialisasi pungutan sekolah",
        show_on_public_page=True,
        start_date=date(2025, 1, 1),
        due_date=date(2027, 1, 1),
        indicators=list(methodology[2024].dimensions.order_by("-code")[:1]),
    )
    ActionPlan.objects.filter(pk=other.pk).update(verified_progress=Decimal("60"))
    return other


def test_the_plan_list_filters_by_opd_indicator_and_state_with_a_get_form(client, world, two_opds):
    content = page_text(client, "/")
    assert '<form method="get" action="/2024/#plans" class="plan-filter">' in content
    for name in ("opd", "dimension", "state"):
        assert f'<label for="filter-{name}">' in content and f'name="{name}"' in content
    assert len(_plan_titles(content)) == 3
    assert _plan_titles(page_text(client, "/2024/?opd=DISDIK")) == ["Sosialisasi pungutan sekolah"]
    code = two_opds.indicators.get().code
    assert _plan_titles(page_text(client, f"/2024/?dimension={code}")) == [
        "Sosialisasi pungutan sekolah"
    ]
    assert _plan_titles(page_text(client, "/2024/?state=complete")) == ["Kanal pengaduan daring"]
    assert _plan_titles(page_text(client, "/2024/?state=overdue")) == [
        "Publikasi SOP layanan perizinan"
    ]
    assert _plan_titles(page_text(client, "/2024/?state=substantial&opd=DINKES")) == []
    filtered = page_text(client, "/2024/?state=complete&lang=en")
    assert '<option value="complete" selected>Complete</option>' in filtered
    assert "1 of 3 public plans match the filter." in filtered


def test_an_unknown_filter_value_is_ignored_and_never_echoed(client, world):
    content = page_text(client, "/2024/", data={"opd": "<script>x</script>", "state": "rahasia"})
    assert "<script" not in content and "rahasia" not in content
    assert len(_plan_titles(content)) == 2


def test_the_round_picker_keeps_the_filters(client, world):
    response = client.get("/", {"year": "2023", "state": "overdue"})
    assert response["Location"] == "/2023/?state=overdue"


def test_a_filtered_page_costs_the_same_queries_for_one_plan_and_for_ten(
    client, world, methodology, opd_b
):
    url = "/2024/?state=overdue&opd=DINKES"
    assert _queries(client, url) == FILTERED_PAGE_QUERIES
    for number in range(9):
        plan = make_plan(
            methodology[2024], opd_b, title=f"Rencana {number}", show_on_public_page=True
        )
        plan.recommendations.add(*world.done_plan.recommendations.all())
    assert _queries(client, url) == FILTERED_PAGE_QUERIES
    assert len(_plan_titles(page_text(client, "/2024/?state=overdue"))) == 10


# --- overdue plans, the default round ----------------------------------------------------------


def test_an_overdue_public_plan_is_listed_as_overdue_not_hidden(client, world):
    content = page_text(client, "/?lang=en")
    plan = content[content.index("Publikasi SOP layanan perizinan") :]
    plan = plan[: plan.index("</article>")]
    assert '<strong class="overdue">overdue</strong>' in plan


def test_the_page_opens_on_the_current_follow_up_round_not_the_latest(
    client, world, methodology, inspector
):
    survey_services.round_publish(survey_round=methodology[2025], actor=inspector)
    ActionPlan.objects.filter(round=methodology[2025]).update(status=PlanStatus.CANCELLED)
    cache.clear()
    public_bytes.forget()
    assert '<link rel="canonical" href="/2024/">' in page_text(client, "/")  # 2025: no work
    survey_services.portal_settings_update(
        actor=inspector, version=1, current_round=methodology[2023]
    )
    assert '<link rel="canonical" href="/2023/">' in page_text(client, "/")


def test_the_demo_shows_its_overdue_plan_on_the_page_of_the_round_followed_up(client, db):
    from spi_portal.demo import demo_load

    demo_load()
    content = page_text(client, "/?lang=en")
    assert '<link rel="canonical" href="/2024/">' in content
    overdue = page_text(client, "/2024/?state=overdue&lang=en")
    assert _plan_titles(overdue) == ["Sosialisasi antikorupsi dan kanal pengaduan di sekolah"]
    assert "R-06" in content and "Plan being drafted" in content


# --- the favicon -------------------------------------------------------------------------------


def test_the_favicon_is_a_drawn_svg_served_at_favicon_ico_and_cached(client, world):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
    assert "max-age=604800" in response["Cache-Control"] and "public" in response["Cache-Control"]
    root = ET.parse(finders.find("favicon.svg")).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    icon = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
    assert icon in page_text(client, "/")
    assert icon in page_text(client, plan_url(world.public_plan))
