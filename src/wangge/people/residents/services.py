"""Writes of residents and households: register, change, move, move out, tags, reveal and
export. The API, the importer, the CLI and the tests all write through here; every write of a
resident is audited.

`actor` is who acts (`wangge.accounts.actors`: a user, or `SYSTEM` for the demo, the command
line without `--user` and scheduled jobs); scope is checked for every actor (the system sees
the whole tree), and there is no "no actor".
"""

import datetime as dt
import re
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts import audit, reveals
from wangge.accounts.actors import Actor, author, needs_check, require_actor
from wangge.errors import DomainError, Problem
from wangge.people import access, pii
from wangge.people.identity import InvalidValue, normalise_document, parse_id_number
from wangge.people.models import (
    House,
    Household,
    IdType,
    Relation,
    Residence,
    ResidenceType,
    Resident,
    ResidentStatus,
    ResidentTag,
    Sex,
    TagGrant,
    TagKind,
)
from wangge.people.writes import audit_write, changed_fields, check_scope, clean_phone
from wangge.regions.models import Area

# ---- places ---------------------------------------------------------------------------------


@transaction.atomic
def household_save(
    *, actor: Actor, code: str, house: House, kind: str = "family", note: str = "", ip: str = ""
) -> Household:
    if not code.strip():
        raise DomainError.one(_("A household needs a household number."), field="code")
    existing = Household.objects.filter(code=code).first()
    if existing is not None:
        check_scope(actor, existing.area, "code")
    check_scope(actor, house.area, "house")
    values = dict(
        house=house,
        kind=kind,
        note=note,
        area=house.area,
        address=house.address,
        lon=house.lon,
        lat=house.lat,
    )
    household = existing or Household(code=code)
    changed = changed_fields(household, values)
    if existing is None or changed:
        household.save()
    audit_write(actor, household, existing is None, changed, ip)
    return household


# ---- residents ------------------------------------------------------------------------------


def clean_identity(
    id_type: str, id_number: str, sex: str = "", birth_date: dt.date | None = None
) -> tuple[str, str, dt.date | None]:
    """(normalised number, sex, birth date); for ID cards sex and birth date come from it."""
    try:
        if id_type == IdType.ID_CARD:
            parsed = parse_id_number(id_number)
            return parsed.number, parsed.sex, parsed.birth_date
        return normalise_document(id_number), sex, birth_date
    except InvalidValue as exc:
        raise DomainError.one(str(exc), field="id_number") from exc


def find_by_id_number(id_type: str, number: str) -> Resident | None:
    return Resident.objects.filter(id_number_index__in=pii.id_indexes(id_type, number)).first()


@transaction.atomic
def resident_create(
    *,
    actor: Actor,
    name: str,
    id_number: str,
    household: Household,
    id_type: str = IdType.ID_CARD,
    phone: str = "",
    ethnicity: str = "",
    relation: str = "",
    residence_type: str = ResidenceType.REGISTERED,
    moved_in_on: dt.date | None = None,
    sex: str = "",
    birth_date: dt.date | None = None,
    workplace: str = "",
    note: str = "",
    ip: str = "",
) -> Resident:
    if not name.strip():
        raise DomainError.one(_("A resident needs a name."), field="name")
    number, sex, birth_date = clean_identity(id_type, id_number, sex, birth_date)
    phone = clean_phone(phone)
    if find_by_id_number(id_type, number) is not None:
        raise DomainError.one(
            _("A resident with this ID number is already registered."),
            field="id_number",
            code="duplicate",
            status=409,
        )
    check_scope(actor, household.area, "household")
    resident = Resident(
        name=name.strip(),
        id_type=id_type,
        sex=sex,
        birth_date=birth_date,
        ethnicity=ethnicity,
        residence_type=residence_type,
        household=household,
        relation=relation,
        area=household.area,
        moved_in_on=moved_in_on,
        workplace=workplace,
        note=note,
    )
    pii.set_sealed(resident, "id_number", pii.seal_id(id_type, number))
    pii.set_sealed(resident, "phone", pii.seal_phone(phone))
    resident.save()
    Residence.objects.create(
        resident=resident,
        household=household,
        area=household.area,
        relation=relation,
        residence_type=residence_type,
        started_on=moved_in_on or timezone.localdate(),
    )
    audit.record(actor, "create", "resident", resident.pk, label=str(resident), ip=ip)
    return resident


