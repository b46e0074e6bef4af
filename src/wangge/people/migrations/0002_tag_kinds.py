"""The special groups every deployment starts with (more can be added in the admin), and the
audit chain's head row."""

from django.db import migrations

_DISABILITY = ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]
_GRADES = ["一级", "二级", "三级", "四级"]

KINDS = [
    # code, name, sensitive, fields
    ("living_alone", "独居老人", False, [{"name": "contact", "label": "紧急联系人", "type": "text"}]),
    ("empty_nest", "空巢老人", False, []),
    ("left_behind_child", "留守儿童", False, [{"name": "guardian", "label": "监护人", "type": "text"}]),
    (
        "disabled",
        "残疾人",
        False,
        [
            {"name": "category", "label": "残疾类别", "type": "choice", "choices": _DISABILITY, "required": True},
            {"name": "grade", "label": "残疾等级", "type": "choice", "choices": _GRADES, "required": True},
            {"name": "certificate", "label": "残疾证号", "type": "text"},
        ],
    ),
    (
        "subsistence",
        "低保/特困",
        False,
        [{"name": "kind", "label": "类别", "type": "choice", "choices": ["低保", "特困"], "required": True}],
    ),
    ("hardship", "困难群众", False, [{"name": "reason", "label": "困难原因", "type": "text"}]),
    ("unemployed", "失业人员", False, [{"name": "since", "label": "失业日期", "type": "date"}]),
    ("key_assistance", "重点帮扶", False, [{"name": "measure", "label": "帮扶措施", "type": "text"}]),
    ("veteran", "退役军人", False, []),
    ("community_correction", "社区矫正", True, [{"name": "until", "label": "矫正期满", "type": "date"}]),
    ("released_prisoner", "刑满释放", True, [{"name": "released_on", "label": "释放日期", "type": "date"}]),
    (
        "severe_mental_disorder",
        "严重精神障碍",
        True,
        [{"name": "risk_level", "label": "危险性评估等级", "type": "int"}],
    ),
    ("drug_user", "吸毒人员", True, []),
    ("other_key_person", "其他重点人员", True, [{"name": "reason", "label": "原因", "type": "text"}]),
]


def seed(apps, schema_editor):
    apps.get_model("people", "AuditHead").objects.get_or_create(pk=1)
    TagKind = apps.get_model("people", "TagKind")
    for order, (code, name, sensitive, fields) in enumerate(KINDS, start=1):
        TagKind.objects.get_or_create(
            code=code, defaults={"name": name, "sensitive": sensitive, "fields": fields, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
