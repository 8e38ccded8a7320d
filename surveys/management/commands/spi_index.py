import csv
import json

import pandas as pd
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from surveys import scoring, selectors
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
SCORE_FIELDS = (
    "internal",
    "external",
    "expert",
    "correction_integrity",
    "correction_prevalence",
    "published_index",
)


def index_rows(survey_round, institution_code=None) -> list[dict]:
    """One row per institution result of the round: the recomputed index beside KPK's."""
    results = list(selectors.round_results(survey_round, institution_code))
    if not results:
        return []
    frame = pd.DataFrame([{name: getattr(r, name) for name in SCORE_FIELDS} for r in results])
    computed = scoring.compute_frame(frame, selectors.methodology_for(survey_round))
    return [
        {
            "institution_code": result.institution.kpk_code,
            "institution_name": result.institution.name,
            "computed_index": row.computed_index,
            "published_index": row.published_index,
            "difference": row.difference,
            "category": row.category_id,
            "flag": "exceeds_tolerance" if row.exceeds_tolerance else "",
        }
        for result, row in zip(results, computed.itertuples(), strict=True)
    ]


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
        rows = index_rows(survey_round, institution)
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
