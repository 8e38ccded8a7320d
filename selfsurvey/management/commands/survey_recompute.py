"""`survey_recompute --campaign NAME [--background]`: flag the responses and store the scores."""

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from selfsurvey import jobs, services
from selfsurvey.models import Campaign
from surveys.management.actor import add_actor_argument, resolve_actor


class Command(BaseCommand):
    help = _("Recompute a self-survey campaign's flags and scores, here or in the background.")

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, help=_("the campaign's name"))
        parser.add_argument(
            "--background",
            action="store_true",
            help=_("queue it for a worker (manage.py db_worker) and print the job's id"),
        )
        add_actor_argument(parser)

    def handle(self, *args, campaign, background, actor, **options):
        campaign = self._campaign(campaign)
        actor = resolve_actor(actor)
        try:
            if background:
                return self._enqueue(actor, campaign)
            services.campaign_recompute(
                actor=actor,
                campaign=campaign,
                progress=jobs.progress_line(self.stderr, _("recompute")),
            )
        except (PermissionDenied, jobs.JobAlreadyRunning) as refused:
            raise CommandError(" ".join(getattr(refused, "messages", [str(refused)]))) from None
        self.stdout.write(_("Scores of %(campaign)s recomputed.") % {"campaign": campaign.name})

    def _campaign(self, name):
        try:
            return Campaign.objects.get(name=name)
        except Campaign.DoesNotExist:
            raise CommandError(_("No campaign named %(name)s.") % {"name": name}) from None

    def _enqueue(self, actor, campaign):
        job = jobs.job_start(actor=actor, campaign=campaign, kind=jobs.RECOMPUTE, payload={})
        self.stdout.write(str(job.pk))