RESIDENT_EDITABLE = {
    "name",
    "phone",
    "ethnicity",
    "relation",
    "residence_type",
    "workplace",
    "note",
    "sex",
    "birth_date",
}


@transaction.atomic
def resident_update(*, actor: Actor, resident: Resident, ip: str = "", **changes: Any) -> Resident:
    """Change plain fields (and the phone). Moves go through `resident_move`."""
    unknown = set(changes) - RESIDENT_EDITABLE
    if unknown:
        raise DomainError.one(_("These fields cannot be changed here."), field=",".join(unknown))
    check_scope(actor, resident.area)
    changed: list[str] = []
    if "phone" in changes and _reseal_phone(
        resident, "phone", clean_phone(changes.pop("phone") or "")
    ):
        changed.append("phone")
    if resident.id_type == IdType.ID_CARD:
        changes.pop("sex", None)  # derived from the ID number
        changes.pop("birth_date", None)
    changed += changed_fields(resident, changes)
    if changed:
        resident.save()
        if {"relation", "residence_type"} & set(changed):
            Residence.objects.filter(resident=resident, ended_on__isnull=True).update(
                relation=resident.relation, residence_type=resident.residence_type
            )
    audit_write(actor, resident, False, changed, ip)
    return resident


def _reseal_phone(obj: Any, prefix: str, phone: str) -> bool:
    """Seal the phone when it differs from the stored one (compared by blind index)."""
    current = getattr(obj, f"{prefix}_index")
    if current in (pii.phone_indexes(phone) if phone else [""]):
        return False
    pii.set_sealed(obj, prefix, pii.seal_phone(phone))
    return True


def _end_residence(resident: Resident, on: dt.date) -> None:
    Residence.objects.filter(resident=resident, ended_on__isnull=True).update(ended_on=on)


@transaction.atomic
def resident_move(
    *,
    actor: Actor,
    resident: Resident,
    household: Household,
    on: dt.date | None = None,
    relation: str = "",
    ip: str = "",
) -> Resident:
    """End the resident's current residence and start one in `household` (history kept)."""
    check_scope(actor, resident.area)
    check_scope(actor, household.area, "household")
    on = on or timezone.localdate()
    if resident.household_id == household.pk:
        return resident
    old = resident.household_id
    _end_residence(resident, on)
    resident.household = household
    resident.area = household.area
    resident.relation = relation
    resident.status = ResidentStatus.LIVING
    resident.moved_in_on = on
    resident.moved_out_on = None
    resident.save()
    Residence.objects.create(
        resident=resident,
        household=household,
        area=household.area,
        relation=relation,
        residence_type=resident.residence_type,
        started_on=on,
    )
    audit.record(
        actor,
        "update",
        "resident",
        resident.pk,
        label=str(resident),
        ip=ip,
        detail={"move": {"from": old, "to": household.pk, "on": on.isoformat()}},
    )
    return resident


@transaction.atomic
def resident_move_out(
    *,
    actor: Actor,
    resident: Resident,
    on: dt.date | None = None,
    status: str = ResidentStatus.MOVED_OUT,
    ip: str = "",
) -> Resident:
    """Moved away or deceased: the residence ends; the record stays in its last micro-grid."""
    check_scope(actor, resident.area)
    if status not in (ResidentStatus.MOVED_OUT, ResidentStatus.DECEASED):
        raise DomainError.one(_("Unknown status."), field="status")
    on = on or timezone.localdate()
    _end_residence(resident, on)
    resident.household = None
    resident.status = status
    resident.moved_out_on = on
    resident.save()
    audit.record(
        actor,
        "update",
        "resident",
        resident.pk,
        label=str(resident),
        ip=ip,
        detail={"status": status, "on": on.isoformat()},
    )
    return resident


def _held_by_other(id_type: str, number: str, resident: Resident) -> bool:
    found = find_by_id_number(id_type, number)
    return found is not None and found.pk != resident.pk


