from django.core.management.base import BaseCommand

from surveys.services import methodology_load_all


class Command(BaseCommand):
    help = "Load the shipped SPI methodology packs (weights, bands, dimensions) per round."

    def add_arguments(self, parser):
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Reset existing rounds to the shipped values (edits are kept in history).",
        )

    def handle(self, *args, overwrite=False, **options):
        for year, outcome in methodology_load_all(overwrite=overwrite).items():
            self.stdout.write(f"SPI {year}: {outcome}")
