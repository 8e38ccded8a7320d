from django.contrib import admin

from selfsurvey.models import Campaign, Item, Questionnaire
from surveys.admin_policy import HistoryAdmin

# Questionnaires and campaigns change only through the portal's pages and commands (frozen
# questionnaires, stale edits, the actor recorded): surveys.admin_policy.ADMIN_WRITES leaves them
# out, so the admin shows them read-only. Responses, access codes and comments are not shown here.


@admin.register(Questionnaire)
class QuestionnaireAdmin(HistoryAdmin):
    list_display = ["code", "version", "title_id", "created_at"]
    list_filter = ["code"]


@admin.register(Item)
class ItemAdmin(HistoryAdmin):
    list_display = ["code", "questionnaire", "group", "indicator", "scale_min", "scale_max"]
    list_filter = ["questionnaire", "group"]
    search_fields = ["code", "wording_id", "wording_en"]


@admin.register(Campaign)
class CampaignAdmin(HistoryAdmin):
    list_display = ["name", "status", "period_start", "period_end", "questionnaire"]
    list_filter = ["status"]
