"""Grant the Inspectorate the right to run self-survey campaigns and see their respondent-level data."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = ["manage_campaign"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("selfsurvey")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Inspektorat")
    for codename in PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label="selfsurvey", codename=codename)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Inspektorat"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="selfsurvey", codename__in=PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("selfsurvey", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
