from django.urls import path

from actionplans import views

app_name = "actionplans"

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("new/", views.plan_create, name="plan_create"),
    path("mine/", views.my_plans, name="my_plans"),
    path("desk/", views.desk, name="desk"),
    path("verification/", views.verification_queue, name="verification_queue"),
    path("export.<str:file_format>", views.plan_export, name="plan_export"),
    path("import/", views.plan_import, name="plan_import"),
    path("import/confirm/", views.plan_import_confirm, name="plan_import_confirm"),
    path("round/<int:year>/", views.round_followup, name="round_followup"),
    path("round/<int:year>/recommendations/", views.recommendations, name="recommendations"),
    path("round/<int:year>/carry-over/", views.plan_carry_over, name="plan_carry_over"),
    path(
        "recommendations/<int:pk>/withdraw/",
        views.recommendation_withdraw,
        name="recommendation_withdraw",
    ),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_mark_read"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("round/<int:year>/meeting/", views.round_meeting, name="round_meeting"),
    path("<int:pk>/cancel/", views.plan_cancel, name="plan_cancel"),
    path("<int:pk>/complete/", views.plan_complete, name="plan_complete"),
    path("<int:pk>/submit/", views.plan_submit, name="plan_submit"),
    path("<int:pk>/activate/", views.plan_activate, name="plan_activate"),
    path("<int:pk>/approve/", views.plan_approve, name="plan_approve"),
    path("<int:pk>/return/", views.plan_return, name="plan_return"),
    path("<int:pk>/milestones/new/", views.milestone_create, name="milestone_create"),
    path("<int:pk>/report/", views.report_create, name="report_create"),
    path("reports/<int:pk>/verify/", views.report_verify, name="report_verify"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/preview/", views.evidence_preview, name="evidence_preview"),
]
