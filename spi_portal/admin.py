"""Accounts, groups and login records in the admin, under the same write policy as the apps'."""

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group

from surveys.admin_policy import HistoryAdmin, PolicyAdmin


class PortalUserAdmin(HistoryAdmin, UserAdmin):
    """An account is deactivated (untick "active"), never deleted: its name stays on
    everything it did."""


class PortalGroupAdmin(HistoryAdmin, GroupAdmin):
    """Who holds which permission is history too: groups are changed, never deleted."""


class AccessAttemptAdmin(PolicyAdmin, axes_admin.AccessAttemptAdmin):
    """A lockout ends by itself after AXES_COOLOFF_TIME, or with `manage.py axes_reset_username`."""


class AccessLogAdmin(PolicyAdmin, axes_admin.AccessLogAdmin):
    pass


class AccessFailureLogAdmin(PolicyAdmin, axes_admin.AccessFailureLogAdmin):
    pass


REPLACED = {
    get_user_model(): PortalUserAdmin,
    Group: PortalGroupAdmin,
    AccessAttempt: AccessAttemptAdmin,
    AccessLog: AccessLogAdmin,
    AccessFailureLog: AccessFailureLogAdmin,
}

# axes registers its admins only with AXES_ENABLE_ADMIN
for model, model_admin in REPLACED.items():
    if admin.site.is_registered(model):
        admin.site.unregister(model)
        admin.site.register(model, model_admin)
