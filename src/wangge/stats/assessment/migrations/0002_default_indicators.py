"""The field's indicators (GB/T 30428.4 and 12345 practice) written out over the fact flags.

Each is numerator / denominator (or a count) of facts whose flags all hold; "!flag" must be
false. 签收及时率 and the grid workers' indicators wait for facts that record signing and
workers (they are not in stats.EventFact yet).
"""

from django.db import migrations

AREA, DEP = "area", "department"

INDICATORS = [
    # code, name, numerator, denominator, higher is better, targets, formula
    ("ontime_accept", "按时立案率", ["accepted_on_time"], ["accepted"], True, [AREA],
     "按时立案数 / 立案数"),
    ("accurate_dispatch", "准确派遣率", ["dispatched_accurately"], ["dispatched"], True, [AREA],
     "未被退回的派遣数 / 派遣数"),
    ("ontime_handle", "按期处置率", ["handled_on_time"], ["handled"], True, [AREA, DEP],
     "按期处置数 / 处置数"),
    ("rework", "返工率", ["reworked"], ["handled"], False, [AREA, DEP], "返工数 / 处置数"),
    ("overdue", "超期率", ["overdue_ever"], ["accepted"], False, [AREA], "超期过的案件 / 立案数"),
    ("extension", "延期率", ["extended"], ["accepted"], False, [AREA], "延期数 / 立案数"),
    ("close", "结案率", ["closed"], ["accepted"], True, [AREA], "结案数 / 立案数"),
    ("satisfaction", "满意率", ["satisfied"], ["called_back"], True, [AREA, DEP],
     "满意与基本满意数 / 回访数"),
    ("response", "响应率", ["accepted_on_time"], ["reported"], True, [AREA],
     "按时受理数 / 受理数"),
    ("self_handle", "自处置率", ["self_handled"], ["accepted"], True, [AREA],
     "网格自处置数 / 立案数"),
    ("return", "回退率", ["dispatched", "!dispatched_accurately"], ["dispatched"], False, [DEP],
     "被退回的派遣数 / 派遣数"),
]


def forward(apps, schema_editor):
    Indicator = apps.get_model("assessment", "Indicator")
    for code, name, num, den, higher, targets, formula in INDICATORS:
        Indicator.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "ratio": True,
                "numerator": num,
                "denominator": den,
                "higher_is_better": higher,
                "unit": "%",
                "targets": targets,
                "formula": formula,
            },
        )


def backward(apps, schema_editor):
    apps.get_model("assessment", "Indicator").objects.filter(
        code__in=[i[0] for i in INDICATORS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_indicators_schemes_runs")]

    operations = [migrations.RunPython(forward, backward)]