def _check_edit(  # noqa: C901 (one check a field, all reported)
    resident: Resident,
    *,
    name: str,
    id_type: str,
    id_number: str,
    phone: str | None,
    sex: str,
    birth_date: dt.date | None,
) -> tuple[str, str, dt.date | None, str | None]:
    """Every problem of an edit at once: (number or "", sex, birth date, phone or None)."""
    problems: list[Problem] = []
    if not name.strip():
        problems.append(Problem(_("A resident needs a name."), field="name"))
    elif len(name.strip()) > NAME_MAX:
        problems.append(Problem(_("At most %(n)d characters.") % {"n": NAME_MAX}, field="name"))
    if id_type not in IdType.values:
        problems.append(Problem(_("Unknown document type."), field="id_type"))
    number, sex, birth = "", "", birth_date
    if id_number.strip() and id_type in IdType.values:
        try:
            number, sex, birth = clean_identity(id_type, id_number, "", birth_date)
        except DomainError as exc:
            problems += exc.problems
        else:
            if _held_by_other(id_type, number, resident):
                problems.append(
                    Problem(
                        _("A resident with this ID number is already registered."),
                        field="id_number",
                        code="duplicate",
                    )
                )
    elif id_type != resident.id_type:
        problems.append(
            Problem(_("Give the number of the new document."), field="id_number", code="required")
        )
    if birth_date is not None and birth_date > timezone.localdate():
        problems.append(Problem(_("A birth date cannot be in the future."), field="birth_date"))
    if sex not in ("", *Sex.values):
        problems.append(Problem(_("Unknown sex."), field="sex"))
    if phone is not None:
        try:
            phone = clean_phone(phone)
        except DomainError as exc:
            problems += exc.problems
    if problems:
        raise DomainError(problems, status=422)
    return number, sex, birth, phone


NAME_MAX = 100  # Resident.name
CODE_MAX = 60  # Household.code


@transaction.atomic
def resident_edit(
    *,
    actor: Actor,
    resident: Resident,
    name: str,
    sex: str = "",
    birth_date: dt.date | None = None,
    phone: str | None = None,
    id_type: str = "",
    id_number: str = "",
    ip: str = "",
) -> Resident:
    """The resident's page form: name, sex and birth date (from the ID card when it is one),
    phone and document. `phone` None and `id_number` "" leave the stored (sealed) values as
    they are, so a form never needs them in clear; "" as phone clears it. Every problem is
    reported at once, naming its field; nothing is written then. Audited like
    `resident_update` (changed field names, never the values)."""
    check_scope(actor, resident.area)
    id_type = id_type or resident.id_type
    number, derived_sex, derived_birth, phone = _check_edit(
        resident,
        name=name,
        id_type=id_type,
        id_number=id_number,
        phone=phone,
        sex=sex,
        birth_date=birth_date,
    )
    changed: list[str] = []
    if number:
        index = pii.id_indexes(id_type, number)
        if id_type != resident.id_type or resident.id_number_index not in index:
            pii.set_sealed(resident, "id_number", pii.seal_id(id_type, number))
            changed += ["id_type", "id_number"] if id_type != resident.id_type else ["id_number"]
            resident.id_type = id_type
    if phone is not None and _reseal_phone(resident, "phone", phone):
        changed.append("phone")
    if resident.id_type == IdType.ID_CARD:
        if number:  # sex and birth date follow the (new) number
            sex, birth_date = derived_sex, derived_birth
        else:
            sex, birth_date = resident.sex, resident.birth_date
    changed += changed_fields(
        resident, {"name": name.strip(), "sex": sex, "birth_date": birth_date}
    )
    if changed:
        resident.save()
    audit_write(actor, resident, False, changed, ip)
    return resident


def _head_problems(name: str, id_number: str, phone: str) -> list[Problem]:
    problems: list[Problem] = []
    if not name.strip():
        problems.append(
            Problem(_("Name the head of the household."), field="head_name", code="required")
        )
    elif len(name.strip()) > NAME_MAX:
        problems.append(
            Problem(_("At most %(n)d characters.") % {"n": NAME_MAX}, field="head_name")
        )
    try:
        if not id_number.strip():
            problems.append(
                Problem(_("Give the head's ID number."), field="head_id_number", code="required")
            )
        else:
            clean_identity(IdType.ID_CARD, id_number)
    except DomainError as exc:
        problems += [Problem(p.message, field="head_id_number") for p in exc.problems]
    try:
        clean_phone(phone)
    except DomainError as exc:
        problems += [Problem(p.message, field="head_phone") for p in exc.problems]
    return problems


