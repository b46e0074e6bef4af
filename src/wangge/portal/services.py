"""The resident portal's rules: checking a report, opening its event with its photos in one
transaction, rate limits, and the private follow link that alone may rate the result."""

import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.actors import ANONYMOUS, SYSTEM
from wangge.errors import DomainError, Problem
from wangge.events import workflow
from wangge.events.models import Attachment, BuiltinChannel, Category, Event, Satisfaction, Status
from wangge.events.photos import CleanPhoto, attach_photo, clean_photo
from wangge.inputs import check_text, has_visible, text_problem
from wangge.intake.models import Channel
from wangge.portal import selectors
from wangge.portal.models import Attempt, Follow

TEXT_MAX = 1000
ADDRESS_MAX = 200
NAME_MAX = 30
COMMENT_MAX = 500
TITLE_CHARS = 40
PHONE = re.compile(r"\+?\d{7,15}")
PHONE_SEPARATORS = re.compile(r"[\s\-()]")
HONEYPOT = "website"  # a field people never see; bots fill every field they find


@dataclass
class ReportInput:
    """What the portal's form sends, as typed (strings), photos as uploaded files."""

    text: str = ""
    category: str = ""
    lon: str = ""
    lat: str = ""
    address: str = ""
    name: str = ""
    phone: str = ""
    honeypot: str = ""
    photos: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Reported:
    event: Event
    token: str  # the follow link's secret, never stored in clear


# -- limits ------------------------------------------------------------------------------
def _keyed(kind: str, value: str) -> str:
    """A keyed hash: the attempt table holds no address or phone number in clear."""
    message = f"{kind}:{value}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _window() -> timedelta:
    return timedelta(seconds=settings.WANGGE_PORTAL_WINDOW_SECONDS)


def _over_limit(kind: str, value: str, limit: int) -> bool:
    since = timezone.now() - _window()
    return (
        Attempt.objects.filter(kind=kind, key=_keyed(kind, value), at__gte=since).count() >= limit
    )


def _minutes() -> int:
    return max(1, math.ceil(settings.WANGGE_PORTAL_WINDOW_SECONDS / 60))


def check_client(client: str) -> None:
    """Refuse (429) a client that used up its reports in the window."""
    if _over_limit(Attempt.Kind.CLIENT, client, settings.WANGGE_PORTAL_PER_CLIENT):
        raise DomainError.one(
            _(
                "Too many reports from this device or network: at most %(n)s in %(m)s "
                "minutes. Please try again later."
            )
            % {"n": settings.WANGGE_PORTAL_PER_CLIENT, "m": _minutes()},
            field="client",
            code="rate_limited",
            status=429,
        )


def check_phone(phone: str) -> None:
    if phone and _over_limit(Attempt.Kind.PHONE, phone, settings.WANGGE_PORTAL_PER_PHONE):
        raise DomainError.one(
            _(
                "Too many reports with this phone number: at most %(n)s in %(m)s minutes. "
                "Please try again later."
            )
            % {"n": settings.WANGGE_PORTAL_PER_PHONE, "m": _minutes()},
            field="phone",
            code="rate_limited",
            status=429,
        )


def record_attempt(kind: str, value: str) -> None:
    now = timezone.now()
    Attempt.objects.create(kind=kind, key=_keyed(kind, value), at=now)
    # Old attempts count for nothing: drop them as we go (indexed on `at`).
    Attempt.objects.filter(at__lt=now - _window()).delete()


# -- checking a report -------------------------------------------------------------------
def offered_categories() -> list[Category]:
    """The simple choice residents get: common top-level categories, in setting order."""
    codes = settings.WANGGE_PORTAL_CATEGORIES
    found = Category.objects.filter(code__in=codes, active=True, parent__isnull=True)
    by_code = {c.code: c for c in found}
    return [by_code[c] for c in codes if c in by_code]


def _unsorted_category() -> Category:
    """Where a report without a category goes until the operator sorts it."""
    channel = Channel.objects.filter(code=BuiltinChannel.RESIDENT).select_related(
        "default_category"
    )
    default = channel.first()
    if default and default.default_category and default.default_category.active:
        return default.default_category
    fallback = Category.objects.filter(
        code=settings.WANGGE_PORTAL_FALLBACK_CATEGORY, active=True
    ).first()
    if fallback is None:
        fallback = Category.objects.filter(active=True, parent__isnull=True).first()
    if fallback is None:
        raise DomainError.one(
            _("No category is in use; the portal cannot take reports."),
            field="category",
            code="no_category",
            status=503,
        )
    return fallback


def _coordinate(value: str, name: str, low: float, high: float, problems: list[Problem]) -> Any:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or not low <= number <= high:
        problems.append(
            Problem(_("The location is not a valid map position."), field="location", code=name)
        )
        return None
    return number


