from django.db import migrations

KINDS = [
    ("xuanjiang", "宣讲"),
    ("policy", "政策宣传"),
    ("service", "便民服务"),
    ("clinic", "义诊"),
    ("mediation", "调解"),
    ("volunteer", "志愿服务"),
]


def seed(apps, schema_editor):
    kind = apps.get_model("notices", "ActivityKind")
    for order, (code, name) in enumerate(KINDS):
        kind.objects.get_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("notices", "0001_notices")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
