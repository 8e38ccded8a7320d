from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from surveys.importing import ImportRejected
from surveys.management.actor import add_actor_argument
from surveys.management.commands._import import importing_actor, rejection_error
from surveys.services import NATIONAL_RESULTS, national_results_load


class Command(BaseCommand):
    help = (
        "Load KPK's national SPI results 2021-2025 shipped in surveys/data/ (idempotent; all "
        "rows or none). Run load_methodology first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Check and show changes; write nothing.")
        )
        parser.add_argument(
            "--replace", action="store_true", help=_("Allow changing values already stored.")
        )
        add_actor_argument(parser)

    def handle(self, *args, dry_run=False, replace=False, actor=None, **options):
        actor = importing_actor(actor, dry_run=dry_run)
        try:
            if actor is None:
                from surveys import importing

                with NATIONAL_RESULTS.open("rb") as handle:
                    report = importing.import_file(
                        "results",
                        handle,
                        file_name=NATIONAL_RESULTS.name,
                        dry_run=True,
                        create_institutions=True,
                    )
            else:
                report = national_results_load(actor=actor, dry_run=dry_run, replace=replace)
        except ImportRejected as rejected:
            raise rejection_error(self, rejected) from None
        except PermissionDenied as refused:
            raise CommandError(str(refused)) from None
        counts = {
            "file": report.file_name,
            "rows": report.rows_total,
            "created": report.created_count,
            "updated": report.updated_count,
            "same": report.unchanged_count,
            "institutions": len(report.institutions_created),
        }
        self.stdout.write(
            _(
                "%(file)s: %(rows)s rows; results created %(created)s, updated %(updated)s, "
                "unchanged %(same)s; new institutions %(institutions)s"
            )
            % counts
        )
        if report.institutions_filled:
            filled = ", ".join(report.institutions_filled)
            self.stdout.write(_("Region codes added: %(codes)s") % {"codes": filled})
        if dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
        elif report.batch is None:
            self.stdout.write(_("Nothing changed; nothing was written."))