def _check_new_household(
    code: str,
    kind: str,
    head: Resident | None,
    head_name: str,
    head_id_number: str,
    head_phone: str,
) -> None:
    """Every problem of a new household and its new head at once, the head's fields prefixed."""
    problems: list[Problem] = []
    if not code:
        problems.append(Problem(_("A household needs a household number."), field="code"))
    elif len(code) > CODE_MAX:
        problems.append(Problem(_("At most %(n)d characters.") % {"n": CODE_MAX}, field="code"))
    elif Household.objects.filter(code=code).exists():
        problems.append(
            Problem(_("This household number is already taken."), field="code", code="duplicate")
        )
    if kind not in Household.Kind.values:
        problems.append(Problem(_("Unknown household kind."), field="kind"))
    if head is None:
        problems += _head_problems(head_name, head_id_number, head_phone)
    if problems:
        raise DomainError(problems, status=422)


@transaction.atomic
def household_create(
    *,
    actor: Actor,
    house: House,
    code: str,
    kind: str = Household.Kind.FAMILY,
    note: str = "",
    head: Resident | None = None,
    head_name: str = "",
    head_id_number: str = "",
    head_phone: str = "",
    residence_type: str = ResidenceType.REGISTERED,
    on: dt.date | None = None,
    ip: str = "",
) -> Household:
    """A new household in `house` with its head: a resident already registered (who moves in,
    the old residence kept in the history) or a new one. An existing household number is
    refused (this never changes another household)."""
    check_scope(actor, house.area, "house")
    code = code.strip()
    _check_new_household(code, kind, head, head_name, head_id_number, head_phone)
    household = household_save(actor=actor, code=code, house=house, kind=kind, note=note, ip=ip)
    if head is not None:
        resident_move(
            actor=actor, resident=head, household=household, on=on, relation=Relation.HEAD, ip=ip
        )
        return household
    try:
        resident_create(
            actor=actor,
            name=head_name,
            id_number=head_id_number,
            phone=head_phone,
            household=household,
            relation=Relation.HEAD,
            residence_type=residence_type,
            moved_in_on=on,
            ip=ip,
        )
    except DomainError as exc:
        for p in exc.problems:  # the head's fields carry the head_ prefix on the form
            if p.field in ("name", "id_number", "phone"):
                p.field = f"head_{p.field}"
        raise
    return household


@transaction.atomic
def household_edit(
    *,
    actor: Actor,
    household: Household,
    kind: str,
    note: str = "",
    head: Resident | None = None,
    ip: str = "",
) -> Household:
    """Kind and note; with `head` (a current member), that member becomes the head and the
    former head's relation becomes "other" (to be corrected on their own line)."""
    check_scope(actor, household.area)
    if kind not in Household.Kind.values:
        raise DomainError.one(_("Unknown household kind."), field="kind", status=422)
    if head is not None and head.household_id != household.pk:
        raise DomainError.one(
            _("The head must be a member of this household."), field="head", status=422
        )
    changed = changed_fields(household, {"kind": kind, "note": note.strip()})
    if changed:
        household.save()
        audit_write(actor, household, False, changed, ip)
    if head is not None and head.relation != Relation.HEAD:
        for old in household.members.filter(relation=Relation.HEAD).exclude(pk=head.pk):
            resident_update(actor=actor, resident=old, relation=Relation.OTHER, ip=ip)
        resident_update(actor=actor, resident=head, relation=Relation.HEAD, ip=ip)
    return household


@transaction.atomic
def household_move(
    *, actor: Actor, household: Household, house: House, on: dt.date | None = None, ip: str = ""
) -> Household:
    """The whole household moves to `house`: each current member's residence ends on `on` and a
    new one starts (history kept, the old micro-grid in it); the household's place follows."""
    check_scope(actor, household.area)
    check_scope(actor, house.area, "house")
    if household.dissolved_on is not None:
        raise DomainError.one(_("This household is dissolved."), field="house", status=422)
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise DomainError.one(_("A move cannot be in the future."), field="on", status=422)
    if household.house_id == house.pk:
        return household
    old_house = household.house_id
    values = dict(house=house, area=house.area, address=house.address, lon=house.lon, lat=house.lat)
    changed_fields(household, values)
    household.save()
    for member in household.members.filter(status=ResidentStatus.LIVING).order_by("pk"):
        _end_residence(member, on)
        member.area = house.area
        member.save(update_fields=["area", "updated_at"])
        Residence.objects.create(
            resident=member,
            household=household,
            area=house.area,
            relation=member.relation,
            residence_type=member.residence_type,
            started_on=on,
        )
        audit.record(
            actor,
            "update",
            "resident",
            member.pk,
            label=str(member),
            ip=ip,
            detail={"move": {"household": household.pk, "house": house.pk, "on": on.isoformat()}},
        )
    audit.record(
        actor,
        "update",
        "household",
        household.pk,
        label=household.code,
        ip=ip,
        detail={"move": {"from": old_house, "to": house.pk, "on": on.isoformat()}},
    )
    return household


