import gzip
import re
from datetime import date

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db import connection
from django.shortcuts import resolve_url
from django.test import Client
from django.test.utils import CaptureQueriesContext

from actionplans import services as plan_services
from spi_portal import public_bytes
from surveys import services as survey_services
from tests.factories import make_plan, submit
from tests.public_world import (
    NEVER_PUBLIC,
    build_world,
    public_urls,
)

pytestmark = pytest.mark.django_db

FIRST_VIEW_BUDGET = 150 * 1024
# pinned: the same for one plan and for many (1 is the generation, 2 the current round;
# 3 more since the page lists the recommendations, the plans' recommendations and the
# indicator scores)
PUBLIC_PAGE_QUERIES = 13


@pytest.fixture
def world(methodology, home, opd_a):
    return build_world(methodology, home, opd_a)


def page_text(client, url="/", **extra) -> str:
    response = client.get(url, **extra)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("url", public_urls())
def test_anonymous_visitors_can_open_every_public_url(client, world, url):
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", [*public_urls(), *public_urls(2023), "/?lang=en", "/2024/?lang=en"])
def test_draft_rounds_hidden_plans_and_internal_text_never_appear(client, world, url):
    content = client.get(url).content.decode()
    for secret in NEVER_PUBLIC:
        assert secret not in content, f"{secret!r} leaked on {url}"


def test_the_page_shows_the_latest_published_round_in_indonesian_number_format(client, world):
    content = page_text(client)
    assert '<html lang="id">' in content
    assert '<span class="index">67,78</span>' in content
    assert "Rentan" in content
    assert "SPI 2024" in content
    assert "0,3046 × 66,93 + 0,3279 × 84,27 + 0,3675 × 56,79 − 1,12 − 0,00" in content
    assert "<strong>67,77</strong>" in content


def test_an_earlier_round_has_its_own_stable_url(client, world):
    content = page_text(client, "/2023/")
    assert '<span class="index">69,52</span>' in content
    assert '<link rel="canonical" href="/2023/">' in content


def test_the_round_selector_leads_to_the_stable_url(client, world):
    response = client.get("/", {"year": "2023"})
    assert response.status_code == 302
    assert response["Location"] == "/2023/"
    assert client.get("/", {"year": "dua ribu"}).status_code == 404


@pytest.mark.parametrize("url", ["/2025/", "/1999/", "/?year=2025"])
def test_a_draft_or_unknown_year_answers_404(client, world, url):
    response = client.get(url, follow=True)
    assert response.status_code == 404


def test_the_trend_lists_every_published_round_with_national_figures(client, world):
    content = page_text(client)
    trend = content[content.index('id="trend"') :]
    assert re.search(
        r"SPI 2023</a></th><td>69,52</td><td>Rentan</td><td>70,97</td><td>74,00", trend
    )
    assert re.search(
        r"SPI 2024</a></th><td>67,78</td><td>Rentan</td><td>71,53</td><td>74,00", trend
    )
    assert '<svg viewBox="0 0 640 240" role="img" aria-labelledby=' in trend


def test_public_plans_show_verified_progress_due_date_status_and_overdue(client, world):
    content = page_text(client)
    plans = content[content.index('id="plans"') :]
    assert "Publikasi SOP layanan perizinan" in plans
    assert "Kanal pengaduan daring" in plans
    assert "<h3>Dinas Kesehatan</h3>" in plans
    assert 'value="40.00"' in plans or 'value="40"' in plans
    assert "31 Des 2025" in plans
    assert plans.count('<strong class="overdue">') == 1
    english = page_text(client, "/?lang=en")
    assert "1 of 2 (50%) answered by a plan that is done and verified" in english


def test_user_text_is_escaped(client, world):
    content = page_text(client)
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in content


def test_the_page_needs_no_script_and_no_inline_style(client, world):
    content = page_text(client)
    assert "<script" not in content
    assert "style=" not in content


