"""Posts (from regions) and the audit log (from people) moved to accounts without moving a row:
a database migrated before the move keeps its posts, its audit chain (still verifying and still
append-only) and the auditor's permission when it migrates forward."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from wangge.accounts import audit
from wangge.accounts.models import AuditEntry, AuditHead, Post

BEFORE = [
    ("regions", "0003_post_role_leader"),
    ("people", "0004_audit_keyed_chain_append_only"),
    ("accounts", "0001_login_profile_and_password_history"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_move_keeps_its_posts_and_audit_chain(tmp_path, settings):
    settings.WANGGE_AUDIT_CHECKPOINT_FILE = tmp_path / "audit.checkpoint"
    old = _migrate(BEFORE).loader.project_state(BEFORE).apps
    assert "auditentry" in old.all_models["people"] and "post" in old.all_models["regions"]

    # Rows written through the models as they were before the move.
    User = old.get_model("auth", "User")
    Area = old.get_model("regions", "Area")
    OldPost = old.get_model("regions", "Post")
    OldEntry = old.get_model("people", "AuditEntry")
    OldHead = old.get_model("people", "AuditHead")
    user = User.objects.create(username="w1")
    area = Area.objects.create(code="330103", name="区", level=1, path="/330103/")
    OldPost.objects.create(user=user, area=area, role="grid_leader", started_on=dt.date(2026, 1, 1))
    OldPost.objects.create(
        user=user,
        area=area,
        role="full_time",
        started_on=dt.date(2026, 1, 1),
        ended_on=dt.date(2026, 2, 1),
    )
    prev, key = audit.GENESIS, audit.chain_key()
    for seq in (1, 2, 3):
        entry = OldEntry(
            seq=seq,
            at=timezone.now(),
            actor_id=user.pk,
            actor_name="w1",
            action="view",
            object_type="resident",
            object_id=str(seq),
            detail={"n": seq},
            prev_hash=prev,
        )
        entry.hash = prev = audit.content_hash(entry, key)
        entry.save()
    OldHead.objects.update_or_create(pk=1, defaults={"seq": 3, "hash": prev})
    # The auditor's permission, on the content type the log had then.
    ContentType = old.get_model("contenttypes", "ContentType")
    assert ContentType.objects.filter(app_label="people", model="auditentry").exists()
    assert not ContentType.objects.filter(app_label="accounts", model="auditentry").exists()
    auditors = Group.objects.create(name="auditors-before")
    auditors.permissions.add(
        Permission.objects.get(content_type__app_label="people", codename="read_audit")
    )

    executor = MigrationExecutor(connection)
    _migrate(executor.loader.graph.leaf_nodes())

    assert sorted(Post.objects.values_list("role", "ended_on")) == [
        ("full_time", dt.date(2026, 2, 1)),
        ("grid_leader", None),
    ]
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3]
    assert AuditHead.objects.get(pk=1).seq == 3
    assert audit.verify().ok
    # The chain goes on from where it was.
    audit.record(get_user_model().objects.get(pk=user.pk), "view", "resident", 4)
    assert audit.verify().ok and AuditEntry.objects.count() == 4
    # The permission followed the model: the group given it before still has it.
    perm = auditors.permissions.get()
    assert (perm.content_type.app_label, perm.codename) == ("accounts", "read_audit")
    if connection.vendor == "postgresql":  # the append-only trigger is on the same table
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("DELETE FROM people_auditentry WHERE seq = 1")
    assert AuditEntry.objects.filter(seq=1).exists()