def _too_long(label: str, limit: int, field_name: str) -> Problem:
    return Problem(
        _("%(field)s is too long: at most %(n)s characters.") % {"field": label, "n": limit},
        field=field_name,
        code="too_long",
    )


def _photos(uploads: list[Any], problems: list[Problem]) -> list[CleanPhoto]:
    limit = settings.WANGGE_PORTAL_MAX_PHOTOS
    if len(uploads) > limit:
        problems.append(
            Problem(
                _("Photos: at most %(n)s photos.") % {"n": limit}, field="photos", code="too_many"
            )
        )
        return []
    max_bytes = settings.WANGGE_PORTAL_MAX_PHOTO_MB * 1024 * 1024
    cleaned = []
    for number, upload in enumerate(uploads, 1):
        where = _("Photo %(n)s") % {"n": number}
        if (upload.size or 0) > max_bytes:
            problems.append(
                Problem(
                    _("%(where)s is larger than %(mb)s MB.")
                    % {"where": where, "mb": settings.WANGGE_PORTAL_MAX_PHOTO_MB},
                    field="photos",
                    code="too_large",
                )
            )
            continue
        try:
            cleaned.append(clean_photo(upload, field="photos"))
        except DomainError as error:
            problems.extend(
                Problem(
                    _("%(where)s: %(problem)s") % {"where": where, "problem": p.message},
                    field="photos",
                    code=p.code,
                )
                for p in error.problems
            )
    return cleaned


@dataclass(frozen=True)
class _Checked:
    text: str
    category: Category
    lon: float | None
    lat: float | None
    address: str
    name: str
    phone: str
    photos: list[CleanPhoto]


def _check(data: ReportInput) -> _Checked:
    """Every problem of the report at once, each naming its field; DomainError (422)."""
    problems: list[Problem] = [
        Problem(reason, field=name, code="invalid_text")
        for name, value in (("text", data.text), ("address", data.address), ("name", data.name))
        if (reason := text_problem(value))
    ]
    text = data.text.strip()
    if not has_visible(text) and not any(p.field == "text" for p in problems):
        problems.append(
            Problem(_("Describe the problem in a few words."), field="text", code="required")
        )
    elif len(text) > TEXT_MAX:
        problems.append(_too_long(_("The description"), TEXT_MAX, "text"))
    category: Category | None = None
    if data.category:
        category = next((c for c in offered_categories() if c.code == data.category), None)
        if category is None:
            problems.append(
                Problem(_("Choose a category from the list."), field="category", code="unknown")
            )
    lon = lat = None
    if data.lon.strip() or data.lat.strip():
        lon = _coordinate(data.lon.strip(), "lon", -180, 180, problems)
        lat = _coordinate(data.lat.strip(), "lat", -90, 90, problems)
    address = data.address.strip()
    if len(address) > ADDRESS_MAX:
        problems.append(_too_long(_("The address"), ADDRESS_MAX, "address"))
    name = data.name.strip()
    if len(name) > NAME_MAX:
        problems.append(_too_long(_("The name"), NAME_MAX, "name"))
    phone = PHONE_SEPARATORS.sub("", data.phone)
    if phone and not PHONE.fullmatch(phone):
        problems.append(
            Problem(_("The phone number should be 7 to 15 digits."), field="phone", code="invalid")
        )
    photos = _photos(data.photos, problems)
    if lon is None and not any(p.field == "location" for p in problems):
        gps = next((p.gps for p in photos if p.gps), None)
        if gps:
            lon, lat = gps  # the camera's GPS, WGS-84 as our areas are
        else:
            problems.append(
                Problem(
                    _("Mark the place on the map or use your current location."),
                    field="location",
                    code="required",
                )
            )
    if problems:
        raise DomainError(problems, status=422)
    return _Checked(
        text=text,
        category=category or _unsorted_category(),
        lon=lon,
        lat=lat,
        address=address,
        name=name,
        phone=phone,
        photos=photos,
    )


def _title(text: str) -> str:
    first = text.splitlines()[0].strip()
    return first if len(first) <= TITLE_CHARS else first[: TITLE_CHARS - 1] + "…"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- reporting ---------------------------------------------------------------------------
