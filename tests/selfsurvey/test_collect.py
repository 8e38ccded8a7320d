"""The respondent web form, single-use codes, the open links' rate limit and the printouts."""

import datetime
import re
from urllib.parse import unquote

import pytest
from django.apps import apps
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from selfsurvey import answer_codec, collection
from selfsurvey.forms_collect import FormState
from selfsurvey.models import (
    AccessCode,
    Campaign,
    CampaignStatus,
    CampaignUnit,
    Response,
    ResponseChannel,
)
from tests.selfsurvey.world import make_campaign, unit_of

pytestmark = pytest.mark.django_db

STATE = re.compile(r'name="state" value="([^"]+)"')


@pytest.fixture
def open_campaign(inspector, opd_a, opd_b):
    """A campaign over OPDs A and B, open and collecting today, without responses."""
    campaign = make_campaign(inspector, [opd_a, opd_b])
    today = timezone.localdate()
    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.OPEN,
        period_start=today - datetime.timedelta(days=1),
        period_end=today + datetime.timedelta(days=30),
    )
    campaign.refresh_from_db()
    return campaign


@pytest.fixture
def external(open_campaign, opd_a):
    return unit_of(open_campaign, opd_a, "external")


@pytest.fixture
def internal(open_campaign, opd_a):
    return unit_of(open_campaign, opd_a, "internal")


def form_url(unit, query=""):
    url = reverse("selfsurvey:respond", kwargs={"token": unit.link_token})
    return f"{url}?{query}" if query else url


def state_of(response) -> str:
    return STATE.search(response.content.decode()).group(1)


def answers_for(unit) -> dict[str, int]:
    """One answer per item of the unit's group, cycling through each item's values, the "don't
    know" value included."""
    form = collection.survey_form(unit)
    chosen = {}
    for number, item in enumerate(form.items):
        values = sorted(collection.allowed_values(item))
        chosen[item.code] = values[number % len(values)]
    return chosen


def fill_in(client, unit, answers, *, code=None, comment="", query=""):
    """Walk the form page by page as a browser without JavaScript does; the last answer page's
    response (before sending) and the answer to sending it."""
    start = {"code": code} if code else {}
    page = client.post(form_url(unit, query), start)
    assert page.status_code == 200, page.content.decode()[:2000]
    survey = collection.survey_form(unit)
    for number, items in enumerate(survey.pages, start=1):
        last = number == len(survey.pages)
        data = {"state": state_of(page), "go": "send" if last else "next"}
        data |= {f"q_{item.code}": answers[item.code] for item in items if item.code in answers}
        if last:
            data["comment"] = comment
            return page, client.post(form_url(unit), data)
        page = client.post(form_url(unit), data)
        assert page.status_code == 200


def decoded(response_row, unit) -> dict[str, int]:
    survey = collection.survey_form(unit)
    matrix = answer_codec.decode([response_row.answers], survey.width)
    return {
        item.code: int(matrix[0, item.position])
        for item in survey.items
        if matrix[0, item.position] == matrix[0, item.position]  # not NaN
    }


# --- the whole form ------------------------------------------------------------------------------


def test_a_respondent_fills_every_page_and_one_response_holds_exactly_what_was_posted(
    client, external
):
    answers = answers_for(external)
    intro = client.get(form_url(external))
    assert intro.status_code == 200
    assert b'method="post"' in intro.content
    _last_page, sent = fill_in(client, external, answers, comment="Antrean terlalu lama")
    assert sent.status_code == 302
    thanks = reverse("selfsurvey:respond_thanks", kwargs={"token": external.link_token})
    assert sent["Location"].startswith(thanks)
    assert client.get(sent["Location"]).status_code == 200
    stored = Response.objects.get()
    assert stored.unit == external and stored.channel == ResponseChannel.WEB
    assert decoded(stored, external) == answers
    assert stored.comment == "Antrean terlalu lama"
    assert stored.received_slot.minute % 10 == 0 and stored.received_slot.second == 0
    assert 0 <= stored.duration_seconds < 60


