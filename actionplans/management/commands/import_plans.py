"""import_plans FILE: the plan import of /plans/import/ from the command line."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from actionplans.importing import plans_import
from surveys.audit import acting_as
from surveys.importing import ImportRejected
from surveys.management.actor import add_actor_argument
from surveys.management.commands._import import importing_actor, rejection_error


class Command(BaseCommand):
    help = "Import action plans from an XLSX file with the export's columns; all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("XLSX file with the columns of the plan export"))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Check and show changes; write nothing.")
        )
        add_actor_argument(parser)

    def handle(self, *args, file, dry_run, actor, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("%(file)s: no such file") % {"file": file})
        actor = importing_actor(actor, dry_run=dry_run)
        if actor is not None and not actor.has_perm("actionplans.import_actionplan"):
            message = _("%(username)s may not import action plans.")
            raise CommandError(message % {"username": actor.get_username()})
        try:
            with path.open("rb") as handle, acting_as(actor):
                report = plans_import(handle, file_name=path.name, actor=actor, dry_run=dry_run)
        except ImportRejected as rejected:
            raise rejection_error(self, rejected) from None
        self._write_report(report)

    def _write_report(self, report):
        counts = {
            "created": len(report.created),
            "updated": len(report.updated),
            "unchanged": len(report.unchanged),
        }
        if report.dry_run:
            self.stdout.write(_("Dry run: nothing was written. The import would:"))
            self.stdout.write(
                "  "
                + _("create %(created)s plans, change %(updated)s, leave %(unchanged)s") % counts
            )
        else:
            self.stdout.write(
                _("Imported: %(created)s new plans, %(updated)s changed, %(unchanged)s unchanged.")
                % counts
            )
