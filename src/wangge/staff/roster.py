"""Staff onboarding from a county's roster (xlsx or CSV): name, phone, ID number, area code,
role, department (and optionally an account name).

As the people import: every row is checked first and reported by row, column and reason; any
problem and nothing is written. Accounts are keyed on the account name (the phone number when
the column is absent), so importing the same roster again changes nothing. New accounts get a
generated password and must change it at first login. Posts and department handlers are
granted through `staff.grants` (audited). The ID number is checked, never stored: a user
account has no use for it and it would be personal data in clear.
"""

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from wangge.accounts import audit
from wangge.accounts.actors import Actor, require_actor
from wangge.accounts.models import Role
from wangge.accounts.passwords import password_set_generated
from wangge.accounts.scope import visible_paths
from wangge.events.models import Department
from wangge.people.identity import InvalidValue, parse_id_number, parse_phone
from wangge.people.imports import tabular
from wangge.people.imports.importer import Counts, ImportResult, RowError, RowProblem
from wangge.regions.models import Area
from wangge.staff import grants

KIND = "staff"


@dataclass
class RosterResult(ImportResult):
    dry_run: bool = False
    # (account name, generated password) of the accounts created: shown once, never stored.
    passwords: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    name: str
    username: str
    area: Area
    role: str
    department: Department | None


def _roles() -> dict[str, str]:
    """Role values, and their English and Chinese labels → role value."""
    table = {v: v for v in Role.values}
    for lang in ("en", "zh-hans"):
        with translation.override(lang):
            table.update({str(label): value for value, label in Role.choices})
    table.update({"网格长": Role.GRID_LEADER, "专职网格员": Role.FULL_TIME})
    table.update({"兼职网格员": Role.PART_TIME, "微网格员": Role.LIAISON})
    return table


def _staff_sheets(sheets: list[tabular.Sheet]) -> list[tabular.Sheet]:
    required = [c for c in tabular.KINDS[KIND] if c.required]
    found = []
    for s in sheets:
        present = set(s.headers)
        if all({c.header, *c.aliases} & present for c in required):
            s.kind = KIND
            found.append(s)
    return found


class _Check:
    def __init__(self, actor: Actor) -> None:
        self.paths = visible_paths(require_actor(actor))
        self.roles = _roles()
        self.areas = {a.code: a for a in Area.objects.live()}
        self.departments: dict[str, Department] = {}
        for d in Department.objects.filter(active=True):
            self.departments.setdefault(d.code, d)
            self.departments.setdefault(d.name, d)
        self.names: dict[str, str] = {}  # account → name, across rows

    def row(self, number: int, rec: dict[str, Any]) -> _Row:
        text = {k: tabular.cell_text(v) for k, v in rec.items()}
        name = text.get("name", "")
        if not name:
            raise RowError("name", _("This column is required."))
        try:
            phone = parse_phone(text.get("phone", ""))
        except InvalidValue as exc:
            raise RowError("phone", str(exc)) from None
        if text.get("id_number"):
            try:
                parse_id_number(text["id_number"])
            except InvalidValue as exc:
                raise RowError("id_number", str(exc)) from None
        area = self.areas.get(text.get("area_code", ""))
        if area is None:
            raise RowError("area_code", _("No live area has this code."))
        if self.paths is not None and not any(area.path.startswith(p) for p in self.paths):
            raise RowError("area_code", _("This area is outside your areas."))
        role = self.roles.get(text.get("role", ""))
        if role is None:
            raise RowError("role", _("Unknown role."))
        department = None
        if text.get("department"):
            department = self.departments.get(text["department"])
            if department is None:
                raise RowError("department", _("No active department has this code or name."))
        username = text.get("username") or phone
        if self.names.setdefault(username, name) != name:
            raise RowError("name", _("Another row gives this account another name."))
        return _Row(number, name, username[:150], area, role, department)


class _Rollback(Exception):
    pass


def import_roster(
    actor: Actor, data: bytes, file_name: str, *, dry_run: bool = False, ip: str = ""
) -> RosterResult:
    """Check the roster, then (no problem found, not a dry run) write it in one transaction."""
    result = RosterResult(mode="all", dry_run=dry_run)
    try:
        sheets = _staff_sheets(tabular.read_file(data, file_name))
    except Exception:
        result.problems.append(
            RowProblem(file_name, 0, "", _("This file cannot be read as xlsx or CSV."))
        )
        return result
    if not sheets:
        result.problems.append(
            RowProblem(file_name, 1, "", _("The headers do not match the staff roster."))
        )
        return result
    check = _Check(actor)
    rows: list[_Row] = []
    for sheet in sheets:
        for number, rec in sheet.records():
            result.rows += 1
            try:
                rows.append(check.row(number, rec))
            except RowError as exc:
                header = sheet.header_of(exc.field)
                result.problems.append(RowProblem(sheet.name, number, header, exc.message))
    if result.problems:
        return result
    try:
        with transaction.atomic():
            _write(actor, rows, result, ip)
            audit.record(
                actor,
                "import",
                "staff_roster",
                label=file_name[:200],
                ip=ip,
                detail={
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "counts": {k: vars(c) for k, c in result.counts.items()},
                },
            )
            if dry_run:
                raise _Rollback
            result.committed = True
    except _Rollback:
        result.passwords = []  # nothing was created
    return result


def _write(actor: Actor, rows: list[_Row], result: RosterResult, ip: str) -> None:
    users, posts, handlers = Counts(), Counts(), Counts()
    result.counts = {"user": users, "post": posts, "handler": handlers}
    model = get_user_model()
    names = {r.username for r in rows}
    existing = {u.get_username(): u for u in model.objects.filter(username__in=names)}
    for r in rows:
        user = existing.get(r.username)
        if user is None:
            user = model.objects.create(username=r.username, first_name=r.name[:150])
            password = secrets.token_urlsafe(12)
            password_set_generated(user=user, password=password)
            audit.record(actor, "create", "user", user.pk, label=r.username, ip=ip)
            existing[r.username] = user
            result.passwords.append((r.username, password))
            users.created += 1
        elif user.first_name != r.name[:150]:
            user.first_name = r.name[:150]
            user.save(update_fields=["first_name"])
            users.updated += 1
        else:
            users.unchanged += 1
        held = user.posts.filter(Q(area=r.area) & Q(role=r.role), ended_on__isnull=True).exists()
        grants.post_grant(actor=actor, user=user, area=r.area, role=r.role, ip=ip)
        if held:
            posts.unchanged += 1
        else:
            posts.created += 1
        if r.department is not None:
            if grants.handler_grant(actor=actor, user=user, department=r.department, ip=ip):
                handlers.created += 1
            else:
                handlers.unchanged += 1
