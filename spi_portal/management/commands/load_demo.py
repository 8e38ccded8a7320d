from django.core.management.base import BaseCommand

from spi_portal.demo import demo_load


class Command(BaseCommand):
    help = "Load demo data (idempotent): methodology, Barito Timur 2021-2025, demo users."

    def handle(self, *args, **options):
        users = demo_load()
        self.stdout.write("Demo data loaded. Demo-only accounts (never use in production):")
        for username, password in users:
            self.stdout.write(f"  {username} / {password}")
