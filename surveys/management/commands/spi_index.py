import csv
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from surveys import selectors
from surveys.models import SurveyRound

COLUMNS = (
    "institution_code",
    "institution_name",
    "computed_index",
    "published_index",
    "difference",
    "category",
    "flag",
)


def _text(value) -> str:
    return "" if value is None else str(value)


class Command(BaseCommand):
    help = "Print the recomputed SPI index beside KPK's published index for one round."

    def add_arguments(self, parser):
        parser.add_argument("--round", type=int, required=True, dest="year", help=_("SPI year"))
        parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
        parser.add_argument("--institution", help=_("only this institution code"))

    def handle(self, *args, year, format, institution, **options):
        survey_round = SurveyRound.objects.prefetch_related("bands").filter(year=year).first()
        if survey_round is None:
            raise CommandError(_("There is no survey round %(year)s.") % {"year": year})
        rows = selectors.index_rows(survey_round, institution)
        if institution and not rows:
            message = _("%(code)s has no result in SPI %(year)s.")
            raise CommandError(message % {"code": institution, "year": year})
        getattr(self, f"_write_{format}")(rows)

    def _write_csv(self, rows):
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([_text(row[name]) for name in COLUMNS])

    def _write_json(self, rows):
        numbers = {"computed_index", "published_index", "difference"}
        data = [
            {k: (float(v) if k in numbers and v is not None else v) for k, v in row.items()}
            for row in rows
        ]
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))

    def _write_table(self, rows):
        cells = [list(COLUMNS)] + [[_text(row[name]) for name in COLUMNS] for row in rows]
        widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
        for line in cells:
            text = "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True))
            self.stdout.write(text.rstrip())
