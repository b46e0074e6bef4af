"""The audit log: append entries to the hash chain, and verify it.

Writers lock the single `AuditHead` row (select_for_update), so two concurrent writers queue
instead of forking the chain; the entry is written in the caller's transaction, so an action
that rolls back leaves no entry and a recorded action always has one.
"""

import datetime as dt
import getpass
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from wangge.accounts.lockout import LoginEvent
from wangge.people.models import AuditEntry, AuditHead

GENESIS = "0" * 64


def content_hash(entry: AuditEntry) -> str:
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
    return hashlib.sha256(text.encode()).hexdigest()


def client_ip(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


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
    actor: Any,
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


def record_many(actor: Any, entries: Iterable[Entry], *, ip: str = "") -> list[AuditEntry]:
    """Append entries in order, chained, in one locked step."""
    actor_id = getattr(actor, "pk", None)
    actor_name = getattr(actor, "username", "") or (
        f"system ({getpass.getuser()})" if actor is None else str(actor)
    )
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
            row.hash = content_hash(row)
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


@dataclass
class Verification:
    checked: int
    broken_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify() -> Verification:
    """Walk the chain from the first entry; report the first entry that does not fit."""
    prev, expected_seq, checked = GENESIS, 1, 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return Verification(checked, expected_seq, f"entry #{expected_seq} is missing")
        if entry.prev_hash != prev:
            return Verification(checked, entry.seq, "does not follow the previous entry")
        if content_hash(entry) != entry.hash:
            return Verification(checked, entry.seq, "content does not match its hash")
        prev, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, prev):
        return Verification(
            checked,
            expected_seq,
            f"the head says #{head.seq}: entries after #{expected_seq - 1} are missing",
        )
    return Verification(checked)
