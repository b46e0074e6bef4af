"""Posts (from `regions`) and the audit log (from `people`) now belong to accounts.

Only Django's picture of the models moves: the tables keep their names (`db_table`), so no
row is copied and PostgreSQL's append-only trigger on `people_auditentry` stays in force.
The content types follow the models, so the permissions given on them (the auditor's
`read_audit`, `change_post` …) stay with the groups and users holding them.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MOVED = [("regions", "post"), ("people", "auditentry"), ("people", "audithead")]


def content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for old_app, model in MOVED:
        if ContentType.objects.filter(app_label="accounts", model=model).exists():
            continue  # already made (e.g. by a run of post_migrate): leave both be
        ContentType.objects.filter(app_label=old_app, model=model).update(app_label="accounts")


def content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for old_app, model in MOVED:
        ContentType.objects.filter(app_label="accounts", model=model).update(app_label=old_app)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_login_profile_and_password_history"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("regions", "0004_accounts_move_post"),
        ("people", "0005_accounts_move_audit"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="AuditHead",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("seq", models.BigIntegerField(default=0)),
                        ("hash", models.CharField(default="0" * 64, max_length=64)),
                    ],
                    options={"db_table": "people_audithead"},
                ),
                migrations.CreateModel(
                    name="AuditEntry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("seq", models.BigIntegerField(editable=False, unique=True)),
                        (
                            "at",
                            models.DateTimeField(default=django.utils.timezone.now, editable=False),
                        ),
                        ("actor_id", models.BigIntegerField(blank=True, editable=False, null=True)),
                        (
                            "actor_name",
                            models.CharField(
                                blank=True, editable=False, max_length=150, verbose_name="who"
                            ),
                        ),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("view", "viewed"),
                                    ("reveal", "revealed"),
                                    ("export", "exported"),
                                    ("create", "created"),
                                    ("update", "changed"),
                                    ("delete", "deleted"),
                                    ("import", "imported"),
                                    ("grant", "granted"),
                                    ("rekey", "re-encrypted"),
                                    ("lock", "locked out"),
                                    ("unlock", "unlocked"),
                                ],
                                max_length=20,
                                verbose_name="action",
                            ),
                        ),
                        (
                            "object_type",
                            models.CharField(max_length=40, verbose_name="record type"),
                        ),
                        (
                            "object_id",
                            models.CharField(blank=True, max_length=64, verbose_name="record"),
                        ),
                        (
                            "object_label",
                            models.CharField(
                                blank=True, max_length=200, verbose_name="record label"
                            ),
                        ),
                        (
                            "reason",
                            models.CharField(blank=True, max_length=500, verbose_name="reason"),
                        ),
                        ("ip", models.CharField(blank=True, max_length=64, verbose_name="from")),
                        (
                            "detail",
                            models.JSONField(blank=True, default=dict, verbose_name="detail"),
                        ),
                        ("prev_hash", models.CharField(editable=False, max_length=64)),
                        ("hash", models.CharField(editable=False, max_length=64, unique=True)),
                    ],
                    options={
                        "verbose_name": "audit entry",
                        "verbose_name_plural": "audit entries",
                        "db_table": "people_auditentry",
                        "ordering": ["-seq"],
                        "permissions": [("read_audit", "Can read the audit log")],
                        "indexes": [
                            models.Index(
                                fields=["object_type", "object_id"], name="audit_object_idx"
                            ),
                            models.Index(fields=["actor_id", "at"], name="audit_actor_idx"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Post",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "role",
                            models.CharField(
                                choices=[
                                    ("grid_leader", "grid leader"),
                                    ("full_time", "full-time grid worker"),
                                    ("part_time", "part-time grid worker"),
                                    ("liaison", "micro-grid liaison"),
                                    ("secretary", "community secretary"),
                                    ("operator", "command-centre operator"),
                                    ("leader", "leader"),
                                ],
                                max_length=20,
                                verbose_name="role",
                            ),
                        ),
                        (
                            "started_on",
                            models.DateField(
                                default=django.utils.timezone.localdate, verbose_name="started on"
                            ),
                        ),
                        (
                            "ended_on",
                            models.DateField(blank=True, null=True, verbose_name="ended on"),
                        ),
                        (
                            "area",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="posts",
                                to="regions.area",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="posts",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "post",
                        "verbose_name_plural": "posts",
                        "db_table": "regions_post",
                        "ordering": ["area__path", "role"],
                        "indexes": [
                            models.Index(fields=["user", "ended_on"], name="post_user_active_idx")
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_follow, content_types_back),
    ]