MIN_REASON_CHARS = 2  # letters, digits or Chinese characters; punctuation does not count


def check_reason(reason: str) -> str:
    """A stated reason for seeing plaintext: words, not "." or "--"."""
    reason = reason.strip()
    if sum(c.isalnum() for c in reason) < MIN_REASON_CHARS:
        raise DomainError.one(_("Give the reason for viewing this."), field="reason")
    return reason


def is_number_search(q: str, id_number: str, phone: str) -> bool:
    """A search naming an ID number or phone (whole, or a run of 7+ digits in the text)."""
    return bool(id_number or phone or re.search(r"\d{7,}", q))


def audit_number_search(
    *, actor: Actor, rows: list[Any], q: str, id_number: str, phone: str, ip: str = ""
) -> None:
    """A lookup by personal number is itself an access to personal data: audit it (API and web)."""
    if is_number_search(q, id_number, phone):
        audit.record(
            actor,
            "view",
            "resident",
            ",".join(str(r.pk) for r in rows)[:64],
            ip=ip,
            detail={"search": "exact number", "results": len(rows)},
        )


def require_reveal(*, actor: Actor, area: Area, reason: str) -> None:
    """A reveal needs a stated reason and the right to see plaintext numbers in `area`."""
    check_reason(reason)
    if not access.can_reveal(actor, area):
        raise DomainError.one(
            _("You may not view full ID numbers or phones."), code="forbidden", status=403
        )


def reveal(*, actor: Actor, resident: Resident, reason: str, ip: str = "") -> dict[str, str]:
    """The plaintext ID number and phone, for a stated reason; audited before it is returned."""
    require_reveal(actor=actor, area=resident.area, reason=reason)
    with reveals.admitted(actor, ip=ip):  # at most WANGGE_REVEAL_LIMIT an hour
        audit.record(
            actor,
            "reveal",
            "resident",
            resident.pk,
            label=str(resident),
            reason=reason.strip(),
            ip=ip,
            detail={"fields": ["id_number", "phone"]},
        )
    return {
        "id_number": pii.open_sealed(resident, "id_number", pii.ID_CONTEXT),
        "phone": pii.open_sealed(resident, "phone", pii.PHONE_CONTEXT),
    }


# ---- special groups -------------------------------------------------------------------------


def clean_tag_data(kind: TagKind, data: dict[str, Any]) -> dict[str, Any]:
    """Keep the kind's own fields, checked by type; unknown keys are refused."""
    spec = {f["name"]: f for f in kind.fields}
    unknown = set(data) - set(spec)
    if unknown:
        raise DomainError.one(_("Unknown field for this group."), field=",".join(sorted(unknown)))
    clean: dict[str, Any] = {}
    for name, f in spec.items():
        value = data.get(name)
        if value in (None, ""):
            if f.get("required"):
                raise DomainError.one(_("This field is required."), field=name)
            continue
        kind_ = f.get("type", "text")
        try:
            if kind_ == "int":
                value = int(value)
            elif kind_ == "date":
                value = dt.date.fromisoformat(str(value)).isoformat()
            elif kind_ == "choice" and value not in f.get("choices", []):
                raise ValueError
            else:
                value = str(value)[:500]
        except ValueError as exc:
            raise DomainError.one(_("Not a valid value."), field=name) from exc
        clean[name] = value
    return clean


def _check_kind(actor: Actor, kind: TagKind) -> None:
    if kind.pk not in access.visible_kind_ids(require_actor(actor)):
        raise DomainError.one(_("Unknown group."), field="kind", code="not_found", status=404)


@transaction.atomic
def tag_add(
    *,
    actor: Actor,
    resident: Resident,
    kind: TagKind,
    data: dict[str, Any] | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    note: str = "",
    ip: str = "",
) -> ResidentTag:
    check_scope(actor, resident.area)
    _check_kind(actor, kind)
    valid_from = valid_from or timezone.localdate()
    if valid_to is not None and valid_to <= valid_from:
        raise DomainError.one(_("The end must come after the start."), field="valid_to")
    tag = ResidentTag.objects.create(
        resident=resident,
        kind=kind,
        data=clean_tag_data(kind, data or {}),
        valid_from=valid_from,
        valid_to=valid_to,
        note=note,
        created_by=author(actor),
    )
    audit.record(
        actor,
        "update",
        "resident",
        resident.pk,
        label=str(resident),
        ip=ip,
        detail={"tag_added": kind.code, "tag": tag.pk},
    )
    return tag


