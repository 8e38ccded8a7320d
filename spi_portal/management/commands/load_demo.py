from django.core.management.base import BaseCommand

from spi_portal.demo import INSPECTOR_USERNAME, demo_load
from surveys.management.actor import resolve_actor


class Command(BaseCommand):
    help = (
        "Load demo data (idempotent): methodology, Barito Timur 2021-2025, demo users. "
        f"Recorded as done by --actor, else by the demo inspector '{INSPECTOR_USERNAME}', "
        "created first (an empty database has no one else to name)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--actor",
            help=f"Portal username recorded as having loaded it (default: {INSPECTOR_USERNAME}).",
        )

    def handle(self, *args, actor=None, **options):
        users = demo_load(actor=resolve_actor(actor) if actor else None)
        self.stdout.write("Demo data loaded. Demo-only accounts (never use in production):")
        for username, password in users:
            self.stdout.write(f"  {username} / {password}")
