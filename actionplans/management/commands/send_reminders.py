from datetime import date

from django.core.management.base import BaseCommand

from actionplans.reminders import reminders_send
from surveys.audit import acting_as
from surveys.management.actor import add_actor_argument, resolve_actor


class Command(BaseCommand):
    help = (
        "E-mail each OPD a digest (due within 14 days, overdue, returned reports) and the "
        "Inspectorate a digest (reports pending over 7 days). Running it again the same day "
        "sends nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", type=date.fromisoformat, help="act as if today were DATE")
        parser.add_argument("--dry-run", action="store_true", help="show, do not send")
        add_actor_argument(parser)

    def handle(self, *args, **options):
        with acting_as(resolve_actor(options["actor"])):
            outcome = reminders_send(today=options["date"], dry_run=options["dry_run"])
        dry_run = options["dry_run"]
        for label, digests in outcome.items():
            for digest in digests:
                who = digest.opd or "Inspektorat"
                shown = "would send" if dry_run and label == "sent" else label
                self.stdout.write(f"{shown}: {who} ({digest.items} items)")
                if dry_run:
                    self._show(digest)
        if dry_run:
            self.stdout.write("Dry run: nothing was sent and nothing was recorded.")
        sent = "would be sent" if dry_run else "sent"
        self.stdout.write(
            f"{len(outcome['sent'])} {sent}, {len(outcome['already_sent'])} already sent today, "
            f"{len(outcome['no_address'])} without an e-mail address."
        )

    def _show(self, digest):
        """The digest as it would leave: recipients, subject and the whole text."""
        recipients = ", ".join(digest.recipients) or "(no e-mail address)"
        self.stdout.write(f"  To: {recipients}")
        self.stdout.write(f"  Subject: {digest.subject}")
        for line in digest.body.rstrip().splitlines():
            self.stdout.write(f"  | {line}".rstrip())
        self.stdout.write("")
