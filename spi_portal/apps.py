from django.apps import AppConfig


class SpiPortalConfig(AppConfig):
    name = "spi_portal"

    def ready(self):
        from spi_portal import checks  # noqa: F401  (registers the deploy checks)
        from spi_portal.permission_cache import connect_signals

        connect_signals()
