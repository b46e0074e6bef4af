"""The audit log: append entries to the hash chain, and verify it.

The chain is keyed: each `hash` is an HMAC-SHA256 under a key held outside the database
(`WANGGE_AUDIT_KEY` or `settings.WANGGE_AUDIT_KEY_FILE`), so whoever can write the database
cannot recompute the hashes after an edit. The database refuses UPDATE and DELETE on the table
(a trigger on PostgreSQL, migration people 0004; the table kept its name, `people_auditentry`,
when the log moved here), and `checkpoint()` writes the head, signed with the same key, to a
file outside the database (a periodic task and `wangge audit checkpoint`), so cutting the
tail and moving the head back is caught by `verify()` too.

Writers lock the single `AuditHead` row (select_for_update), so two concurrent writers queue
instead of forking the chain; the entry is written in the caller's transaction, so an action
that rolls back leaves no entry and a recorded action always has one.
"""

import datetime as dt
import getpass
import hashlib
import hmac
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from wangge.accounts.actors import Actor, is_system, require_actor
from wangge.accounts.clients import client_address
from wangge.accounts.keys import single_key
from wangge.accounts.lockout import LoginEvent
from wangge.accounts.models import AuditEntry, AuditHead
from wangge.accounts.roles import RoleChange

GENESIS = "0" * 64


def chain_key() -> bytes:
    return single_key(os.environ.get("WANGGE_AUDIT_KEY", ""), Path(settings.WANGGE_AUDIT_KEY_FILE))


def content_hash(entry: AuditEntry, key: bytes | None = None) -> str:
    at = entry.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    body = [
        entry.seq,
        at,
        entry.actor_id,
        entry.actor_name,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.object_label,
        entry.reason,
        entry.ip,
        entry.detail,
        entry.prev_hash,
    ]
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hmac.new(key or chain_key(), text.encode(), hashlib.sha256).hexdigest()


def client_ip(request: HttpRequest | None) -> str:
    """The client's address as lockout and rate limits see it (behind the proxy too)."""
    return "" if request is None else client_address(request)


def _head() -> AuditHead:
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        try:
            with transaction.atomic():
                AuditHead.objects.create(pk=1)
        except IntegrityError:
            pass  # created by a concurrent writer meanwhile
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head


@dataclass
class Entry:
    action: str
    object_type: str
    object_id: Any = ""
    object_label: str = ""
    reason: str = ""
    detail: dict[str, Any] | None = None


def record(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any = "",
    *,
    label: str = "",
    reason: str = "",
    ip: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    return record_many(
        actor, [Entry(action, object_type, object_id, label, reason, detail)], ip=ip
    )[0]


def record_many(actor: Actor, entries: Iterable[Entry], *, ip: str = "") -> list[AuditEntry]:
    """Append entries in order, chained, in one locked step."""
    actor = require_actor(actor)
    actor_id = actor.pk
    actor_name = (
        f"system ({getpass.getuser()})" if is_system(actor) else actor.username or str(actor)
    )
    key = chain_key()
    with transaction.atomic():
        head = _head()
        seq, prev = head.seq, head.hash
        rows = []
        now = timezone.now()
        for e in entries:
            seq += 1
            row = AuditEntry(
                seq=seq,
                at=now,
                actor_id=actor_id,
                actor_name=actor_name[:150],
                action=e.action,
                object_type=e.object_type,
                object_id=str(e.object_id)[:64],
                object_label=e.object_label[:200],
                reason=e.reason[:500],
                ip=ip,
                detail=e.detail or {},
                prev_hash=prev,
            )
            row.hash = content_hash(row, key)
            prev = row.hash
            rows.append(row)
        AuditEntry.objects.bulk_create(rows, batch_size=1000)
        AuditHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    return rows


def record_login_event(event: LoginEvent) -> None:
    """A login lock (after repeated failures) or unlock (by an administrator)."""
    target = event.username or event.ip
    record(
        event.actor,
        event.action,
        "login",
        target,
        label=target,
        ip=event.actor_ip,
        detail={"username": event.username, "ip": event.ip},
    )


def record_role_change(change: RoleChange) -> None:
    """An account made (or no longer) administrator, staff, active, or member of a group."""
    record(
        change.actor,
        "update",
        "account_roles",
        change.user_id,
        label=change.username,
        ip=change.ip,
        detail={"before": change.before, "after": change.after},
    )


@dataclass
class Verification:
    checked: int
    broken_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify() -> Verification:
    """Walk the chain from the first entry; report the first entry that does not fit, then
    hold the head and the chain against the last checkpoint written outside the database."""
    key = chain_key()
    prev, expected_seq, checked = GENESIS, 1, 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return Verification(checked, expected_seq, f"entry #{expected_seq} is missing")
        if entry.prev_hash != prev:
            return Verification(checked, entry.seq, "does not follow the previous entry")
        if not hmac.compare_digest(content_hash(entry, key), entry.hash):
            return Verification(checked, entry.seq, "content does not match its hash")
        prev, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, prev):
        return Verification(
            checked,
            expected_seq,
            f"the head says #{head.seq}: entries after #{expected_seq - 1} are missing",
        )
    return _against_checkpoint(checked, key)


# -- the checkpoint outside the database ------------------------------------------------------


def _signature(key: bytes, seq: int, hash_: str, at: str) -> str:
    return hmac.new(key, f"checkpoint\x00{seq}\x00{hash_}\x00{at}".encode(), "sha256").hexdigest()


def checkpoint() -> dict[str, Any]:
    """Write the chain's head (seq, hash, time), signed, to the checkpoint file; atomically and
    private. Refuses when the chain no longer holds the last checkpoint (it would bless a cut)."""
    result = verify()
    if not result.ok:
        raise ValueError(f"audit chain broken at entry #{result.broken_seq}: {result.reason}")
    head = AuditHead.objects.filter(pk=1).first()
    seq, hash_ = (head.seq, head.hash) if head else (0, GENESIS)
    at = timezone.now().astimezone(dt.UTC).isoformat()
    data = {"seq": seq, "hash": hash_, "at": at, "sig": _signature(chain_key(), seq, hash_, at)}
    path = Path(settings.WANGGE_AUDIT_CHECKPOINT_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)
    return data


def _against_checkpoint(checked: int, key: bytes) -> Verification:
    path = Path(settings.WANGGE_AUDIT_CHECKPOINT_FILE)
    if not path.exists():
        return Verification(checked)
    try:
        data = json.loads(path.read_text())
        seq, hash_, at, sig = int(data["seq"]), str(data["hash"]), str(data["at"]), data["sig"]
    except (ValueError, KeyError, TypeError):
        return Verification(checked, 0, f"the checkpoint file {path} is unreadable")
    if not hmac.compare_digest(_signature(key, seq, hash_, at), str(sig)):
        return Verification(checked, 0, f"the checkpoint file {path} is not signed by our key")
    if seq == 0:
        return Verification(checked)
    entry = AuditEntry.objects.filter(seq=seq).only("hash").first()
    if entry is None or entry.hash != hash_:
        return Verification(
            checked,
            min(seq, checked + 1),
            f"the checkpoint of {at} holds entry #{seq}: the log was cut or rewritten since",
        )
    return Verification(checked)
