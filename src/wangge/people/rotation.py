"""Re-encrypt every sealed value under the current key (and recompute its blind index).

Rows already under the current key are skipped, so an interrupted run can simply be started
again; search keeps working meanwhile because it looks for the index under every ring key.
"""

from django.apps import apps
from django.db import transaction
from django.db.models import Q

from wangge.accounts import audit
from wangge.accounts.actors import SYSTEM, Actor
from wangge.people import crypto, pii

BATCH = 1000


def rotate(*, actor: Actor = SYSTEM) -> dict[str, int]:
    ring = crypto.get_ring()
    kid = ring.current.kid
    counts: dict[str, int] = {}
    for label, prefix, context in pii.SEALED_FIELDS:
        model = apps.get_model(label)
        enc, index = f"{prefix}_enc", f"{prefix}_index"
        stale = model._default_manager.exclude(**{enc: ""}).exclude(
            Q(**{f"{enc}__startswith": f"{kid}:"})
        )
        done = 0
        while True:
            with transaction.atomic():
                rows = list(stale.select_for_update().order_by("pk")[:BATCH])
                if not rows:
                    break
                for row in rows:
                    value = ring.decrypt(getattr(row, enc), context)
                    key = pii.id_key(row.id_type, value) if prefix == "id_number" else value
                    setattr(row, enc, ring.encrypt(value, context))
                    setattr(row, index, ring.blind_index(key, context))
                model._default_manager.bulk_update(rows, [enc, index])
                done += len(rows)
        counts[f"{label}.{prefix}"] = done
    audit.record(actor, "rekey", "keyring", kid, detail={"counts": counts})
    return counts


def stale_count() -> int:
    """Sealed values not under the current key (0 once a rotation has finished)."""
    kid = crypto.get_ring().current.kid
    total = 0
    for label, prefix, _context in pii.SEALED_FIELDS:
        enc = f"{prefix}_enc"
        total += (
            apps.get_model(label)
            ._default_manager.exclude(**{enc: ""})
            .exclude(**{f"{enc}__startswith": f"{kid}:"})
            .count()
        )
    return total
