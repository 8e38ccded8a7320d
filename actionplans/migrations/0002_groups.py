"""Create the two role groups, Inspektorat and Kepala OPD, with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SURVEY_MODELS = [
    "surveyround",
    "categoryband",
    "dimension",
    "institution",
    "institutionresult",
    "indicatorscore",
    "importbatch",
]

GROUP_PERMISSIONS = {
    "Inspektorat": [
        "actionplans.view_all_plans",
        "actionplans.import_actionplan",
        "actionplans.add_actionplan",
        "actionplans.change_actionplan",
        "actionplans.view_actionplan",
        "actionplans.add_milestone",
        "actionplans.change_milestone",
        "actionplans.view_milestone",
        "actionplans.add_recommendation",
        "actionplans.change_recommendation",
        "actionplans.view_recommendation",
        "actionplans.view_progressreport",
        "actionplans.verify_progressreport",
        "actionplans.view_evidence",
        "actionplans.view_opd",
        "actionplans.view_opdmembership",
    ]
    + [f"surveys.{action}_{model}" for model in SURVEY_MODELS for action in ("add", "change", "view")]
    + ["surveys.publish_surveyround", "surveys.run_import"],
    "Kepala OPD": [
        "actionplans.view_actionplan",
        "actionplans.view_milestone",
        "actionplans.view_recommendation",
        "actionplans.view_progressreport",
        "actionplans.add_progressreport",
        "actionplans.report_progress",
        "actionplans.add_evidence",
        "actionplans.view_evidence",
        "surveys.view_surveyround",
        "surveys.view_institutionresult",
        "surveys.view_indicatorscore",
    ],
}


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for code in codes:
            app_label, codename = code.split(".")
            permission = Permission.objects.get(
                content_type__app_label=app_label, codename=codename
            )
            group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("actionplans", "0001_initial"),
        ("surveys", "0002_round_and_import_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
