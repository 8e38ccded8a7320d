"""import_responses --campaign NAME FILE [--dry-run]: a respondent-level export into a campaign."""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from selfsurvey.models import Campaign
from selfsurvey.response_import import import_file
from surveys.management.actor import add_actor_argument, resolve_actor


class Command(BaseCommand):
    help = (
        "Import a respondent-level export (KoboToolbox, ODK, LimeSurvey, Google Forms or plain "
        "CSV/XLSX: one row per respondent, columns opd, group and one per item); all rows or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("CSV or XLSX file"))
        parser.add_argument("--campaign", required=True, help=_("The campaign's name"))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Check and show changes; write nothing.")
        )
        add_actor_argument(parser)

    def handle(self, *args, file, campaign, dry_run, actor, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("%(file)s: no such file") % {"file": file})
        found = Campaign.objects.filter(name=campaign).first()
        if found is None:
            raise CommandError(_("No campaign named %(name)s.") % {"name": campaign})
        try:
            outcome = import_file(
                actor=resolve_actor(actor),
                campaign=found,
                path=path,
                file_name=path.name,
                dry_run=dry_run,
                progress=self._progress,
            )
        except PermissionDenied as refused:
            raise CommandError(str(refused)) from None
        self.stderr.write("")
        if not outcome.ok:
            self._fail(outcome)
        self._report(outcome)

    def _progress(self, done, total):
        percent = int(done * 100 / total) if total else 100
        line = _("import: %(done)s/%(total)s rows (%(percent)s%%)") % {
            "done": f"{done:,}".replace(",", "."),
            "total": f"{total:,}".replace(",", "."),
            "percent": percent,
        }
        self.stderr.write(f"\r{line}", ending="")
        self.stderr.flush()

    def _fail(self, outcome):
        for error in outcome.errors:
            place = f"{error.file}:{error.row or ''}:{error.column or ''}"
            subject = f'"{error.value}" ' if error.value else ""
            self.stderr.write(f"{place}: {subject}{error.message}")
        if outcome.more_errors:
            self.stderr.write(_("... and %(count)s more errors") % {"count": outcome.more_errors})
        raise CommandError(
            _("%(count)s error(s); nothing was imported.") % {"count": outcome.error_count}
        )

    def _report(self, outcome):
        for note in outcome.notes:
            self.stdout.write(note)
        values = {
            "file": outcome.file_name,
            "format": outcome.source_format,
            "rows": outcome.rows,
            "created": outcome.created,
        }
        if outcome.dry_run:
            self.stdout.write(_("%(file)s (%(format)s): %(rows)s rows") % values)
        else:
            message = _("%(file)s (%(format)s): %(rows)s rows, %(created)s responses created")
            self.stdout.write(message % values)
        for count in outcome.unit_counts:
            self.stdout.write(f"  {count['opd']}\t{count['group']}\t{count['count']}")
        if outcome.ignored_columns:
            names = ", ".join(outcome.ignored_columns)
            self.stdout.write(_("Columns left out: %(names)s") % {"names": names})
        if outcome.dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
