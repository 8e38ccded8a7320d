from django.core.management.base import BaseCommand

from surveys.management.actor import add_actor_argument, resolve_actor
from surveys.services import methodology_load_all


class Command(BaseCommand):
    help = "Load the shipped SPI methodology packs (weights, bands, dimensions) per round."

    def add_arguments(self, parser):
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Reset existing rounds to the shipped values (edits are kept in history).",
        )
        add_actor_argument(parser)

    def handle(self, *args, overwrite=False, actor=None, **options):
        outcomes = methodology_load_all(actor=resolve_actor(actor), overwrite=overwrite)
        for year, outcome in outcomes.items():
            self.stdout.write(f"SPI {year}: {outcome}")
