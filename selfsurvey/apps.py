from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelfSurveyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "selfsurvey"
    verbose_name = _("Self-run integrity survey")
