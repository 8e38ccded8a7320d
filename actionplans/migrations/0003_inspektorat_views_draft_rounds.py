"""Grant the Inspectorate the permission to see survey rounds that are not published."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Inspektorat"
APP_LABEL, CODENAME = "surveys", "view_draft_round"


def _permission(apps):
    surveys = apps.get_app_config(APP_LABEL)
    surveys.models_module = True
    create_permissions(surveys, verbosity=0)
    surveys.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.get(content_type__app_label=APP_LABEL, codename=CODENAME)


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(_permission(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name=GROUP):
        group.permissions.remove(_permission(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("actionplans", "0002_groups"),
        ("surveys", "0003_view_draft_round_permission"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
