"""The shared body of import_results and import_indicator_scores."""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from surveys.audit import acting_as
from surveys.importing import ImportRejected, import_file
from surveys.management.actor import add_actor_argument, resolve_actor


def importing_actor(username, *, dry_run):
    """Who the import is recorded as run by; a dry run writes nothing, so it needs no account
    unless one is named."""
    if dry_run and not username:
        return None
    return resolve_actor(username)


def rejection_error(command, rejected: ImportRejected) -> CommandError:
    """Every problem of a rejected file on stderr; the error that ends the command."""
    for line in str(rejected).splitlines():
        command.stderr.write(line)
    count = len(rejected.errors) + rejected.more
    return CommandError(_("%(count)s error(s); nothing was imported.") % {"count": count})


class ImportCommand(BaseCommand):
    kind = None

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("CSV or XLSX file"))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Check and show changes; write nothing.")
        )
        parser.add_argument(
            "--replace", action="store_true", help=_("Allow changing values already stored.")
        )
        parser.add_argument("--sheet", help=_("XLSX sheet name (default: the first sheet)"))
        if self.kind == "results":
            parser.add_argument(
                "--create-institutions",
                action="store_true",
                help=_("Create the institutions a file names by name only that are not known."),
            )
        add_actor_argument(parser)

    def handle(self, *args, file, dry_run, replace, sheet, actor, **options):
        extra = {}
        if options.get("create_institutions"):
            extra["create_institutions"] = True
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("%(file)s: no such file") % {"file": file})
        actor = importing_actor(actor, dry_run=dry_run)
        try:
            with path.open("rb") as handle, acting_as(actor):
                report = import_file(
                    self.kind,
                    handle,
                    file_name=path.name,
                    actor=actor,
                    replace=replace,
                    dry_run=dry_run,
                    sheet=sheet,
                    **extra,
                )
        except ImportRejected as rejected:
            self._write_errors(rejected)
        except PermissionDenied as refused:
            raise CommandError(str(refused)) from None
        self._write_report(report)

    def _write_errors(self, rejected):
        raise rejection_error(self, rejected)

    def _write_report(self, report):
        for note in report.notes:
            self.stdout.write(note)
        counts = {
            "created": report.created_count,
            "updated": report.updated_count,
            "same": report.unchanged_count,
        }
        self.stdout.write(
            _("%(file)s: %(rows)s rows") % {"file": report.file_name, "rows": report.rows_total}
        )
        self.stdout.write(
            _("created %(created)s, updated %(updated)s, unchanged %(same)s") % counts
        )
        if report.institutions_created:
            codes = ", ".join(report.institutions_created)
            self.stdout.write(_("New institutions: %(codes)s") % {"codes": codes})
        if report.institutions_filled:
            filled = ", ".join(report.institutions_filled)
            self.stdout.write(_("Region codes added: %(codes)s") % {"codes": filled})
        if report.dry_run:
            self._write_changes(report)
        elif report.batch is None:
            self.stdout.write(_("Nothing changed; nothing was written."))

    def _write_changes(self, report):
        self.stdout.write(_("Dry run: nothing was written. The import would:"))
        for change in report.created:
            self.stdout.write("  " + _("create %(change)s") % {"change": change})
        for change in report.updated:
            self.stdout.write("  " + _("update %(change)s") % {"change": change})
