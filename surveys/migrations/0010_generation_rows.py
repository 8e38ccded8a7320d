"""Both data generations exist from the start (surveys.public_cache: 1 survey data, 2 plan data),
so the first writer after a deployment does not create its row: every write moves its number in
one UPDATE."""

from django.db import migrations

GENERATION_ROWS = (1, 2)


def create_rows(apps, schema_editor):
    generation = apps.get_model("surveys", "PublicDataGeneration")
    for row in GENERATION_ROWS:
        generation.objects.get_or_create(pk=row)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0009_portal_letterhead")]

    operations = [migrations.RunPython(create_rows, migrations.RunPython.noop)]
