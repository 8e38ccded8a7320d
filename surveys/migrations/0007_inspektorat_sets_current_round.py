"""Grant the Inspectorate the right to choose the current follow-up round (portal settings)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = ["change_portalsettings", "view_portalsettings"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("surveys")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    # The group may not exist yet on a fresh database (actionplans creates it too).
    group, _ = Group.objects.get_or_create(name="Inspektorat")
    for codename in PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label="surveys", codename=codename)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Inspektorat"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="surveys", codename__in=PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0006_portal_settings"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
