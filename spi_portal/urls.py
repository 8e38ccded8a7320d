from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from spi_portal import account_views, health, views

urlpatterns = [
    path("staff/", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("staff/settings/", views.portal_settings, name="portal_settings"),
    path("staff/settings/letterhead/", views.portal_letterhead, name="portal_letterhead"),
    path("reports/<int:year>/", views.followup_report, name="followup_report"),
    path("accounts/login/", account_views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/preferences/", account_views.preferences, name="preferences"),
    path("accounts/language/", account_views.language_choose, name="language_choose"),
    path("healthz", health.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("rounds/", include("surveys.urls")),
    path("plans/", include("actionplans.urls")),
    path("survei-mandiri/", include("selfsurvey.urls")),
    path("admin/", admin.site.urls),
    path("", include("spi_portal.public_urls")),
]