def test_going_back_shows_the_earlier_answers_and_keeps_them(client, internal, inspector):
    code = collection.codes_issue(actor=inspector, unit=internal, count=1)[0]
    survey = collection.survey_form(internal)
    first, second = survey.pages[0][0], survey.pages[1][0]
    page1 = client.post(form_url(internal), {"code": code})
    page2 = client.post(
        form_url(internal), {"state": state_of(page1), "go": "next", f"q_{first.code}": 3}
    )
    back = client.post(
        form_url(internal), {"state": state_of(page2), "go": "back", f"q_{second.code}": 2}
    )
    checked = re.search(rf'name="q_{first.code}" value="3"[^>]*checked', back.content.decode())
    assert checked
    state = FormState.loads(internal.link_token, state_of(back))
    assert state.answers == {first.code: 3, second.code: 2} and state.page == 0


def test_the_progress_indicator_says_which_page_of_how_many(client, internal, inspector):
    code = collection.codes_issue(actor=inspector, unit=internal, count=1)[0]
    pages = len(collection.survey_form(internal).pages)
    assert pages == 3  # 13 internal questions, about five a page
    page1 = client.post(form_url(internal), {"code": code})
    page2 = client.post(form_url(internal), {"state": state_of(page1), "go": "next"})
    with translation.override("id"):
        text = gettext("Page %(page_number)s of %(page_count)s") % {
            "page_number": 2,
            "page_count": 3,
        }
    assert text in page2.content.decode()
    assert b'<progress max="3" value="2"' in page2.content


def test_every_question_is_optional_but_an_empty_form_is_not_sent(client, external):
    _page, sent = fill_in(client, external, {})
    assert sent.status_code == 200
    with translation.override("id"):
        assert gettext("Answer at least one question before sending.") in sent.content.decode()
    assert not Response.objects.exists()
    _page, sent = fill_in(client, external, {collection.survey_form(external).items[-1].code: 1})
    assert sent.status_code == 302 and Response.objects.count() == 1


def test_the_dont_know_value_is_an_option_of_every_question(client, external):
    page = client.post(form_url(external))
    for item in collection.survey_form(external).pages[0]:
        for value in item.dont_know_values:
            assert f'name="q_{item.code}" value="{value}"' in page.content.decode()


# --- anonymity -----------------------------------------------------------------------------------


def test_the_form_sets_no_cookie_but_the_csrf_token_and_stores_no_session(client, external):
    from django.contrib.sessions.models import Session

    set_cookies = set()
    answers = answers_for(external)
    first = client.get(form_url(external))
    set_cookies |= set(first.cookies)
    _page, sent = fill_in(client, external, answers)
    thanks = client.get(sent["Location"])
    set_cookies |= set(sent.cookies) | set(thanks.cookies)
    assert set_cookies <= {"csrftoken"}
    assert not Session.objects.exists()
    assert "no-store" in first["Cache-Control"] or "no-cache" in first["Cache-Control"]


def test_a_response_row_holds_no_address_and_no_exact_time():
    names = {f.name for f in Response._meta.get_fields()}
    assert not {n for n in names if "ip" in n.split("_") or "address" in n or "created" in n}
    times = [f.name for f in Response._meta.get_fields() if isinstance(f, models.DateTimeField)]
    assert times == ["received_slot"]


def test_no_table_links_a_code_to_a_response_or_a_time():
    fields = AccessCode._meta.get_fields()
    assert {f.name for f in fields} == {"id", "unit", "code_hash", "used"}
    assert not [f for f in fields if isinstance(f, models.DateField | models.TimeField)]
    assert [f.related_model for f in fields if f.is_relation] == [CampaignUnit]
    pointing_at_codes = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.is_relation and not field.auto_created and field.related_model is AccessCode
    ]
    assert not pointing_at_codes  # nothing (a response least of all) refers to a code


def all_stored_text() -> str:
    return "\n".join(
        repr(list(model._base_manager.values_list())) for model in apps.get_models()
    ).upper()


def test_the_database_holds_no_plain_code(inspector, internal):
    issued = collection.codes_issue(actor=inspector, unit=internal, count=20)
    assert len(set(issued)) == 20
    assert all(re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code) for code in issued)
    text = all_stored_text()
    for code in issued:
        assert code not in text and code.replace("-", "") not in text
    assert AccessCode.objects.count() == 20 and not AccessCode.objects.filter(used=True).exists()


# --- single-use codes ---------------------------------------------------------------------------


