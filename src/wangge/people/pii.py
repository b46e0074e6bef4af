"""Sealing personal values into their three columns (`_enc`, `_index`, `_masked`) and back.

The context string (record type and field) is bound into both the ciphertext and the blind
index, so values never match across fields.
"""

from typing import Any

from wangge.people import crypto
from wangge.people.identity import InvalidValue, mask_id, mask_phone, parse_phone

ID_CONTEXT = "resident.id_number"
PHONE_CONTEXT = "phone"

# (model label, field prefix, context) of every sealed value: rotation walks these.
SEALED_FIELDS = [
    ("people.Resident", "id_number", ID_CONTEXT),
    ("people.Resident", "phone", PHONE_CONTEXT),
    ("people.Organization", "contact_phone", PHONE_CONTEXT),
    ("people.PartyMember", "phone", PHONE_CONTEXT),
    ("events.Event", "reporter_phone", PHONE_CONTEXT),
]


def id_key(id_type: str, number: str) -> str:
    """What the ID blind index is computed over: the document type and the normalised number."""
    return f"{id_type}:{number}"


def seal_id(id_type: str, number: str) -> tuple[str, str, str]:
    ring = crypto.get_ring()
    return (
        ring.encrypt(number, ID_CONTEXT),
        ring.blind_index(id_key(id_type, number), ID_CONTEXT),
        mask_id(number),
    )


def seal_phone(phone: str) -> tuple[str, str, str]:
    if not phone:
        return "", "", ""
    ring = crypto.get_ring()
    return (
        ring.encrypt(phone, PHONE_CONTEXT),
        ring.blind_index(phone, PHONE_CONTEXT),
        mask_phone(phone),
    )


def normal_phone(raw: str) -> str | None:
    """The phone as `parse_phone` writes it, or None when the text is not a phone."""
    try:
        return parse_phone(raw)
    except InvalidValue:
        return None


def seal_free_phone(raw: str) -> tuple[str, str, str]:
    """A phone as a member of the public typed it (reporters): normalised when it is one, else
    kept as typed, with a mask that shows no more than two digits of what it cannot read."""
    text = raw.strip()
    normal = normal_phone(text)
    if normal is not None or not text:
        return seal_phone(normal or "")
    enc, index, _mask = seal_phone(text)
    return enc, index, "****" + text[-2:]


def id_indexes(id_type: str, number: str) -> list[str]:
    return crypto.get_ring().blind_indexes(id_key(id_type, number), ID_CONTEXT)


def phone_indexes(phone: str) -> list[str]:
    return crypto.get_ring().blind_indexes(phone, PHONE_CONTEXT)


def set_sealed(obj: Any, prefix: str, sealed: tuple[str, str, str]) -> None:
    enc, index, masked = sealed
    setattr(obj, f"{prefix}_enc", enc)
    setattr(obj, f"{prefix}_index", index)
    setattr(obj, f"{prefix}_masked", masked)


def open_sealed(obj: Any, prefix: str, context: str) -> str:
    token = getattr(obj, f"{prefix}_enc")
    return crypto.get_ring().decrypt(token, context) if token else ""
