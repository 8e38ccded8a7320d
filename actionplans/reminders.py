"""Reminder digests: each OPD what it has to act on, the Inspectorate what waits too long."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from actionplans import selectors
from actionplans.models import OPD, ReminderKind, ReminderLog

INSPECTORATE_GROUP = "Inspektorat"


@dataclass(frozen=True)
class Digest:
    kind: str
    opd: OPD | None
    recipients: list[str]
    subject: str
    body: str
    items: int


def _opd_recipients(opd) -> list[str]:
    members = (
        get_user_model().objects.filter(opd_membership__opd=opd, is_active=True).exclude(email="")
    )
    emails = [opd.email] if opd.email else []
    return sorted(set(emails) | set(members.values_list("email", flat=True)))


def _inspectorate_recipients() -> list[str]:
    users = get_user_model().objects.filter(groups__name=INSPECTORATE_GROUP, is_active=True)
    return sorted(set(users.exclude(email="").values_list("email", flat=True)))


def _context(**extra):
    return {"base_url": settings.PORTAL_BASE_URL.rstrip("/"), **extra}


def opd_digest(opd, *, today) -> Digest | None:
    """Plans due within 14 days, overdue plans and returned reports of one OPD; None if none."""
    worklist = selectors.opd_worklist(opd, today=today)
    items = sum(len(entries) for entries in worklist.values())
    if not items:
        return None
    body = render_to_string(
        "actionplans/email/opd_digest.txt", _context(opd=opd, today=today, **worklist)
    )
    subject = _("[SPI] Rencana aksi %(opd)s: %(count)s items need attention") % {
        "opd": opd,
        "count": items,
    }
    return Digest(ReminderKind.OPD, opd, _opd_recipients(opd), subject, body, items)


def inspectorate_digest(*, today) -> Digest | None:
    """Reports waiting for verification for more than 7 days and every overdue milestone of an
    open plan; None if there are none."""
    reports = list(selectors.pending_too_long(today=today))
    milestones = list(selectors.overdue_milestones(today=today))
    items = len(reports) + len(milestones)
    if not items:
        return None
    body = render_to_string(
        "actionplans/email/inspectorate_digest.txt",
        _context(
            reports=reports,
            overdue_milestones=milestones,
            today=today,
            days=selectors.PENDING_TOO_LONG_DAYS,
        ),
    )
    subject = _("[SPI] Verification and follow-up: %(count)s items need attention") % {
        "count": items
    }
    return Digest(ReminderKind.INSPECTORATE, None, _inspectorate_recipients(), subject, body, items)


def _already_sent(digest, today) -> bool:
    return ReminderLog.objects.filter(kind=digest.kind, opd=digest.opd, sent_on=today).exists()


@transaction.atomic
def _send(digest, today) -> ReminderLog:
    log = ReminderLog.objects.create(
        kind=digest.kind,
        opd=digest.opd,
        sent_on=today,
        recipients=", ".join(digest.recipients),
        items=digest.items,
    )
    send_mail(digest.subject, digest.body, None, digest.recipients)
    return log


def reminders_send(*, today=None, dry_run=False) -> dict:
    """Send every digest due today that was not sent today yet (idempotent per day).

    Returns what was sent, skipped as already sent, and skipped for want of an address.
    """
    today = today or timezone.localdate()
    digests = [opd_digest(opd, today=today) for opd in OPD.objects.filter(is_active=True)]
    digests.append(inspectorate_digest(today=today))
    outcome = {"sent": [], "already_sent": [], "no_address": []}
    for digest in filter(None, digests):
        if _already_sent(digest, today):
            outcome["already_sent"].append(digest)
        elif not digest.recipients:
            outcome["no_address"].append(digest)
        else:
            if not dry_run:
                _send(digest, today)
            outcome["sent"].append(digest)
    return outcome