def test_a_valid_code_works_once_and_its_second_use_stores_nothing(client, inspector, internal):
    code = collection.codes_issue(actor=inspector, unit=internal, count=1)[0]
    answers = answers_for(internal)
    _page, sent = fill_in(client, internal, answers, code=code.lower().replace("-", " "))
    assert sent.status_code == 302 and Response.objects.count() == 1
    assert AccessCode.objects.get().used

    again = Client().post(form_url(internal), {"code": code})
    assert again.status_code == 200
    assert "sudah pernah dipakai" in again.content.decode()
    assert b'name="state"' not in again.content
    assert Response.objects.count() == 1


def test_two_forms_started_with_one_code_store_only_the_first(inspector, internal):
    code = collection.codes_issue(actor=inspector, unit=internal, count=1)[0]
    answers = answers_for(internal)
    first, second = Client(), Client()
    first_page = first.post(form_url(internal), {"code": code})
    second_page = second.post(form_url(internal), {"code": code})
    assert first_page.status_code == second_page.status_code == 200
    survey = collection.survey_form(internal)
    last = {"go": "send"} | {f"q_{item.code}": answers[item.code] for item in survey.items}
    state1 = FormState.loads(internal.link_token, state_of(first_page))
    state2 = FormState.loads(internal.link_token, state_of(second_page))
    for state in (state1, state2):
        state.page = len(survey.pages) - 1
    sent1 = first.post(form_url(internal), last | {"state": state1.dumps(internal.link_token)})
    sent2 = second.post(form_url(internal), last | {"state": state2.dumps(internal.link_token)})
    assert sent1.status_code == 302
    assert sent2.status_code == 409
    assert "Tidak ada yang disimpan" in sent2.content.decode()
    assert Response.objects.count() == 1


def test_an_unknown_code_or_a_code_of_another_unit_is_refused(client, inspector, internal):
    other_opd_unit = internal.campaign.units.exclude(opd=internal.opd).get(group="internal")
    code = collection.codes_issue(actor=inspector, unit=other_opd_unit, count=1)[0]
    for attempt in ("ACDE-FGHJ", code, ""):
        answer = client.post(form_url(internal), {"code": attempt})
        assert answer.status_code == 200 and b'name="state"' not in answer.content
    with pytest.raises(collection.CodeRefused):
        collection.response_submit(
            unit=internal, answers={}, comment="x", started_at=timezone.now(), code=code
        )
    assert not Response.objects.exists()


def test_guessing_codes_is_stopped_after_thirty_wrong_ones_an_hour(client, inspector, internal):
    code = collection.codes_issue(actor=inspector, unit=internal, count=1)[0]
    for number in range(collection.CODE_GUESS_LIMIT):
        wrong = client.post(form_url(internal), {"code": f"ACDE-{number:04d}"})
        assert wrong.status_code == 200 and b'name="state"' not in wrong.content
    stopped = client.post(form_url(internal), {"code": code})
    assert stopped.status_code == 429
    assert not AccessCode.objects.get().used
    elsewhere = Client(REMOTE_ADDR="10.1.2.3").post(form_url(internal), {"code": code})
    assert elsewhere.status_code == 200 and b'name="state"' in elsewhere.content


def test_only_the_inspectorate_issues_codes_and_only_for_internal_units(
    inspector, head_a, internal, external
):
    with pytest.raises(PermissionDenied):
        collection.codes_issue(actor=head_a, unit=internal, count=5)
    with pytest.raises(ValidationError):
        collection.codes_issue(actor=inspector, unit=external, count=5)
    with pytest.raises(ValidationError):
        collection.codes_issue(actor=inspector, unit=internal, count=0)
    assert not AccessCode.objects.exists()


def test_the_code_sheet_shows_the_new_codes_once_with_their_csv(inspector_client, internal):
    url = reverse("selfsurvey:codes", kwargs={"pk": internal.pk})
    assert inspector_client.get(url).status_code == 200
    sheet = inspector_client.post(url, {"count": 3})
    assert sheet.status_code == 201
    assert "no-store" in sheet["Cache-Control"]
    text = sheet.content.decode()
    codes = re.findall(r'class="slip-code">([A-Z0-9-]+)<', text)
    assert len(codes) == 3
    assert {collection.code_hash(code) for code in codes} == set(
        AccessCode.objects.values_list("code_hash", flat=True)
    )
    assert internal.opd.name in text and collection.form_url(internal).split("://")[1] in text
    csv_href = re.search(r'href="data:text/csv;charset=utf-8,([^"]+)"', text).group(1)
    csv_text = unquote(csv_href.replace("&amp;", "&"))
    assert all(code in csv_text for code in codes)
    later = inspector_client.get(url).content.decode()
    assert not any(code in later for code in codes)
    with translation.override("id"):
        counts = gettext("Issued so far: %(issued)s, used: %(used)s.")
    assert counts % {"issued": 3, "used": 0} in later


