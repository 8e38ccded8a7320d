from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from actionplans.models import (
    OPD,
    ActionPlan,
    Evidence,
    OPDMembership,
    ProgressReport,
    Recommendation,
    ReminderLog,
    VerificationDecision,
)


class ReadOnly:
    """Plans, reports and decisions change only through the portal's services (versions,
    verification, evidence checks); the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OPD)
class OPDAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "short_name", "email", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "short_name"]


@admin.register(OPDMembership)
class OPDMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "opd", "role"]
    list_filter = ["role", "opd"]
    autocomplete_fields = ["opd"]
    search_fields = ["user__username", "opd__name"]


@admin.register(Recommendation)
class RecommendationAdmin(SimpleHistoryAdmin):
    list_display = ["code", "round", "text"]
    list_filter = ["round"]
    search_fields = ["code", "text"]


@admin.register(ActionPlan)
class ActionPlanAdmin(ReadOnly, SimpleHistoryAdmin):
    list_display = ["title", "round", "owner_opd", "status", "due_date", "verified_progress"]
    list_filter = ["round", "status", "owner_opd"]
    search_fields = ["title", "finding"]


@admin.register(ProgressReport)
class ProgressReportAdmin(ReadOnly, SimpleHistoryAdmin):
    list_display = ["plan", "percent", "status", "reporter", "submitted_at"]
    list_filter = ["status"]


@admin.register(VerificationDecision)
class VerificationDecisionAdmin(ReadOnly, SimpleHistoryAdmin):
    list_display = ["report", "outcome", "verifier", "decided_at"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["original_name", "report", "size", "uploaded_at"]
    exclude = ["file"]


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["kind", "opd", "sent_on", "items", "recipients"]
    list_filter = ["kind", "sent_on"]
