from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionplansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "actionplans"
    verbose_name = _("Action plans")

    def ready(self):
        # the plans kind plugs into the import pipeline of surveys (which never imports us)
        from actionplans import importing  # noqa: F401
