import threading

import pytest
from django.contrib import admin
from django.db import connection, connections
from django.test import RequestFactory

from tests.people.factories import make_people
from tests.people.helpers import tamper
from wangge.accounts import audit
from wangge.accounts.actors import SYSTEM
from wangge.accounts.models import AuditEntry
from wangge.cli import main


def test_chain_verifies_and_detects_a_modified_entry(people, capsys):
    assert AuditEntry.objects.count() >= 8  # the places and residents created
    assert audit.verify().ok
    target = AuditEntry.objects.order_by("seq")[3]
    tamper("UPDATE people_auditentry SET actor_name = %s WHERE seq = %s", ["mallory", target.seq])
    result = audit.verify()
    assert not result.ok
    assert result.broken_seq == target.seq
    assert "hash" in result.reason
    assert main(["audit", "verify"]) == 1
    assert str(target.seq) in capsys.readouterr().err


def test_chain_detects_removed_and_recomputed_entries(people):
    entries = list(AuditEntry.objects.order_by("seq"))
    victim = entries[2]
    tamper("DELETE FROM people_auditentry WHERE seq = %s", [victim.seq])
    assert audit.verify().broken_seq == victim.seq
    # Re-hashing a changed entry does not help: the next one no longer follows it.
    people2 = entries[4]
    people2.reason = "forged"
    new_hash = audit.content_hash(people2)
    tamper(
        "UPDATE people_auditentry SET reason = %s, hash = %s WHERE seq = %s",
        ["forged", new_hash, people2.seq],
    )
    assert audit.verify().broken_seq == victim.seq  # still the first break


def test_truncated_tail_is_detected(people):
    last = AuditEntry.objects.order_by("-seq").first()
    tamper("DELETE FROM people_auditentry WHERE seq = %s", [last.seq])
    result = audit.verify()
    assert not result.ok and result.broken_seq == last.seq


def test_entries_refuse_change_and_delete(people):
    entry = AuditEntry.objects.first()
    entry.reason = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    request = RequestFactory().get("/")
    request.user = people.admin
    model_admin = admin.site._registry[AuditEntry]
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    assert not model_admin.has_add_permission(request)


def test_verify_command_passes_on_an_intact_chain(people, capsys):
    assert main(["audit", "verify"]) == 0
    assert str(AuditEntry.objects.count()) in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers itself; the row lock matters on PostgreSQL")
    make_people()
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(15):
                audit.record(SYSTEM, "view", "resident", f"{n}-{i}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert audit.verify().ok