def portal_report(*, data: ReportInput, client: str) -> Reported:
    """A resident's report: checked, limited, then the event, its photos, its follow link
    and the counted attempt in one transaction. DomainError (4xx) naming the field."""
    check_client(client)
    # Every try counts against the client, refused or not: refused ones (fakes, bots) are
    # what the limit is for. A phone counts only the reports made with it.
    record_attempt(Attempt.Kind.CLIENT, client)
    if data.honeypot.strip():
        raise DomainError.one(
            _("This field must stay empty."), field=HONEYPOT, code="honeypot", status=400
        )
    phone = PHONE_SEPARATORS.sub("", data.phone)
    check_phone(phone)
    checked = _check(data)
    token = secrets.token_urlsafe(18)
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            try:
                event = workflow.event_report(
                    actor=ANONYMOUS,
                    channel=BuiltinChannel.RESIDENT,
                    title=_title(checked.text),
                    description=checked.text,
                    category=checked.category,
                    lon=checked.lon,
                    lat=checked.lat,
                    address=checked.address,
                    reporter_name=checked.name,
                    reporter_phone=checked.phone,
                )
            except DomainError as error:
                for problem in error.problems:  # the portal has one location field
                    if problem.field in ("lon", "lat"):
                        problem.field = "location"
                if error.status == 400:
                    error.status = 422  # the report's content, as the portal's own checks
                raise
            for photo in checked.photos:
                stored.append(attach_photo(event, photo, kind=Attachment.Kind.BEFORE))
            Follow.objects.create(event=event, token_hash=_hash(token))
            if checked.phone:
                record_attempt(Attempt.Kind.PHONE, checked.phone)
    except BaseException:
        for attachment in stored:  # the rows rolled back; their files go too
            attachment.file.delete(save=False)
            attachment.thumbnail.delete(save=False)
        raise
    return Reported(event=event, token=token)


# -- following and rating ----------------------------------------------------------------
def follow_event(code: str, token: str) -> Event | None:
    """The event this private link belongs to, or None (wrong code or token)."""
    follow = Follow.objects.filter(event__code=code).select_related("event").first()
    if follow is None or not hmac.compare_digest(follow.token_hash, _hash(token)):
        return None
    return follow.event


def portal_rate(*, code: str, token: str, satisfaction: str, comment: str = "") -> Event:
    """The reporter's rating (满意度) of a closed event, through the workflow's call-back,
    made by the platform on the holder of the follow link's behalf."""
    event = follow_event(code, token)
    if event is None:
        raise DomainError.one(
            _("This link is not valid."), field="token", code="forbidden", status=403
        )
    return _rate(event, satisfaction, comment)


def portal_rate_by_phone(*, code: str, last4: str, satisfaction: str, comment: str = "") -> Event:
    """The same rating with the tracking code and the last four digits of the phone the
    reporter gave (for whoever lost the follow link). The page is rate-limited."""
    event = selectors.resident_event(code)
    if event is None:
        raise DomainError.one(_("No report has this code."), field="code", status=404)
    last4 = (last4 or "").strip()
    masked = event.reporter_phone_masked or ""
    if not (len(last4) == 4 and last4.isdigit()):
        raise DomainError.one(
            _("Give the last four digits of your phone."),
            field="last4",
            code="required",
            status=422,
        )
    if len(masked) < 4 or not hmac.compare_digest(masked[-4:], last4):
        raise DomainError.one(
            _("These digits do not match the phone given with this report."),
            field="last4",
            code="forbidden",
            status=403,
        )
    return _rate(event, satisfaction, comment)


def _rate(event: Event, satisfaction: str, comment: str) -> Event:
    if satisfaction not in Satisfaction.values:
        raise DomainError.one(
            _("Choose how satisfied you are."), field="satisfaction", code="required", status=422
        )
    comment = check_text(comment, field="comment")
    if len(comment) > COMMENT_MAX:
        raise DomainError(
            [_too_long(_("The comment"), COMMENT_MAX, "comment")],
            status=422,
        )
    if event.status != Status.CLOSED:
        raise DomainError.one(
            _("You can rate the result once the event is closed."),
            field="satisfaction",
            code="not_closed",
            status=409,
        )
    if event.satisfaction:
        raise DomainError.one(
            _("This event has been rated already."),
            field="satisfaction",
            code="rated",
            status=409,
        )
    return workflow.event_callback(
        event=event, actor=SYSTEM, satisfaction=satisfaction, comment=comment
    )


def after_photo_file(event: Event, pk: int, thumb: bool) -> IO[bytes] | None:
    """A photo the department took after handling (public: it shows the place, fixed)."""
    attachment = event.attachments.filter(pk=pk, kind=Attachment.Kind.AFTER).first()
    if attachment is None:
        return None
    stored = attachment.thumbnail if thumb and attachment.thumbnail else attachment.file
    try:
        return stored.open("rb")
    except (FileNotFoundError, ValueError):
        return None


def photo_file(event: Event, pk: int, thumb: bool) -> IO[bytes] | None:
    """An open photo (or its thumbnail) of the event, for the follow page."""
    attachment = event.attachments.filter(
        pk=pk, kind__in=[Attachment.Kind.BEFORE, Attachment.Kind.AFTER]
    ).first()
    if attachment is None:
        return None
    stored = attachment.thumbnail if thumb and attachment.thumbnail else attachment.file
    try:
        return stored.open("rb")
    except (FileNotFoundError, ValueError):
        return None
