from django.contrib import admin

from actionplans.models import (
    OPD,
    ActionPlan,
    Evidence,
    OPDMembership,
    PlanReview,
    ProgressReport,
    Recommendation,
    ReminderLog,
    VerificationDecision,
)
from surveys.admin_policy import HistoryAdmin, PolicyAdmin, PublicDataSaves

# Plans, reports, decisions, evidence and reminders change only through the portal's services
# (versions, verification, evidence checks): surveys.admin_policy.ADMIN_WRITES leaves them out,
# so the admin shows them read-only.


@admin.register(OPD)
class OPDAdmin(PublicDataSaves, HistoryAdmin):
    """An OPD is deactivated (untick "active"), never deleted."""

    list_display = ["code", "name", "short_name", "email", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "short_name"]


@admin.register(OPDMembership)
class OPDMembershipAdmin(HistoryAdmin):
    list_display = ["user", "opd", "role"]
    list_filter = ["role", "opd"]
    autocomplete_fields = ["opd"]
    search_fields = ["user__username", "opd__name"]


@admin.register(Recommendation)
class RecommendationAdmin(PublicDataSaves, HistoryAdmin):
    """A recommendation is withdrawn with a reason on the portal's recommendations page."""

    list_display = ["code", "round", "text", "withdrawn_at"]
    list_filter = ["round"]
    search_fields = ["code", "text"]
    readonly_fields = ["withdrawn_at", "withdrawn_by", "withdrawn_reason"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # plans answer a recommendation of their own round by its code: neither moves
        return readonly + ["round", "code"] if obj is not None else readonly


@admin.register(ActionPlan)
class ActionPlanAdmin(HistoryAdmin):
    list_display = ["title", "round", "owner_opd", "status", "due_date", "verified_progress"]
    list_filter = ["round", "status", "owner_opd"]
    search_fields = ["title", "finding"]


@admin.register(ProgressReport)
class ProgressReportAdmin(HistoryAdmin):
    list_display = ["plan", "percent", "status", "reporter", "submitted_at"]
    list_filter = ["status"]


@admin.register(VerificationDecision)
class VerificationDecisionAdmin(HistoryAdmin):
    list_display = ["report", "outcome", "verifier", "decided_at"]


@admin.register(PlanReview)
class PlanReviewAdmin(HistoryAdmin):
    """The steps of a plan's life cycle: written only by the services, read-only here."""

    list_display = ["plan", "outcome", "actor", "at"]
    list_filter = ["outcome"]


@admin.register(Evidence)
class EvidenceAdmin(PolicyAdmin, admin.ModelAdmin):
    list_display = ["original_name", "report", "size", "uploaded_at"]
    exclude = ["file"]


@admin.register(ReminderLog)
class ReminderLogAdmin(PolicyAdmin, admin.ModelAdmin):
    list_display = ["kind", "opd", "sent_on", "items", "recipients"]
    list_filter = ["kind", "sent_on"]
