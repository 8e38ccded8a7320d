from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command

from actionplans import services
from actionplans.models import ProgressReport, ReminderLog
from actionplans.reminders import reminders_send
from tests.factories import make_plan, submit

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 2)
JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def scene(round_2024, opd_a, opd_b, head_a, head_b, inspector):
    head_a.email, head_b.email, inspector.email = "a@opd.test", "b@opd.test", "apip@insp.test"
    for user in (head_a, head_b, inspector):
        user.save()
    overdue = make_plan(round_2024, opd_a, title="SOP perizinan", due_date=date(2025, 5, 1))
    due_soon = make_plan(round_2024, opd_a, title="Kanal pengaduan", due_date=date(2025, 6, 10))
    make_plan(round_2024, opd_a, title="Jauh di depan", due_date=date(2025, 12, 31))
    returned = submit(due_soon, head_a, percent=40)
    services.report_return(actor=inspector, report=returned, note="Lampirkan SK Bupati")
    other = make_plan(round_2024, opd_b, title="Rekrutmen terbuka", due_date=date(2025, 12, 31))
    old = submit(other, head_b, percent=20)
    recent = submit(other, head_b, percent=30)
    ProgressReport.objects.filter(pk=old.pk).update(
        submitted_at=datetime(2025, 5, 20, 9, tzinfo=JAKARTA)
    )
    ProgressReport.objects.filter(pk=recent.pk).update(
        submitted_at=datetime(2025, 5, 30, 9, tzinfo=JAKARTA)
    )
    return {"overdue": overdue, "due_soon": due_soon, "old": old, "recent": recent}


def _mail_to(address):
    return [message for message in mail.outbox if address in message.to]


def test_the_opd_digest_lists_overdue_due_soon_and_returned_items_of_that_opd_only(scene):
    reminders_send(today=TODAY)
    (digest,) = _mail_to("a@opd.test")
    assert "SOP perizinan" in digest.body
    assert "Kanal pengaduan" in digest.body
    assert "Lampirkan SK Bupati" in digest.body
    assert "Jauh di depan" not in digest.body
    assert "Rekrutmen terbuka" not in digest.body
    assert f"/plans/{scene['overdue'].pk}/" in digest.body


def test_an_opd_with_nothing_to_act_on_gets_no_mail(scene):
    reminders_send(today=TODAY)
    assert _mail_to("b@opd.test") == []


def test_the_inspectorate_digest_lists_reports_pending_more_than_7_days(scene):
    reminders_send(today=TODAY)
    (digest,) = _mail_to("apip@insp.test")
    assert f"/plans/reports/{scene['old'].pk}/verify/" in digest.body
    assert f"/plans/reports/{scene['recent'].pk}/verify/" not in digest.body


def test_running_twice_on_one_day_sends_nothing_new(scene):
    first = reminders_send(today=TODAY)
    sent = len(mail.outbox)
    second = reminders_send(today=TODAY)
    assert sent == 2 and len(first["sent"]) == 2
    assert len(mail.outbox) == sent
    assert second["sent"] == [] and len(second["already_sent"]) == 2
    assert ReminderLog.objects.count() == 2


def test_the_next_day_sends_again(scene):
    reminders_send(today=TODAY)
    reminders_send(today=TODAY + timedelta(days=1))
    assert len(mail.outbox) == 4


def test_the_command_reports_what_it_sent(scene, capsys):
    call_command("send_reminders", "--date", TODAY.isoformat(), "--actor", "inspector")
    call_command("send_reminders", "--date", TODAY.isoformat(), "--actor", "inspector")
    output = capsys.readouterr().out
    assert "2 sent, 0 already sent today" in output
    assert "0 sent, 2 already sent today" in output


def test_a_dry_run_shows_each_digests_recipients_and_full_text_and_sends_nothing(scene, capsys):
    call_command("send_reminders", "--date", TODAY.isoformat(), "--actor", "inspector", "--dry-run")
    output = capsys.readouterr().out
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()
    assert "would send: Dinkes (3 items)" in output
    assert "To: a@opd.test" in output
    assert "To: apip@insp.test" in output
    assert "Subject: [SPI] Action plans of Dinkes" in output
    # the whole text of each mail, as it would leave
    assert "| - SOP perizinan" in output and "Lampirkan SK Bupati" in output
    assert f"/plans/reports/{scene['old'].pk}/verify/" in output
    assert "2 would be sent" in output and "nothing was sent" in output
    # and a real run afterwards still sends both: the dry run recorded nothing
    reminders_send(today=TODAY)
    assert len(mail.outbox) == 2


def test_the_digests_list_overdue_milestones_with_their_quarter(scene, inspector):
    services.milestone_create(actor=inspector, plan=scene["due_soon"], title="SK tim", quarter=1)
    reminders_send(today=TODAY)
    (opd,) = _mail_to("a@opd.test")
    (inspectorate,) = _mail_to("apip@insp.test")
    for digest in (opd, inspectorate):
        assert "SK tim (due Q1 2025)" in digest.body
