from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actionplans import notifications, services
from actionplans.models import Notification, NotificationKind, UserPreference
from tests.conftest import PASSWORD
from tests.factories import make_plan, planner, submit

pytestmark = pytest.mark.django_db

BASE = "https://spi.test"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.PORTAL_BASE_URL = BASE + "/"


@pytest.fixture
def cast(opd_a, opd_b, head_a, head_b, inspector, dual_role):
    """Addresses for everyone; a second inspector; OPD A has its own address."""
    opd_a.email = "dinkes@opd.test"
    opd_a.save()
    head_a.email, head_b.email, inspector.email = "a@opd.test", "b@opd.test", "apip@insp.test"
    dual_role.email = "dual@opd.test"
    second = get_user_model().objects.create_user("inspector2", "apip2@insp.test", PASSWORD)
    second.groups.add(Group.objects.get(name="Inspektorat"))
    for user in (head_a, head_b, inspector, dual_role):
        user.save()
    return {"second": second}


def to(mailoutbox, address):
    return [message for message in mailoutbox if address in message.to]


def addresses(mailoutbox):
    return sorted(address for message in mailoutbox for address in message.to)


def test_a_submitted_report_mails_each_verifier_allowed_to_verify_it(
    plan_a, head_a, cast, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(plan_a, head_a)
    # not the reporter, not the dual-role inspector of OPD A (separation of duties), not OPD B
    assert addresses(mailoutbox) == ["apip2@insp.test", "apip@insp.test"]
    (message,) = to(mailoutbox, "apip@insp.test")
    assert f"{BASE}/plans/reports/{report.pk}/verify/" in message.body
    assert "SOP layanan" in message.body and "50%" in message.body
    assert f"{BASE}/accounts/preferences/" in message.body
    kinds = set(Notification.objects.values_list("recipient__username", "kind"))
    assert ("inspector", NotificationKind.REPORT_SUBMITTED) in kinds
    assert ("dual_role", NotificationKind.REPORT_SUBMITTED) not in kinds


def test_no_mail_leaves_before_the_commit_nor_after_a_refused_write(
    plan_a, head_b, cast, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        submit(plan_a, head_b)  # OPD B does not report on OPD A's plan
    assert mailoutbox == []
    assert not Notification.objects.filter(kind=NotificationKind.REPORT_SUBMITTED).exists()


def test_a_returned_report_mails_the_owner_opd_members_and_its_address_with_the_note(
    report_a, inspector, cast, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.report_return(actor=inspector, report=report_a, note="Lampirkan SK Bupati")
    assert addresses(mailoutbox) == ["a@opd.test", "dinkes@opd.test", "dual@opd.test"]
    (message,) = to(mailoutbox, "a@opd.test")
    assert "Lampirkan SK Bupati" in message.body
    assert f"{BASE}/plans/{report_a.plan_id}/" in message.body
    assert to(mailoutbox, "b@opd.test") == []


def test_an_accepted_report_mails_the_owner_opd_only(
    report_a, inspector, cast, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.report_accept(actor=inspector, report=report_a, note="Bagus")
    assert addresses(mailoutbox) == ["a@opd.test", "dinkes@opd.test", "dual@opd.test"]
    (message,) = to(mailoutbox, "a@opd.test")
    assert "accepted" in message.body and "Bagus" in message.body
    assert f"{BASE}/plans/{report_a.plan_id}/" in message.body
    assert Notification.objects.get(recipient__username="head_a").kind == "report_accepted"


def test_a_plan_created_for_an_opd_mails_its_members(
    round_2024, opd_b, cast, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        plan = make_plan(round_2024, opd_b, title="Rekrutmen terbuka")
    assert addresses(mailoutbox) == ["b@opd.test"]
    assert f"{BASE}/plans/{plan.pk}/" in mailoutbox[0].body
    assert "Rekrutmen terbuka" in mailoutbox[0].body
    assert Notification.objects.get().kind == NotificationKind.PLAN_ASSIGNED


def test_a_plan_moved_to_another_opd_mails_the_new_owner(
    plan_a, opd_b, cast, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_update(
            actor=planner(), plan=plan_a, version=plan_a.version, fields={"owner_opd": opd_b}
        )
        services.plan_update(
            actor=planner(), plan=plan_a, version=plan_a.version, fields={"title": "Baru"}
        )
    assert addresses(mailoutbox) == ["b@opd.test"]  # the title edit tells nobody


def test_the_actor_is_not_told_of_their_own_assignment(
    round_2024, opd_a, dual_role, cast, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_plan(round_2024, opd_a, actor=dual_role)  # an inspector who is also of OPD A
    assert to(mailoutbox, "dual@opd.test") == []
    assert to(mailoutbox, "a@opd.test")


def test_a_user_who_turned_mails_off_gets_no_mail_but_the_notification(
    report_a, inspector, head_a, cast, mailoutbox, django_capture_on_commit_callbacks
):
    services.preferences_update(actor=head_a, email_notifications=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_return(actor=inspector, report=report_a, note="Kurang bukti")
    assert to(mailoutbox, "a@opd.test") == []
    assert to(mailoutbox, "dinkes@opd.test")  # the OPD's own address is not a person's choice
    assert Notification.objects.filter(recipient=head_a, kind="report_returned").exists()


def test_the_preferences_page_turns_mails_off_and_on(head_a_client, head_a):
    url = reverse("preferences")
    page = head_a_client.get(url)
    assert page.context["form"].initial["email_notifications"] is True
    assert head_a_client.post(url, {"language": "en"}).status_code == 302
    assert UserPreference.objects.get(user=head_a).email_notifications is False
    head_a_client.post(url, {"language": "en", "email_notifications": "on"})
    assert UserPreference.objects.get(user=head_a).email_notifications is True


# --- the list in the portal ---------------------------------------------------------------------


def _notify(user, count, *, plan):
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind=NotificationKind.PLAN_ASSIGNED,
            params={"plan": f"Rencana {n}", "opd": "Dinkes", "year": 2024},
            plan=plan,
            created_at=now - timedelta(minutes=n),
        )
        for n in range(count)
    )


def test_the_menu_shows_the_unread_count_and_the_list_puts_unread_first(
    head_a_client, head_a, head_b, plan_a
):
    Notification.objects.all().delete()  # the test's own rows only (the plan told head A)
    _notify(head_a, 3, plan=plan_a)
    _notify(head_b, 5, plan=plan_a)
    oldest = Notification.objects.filter(recipient=head_a).order_by("created_at").first()
    services.notifications_mark_read(actor=head_a, ids=[oldest.pk])
    response = head_a_client.get(reverse("actionplans:notifications"))
    assert response.context["unread_notifications"] == 2
    entries = response.context["entries"]
    assert [entry["notification"].is_read for entry in entries] == [False, False, True]
    assert entries[0]["link"] == f"/plans/{plan_a.pk}/"
    assert "Rencana 0" in entries[0]["text"]
    assert len(entries) == 3  # head B's are not shown


def test_mark_read_and_mark_all_read_are_posts_on_ones_own_notifications_only(
    head_a_client, head_a, head_b, plan_a
):
    _notify(head_a, 3, plan=plan_a)
    _notify(head_b, 2, plan=plan_a)
    url = reverse("actionplans:notifications_mark_read")
    theirs = Notification.objects.filter(recipient=head_b).first()
    mine = Notification.objects.filter(recipient=head_a).first()
    assert head_a_client.get(url).status_code == 405
    head_a_client.post(url, {"notification": [mine.pk, theirs.pk]})
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.is_read and not theirs.is_read
    head_a_client.post(url, {"all": "1"})
    assert not Notification.objects.filter(recipient=head_a, read_at=None).exists()
    assert Notification.objects.filter(recipient=head_b, read_at=None).count() == 2
    assert Notification.objects.count() >= 5  # marked read, never deleted


def _list_queries(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("actionplans:notifications"))
    assert response.status_code == 200
    return len(captured), len(response.context["entries"])


# session, user, count (pagination), page, unread count (menu and page), the generations (the
# permissions and the menu's OPD name are cached under them)
NOTIFICATION_LIST_QUERIES = 6


def test_the_notification_list_issues_the_same_number_of_queries_at_1x_and_10x(
    head_a_client, head_a, plan_a
):
    Notification.objects.all().delete()
    _notify(head_a, 4, plan=plan_a)
    _list_queries(head_a_client)  # warm: the permissions cached
    assert _list_queries(head_a_client) == (NOTIFICATION_LIST_QUERIES, 4)
    _notify(head_a, 36, plan=plan_a)
    assert _list_queries(head_a_client) == (NOTIFICATION_LIST_QUERIES, 40)


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(reverse("actionplans:notifications"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_decided_report_no_longer_waits_in_the_verifiers_lists(cast, report_a, inspector):
    second = cast["second"]
    assert Notification.objects.unread().filter(recipient=second, report=report_a).exists()
    services.report_accept(actor=inspector, report=report_a)
    waiting = Notification.objects.filter(report=report_a, kind=NotificationKind.REPORT_SUBMITTED)
    assert waiting.count() == 3 and not waiting.unread().exists()  # kept, marked read


def test_the_subject_names_the_plan_and_a_failing_mail_server_leaves_the_write_saved(
    report_a, inspector, cast, mailoutbox, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def refuse(self, messages):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_return(actor=inspector, report=report_a, note="Kurang bukti")
    report_a.refresh_from_db()
    assert report_a.status == "returned"
    assert "Notification mail" in caplog.text
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        submit(report_a.plan, report_a.reporter)
    assert mailoutbox[0].subject == "[SPI] Report waiting for verification: SOP layanan"


def test_user_text_is_escaped_in_the_list(head_a_client, head_a, plan_a):
    Notification.objects.create(
        recipient=head_a,
        kind=NotificationKind.REPORT_RETURNED,
        params={"plan": "<script>alert(1)</script>", "percent": 10, "note": "<b>x</b>"},
        plan=plan_a,
    )
    content = head_a_client.get(reverse("actionplans:notifications")).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;" in content and "&lt;b&gt;x&lt;/b&gt;" in content


def test_a_draft_assigned_to_an_opd_is_announced_once_not_again_when_it_becomes_active(
    round_2024, opd_b, head_b, cast, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        plan = make_plan(round_2024, opd_b, status="draft", title="Rekrutmen terbuka")
    assert addresses(mailoutbox) == ["b@opd.test"]  # the OPD sees its drafts: it completes them
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_update(
            actor=planner(), plan=plan, version=plan.version, fields={"status": "active"}
        )
        plan.refresh_from_db()
        services.plan_update(
            actor=planner(), plan=plan, version=plan.version, fields={"title": "Rekrutmen"}
        )
    assert addresses(mailoutbox) == ["b@opd.test"]
    assert Notification.objects.filter(recipient=head_b, plan=plan).count() == 1


def test_an_acceptance_at_a_lower_percent_says_the_percent_accepted(report_a, cast):
    [told, *_] = notifications.report_accepted(report_a, percent=40)
    text = notifications.notification_text(told.kind, told.params)
    assert "40%" in text and "50%" not in text


def test_each_mail_is_written_in_its_recipients_language(
    plan_a, head_a, inspector, cast, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.LANGUAGE_CODE = "id"  # the portal's language, for anyone who never chose
    services.preferences_update(actor=inspector, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        submit(plan_a, head_a)
    (english,) = to(mailoutbox, "apip@insp.test")
    (indonesian,) = to(mailoutbox, "apip2@insp.test")
    assert english.subject.startswith("[SPI] Report waiting for verification")
    assert indonesian.subject.startswith("[SPI] ") and "Report waiting" not in indonesian.subject
    assert english.subject.split(": ", 1)[1] == indonesian.subject.split(": ", 1)[1]
