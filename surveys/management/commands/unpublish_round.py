from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from surveys.management.commands._publishing import RoundCommand
from surveys.services import round_unpublish


class Command(RoundCommand):
    help = (
        "Withdraw an SPI round from the public page and the open data; every app server stops "
        "serving it at once."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--reason", required=True, help=_("Why the round is withdrawn"))

    def handle(self, *args, year, actor, reason, **options):
        survey_round, user = self.round_and_actor(year, actor)
        try:
            round_unpublish(survey_round=survey_round, actor=user, reason=reason)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(_("SPI %(year)s is no longer public.") % {"year": year})
