from django.db import migrations


def install(apps, schema_editor):
    from wangge.events.catalogue import catalogue_install

    catalogue_install(apps)


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
