"""What each role may read and do: one matrix, read by every permission check.

The columns are the post roles (`accounts.models.Role`: a post at an area gives its rights over the
area's whole subtree), the auditor (审计员: the `auditor` group with the permission
`accounts.read_audit`, and no post — a post would give sight of its area's people) and the
administrator (a superuser). Each row is an action and names every column, so a new role or
action cannot be added without deciding each cell (tests/accounts/test_permission_matrix.py),
and README.md ("Roles and permissions") shows the same table (`matrix_markdown`).

The apps take their role lists from here (`roles_for`) and ask `may` where a check is one
action over one area. Finer rules stay beside their data: who holds a work order, the
sensitive-group grants (`people.access`), an operator's campaigns only under their operator
posts.
"""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from wangge.accounts.actors import Actor, is_system, is_user
from wangge.accounts.models import Role
from wangge.accounts.scope import live_posts, posts_over
from wangge.regions.models import Area

AUDITOR = "auditor"  # the group's name, too
ADMIN = "admin"
AUDIT_PERMISSION = "accounts.read_audit"
REVEAL_PERMISSION = "people.reveal_resident"


class Action(StrEnum):
    SEE = "see"  # people, places, events and figures under the post's area
    REPORT_EVENT = "report_event"  # report an event in the area from the grid app
    HANDLE_AT_GRID = "handle_at_grid"  # handle on the spot, escalate, report the fix, at grid level
    RUN_CENTRE = "run_centre"  # accept, reject, merge, dispatch, verify, close, supervise
    REVEAL = "reveal"  # a resident's plaintext ID number and phone, with a reason (audited)
    EXPORT_PLAIN = "export_plain"  # a plaintext export of residents (with a reason, audited)
    PATROL = "patrol"  # walk rounds, inspect hazard points and facilities
    MANAGE_CAMPAIGNS = "manage_campaigns"  # define, open, close door-to-door campaigns
    SEND_NOTICES = "send_notices"  # notices down to the area's posts
    MANAGE_STAFF = "manage_staff"  # give and end posts, import rosters, deactivate people
    READ_AUDIT = "read_audit"  # the platform's audit log and its verification


LABELS = {
    Action.SEE: _("see the area's people, events and figures"),
    Action.REPORT_EVENT: _("report events in the area"),
    Action.HANDLE_AT_GRID: _("handle events at grid level"),
    Action.RUN_CENTRE: _("run the command centre (accept, dispatch, verify, close)"),
    Action.REVEAL: _("reveal ID numbers and phones"),
    Action.EXPORT_PLAIN: _("export personal data in plain text"),
    Action.PATROL: _("patrol and inspect"),
    Action.MANAGE_CAMPAIGNS: _("manage campaigns"),
    Action.SEND_NOTICES: _("send notices"),
    Action.MANAGE_STAFF: _("give and end posts, import rosters"),
    Action.READ_AUDIT: _("read the audit log"),
}

COLUMNS: tuple[str, ...] = (*Role.values, AUDITOR, ADMIN)

# fmt: off
# One row per action, one cell per column of COLUMNS (Role's order, then auditor, admin).
_ROWS: dict[Action, tuple[int, ...]] = {
    #                        网格长 专职 兼职 联络员 书记 坐席 领导 审计员 管理员
    Action.SEE:              (1,    1,   1,   1,    1,   1,   1,   0,    1),
    Action.REPORT_EVENT:     (1,    1,   1,   1,    1,   1,   0,   0,    1),
    Action.HANDLE_AT_GRID:   (1,    1,   1,   1,    0,   0,   0,   0,    0),
    Action.RUN_CENTRE:       (0,    0,   0,   0,    1,   1,   0,   0,    1),
    Action.REVEAL:           (1,    1,   0,   0,    1,   0,   0,   0,    1),
    Action.EXPORT_PLAIN:     (0,    0,   0,   0,    0,   0,   0,   0,    1),
    Action.PATROL:           (1,    1,   1,   1,    0,   0,   0,   0,    1),
    Action.MANAGE_CAMPAIGNS: (0,    0,   0,   0,    0,   1,   0,   0,    1),
    Action.SEND_NOTICES:     (1,    0,   0,   0,    1,   1,   0,   0,    1),
    Action.MANAGE_STAFF:     (0,    0,   0,   0,    1,   1,   0,   0,    1),
    Action.READ_AUDIT:       (0,    0,   0,   0,    0,   0,   0,   1,    1),
}
# fmt: on

MATRIX: dict[Action, dict[str, bool]] = {
    action: dict(zip(COLUMNS, map(bool, cells), strict=True)) for action, cells in _ROWS.items()
}


def allows(column: str, action: Action) -> bool:
    return MATRIX[action][column]


def roles_for(action: Action) -> tuple[str, ...]:
    """The post roles that give `action` (in `Role`'s order)."""
    return tuple(role for role in Role.values if MATRIX[action][role])


def is_admin(actor: Actor) -> bool:
    return is_user(actor) and actor.is_superuser


def may(actor: Actor, action: Action, area: Area | None = None) -> bool:
    """May the actor take `action` over `area` (or anywhere, without one)?

    The system holds no column: what it may do is named where it acts (`events.workflow`'s
    moves, the scheduled jobs), so here it may nothing."""
    if is_system(actor) or not is_user(actor):
        return False
    if actor.is_superuser:
        return allows(ADMIN, action)
    if allows(AUDITOR, action) and actor.has_perm(AUDIT_PERMISSION):
        return True
    roles = roles_for(action)
    if not roles:
        return False
    if area is not None:
        return posts_over(actor, area, roles)
    return any(role in roles for _path, role in live_posts(actor))


def matrix_markdown() -> str:
    """The matrix as README.md shows it."""
    lines = [
        "| action | " + " | ".join(COLUMNS) + " |",
        "|---|" + "---|" * len(COLUMNS),
    ]
    for action in Action:
        cells = ["✓" if MATRIX[action][c] else "" for c in COLUMNS]
        lines.append(f"| `{action.value}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)
