"""结案率 over 应结案 (the cases due to close in the period) and 签收及时率 over every lead
order a department received, not only the latest of each event."""

from django.db import migrations

NEW = {
    "close": {
        "numerator": ["due_closed"],
        "denominator": ["due"],
        "formula": "应结案中已结案数 / 应结案数",
    },
    "sign_on_time": {
        "numerator": ["signed_on_time"],
        "denominator": ["ordered"],
        "formula": "签收期限内签收的派遣单数 / 收到的主办派遣单数",
    },
}
OLD = {
    "close": {"numerator": ["closed"], "denominator": ["accepted"], "formula": "结案数 / 立案数"},
    "sign_on_time": {
        "numerator": ["signed_on_time"],
        "denominator": ["dispatched"],
        "formula": "签收期限内签收的派遣数 / 派遣数",
    },
}


def _set(apps, values):
    Indicator = apps.get_model("assessment", "Indicator")
    for code, fields in values.items():
        Indicator.objects.filter(code=code).update(**fields)


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0007_worker_indicators"),
        ("stats", "0006_assess_calc_fact_handle_deadline"),
    ]

    operations = [
        migrations.RunPython(lambda apps, se: _set(apps, NEW), lambda apps, se: _set(apps, OLD))
    ]
