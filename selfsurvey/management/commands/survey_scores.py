"""survey_scores --campaign NAME --format json|csv: a campaign's stored indicator scores per OPD and
group (suppressed below k: no value), and its quality-flag counts, to stdout."""

import csv
import json

from django.core.management.base import BaseCommand, CommandError

from selfsurvey import score_selectors
from selfsurvey.models import Campaign


class Command(BaseCommand):
    help = "Print a campaign's indicator scores per OPD and group as JSON or CSV."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, help="The campaign's name.")
        parser.add_argument("--format", choices=("json", "csv"), default="json")

    def handle(self, *args, campaign, format, **options):
        found = Campaign.objects.filter(name=campaign).first()
        if found is None:
            raise CommandError(f"No campaign is named {campaign!r}.")
        rows = score_selectors.indicator_score_rows(found)
        if format == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(score_selectors.EXPORT_COLUMNS)
            writer.writerows(map(score_selectors.csv_cells, rows))
            return
        payload = {
            "scores": [_json_row(row) for row in rows],
            "flags": score_selectors.flag_counts(found),
        }
        self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))


def _json_row(row: dict) -> dict:
    """A score as a JSON number (two decimals at most), null when suppressed."""
    score = None if row["suppressed"] or row["score"] is None else float(row["score"])
    return row | {"score": score}
