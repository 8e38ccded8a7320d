"""create_campaign NAME: a draft campaign over the active OPDs (or those named), through the same
service as the campaign page."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from actionplans.models import OPD
from selfsurvey import campaigning, services
from surveys.management.actor import add_actor_argument, resolve_actor
from surveys.models import RespondentGroup, SurveyRound

DEFAULT_DAYS = 30


def _date(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(_("%(text)s is not a date (YYYY-MM-DD).") % {"text": text}) from None


def _codes(text):
    return [code.strip() for code in text.split(",") if code.strip()]


class Command(BaseCommand):
    help = _("Create a self-survey campaign (a draft) with one unit per OPD and group.")

    def add_arguments(self, parser):
        parser.add_argument("name", help=_("The campaign's name (unique)."))
        parser.add_argument(
            "--questionnaire",
            default="default",
            help=_("Questionnaire code; its newest version is used (default: the shipped one)."),
        )
        parser.add_argument("--k", type=int, default=10, help=_("Minimum cell size (default 10)."))
        parser.add_argument(
            "--opds", help=_("OPD codes separated by commas (default: every active OPD).")
        )
        parser.add_argument(
            "--groups",
            help=_(
                "Respondent groups separated by commas: internal, external, expert (default all)."
            ),
        )
        parser.add_argument(
            "--round", dest="round_year", type=int, help=_("Year of the matching KPK round.")
        )
        parser.add_argument("--start", help=_("First day, YYYY-MM-DD (default today)."))
        parser.add_argument(
            "--end",
            help=_("Last day, YYYY-MM-DD (default %(days)s days after the start).")
            % {"days": DEFAULT_DAYS},
        )
        add_actor_argument(parser)

    def handle(
        self, *args, name, questionnaire, k, opds, groups, round_year, start, end, actor, **options
    ):
        actor = resolve_actor(actor)
        period_start = _date(start) if start else timezone.localdate()
        period_end = _date(end) if end else period_start + datetime.timedelta(days=DEFAULT_DAYS)
        chosen = {
            "opds": self._opds(opds),
            "groups": self._groups(groups),
            "survey_round": self._round(round_year),
        }
        try:
            with transaction.atomic():
                campaign = services.campaign_create(
                    actor=actor,
                    name=name,
                    questionnaire=self._questionnaire(questionnaire, actor),
                    period_start=period_start,
                    period_end=period_end,
                    min_cell_size=k,
                    **chosen,
                )
        except ValidationError as invalid:
            raise CommandError(" ".join(invalid.messages)) from None
        except PermissionDenied as refused:
            raise CommandError(str(refused)) from None
        self._report(campaign, chosen)

    def _opds(self, text):
        active = OPD.objects.filter(is_active=True).order_by("name")
        if not text:
            if not active.exists():
                raise CommandError(_("There is no active OPD to survey."))
            return list(active)
        wanted = _codes(text)
        found = {opd.code: opd for opd in OPD.objects.filter(code__in=wanted)}
        unknown = [code for code in wanted if code not in found]
        if unknown:
            raise CommandError(_("Unknown OPD code(s): %(codes)s.") % {"codes": ", ".join(unknown)})
        inactive = [code for code in wanted if not found[code].is_active]
        if inactive:
            raise CommandError(
                _("OPD(s) no longer active: %(codes)s.") % {"codes": ", ".join(inactive)}
            )
        return [found[code] for code in dict.fromkeys(wanted)]

    def _groups(self, text):
        if not text:
            return list(RespondentGroup.values)
        wanted = _codes(text)
        unknown = [group for group in wanted if group not in RespondentGroup.values]
        if unknown:
            raise CommandError(
                _("Unknown group(s): %(groups)s (expected internal, external, expert).")
                % {"groups": ", ".join(unknown)}
            )
        return list(dict.fromkeys(wanted))

    def _round(self, year):
        if year is None:
            return None
        survey_round = SurveyRound.objects.filter(year=year).first()
        if survey_round is None:
            raise CommandError(_("There is no SPI round %(year)s.") % {"year": year})
        return survey_round

    def _questionnaire(self, code, actor):
        questionnaire = campaigning.newest_questionnaire(code, actor=actor)
        if questionnaire is None:
            raise CommandError(
                _("There is no questionnaire with the code %(code)s.") % {"code": code}
            )
        return questionnaire

    def _report(self, campaign, chosen):
        questionnaire = campaign.questionnaire
        self.stdout.write(
            _(
                "Campaign %(name)s created (draft): %(opds)s OPD(s) x %(groups)s group(s) = "
                "%(units)s units, questionnaire %(code)s v%(version)s, k = %(k)s."
            )
            % {
                "name": campaign.name,
                "opds": len(chosen["opds"]),
                "groups": len(chosen["groups"]),
                "units": campaign.units.count(),
                "code": questionnaire.code,
                "version": questionnaire.version,
                "k": campaign.min_cell_size,
            }
        )
