"""Where the Django admin may write. Everything not listed here is read-only there, for
superusers too.

Workflow rows (plans, reports, decisions, evidence, reminders) and audit records (import
batches, login attempts) change only through the portal's services, which check access and
record who acted. The admin never deletes: a row with history is deactivated, cancelled,
withdrawn or superseded instead, so its past and the names in it stay. History pages show
past versions and never restore one.
"""

from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets
from django.http import HttpResponseNotAllowed
from simple_history.admin import SimpleHistoryAdmin

from surveys import public_cache

ADD, CHANGE = "add", "change"

# model label -> what the admin may do to it; absent means view only
ADMIN_WRITES: dict[str, frozenset[str]] = {
    "auth.user": frozenset({ADD, CHANGE}),
    "auth.group": frozenset({ADD, CHANGE}),
    "surveys.surveyround": frozenset({ADD, CHANGE}),
    "surveys.categoryband": frozenset({ADD, CHANGE}),
    "surveys.dimension": frozenset({ADD, CHANGE}),
    "surveys.institution": frozenset({ADD, CHANGE}),
    "surveys.institutionresult": frozenset({ADD, CHANGE}),
    "surveys.indicatorscore": frozenset({ADD, CHANGE}),
    "actionplans.opd": frozenset({ADD, CHANGE}),
    "actionplans.opdmembership": frozenset({ADD, CHANGE}),
    "actionplans.recommendation": frozenset({ADD, CHANGE}),
}


def admin_may(model, action: str) -> bool:
    """Whether the admin may `add` or `change` rows of `model` at all (before permissions)."""
    return action in ADMIN_WRITES.get(model._meta.label_lower, frozenset())


class PolicyAdmin:
    """ModelAdmin mixin: add and change only where ADMIN_WRITES allows, delete never."""

    def has_add_permission(self, request):
        return admin_may(self.model, ADD) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return admin_may(self.model, CHANGE) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class PolicyInline:
    """InlineModelAdmin mixin: the same rules for rows edited inside another row's page."""

    can_delete = False

    def has_add_permission(self, request, obj):
        return admin_may(self.model, ADD) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return admin_may(self.model, CHANGE) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class HistoryAdmin(PolicyAdmin, SimpleHistoryAdmin):
    """The policy, plus history pages that only show: no revert button, no form, no POST."""

    object_history_form_template = "admin/history_version.html"

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return super().history_form_view(request, object_id, version_id, extra_context)

    def render_history_view(self, request, template, context, **kwargs):
        if "adminform" in context:
            context["adminform"] = _read_only(context["adminform"], self)
        return super().render_history_view(request, template, context, **kwargs)


def _read_only(adminform, model_admin):
    fieldsets = list(adminform.fieldsets)
    every_field = flatten_fieldsets(fieldsets)
    return helpers.AdminForm(adminform.form, fieldsets, {}, every_field, model_admin)


class PublicDataSaves:
    """ModelAdmin mixin for rows the public page shows: drop its cache after each save."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        public_cache.bump()  # inside the admin's transaction: it commits with the edit