def test_the_page_is_accessible_without_javascript(client, world):
    content = page_text(client)
    assert content.count("<h1>") == 1
    assert '<label for="round-year">' in content and '<select id="round-year"' in content
    assert '<a class="skip" href="#content">' in content
    assert '<title id="trend-chart-title">' in content
    assert '<progress max="100"' in content and 'aria-labelledby="progress-' in content
    assert 'class="category-badge band-c62828"' in content


def test_lang_en_renders_english_and_is_remembered(client, world):
    content = page_text(client, "/?lang=en")
    assert '<html lang="en">' in content
    assert '<span class="index">67.78</span>' in content
    assert "Vulnerable" in content
    assert "KPK's published index is authoritative." in content
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<span class="index">67.78</span>' in page_text(client, "/2024/")


def test_the_page_is_indonesian_whatever_the_browser_prefers(client, world):
    content = page_text(client, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="id">' in content
    assert '<span class="index">67,78</span>' in content


def test_the_language_cookie_of_set_language_is_honoured(client, world):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert '<html lang="en">' in page_text(client)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    assert '<html lang="id">' in page_text(client)


def test_the_cached_page_costs_one_query_until_a_round_is_published(
    client, world, methodology, inspector, django_assert_num_queries
):
    assert "SPI 2025" not in page_text(client)
    with django_assert_num_queries(1):  # the publication generation, read from the database
        assert "SPI 2024" in page_text(client)

    survey_services.round_publish(survey_round=methodology[2025], actor=inspector)
    assert '<span class="index">45,67</span>' in page_text(client)

    survey_services.round_unpublish(
        survey_round=methodology[2025], actor=inspector, reason="Data dikoreksi KPK"
    )
    assert '<span class="index">67,78</span>' in page_text(client)


def test_accepting_a_report_on_a_public_plan_drops_the_cached_page(
    client, world, head_a, inspector, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    plan = world.public_plan
    assert 'value="40.00"' in page_text(client)
    report = submit(plan, head_a, percent=70)
    with django_capture_on_commit_callbacks(execute=True):
        plan_services.report_accept(actor=inspector, report=report, note="Catatan verifikator")
    content = page_text(client)
    assert 'value="70.00"' in content
    for private in ("inspector", "head_a", "Catatan verifikator", "SOP disusun", ".pdf"):
        assert private not in content


def _page_queries(client) -> int:
    cache.clear()
    public_bytes.forget()
    with CaptureQueriesContext(connection) as queries:
        page_text(client)
    return len(queries)


def test_the_page_query_count_does_not_grow_with_plans(client, world, methodology, opd_b):
    assert _page_queries(client) == PUBLIC_PAGE_QUERIES
    for number in range(6):
        make_plan(
            methodology[2024],
            opd_b,
            title=f"Rencana publik {number}",
            show_on_public_page=True,
            due_date=date(2026 + number, 1, 1),
        )
    assert _page_queries(client) == PUBLIC_PAGE_QUERIES
    assert "Rencana publik 5" in page_text(client)


def _gzip_size(content: bytes) -> int:
    return len(gzip.compress(content, compresslevel=6))


def test_the_first_view_is_under_150_kb_transferred(client, world):
    page = client.get("/").content
    bands = client.get("/rounds/bands.css").content
    stylesheet = open(finders.find("css/public.css"), "rb").read()
    total = sum(_gzip_size(part) for part in (page, bands, stylesheet))
    assert total < FIRST_VIEW_BUDGET
    assert len(page) + len(bands) + len(stylesheet) < FIRST_VIEW_BUDGET


def test_the_page_works_before_anything_is_published(client, db):
    content = page_text(client, "/?lang=en")
    assert "No survey results have been published yet." in content


def test_the_staff_landing_page_moved_off_the_public_root(inspector_client):
    anonymous = Client()
    response = anonymous.get("/staff/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert inspector_client.get("/staff/")["Location"] == "/plans/desk/"
    assert resolve_url(settings.LOGIN_REDIRECT_URL) == "/staff/"


def test_the_public_page_is_sent_compressed_to_browsers_that_accept_gzip(client):
    response = client.get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert len(response.content) < 6 * 1024
