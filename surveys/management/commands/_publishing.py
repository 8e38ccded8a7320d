"""The shared part of publish_round and unpublish_round: the round and who is publishing."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from surveys.management.actor import add_actor_argument, resolve_actor
from surveys.models import SurveyRound


class RoundCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help=_("Year of the SPI round"))
        add_actor_argument(parser)

    def round_and_actor(self, year: int, username: str | None):
        survey_round = SurveyRound.objects.filter(year=year).first()
        if survey_round is None:
            raise CommandError(_("There is no SPI %(year)s round.") % {"year": year})
        actor = resolve_actor(username)
        if not actor.has_perm("surveys.publish_surveyround"):
            raise CommandError(
                _("%(username)s may not publish or unpublish survey rounds.")
                % {"username": actor.get_username()}
            )
        return survey_round, actor
