"""The keyed audit chain: database-level refusal, recomputed hashes, and truncation caught by the
signed checkpoint outside the database."""

import hashlib
import json
import os

import pytest
from django.db import DatabaseError, connection, transaction

from tests.people.helpers import tamper
from wangge.accounts import audit
from wangge.accounts.models import AuditEntry, AuditHead
from wangge.cli import main


@pytest.fixture
def checkpoint_file(settings, tmp_path):
    settings.WANGGE_AUDIT_CHECKPOINT_FILE = tmp_path / "audit.checkpoint"
    return settings.WANGGE_AUDIT_CHECKPOINT_FILE


def test_database_refuses_update_and_delete(people):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's; SQLite relies on the model and the checkpoint")
    seq = AuditEntry.objects.order_by("seq").first().seq
    for sql in (
        "UPDATE people_auditentry SET reason = 'x' WHERE seq = %s",
        "DELETE FROM people_auditentry WHERE seq = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [seq])
    assert AuditEntry.objects.filter(seq=seq).exists()


def _unkeyed(entry: AuditEntry) -> str:
    """What a forger without the key computes: the same content, plain SHA-256."""
    at = entry.at.astimezone(audit.dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    body = [entry.seq, at, entry.actor_id, entry.actor_name, entry.action, entry.object_type]
    body += [entry.object_id, entry.object_label, entry.reason, entry.ip, entry.detail]
    body += [entry.prev_hash]
    return hashlib.sha256(json.dumps(body, ensure_ascii=False).encode()).hexdigest()


def test_rewrite_with_every_hash_recomputed_is_detected(people):
    entries = list(AuditEntry.objects.order_by("seq"))
    start = entries[2]
    prev = entries[1].hash
    for e in entries[2:]:  # forge from #3 on and re-chain every later entry and the head
        e.prev_hash = prev
        if e.pk == start.pk:
            e.reason = "forged"
        e.hash = prev = _unkeyed(e)
        tamper(
            "UPDATE people_auditentry SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [e.reason, e.prev_hash, e.hash, e.pk],
        )
    AuditHead.objects.filter(pk=1).update(hash=prev)
    result = audit.verify()
    assert not result.ok and result.broken_seq == start.seq
    assert "hash" in result.reason


def test_truncation_with_the_head_moved_back_is_caught_by_the_checkpoint(
    people, checkpoint_file, capsys
):
    assert main(["audit", "checkpoint"]) == 0
    assert oct(os.stat(checkpoint_file).st_mode & 0o777) == "0o600"
    written = json.loads(checkpoint_file.read_text())
    assert written["seq"] == AuditHead.objects.get(pk=1).seq
    entries = list(AuditEntry.objects.order_by("seq"))
    assert audit.verify().ok
    for e in entries[-2:]:
        tamper("DELETE FROM people_auditentry WHERE id = %s", [e.pk])
    AuditHead.objects.filter(pk=1).update(seq=entries[-3].seq, hash=entries[-3].hash)
    result = audit.verify()
    assert not result.ok and "checkpoint" in result.reason
    assert main(["audit", "verify"]) == 1
    assert "checkpoint" in capsys.readouterr().err
    # A broken chain is never blessed by a new checkpoint.
    assert main(["audit", "checkpoint"]) == 1
    assert json.loads(checkpoint_file.read_text()) == written


def test_a_forged_checkpoint_is_refused(people, checkpoint_file):
    audit.checkpoint()
    data = json.loads(checkpoint_file.read_text())
    data["seq"] = 1
    data["hash"] = AuditEntry.objects.get(seq=1).hash
    checkpoint_file.write_text(json.dumps(data))
    result = audit.verify()
    assert not result.ok and "not signed" in result.reason


def test_entries_written_after_a_checkpoint_still_verify(people, checkpoint_file):
    audit.checkpoint()
    audit.record(people.admin, "view", "resident", people.resident_a.pk)
    assert audit.verify().ok


def test_the_chain_needs_its_key(people, monkeypatch):
    assert audit.verify().ok
    monkeypatch.setenv("WANGGE_AUDIT_KEY", "A" * 44)  # another key: nothing verifies
    result = audit.verify()
    assert not result.ok and result.broken_seq == 1