@transaction.atomic
def tag_end(
    *, actor: Actor, tag: ResidentTag, on: dt.date | None = None, ip: str = ""
) -> ResidentTag:
    check_scope(actor, tag.resident.area)
    _check_kind(actor, tag.kind)
    on = on or timezone.localdate()
    if tag.valid_to is not None and tag.valid_to <= on:
        return tag
    tag.valid_to = max(on, tag.valid_from)
    tag.save(update_fields=["valid_to"])
    audit.record(
        actor,
        "update",
        "resident",
        tag.resident_id,
        ip=ip,
        detail={"tag_ended": tag.kind.code, "tag": tag.pk, "on": on.isoformat()},
    )
    return tag


@transaction.atomic
def tag_grant(
    *, actor: Actor, user: User, kind: TagKind, expires_on: dt.date | None = None, ip: str = ""
) -> TagGrant:
    if needs_check(actor) and not actor.is_superuser:
        raise DomainError.one(_("Only administrators grant this."), code="forbidden", status=403)
    if not kind.sensitive:
        raise DomainError.one(_("Only sensitive groups need a grant."), field="kind")
    grant = TagGrant.objects.create(
        user=user, kind=kind, granted_by=author(actor), expires_on=expires_on
    )
    audit.record(
        actor, "grant", "user", user.pk, label=str(user), ip=ip, detail={"kind": kind.code}
    )
    return grant


@transaction.atomic
def tag_grant_revoke(*, actor: Actor, grant: TagGrant, ip: str = "") -> TagGrant:
    """End a sensitive-group grant now (a no-op, unaudited, when it has already ended)."""
    if needs_check(actor) and not actor.is_superuser:
        raise DomainError.one(_("Only administrators grant this."), code="forbidden", status=403)
    grant = TagGrant.objects.select_for_update().select_related("user", "kind").get(pk=grant.pk)
    if grant.revoked_at is not None:
        return grant
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    audit.record(
        actor,
        "revoke",
        "user",
        grant.user_id,
        label=str(grant.user),
        ip=ip,
        detail={"kind": grant.kind.code},
    )
    return grant


# ---- organisations, party, things -----------------------------------------------------------


def residents_export(
    *,
    actor: Actor,
    rows: QuerySet[Resident],
    filters: dict[str, Any],
    reveal_reason: str = "",
    ip: str = "",
    limit: int = 100_000,
) -> bytes:
    """An xlsx of the (already scoped) rows, masked unless a reason is given by someone with
    the reveal permission; stamped with the exporter and time, and audited."""
    from wangge.people.imports import workbooks

    plain_wanted = bool(reveal_reason.strip())
    if plain_wanted:
        reveal_reason = check_reason(reveal_reason)
    if plain_wanted and not access.can_export_plain(actor):
        raise DomainError.one(
            _("You may not export full ID numbers or phones."), code="forbidden", status=403
        )
    items = list(rows[: limit + 1])
    if len(items) > limit:
        raise DomainError.one(
            _("More than %(n)d rows: narrow the filter.") % {"n": limit}, code="too_many"
        )
    plain = None
    if plain_wanted:
        plain = {
            r.pk: {
                "id_number": pii.open_sealed(r, "id_number", pii.ID_CONTEXT),
                "phone": pii.open_sealed(r, "phone", pii.PHONE_CONTEXT),
            }
            for r in items
        }
    name = getattr(actor, "get_full_name", lambda: "")() or getattr(actor, "username", "system")
    content = workbooks.export_residents(items, exporter=name, plain=plain)
    audit.record(
        actor,
        "export",
        "resident",
        "",
        label=f"{len(items)}",
        reason=reveal_reason.strip(),
        ip=ip,
        detail={
            "rows": len(items),
            "masked": not plain_wanted,
            "filters": _loggable(filters),
            "ids": [r.pk for r in items[:1000]],
        },
    )
    return content


def _loggable(filters: dict[str, Any]) -> dict[str, Any]:
    """Filters as they may be logged: a personal number is never written to the audit log."""
    return {
        k: ("<number>" if re.search(r"\d{5,}", str(v)) else v)
        for k, v in filters.items()
        if v not in ("", None)
    }
