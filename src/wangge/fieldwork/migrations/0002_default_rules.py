"""The default rules: 三必访 visits (with the 四必清 checklist) and 五必到 attendance."""

from django.db import migrations


def install(apps, schema_editor):
    from wangge.fieldwork.attend import services as attend
    from wangge.fieldwork.visits import rules as visit_rules

    visit_rules.install_defaults(apps)
    attend.install_defaults(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("fieldwork", "0001_initial"),
        ("events", "0002_default_catalogue"),
        ("people", "0002_tag_kinds"),
    ]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
