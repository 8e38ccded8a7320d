from django.utils.translation import gettext as _

from surveys.management.commands._publishing import RoundCommand
from surveys.services import round_publish


class Command(RoundCommand):
    help = "Publish an SPI round: its figures reach the public page and the open data."

    def handle(self, *args, year, actor, **options):
        survey_round, user = self.round_and_actor(year, actor)
        round_publish(survey_round=survey_round, actor=user)
        self.stdout.write(_("SPI %(year)s is published.") % {"year": year})
