"""Notifications: in the portal for each recipient, and by e-mail once the write is committed.

The services call these functions inside their transaction: the in-portal rows are written with
the change (or not at all), the mails leave only after the commit (`transaction.on_commit`), so a
refused or rolled-back write never mails anybody. Each mail carries an absolute link built on
`settings.PORTAL_BASE_URL` and is written in the recipient's chosen language (UserPreference;
Indonesian for anyone who never chose). A user who turned e-mail off still gets the in-portal
notification.
"""

import logging
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from actionplans import access
from actionplans.models import Notification, NotificationKind, ProgressReport

logger = logging.getLogger(__name__)

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

_mails_on = ContextVar("notification_mails_on", default=True)


@contextmanager
def mails_held_back():
    """Write the in-portal notifications but mail nobody (loading the demo story)."""
    token = _mails_on.set(False)
    try:
        yield
    finally:
        _mails_on.reset(token)


# --- what a notification says and where it leads ------------------------------------------------


def notification_text(kind: str, params: dict) -> str:
    """The sentence of a notification, in the active language (composed when shown)."""
    params = {"plan": "", "opd": "", "percent": "", "note": "", "year": "", **params}
    if kind == NotificationKind.REPORT_SUBMITTED:
        text = _("%(opd)s reported %(percent)s%% on “%(plan)s”: it waits for verification.")
        return text % params
    if kind == NotificationKind.REPORT_RETURNED:
        text = _("The report of %(percent)s%% on “%(plan)s” was returned for revision: %(note)s")
        return text % params
    if kind == NotificationKind.REPORT_ACCEPTED:
        text = _("The report of %(percent)s%% on “%(plan)s” was accepted.") % params
        return f"{text} {params['note']}".strip()
    if kind == NotificationKind.PLAN_ASSIGNED:
        return _("The plan “%(plan)s” (SPI %(year)s) is assigned to %(opd)s.") % params
    return str(kind)


def notification_path(notification) -> str:
    """The page a notification leads to (a path; mails prefix PORTAL_BASE_URL)."""
    if notification.kind == NotificationKind.REPORT_SUBMITTED and notification.report_id:
        return reverse("actionplans:report_verify", args=[notification.report_id])
    if notification.plan_id:
        return reverse("actionplans:plan_detail", args=[notification.plan_id])
    return reverse("actionplans:notifications")


