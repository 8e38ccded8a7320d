from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from surveys.management.actor import add_actor_argument, resolve_actor
from surveys.services import methodology_load_all


class Command(BaseCommand):
    help = "Load the shipped SPI methodology packs (weights, bands, dimensions) per round."

    def add_arguments(self, parser):
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Reset existing draft rounds to the shipped values (edits are kept in history).",
        )
        parser.add_argument(
            "--reason",
            default="",
            help=(
                "With --overwrite: why a published round's methodology changes; it is then "
                "recorded as a new methodology version, shown on the public page."
            ),
        )
        add_actor_argument(parser)

    def handle(self, *args, overwrite=False, reason="", actor=None, **options):
        if reason and not overwrite:
            raise CommandError(_("--reason only applies with --overwrite."))
        try:
            outcomes = methodology_load_all(
                overwrite=overwrite, actor=resolve_actor(actor), reason=reason
            )
        except (ValidationError, ValueError) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            raise CommandError(" ".join(messages)) from error
        for year, outcome in outcomes.items():
            self.stdout.write(f"SPI {year}: {outcome}")
