"""survey_items --campaign NAME --format csv: the campaign's items, one row each in position order,
for scripts and benchmarks that build answer files."""

import csv

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from selfsurvey import selectors
from selfsurvey.models import Campaign

COLUMNS = ["code", "group", "indicator", "scale_min", "scale_max", "reverse", "dont_know_values"]


def item_row(item) -> list:
    return [
        item.code,
        item.group,
        item.indicator.code,
        item.scale_min,
        item.scale_max,
        "true" if item.reverse else "false",
        ";".join(str(value) for value in item.dont_know_values),
    ]


class Command(BaseCommand):
    help = _("Write a campaign's questionnaire items as CSV on standard output.")

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, help=_("The campaign's name."))
        parser.add_argument("--format", choices=["csv"], default="csv")

    def handle(self, *args, campaign, format, **options):
        found = Campaign.objects.select_related("questionnaire").filter(name=campaign).first()
        if found is None:
            raise CommandError(_("There is no campaign named %(name)s.") % {"name": campaign})
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(COLUMNS)
        for item in selectors.items_of(found.questionnaire):
            writer.writerow(item_row(item))