def absolute(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


# --- who is told --------------------------------------------------------------------------------


def _users():
    return get_user_model().objects.filter(is_active=True).select_related("preference")


def opd_members(opd_id, *, exclude=None) -> list:
    users = _users().filter(opd_membership__opd_id=opd_id)
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return list(users.order_by("pk"))


def report_verifiers(report: ProgressReport) -> list:
    """The Inspectorate verifiers allowed to verify this report (access.py decides: not the
    reporter, nobody of the owning or a supporting OPD). Superusers are not mailed for it."""
    candidates = get_user_model().objects.with_perm(
        "actionplans.verify_progressreport", include_superusers=False, backend=MODEL_BACKEND
    )
    candidates = _users().filter(pk__in=candidates.values("pk")).order_by("pk")
    return [user for user in candidates if access.allows(user, "verify", report)]


def _preference(user):
    try:
        return user.preference
    except get_user_model().preference.RelatedObjectDoesNotExist:
        return None


def _mails_wanted(user) -> bool:
    preference = _preference(user)
    return preference is None or preference.email_notifications


def _mail_language(user) -> str:
    """The language the user chose for the portal; the portal's own for anyone else."""
    preference = _preference(user)
    return preference.language if preference is not None else settings.LANGUAGE_CODE


# --- writing and sending ------------------------------------------------------------------------


def _notify(users, kind, *, plan, report=None, params, extra_addresses=()) -> list[Notification]:
    notifications = Notification.objects.bulk_create(
        Notification(recipient=user, kind=kind, params=params, plan=plan, report=report)
        for user in users
    )
    addresses = {}  # address: language, each address once, in order
    for user in users:
        if user.email and _mails_wanted(user):
            addresses.setdefault(user.email, _mail_language(user))
    for address in extra_addresses:
        if address:
            addresses.setdefault(address, settings.LANGUAGE_CODE)
    if addresses and _mails_on.get():
        sample = Notification(kind=kind, params=params, plan=plan, report=report)
        path = notification_path(sample)
        transaction.on_commit(lambda: send_notification_mails(kind, params, path, addresses))
    return notifications


def send_notification_mails(kind, params, path, addresses: dict[str, str]):
    """One mail per address (no recipient sees the others), each in its language
    (`addresses` maps an address to it).

    It runs after the commit: the change is saved whatever happens here, so a mail server that
    fails is logged (and the notification stays in the portal), not shown to the user as an error.
    """
    written = {}
    for language in dict.fromkeys(addresses.values()):
        written[language] = _notification_mail(kind, params, path, language)
    messages = [
        EmailMessage(*written[language], None, [address]) for address, language in addresses.items()
    ]
    try:
        get_connection().send_messages(messages)
    except Exception:
        logger.exception("Notification mail (%s) to %s addresses failed", kind, len(addresses))


def _notification_mail(kind, params, path, language) -> tuple[str, str]:
    """The subject and body of a notification mail in `language`."""
    with translation.override(language):
        text = notification_text(kind, params)
        title = " ".join(str(params.get("plan", "")).split())  # a header holds no line break
        subject = f"[SPI] {NotificationKind(kind).label}: {title}"[:200]
        body = render_to_string(
            "actionplans/email/notification.txt",
            {"text": text, "link": absolute(path), "preferences": absolute(reverse("preferences"))},
        )
    return subject, body


def _report_params(report) -> dict:
    plan = report.plan
    return {"plan": plan.title, "opd": str(plan.owner_opd), "percent": report.percent}


def report_submitted(report: ProgressReport):
    """Tell each verifier who may verify it that a report arrived."""
    return _notify(
        report_verifiers(report),
        NotificationKind.REPORT_SUBMITTED,
        plan=report.plan,
        report=report,
        params=_report_params(report),
    )


def _report_decided(report, kind, note, percent=None):
    """Tell the owner OPD; the verifiers' "waiting" notices of this report are done with."""
    waiting = Notification.objects.unread().filter(
        report=report, kind=NotificationKind.REPORT_SUBMITTED
    )
    waiting.update(read_at=timezone.now())
    plan = report.plan
    params = {**_report_params(report), "note": note}
    if percent is not None:
        params["percent"] = percent
    return _notify(
        opd_members(plan.owner_opd_id),
        kind,
        plan=plan,
        report=report,
        params=params,
        extra_addresses=[plan.owner_opd.email],
    )


def report_returned(report: ProgressReport, *, note: str):
    """Tell the owner OPD's members (and the OPD's own address) a report was returned."""
    return _report_decided(report, NotificationKind.REPORT_RETURNED, note)


def report_accepted(report: ProgressReport, *, note: str = "", percent: int | None = None):
    """Tell the owner OPD's members (and the OPD's own address) a report was accepted; `percent`
    is the percent accepted where the verifier accepted less than claimed."""
    return _report_decided(report, NotificationKind.REPORT_ACCEPTED, note, percent)


def plan_assigned(plan, *, actor, once=False):
    """Tell the members of the plan's (new) owner OPD who may see it (access.py: a draft may be
    hidden from them; the link never leads to a 404); the actor is not told of their own act.
    With `once`, members told about this plan already are not told again."""
    members = [
        user
        for user in opd_members(plan.owner_opd_id, exclude=actor)
        if access.allows(user, "view", plan)
    ]
    if once:
        told = Notification.objects.filter(plan=plan, kind=NotificationKind.PLAN_ASSIGNED)
        told = set(told.values_list("recipient_id", flat=True))
        members = [user for user in members if user.pk not in told]
    params = {"plan": plan.title, "opd": str(plan.owner_opd), "year": plan.round.year}
    return _notify(members, NotificationKind.PLAN_ASSIGNED, plan=plan, params=params)
