"""Scoped reads of notices: the recipient's inbox, the receipt board of the sender and of
every level between, the resident notice board.

Nobody off a notice's frozen list, nor above or between its sender and its recipients, sees
it: those selectors raise 404 (the notice's existence is not told either).
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from wangge import form_fields
from wangge.accounts import scope as account_scope
from wangge.accounts.actors import Actor, author
from wangge.accounts.scope import Scope
from wangge.events import access
from wangge.notices.models import Notice, NoticeAttachment, Receipt
from wangge.notices.services import SENDER_ROLES
from wangge.regions.models import Area

VISIBLE = (Notice.Status.SENT, Notice.Status.RECALLED)


# -- the recipient -------------------------------------------------------------------------
def inbox(user: Actor) -> QuerySet[Receipt]:
    """The caller's receipts of sent (or recalled) notices, newest first."""
    return (
        Receipt.objects.filter(user=author(user), notice__status__in=VISIBLE)
        .select_related("notice")
        .order_by("-notice__sent_at", "-notice_id")
    )


def receipt_for(user: Actor, notice_id: int) -> Receipt:
    receipt = inbox(user).filter(notice_id=notice_id).first()
    if receipt is None:
        raise Http404
    return receipt


def attachment_for(user: Actor, notice_id: int, pk: int) -> NoticeAttachment:
    """A notice's photo if the user may see the notice: its sender, an administrator, anyone on
    its list, or anyone at all for a sent notice to residents."""
    found = (
        NoticeAttachment.objects.select_related("notice").filter(pk=pk, notice_id=notice_id).first()
    )
    if found is None:
        raise Http404
    notice = found.notice
    public = notice.audience == Notice.Audience.RESIDENTS and notice.status == Notice.Status.SENT
    authenticated = getattr(user, "is_authenticated", False)
    if public or (
        authenticated
        and (
            access.is_admin(user)
            or notice.sender_id == user.pk
            or inbox(user).filter(notice_id=notice_id).exists()
        )
    ):
        return found
    raise Http404


def answer_photo_for(user: Actor, notice_id: int, user_id: int) -> Receipt:
    """A receipt with a photo answer, for its recipient, the notice's sender, an
    administrator, or a level between whose part of the board it is in; 404 otherwise."""
    receipt = (
        Receipt.objects.select_related("notice")
        .filter(notice_id=notice_id, user_id=user_id)
        .exclude(answer_photo="")
        .first()
    )
    if receipt is None:
        raise Http404
    if receipt.user_id == user.pk:
        return receipt
    paths = board_paths(user, receipt.notice)
    if paths is None or any(receipt.path.startswith(p) for p in paths):
        return receipt
    raise Http404


# -- the board ------------------------------------------------------------------------------
def board_paths(user: Actor, notice: Notice) -> list[str] | None:
    """Path prefixes of the notice's receipts the user may follow: None for all (the sender,
    an administrator); [] for none."""
    if access.is_admin(user) or notice.sender_id == user.pk:
        return None
    if not getattr(user, "is_authenticated", False):
        return []
    roots = [a.path for a in notice.areas.all()]
    limits: set[str] = set()
    for path, role in account_scope.live_posts(user):
        if role not in SENDER_ROLES:
            continue
        for root in roots:
            if path.startswith(root):
                limits.add(path)  # a level between: their own part
            elif root.startswith(path):
                limits.add(root)  # above the target: all of that part
    return list(Scope.of(limits).paths or ())


def notice_for_board(user: Actor, notice_id: int) -> tuple[Notice, list[str] | None]:
    notice = Notice.objects.select_related("sender").filter(pk=notice_id).first()
    if notice is None or notice.audience != Notice.Audience.STAFF:
        raise Http404
    paths = board_paths(user, notice)
    if paths == []:
        raise Http404
    return notice, paths


def _within(paths: list[str] | None, under: Area | None) -> Q:
    q = Scope(None if paths is None else tuple(paths)).q("path")
    if under is not None:
        q &= Q(path__startswith=under.path)
    return q


def board_area(paths: list[str] | None, code: str | None) -> Area | None:
    """The drill-down area named by `code`, which must be inside the caller's part."""
    if not code:
        return None
    area = Area.objects.filter(code=code, valid_to__isnull=True).first()
    if area is None or (paths is not None and not any(area.path.startswith(p) for p in paths)):
        raise Http404
    return area


