"""Writes of notices and receipts (one typed, keyword-only function per change).

A staff notice's recipients are the live posts of the chosen roles under its areas, plus
named people, read once when it is sent (`_release`) into Receipt rows: that list never
changes afterwards, so "who has not confirmed" stays exact when people change posts.
"""

import uuid
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge import form_fields
from wangge.accounts import scope as account_scope
from wangge.accounts import selectors as account_selectors
from wangge.accounts.actors import Actor, author, user_of
from wangge.accounts.models import Post, Role
from wangge.accounts.permissions import Action, may, roles_for
from wangge.accounts.scope import in_force
from wangge.errors import DomainError, Problem
from wangge.events import access
from wangge.events.photos import CleanPhoto, save_photo
from wangge.notices import timing
from wangge.notices.models import Notice, NoticeAttachment, NoticeVersion, Receipt
from wangge.regions.models import Area

User = get_user_model()
# Who may send notices down to an area: posts of these roles at or above it.
SENDER_ROLES = roles_for(Action.SEND_NOTICES)
_TITLE_MAX = Notice._meta.get_field("title").max_length or 200
_KEY_MAX = Receipt._meta.get_field("client_key").max_length or 80
# Photos per notice; each is capped by events.photos (MAX_PHOTO_BYTES, MAX_PIXELS) and stored
# re-encoded at most 2560 px on its long side, so a notice carries a few MB at most.
MAX_ATTACHMENTS = 9


def may_send(user: Actor, area: Area) -> bool:
    return may(user, Action.SEND_NOTICES, area)


def _may_manage(user: Actor, notice: Notice) -> bool:
    return access.is_admin(user) or notice.sender_id == user.pk


def _check_text(
    problems: list[Problem], title: str, deadline: datetime | None, now: datetime | None = None
) -> None:
    if not title.strip():
        problems.append(Problem(_("is required"), field="title", code="required"))
    elif len(title) > _TITLE_MAX:
        problems.append(
            Problem(_("is longer than %(n)s characters") % {"n": _TITLE_MAX}, field="title")
        )
    if deadline is not None and deadline <= (now or timezone.now()):
        problems.append(Problem(_("is in the past"), field="deadline", code="past"))


@transaction.atomic
def notice_send(  # noqa: C901
    *,
    sender: Any,
    title: str,
    areas: list[Area],
    body: str = "",
    kind: str = Notice.Kind.CONFIRM,
    audience: str = Notice.Audience.STAFF,
    roles: list[str] | None = None,
    user_ids: list[int] | None = None,
    urgency: str = Notice.Urgency.NORMAL,
    deadline: datetime | None = None,
    send_at: datetime | None = None,
    remind_work_hours: float | None = None,
    attachments: list[CleanPhoto] | None = None,
    form: Any = None,
    now: datetime | None = None,
) -> Notice:
    """Send a notice now, or schedule it (`send_at` later than now): the worker sends it.
    `attachments`: photos already checked by `events.photos.clean_photo`.
    `form`: for kind "form", the fields to fill in, defined like a campaign's form
    (`wangge.form_fields`; value types only — a photo answer is kind "photo").
    `now`: the clock (tests, the worker); by default the current time."""
    attachments = attachments or []
    roles = list(dict.fromkeys(roles or []))
    user_ids = list(dict.fromkeys(user_ids or []))
    problems: list[Problem] = []
    _check_text(problems, title, deadline, now)
    if kind not in Notice.Kind.values:
        problems.append(Problem(_("is not a notice kind"), field="kind"))
    if audience not in Notice.Audience.values:
        problems.append(Problem(_("is not an audience"), field="audience"))
    if urgency not in Notice.Urgency.values:
        problems.append(Problem(_("is not an urgency"), field="urgency"))
    if not areas and not (audience == Notice.Audience.STAFF and user_ids):
        problems.append(Problem(_("choose at least one area"), field="areas", code="required"))
    for role in roles:
        if role not in Role.values:
            problems.append(Problem(_("is not a role"), field="roles", item=role))
    if audience == Notice.Audience.STAFF and not roles and not user_ids:
        problems.append(Problem(_("choose roles or named people"), field="roles", code="required"))
    if user_ids:
        found = set(
            User.objects.filter(pk__in=user_ids, is_active=True).values_list("pk", flat=True)
        )
        for missing in [u for u in user_ids if u not in found]:
            problems.append(Problem(_("no such active user"), field="user_ids", item=str(missing)))
    if remind_work_hours is not None and not 0 < remind_work_hours <= 200:
        problems.append(Problem(_("must be between 0 and 200 hours"), field="remind_work_hours"))
    if len(attachments) > MAX_ATTACHMENTS:
        problems.append(
            Problem(
                _("at most %(n)s photos") % {"n": MAX_ATTACHMENTS},
                field="attachments",
                code="too_many",
            )
        )
    fields: list[dict[str, Any]] = []
    if kind == Notice.Kind.FORM:
        try:
            fields = form_fields.clean_fields(form, at="form", types=form_fields.VALUE_TYPES)
        except DomainError as exc:
            problems += exc.problems
    elif form:
        problems.append(Problem(_("only a notice to answer with a form has a form"), field="form"))
    if problems:
        raise DomainError(problems, status=422)
    for area in areas:
        if not may_send(sender, area):
            raise DomainError.one(
                _("You may not send notices to %(area)s.") % {"area": area.name},
                field="areas",
                code="forbidden",
                status=403,
            )
    if not areas and not access.is_admin(sender) and not account_scope.live_posts(sender):
        raise DomainError.one(_("You may not send notices."), code="forbidden", status=403)
    now = now or timezone.now()
    notice = Notice.objects.create(
        title=title.strip(),
        body=body,
        kind=kind,
        audience=audience,
        urgency=urgency,
        sender=sender,
        roles=roles if audience == Notice.Audience.STAFF else [],
        extra_user_ids=user_ids if audience == Notice.Audience.STAFF else [],
        deadline=deadline,
        send_at=max(send_at or now, now),
        remind_work_hours=remind_work_hours,
        form=fields,
    )
    notice.areas.set(areas)
    for photo in attachments:
        attachment = NoticeAttachment(notice=notice, width=photo.width, height=photo.height)
        save_photo(
            attachment.file, attachment.thumbnail, f"n{notice.pk}-{uuid.uuid4().hex[:12]}", photo
        )
        attachment.save()
    if notice.send_at <= now:
        _release(notice, now)
    return notice


