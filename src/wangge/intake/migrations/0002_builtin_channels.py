from django.db import migrations


def install(apps, schema_editor):
    from wangge.intake.services import install_builtin_channels

    install_builtin_channels(apps)


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