@dataclass
class AreaRow:
    area: Area | None  # None: the named people without a post
    total: int = 0
    read: int = 0
    done: int = 0

    @property
    def not_yet(self) -> int:
        return self.total - self.done

    @property
    def share(self) -> float:
        return self.done / self.total if self.total else 1.0


@dataclass
class Board:
    under: Area | None
    rows: list[AreaRow] = field(default_factory=list)
    total: AreaRow = field(default_factory=lambda: AreaRow(None))


def board(notice: Notice, paths: list[str] | None, under: Area | None) -> Board:
    """Completion per area one level down from `under` (or per top area of the caller's
    part): three queries whatever the number of receipts."""
    counted = (
        Receipt.objects.filter(notice=notice)
        .filter(_within(paths, under))
        .values("path")
        .annotate(total=Count("pk"), read=Count("read_at"), done=Count("done_at"))
        .order_by()
    )
    if under is not None:
        groups = list(Area.objects.filter(parent=under, valid_to__isnull=True).order_by("path"))
        own = [under]
    else:
        tops = paths if paths is not None else [a.path for a in notice.areas.all()]
        groups = list(Area.objects.filter(path__in=tops).order_by("path"))
        own = []
    result = Board(under)
    rows = {a.path: AreaRow(a) for a in [*own, *groups]}
    loose = AreaRow(None)
    for item in counted:
        row = next(
            (r for p, r in rows.items() if item["path"].startswith(p) and r.area not in own), None
        )
        if row is None:
            row = rows[under.path] if under is not None and item["path"] == under.path else loose
        for name in ("total", "read", "done"):
            setattr(row, name, getattr(row, name) + item[name])
            setattr(result.total, name, getattr(result.total, name) + item[name])
    result.rows = [r for r in rows.values() if r.total]
    if loose.total:
        result.rows.append(loose)
    return result


def not_yet(notice: Notice, paths: list[str] | None, under: Area | None) -> QuerySet[Receipt]:
    """The receipts not done yet (not read / confirmed / answered as the kind asks): one
    table, names and areas as they were at sending (`Receipt.name`, `area_code`)."""
    return (
        Receipt.objects.filter(notice=notice, done_at__isnull=True)
        .filter(_within(paths, under))
        .order_by("path", "user_id")
    )


def answered(notice: Notice, paths: list[str] | None, under: Area | None) -> QuerySet[Receipt]:
    """The receipts answered (text, photo or form), in the caller's part of the board."""
    return (
        Receipt.objects.filter(notice=notice, answered_at__isnull=False)
        .filter(_within(paths, under))
        .order_by("path", "user_id")
    )


def answer_items(notice: Notice, receipt: Receipt) -> list[tuple[str, str]]:
    """A form answer as (label, value as read), in the form's order; nothing for other kinds."""
    return [
        (f["label"], form_fields.display(receipt.answers.get(f["name"])))
        for f in notice.form
        if f["name"] in receipt.answers
    ]


def area_code(path: str) -> str:
    """The code of the area a path ends in ("" for none)."""
    parts = [c for c in path.split("/") if c]
    return parts[-1] if parts else ""


def _chain(path: str) -> list[str]:
    parts = [c for c in path.split("/") if c]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def sent_by(user: Actor) -> QuerySet[Notice]:
    """Staff notices whose board the user follows: sent by them, or addressed to areas at,
    above or under their operator / secretary / grid leader posts (a level between)."""
    qs = Notice.objects.filter(audience=Notice.Audience.STAFF)
    if not access.is_admin(user):
        q = Q(sender_id=user.pk)
        for path, role in account_scope.live_posts(user):
            if role in SENDER_ROLES:
                q |= Q(areas__path__startswith=path) | Q(areas__path__in=_chain(path))
        ids = qs.filter(q).values("pk")
        qs = Notice.objects.filter(pk__in=ids)
    return qs.order_by("-send_at", "-pk")


# -- residents -------------------------------------------------------------------------------
def resident_notices(area: Area) -> QuerySet[Notice]:
    """Live resident notices for an area's board: addressed to it, above it or under it."""
    return (
        Notice.objects.filter(audience=Notice.Audience.RESIDENTS, status=Notice.Status.SENT)
        .filter(Q(areas__path__in=area.chain_paths()) | Q(areas__path__startswith=area.path))
        .distinct()
        .order_by("-sent_at", "-pk")
    )
