"""签收及时率 for departments: lead orders signed by their sign deadline / dispatched."""

from django.db import migrations


def forward(apps, schema_editor):
    apps.get_model("assessment", "Indicator").objects.update_or_create(
        code="sign_on_time",
        defaults={
            "name": "签收及时率",
            "ratio": True,
            "numerator": ["signed_on_time"],
            "denominator": ["dispatched"],
            "higher_is_better": True,
            "unit": "%",
            "targets": ["department"],
            "formula": "签收期限内签收的派遣数 / 派遣数",
        },
    )


def backward(apps, schema_editor):
    apps.get_model("assessment", "Indicator").objects.filter(code="sign_on_time").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0004_dispute_bulletin_subscription"),
        ("stats", "0005_eventfact_signed_on_time"),
    ]

    operations = [migrations.RunPython(forward, backward)]