def test_an_external_unit_has_no_code_sheet(inspector_client, external):
    url = reverse("selfsurvey:codes", kwargs={"pk": external.pk})
    assert inspector_client.get(url).status_code == 404


# --- the open links' rate limit ------------------------------------------------------------------


def test_the_eleventh_submission_from_one_address_in_an_hour_is_refused(client, external):
    key = collection.client_key("127.0.0.1")  # the test client's address
    answers = answers_for(external)
    for _ in range(collection.OPEN_LINK_LIMIT):
        collection.response_submit(
            unit=external, answers=answers, started_at=timezone.now(), client_key=key
        )
    assert Response.objects.count() == 10
    refused = client.post(form_url(external))
    assert refused.status_code == 429
    with pytest.raises(collection.TooManySubmissions):
        collection.response_submit(
            unit=external, answers=answers, started_at=timezone.now(), client_key=key
        )
    assert Response.objects.count() == 10
    other_address = collection.client_key("10.0.0.7")
    collection.response_submit(
        unit=external, answers=answers, started_at=timezone.now(), client_key=other_address
    )
    assert Response.objects.count() == 11


def test_a_form_sent_over_the_limit_answers_429_and_stores_nothing(client, external):
    answers = answers_for(external)
    for _ in range(collection.OPEN_LINK_LIMIT):
        _page, sent = fill_in(client, external, answers)
        assert sent.status_code == 302
    survey = collection.survey_form(external)
    state = FormState.begin(language="id")
    state.page = len(survey.pages) - 1
    data = {"state": state.dumps(external.link_token), "go": "send"}
    data |= {f"q_{item.code}": 1 for item in survey.pages[-1] if item.scale_min <= 1}
    sent = client.post(form_url(external), data)
    assert sent.status_code == 429
    assert Response.objects.count() == collection.OPEN_LINK_LIMIT


def test_the_cache_holds_no_address(client, external):
    from django.core.cache import cache

    fill_in(client, external, answers_for(external))
    keys = list(cache._cache.keys())  # the local-memory cache of the tests
    assert keys and not any("127.0.0.1" in key for key in keys)


# --- refusals ------------------------------------------------------------------------------------


def test_a_tampered_or_foreign_state_is_refused_and_nothing_is_stored(client, external, opd_b):
    page = client.post(form_url(external))
    state = state_of(page)
    survey = collection.survey_form(external)
    item = survey.pages[0][0]
    tampered = state[:-3] + ("AAA" if not state.endswith("AAA") else "BBB")
    for forged in (tampered, "not-signed", ""):
        answer = client.post(form_url(external), {"state": forged, "go": "send"})
        assert answer.status_code == 400
    other_unit = unit_of(external.campaign, opd_b, "external")
    foreign = client.post(form_url(other_unit), {"state": state, f"q_{item.code}": 1, "go": "send"})
    assert foreign.status_code == 400
    assert not Response.objects.exists()


