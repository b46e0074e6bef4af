"""The grid workers' indicators, over the rows of `assessment.workers` (not the event facts)."""

from django.db import migrations

WORKER = "worker"
INDICATORS = [
    # code, name, ratio, numerator, denominator, unit, formula
    ("valid_report", "有效上报率", True, ["report_accepted"], ["reported_by"], "%",
     "本人上报并立案的事件数 / 本人上报的事件数"),
    ("visit_done", "走访完成率", True, ["visit_done"], ["visit_due"], "%",
     "到期前完成的走访任务数（三必访）/ 期内到期的走访任务数"),
    ("attend_on_time", "五必到按时率", True, ["attend_on_time"], ["attend_due"], "%",
     "时限内到场的五必到任务数 / 期内到期的五必到任务数"),
    ("patrols", "巡查次数", False, ["patrol"], [], "次", "期内开始的巡查数"),
    ("verify_on_time", "核查按时率", True, ["verify_on_time"], ["verify_done"], "%",
     "反馈后时限内核查的次数 / 核查次数"),
]


def forward(apps, schema_editor):
    Indicator = apps.get_model("assessment", "Indicator")
    for code, name, ratio, num, den, unit, formula in INDICATORS:
        Indicator.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "ratio": ratio,
                "numerator": num,
                "denominator": den,
                "higher_is_better": True,
                "unit": unit,
                "targets": [WORKER],
                "formula": formula,
            },
        )


def backward(apps, schema_editor):
    apps.get_model("assessment", "Indicator").objects.filter(
        code__in=[i[0] for i in INDICATORS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("assessment", "0006_scheme_target_worker")]

    operations = [migrations.RunPython(forward, backward)]