# A recipient's name as the lists show it: family name + given name, else the username.
_NAME_SQL = "COALESCE(NULLIF(u.last_name || u.first_name, ''), u.username)"


def display_name(user: AbstractUser) -> str:
    return f"{user.last_name}{user.first_name}".strip() or user.get_username()


def _fan_out(notice: Notice, now: datetime) -> int:
    """Write the receipts: one per active user with a live post of the roles under the areas
    (one row however many such posts), then the named people. One INSERT … SELECT."""
    receipts, posts = Receipt._meta.db_table, Post._meta.db_table
    areas, users = Area._meta.db_table, User._meta.db_table
    roots = list(notice.areas.values_list("path", flat=True))
    if notice.roles and roots:
        # One post per user (their first), of the roles, under the areas: accounts' query.
        holders, params = account_selectors.holders_sql(
            columns="MIN(p.id)", roles=notice.roles, day=timezone.localdate(now), under_paths=roots
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {receipts} (notice_id, user_id, area_id, path, role, username,"
                " name, delivered_at, answer, answers, answer_photo, answer_thumbnail,"
                " seen_version, client_key)"
                " SELECT %s, p.user_id, p.area_id, a.path, p.role, u.username,"
                f" {_NAME_SQL}, NULL, '', '{{}}', '', '', 0, ''"
                f" FROM {posts} p JOIN {areas} a ON a.id = p.area_id"
                f" JOIN {users} u ON u.id = p.user_id"
                f" WHERE p.id IN ({holders} GROUP BY p.user_id)",
                [notice.pk, *params],
            )
    named = [u for u in notice.extra_user_ids if isinstance(u, int)]
    if named:
        have = set(
            Receipt.objects.filter(notice=notice, user_id__in=named).values_list(
                "user_id", flat=True
            )
        )
        today = timezone.localdate(now)
        first_post: dict[int, tuple[int, str, str]] = {}
        for user_id, area_id, path, role in (
            Post.objects.filter(in_force(today), user_id__in=named)
            .order_by("pk")
            .values_list("user_id", "area_id", "area__path", "role")
        ):
            first_post.setdefault(user_id, (area_id, path, role))
        people = User.objects.in_bulk([u for u in named if u not in have])
        Receipt.objects.bulk_create(
            Receipt(
                notice=notice,
                user_id=u,
                area_id=first_post.get(u, (None, "", ""))[0],
                path=first_post.get(u, (None, "", ""))[1],
                role=first_post.get(u, (None, "", ""))[2],
                username=person.get_username(),
                name=display_name(person),
            )
            for u, person in people.items()
        )
    return Receipt.objects.filter(notice=notice).count()


def _release(notice: Notice, now: datetime) -> None:
    """Send a notice: freeze its recipients and set when the unconfirmed are chased."""
    notice.status = Notice.Status.SENT
    notice.sent_at = now
    fields = ["status", "sent_at"]
    if notice.audience == Notice.Audience.STAFF:
        notice.recipient_count = _fan_out(notice, now)
        notice.remind_at = timing.wait_after(now, notice.remind_work_hours)
        notice.escalate_at = timing.wait_after(notice.remind_at, notice.remind_work_hours)
        fields += ["recipient_count", "remind_at", "escalate_at"]
    notice.save(update_fields=fields)


def release_due(now: datetime | None = None) -> int:
    """Send the scheduled notices whose time has come (the worker, each minute)."""
    now = now or timezone.now()
    sent = 0
    for pk in Notice.objects.filter(status=Notice.Status.SCHEDULED, send_at__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            notice = Notice.objects.select_for_update().filter(pk=pk).first()
            if notice is None or notice.status != Notice.Status.SCHEDULED:
                continue  # recalled, or another worker sent it
            _release(notice, now)
            sent += 1
    return sent


def _locked(notice: Notice) -> Notice:
    return Notice.objects.select_for_update().get(pk=notice.pk)


@transaction.atomic
def notice_recall(*, notice: Notice, actor: Actor) -> Notice:
    """Withdraw a notice: recipients see it recalled; nobody is chased about it any more."""
    notice = _locked(notice)
    if not _may_manage(actor, notice):
        raise DomainError.one(
            _("Only the sender may recall a notice."), code="forbidden", status=403
        )
    if notice.status == Notice.Status.RECALLED:
        raise DomainError.one(_("The notice is already recalled."), code="recalled", status=409)
    notice.status = Notice.Status.RECALLED
    notice.recalled_at = timezone.now()
    notice.save(update_fields=["status", "recalled_at"])
    return notice


@transaction.atomic
def notice_edit(
    *,
    notice: Notice,
    actor: Actor,
    title: str | None = None,
    body: str | None = None,
    deadline: datetime | None = None,
) -> Notice:
    """Change a notice's text or deadline; the text before is kept as a version, and every
    recipient who read it sees that it changed."""
    notice = _locked(notice)
    if not _may_manage(actor, notice):
        raise DomainError.one(_("Only the sender may edit a notice."), code="forbidden", status=403)
    if notice.status == Notice.Status.RECALLED:
        raise DomainError.one(_("The notice is recalled."), code="recalled", status=409)
    new_title = notice.title if title is None else title
    problems: list[Problem] = []
    _check_text(problems, new_title, deadline)
    if problems:
        raise DomainError(problems, status=422)
    NoticeVersion.objects.create(
        notice=notice,
        version=notice.version,
        title=notice.title,
        body=notice.body,
        deadline=notice.deadline,
        replaced_by=user_of(actor),
    )
    notice.title = new_title.strip()
    if body is not None:
        notice.body = body
    if deadline is not None:
        notice.deadline = deadline
    notice.version += 1
    notice.edited_at = timezone.now()
    notice.save(update_fields=["title", "body", "deadline", "version", "edited_at"])
    return notice


# -- receipts ------------------------------------------------------------------------------
def _receipt(notice: Notice, user: Actor) -> Receipt:
    """The caller's receipt, locked; 404 for anyone not on the frozen list."""
    # Lock the receipt only: every recipient confirms the same notice at once.
    receipt = (
        Receipt.objects.select_for_update(of=("self",))
        .select_related("notice")
        .filter(notice_id=notice.pk, user=author(user), notice__status__in=_VISIBLE)
        .first()
    )
    if receipt is None:
        raise DomainError.one(_("No such notice."), code="not_found", status=404)
    return receipt


_VISIBLE = (Notice.Status.SENT, Notice.Status.RECALLED)
_ANSWERED = (Notice.Kind.ANSWER, Notice.Kind.PHOTO, Notice.Kind.FORM)


def _refuse_recalled(receipt: Receipt) -> None:
    if receipt.notice.status == Notice.Status.RECALLED:
        raise DomainError.one(_("The notice was recalled."), code="recalled", status=409)


def _seen(receipt: Receipt, now: datetime, fields: list[str]) -> None:
    if receipt.delivered_at is None:
        receipt.delivered_at = now
        fields.append("delivered_at")
    if receipt.read_at is None:
        receipt.read_at = now
        fields.append("read_at")
    if receipt.seen_version != receipt.notice.version:
        receipt.seen_version = receipt.notice.version
        fields.append("seen_version")
    if receipt.notice.kind == Notice.Kind.READ and receipt.done_at is None:
        receipt.done_at = now
        fields.append("done_at")


@transaction.atomic
def receipt_read(*, notice: Notice, user: Actor) -> Receipt:
    """The recipient opened the notice (its current version)."""
    receipt = _receipt(notice, user)
    fields: list[str] = []
    _seen(receipt, timezone.now(), fields)
    if fields:
        receipt.save(update_fields=fields)
    return receipt


def _key(client_key: str) -> str:
    key = (client_key or "").strip()
    if len(key) > _KEY_MAX:
        raise DomainError.one(
            _("is longer than %(n)s characters") % {"n": _KEY_MAX}, field="client_key", status=422
        )
    return key


@transaction.atomic
def receipt_confirm(*, notice: Notice, user: Actor, client_key: str = "") -> tuple[Receipt, bool]:
    """收到: confirm a notice. Returns (receipt, changed); confirming again — the phone's
    queued confirmation sent twice — changes nothing and counts once."""
    key = _key(client_key)
    receipt = _receipt(notice, user)
    if receipt.confirmed_at is not None:
        return receipt, False
    _refuse_recalled(receipt)
    if receipt.notice.kind in _ANSWERED:
        raise DomainError.one(
            _("This notice asks for an answer."), field="answer", code="answer_needed", status=422
        )
    now = timezone.now()
    fields = ["confirmed_at", "client_key"]
    _seen(receipt, now, fields)
    receipt.confirmed_at = now
    receipt.client_key = key
    if receipt.done_at is None:
        receipt.done_at = now
        fields.append("done_at")
    receipt.save(update_fields=fields)
    return receipt, True


@transaction.atomic
def receipt_answer(
    *,
    notice: Notice,
    user: Actor,
    text: str = "",
    photo: CleanPhoto | None = None,
    answers: Any = None,
    client_key: str = "",
) -> tuple[Receipt, bool]:
    """Answer a notice: text for kind "answer", a photo (checked by `events.photos.
    clean_photo`; `text` its caption) for kind "photo", `answers` by field name for kind
    "form" (checked against the notice's form like a campaign's answers: 422 naming
    ``answers.<field>``; `text` a note). An answer again replaces the text, photo or answers;
    the first time is kept. The same client key again (a resent offline answer) changes
    nothing."""
    key = _key(client_key)
    receipt = _receipt(notice, user)
    if key and receipt.client_key == key and receipt.answered_at is not None:
        return receipt, False
    _refuse_recalled(receipt)
    kind = receipt.notice.kind
    if kind not in _ANSWERED:
        raise DomainError.one(
            _("This notice asks for no answer."), field="text", code="no_answer", status=422
        )
    if kind == Notice.Kind.ANSWER and not text.strip():
        raise DomainError.one(_("is required"), field="text", code="required", status=422)
    if kind == Notice.Kind.PHOTO and photo is None:
        raise DomainError.one(_("is required"), field="photo", code="required", status=422)
    cleaned: dict[str, Any] = {}
    if kind == Notice.Kind.FORM:
        cleaned, _images = form_fields.clean_answers(
            receipt.notice.form, {} if answers is None else answers, at="answers"
        )
    now = timezone.now()
    fields = ["answer", "client_key"]
    _seen(receipt, now, fields)
    receipt.answer = text.strip()
    receipt.client_key = key
    if kind == Notice.Kind.FORM:
        receipt.answers = cleaned
        fields.append("answers")
    if photo is not None and kind == Notice.Kind.PHOTO:
        replaced = [f.name for f in (receipt.answer_photo, receipt.answer_thumbnail) if f.name]
        stem = f"n{receipt.notice_id}-u{receipt.user_id}-{uuid.uuid4().hex[:12]}"
        save_photo(receipt.answer_photo, receipt.answer_thumbnail, stem, photo)
        fields += ["answer_photo", "answer_thumbnail"]
        storage = receipt.answer_photo.storage
        # The photo it replaces goes once the new one is committed (kept if this rolls back).
        transaction.on_commit(lambda: _delete(storage, replaced))
    if receipt.answered_at is None:
        receipt.answered_at = now
        receipt.done_at = now
        fields += ["answered_at", "done_at"]
    receipt.save(update_fields=list(dict.fromkeys(fields)))
    return receipt, True


def _delete(storage: Any, names: list[str]) -> None:
    for name in names:
        storage.delete(name)


def mark_delivered(user: Actor) -> None:
    """The recipient's inbox was fetched: whatever is in it now is delivered."""
    Receipt.objects.filter(
        user=author(user), delivered_at__isnull=True, notice__status__in=_VISIBLE
    ).update(delivered_at=timezone.now())