def test_a_closed_or_draft_campaign_shows_the_closed_page_and_takes_nothing(
    client, external, inspector
):
    page = client.post(form_url(external))
    Campaign.objects.filter(pk=external.campaign_id).update(status=CampaignStatus.CLOSED)
    for answer in (client.get(form_url(external)), client.post(form_url(external))):
        assert answer.status_code == 200
        assert b'name="state"' not in answer.content
    survey = collection.survey_form(external)
    data = {"state": state_of(page), "go": "send"}
    data |= {f"q_{item.code}": 1 for item in survey.pages[0] if item.scale_min <= 1}
    client.post(form_url(external), data)
    Campaign.objects.filter(pk=external.campaign_id).update(
        status=CampaignStatus.OPEN, period_end=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert b'name="state"' not in client.get(form_url(external)).content
    with pytest.raises(collection.SubmissionRefused):
        external.refresh_from_db()
        collection.response_submit(
            unit=collection.unit_by_token(external.link_token),
            answers={survey.items[0].code: 1},
            started_at=timezone.now(),
        )
    assert not Response.objects.exists()


def test_an_unknown_link_is_not_found(client, db):
    assert client.get("/survei-mandiri/isi/no-such-link/").status_code == 404
    assert client.get("/survei-mandiri/isi/no-such-link/terima-kasih/").status_code == 404


def test_the_service_rejects_answers_outside_the_scale(external, internal):
    item = collection.survey_form(external).items[0]
    assert item.scale_min == 1 and item.scale_max == 4 and item.dont_know_values == [9]
    for wrong in (0, 5, 8, 10, 35, -1, "3", 2.5, True):
        with pytest.raises(ValidationError):
            collection.response_submit(
                unit=external, answers={item.code: wrong}, started_at=timezone.now()
            )
    internal_item = collection.survey_form(internal).items[0]
    with pytest.raises(ValidationError):  # a question of another group
        collection.response_submit(
            unit=external, answers={internal_item.code: 1}, started_at=timezone.now()
        )
    assert not Response.objects.exists()
    collection.response_submit(unit=external, answers={item.code: 9}, started_at=timezone.now())
    assert decoded(Response.objects.get(), external) == {item.code: 9}


def test_a_value_outside_the_choices_is_an_error_on_its_page(client, external):
    page = client.post(form_url(external))
    item = collection.survey_form(external).pages[0][0]
    again = client.post(
        form_url(external), {"state": state_of(page), "go": "next", f"q_{item.code}": 7}
    )
    assert again.status_code == 200
    assert FormState.loads(external.link_token, state_of(again)).page == 0


# --- languages -----------------------------------------------------------------------------------


def test_the_form_speaks_indonesian_by_default_and_english_on_request(client, external):
    item = collection.survey_form(external).pages[0][0]
    indonesian = client.post(form_url(external)).content.decode()
    assert item.wording_id in indonesian and "Sangat setuju" in indonesian
    assert 'lang="id"' in indonesian

    english = Client().post(form_url(external, "lang=en")).content.decode()
    assert item.wording_en in english and "Strongly agree" in english
    assert "Don&#x27;t know" in english
    assert '<html lang="en">' in english

    switched = client.post(
        form_url(external), {"state": STATE.search(indonesian).group(1), "lang": "en"}
    ).content.decode()
    assert item.wording_en in switched and "Page 1 of" in switched
    next_page = client.post(form_url(external), {"state": STATE.search(switched).group(1)})
    assert "Strongly agree" in next_page.content.decode()


def test_an_english_respondent_is_thanked_in_english_without_a_language_cookie(external):
    client = Client()
    _page, sent = fill_in(client, external, answers_for(external), query="lang=en")
    assert sent.status_code == 302 and sent["Location"].endswith("?lang=en")
    thanks = client.get(sent["Location"])
    assert '<html lang="en">' in thanks.content.decode() and not thanks.cookies


def test_the_intro_offers_a_language_link_and_says_it_is_anonymous(client, external):
    intro = client.get(form_url(external)).content.decode()
    assert "?lang=en" in intro
    english = client.get(form_url(external, "lang=en")).content.decode()
    assert "Anonymous." in english and "minutes" in english


# --- the poster ----------------------------------------------------------------------------------


def test_the_poster_holds_a_qr_code_of_the_absolute_form_address(
    inspector_client, head_a_client, external
):
    url = reverse("selfsurvey:poster", kwargs={"pk": external.pk})
    poster = inspector_client.get(url)
    assert poster.status_code == 200
    text = poster.content.decode()
    assert '<svg viewBox="' in text and 'class="qr"' in text
    assert collection.form_url(external).split("://")[1] in text
    assert collection.form_url(external).startswith("http")
    assert external.opd.name in text and external.campaign.name in text
    assert "<script" not in text.split("<main")[1].split("</main>")[0]
    assert head_a_client.get(url).status_code == 403


def test_the_state_carries_only_what_the_form_needs(external):
    state = FormState.begin(language="en")
    state.answers = {"E01": 2}
    text = state.dumps(external.link_token)
    payload = signing.loads(text, salt=f"selfsurvey.respond:{external.link_token}")
    assert set(payload) == {"t", "p", "l", "c", "a", "k"}
