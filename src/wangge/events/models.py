"""The event loop's data: categories, departments, events, work orders, the timeline."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.people import pii
from wangge.regions.models import Area


class Priority(models.TextChoices):
    NORMAL = "normal", _("normal")  # 一般
    URGENT = "urgent", _("urgent")  # 紧急
    CRITICAL = "critical", _("critical")  # 特急


class DeadlineUnit(models.TextChoices):
    WORK_HOURS = "work_hours", _("working hours")
    WORK_DAYS = "work_days", _("working days")
    HOURS = "hours", _("natural hours")


class Stage(models.TextChoices):
    ACCEPT = "accept", _("accepting")
    SIGN = "sign", _("signing")
    HANDLE = "handle", _("handling")


class Category(models.Model):
    """Two-level event classification (大类/小类)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    active = models.BooleanField(_("active"), default=True)
    grid_may_settle = models.BooleanField(_("a grid may settle it itself"), default=False)
    requires_attendance = models.BooleanField(_("a grid worker must attend"), default=False)
    escalate_when_overdue = models.BooleanField(_("escalate when overdue"), default=False)
    default_departments: "models.ManyToManyField[Department, Any]" = models.ManyToManyField(
        "Department", blank=True, related_name="default_for", verbose_name=_("default departments")
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CategoryDeadline(models.Model):
    """How long a stage may take, per category and priority (a 大类's rows serve its 小类)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="deadlines")
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=12, choices=DeadlineUnit.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["category", "priority", "stage"], name="category_deadline_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category.code} {self.priority} {self.stage}: {self.amount} {self.unit}"


class Department(models.Model):
    """A body that handles dispatched work (职能部门)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    areas = models.ManyToManyField(Area, blank=True, related_name="departments")
    categories = models.ManyToManyField(Category, blank=True, related_name="departments")
    handlers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="departments"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """(category, area subtree) → lead department; the most specific rule wins."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="routing_rules")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="routing_rules")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(fields=["category", "area"], name="routing_rule_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category} @ {self.area} → {self.department}"


class BuiltinChannel(models.TextChoices):
    GRID_APP = "grid_app", _("grid worker app")
    RESIDENT = "resident", _("resident photo report")
    HOTLINE = "hotline", _("12345 hotline")
    MAYOR_LETTER = "mayor_letter", _("letters to the mayor")
    CITY_MANAGEMENT = "city_management", _("digital city management")
    VIDEO = "video", _("video surveillance")
    LAW_ENFORCEMENT = "law_enforcement", _("joint law enforcement")
    OPEN311 = "open311", _("Open311")
    COMMAND_CENTRE = "command_centre", _("command centre")


class Status(models.TextChoices):
    REPORTED = "reported", _("reported")  # 待受理
    ACCEPTED = "accepted", _("accepted")  # 已立案, 待派遣
    DISPATCHED = "dispatched", _("dispatched")  # 已派遣, 待签收
    HANDLING = "handling", _("handling")  # 处置中
    HANDLED = "handled", _("handled")  # 已处置, 待核查
    VERIFIED = "verified", _("verified")  # 核查通过, 待结案
    CLOSED = "closed", _("closed")  # 已结案
    REJECTED = "rejected", _("rejected")  # 不予立案
    MERGED = "merged", _("merged")  # 重复件
    CANCELLED = "cancelled", _("cancelled")  # 已撤销


OPEN_STATUSES = [
    Status.REPORTED,
    Status.ACCEPTED,
    Status.DISPATCHED,
    Status.HANDLING,
    Status.HANDLED,
    Status.VERIFIED,
]


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    BASICALLY = "basically", _("basically satisfied")
    UNSATISFIED = "unsatisfied", _("unsatisfied")


class Alert(models.TextChoices):
    NONE = "", _("none")
    YELLOW = "yellow", _("yellow")
    RED = "red", _("red")


class Event(models.Model):
    # Unique through Meta.constraints: `unique=True` would add a second, pattern-matching
    # index on PostgreSQL that no query uses and every report pays to write.
    code = models.CharField(_("tracking code"), max_length=30)
    # NULL, not "", without a key: events without one must not collide on the constraint.
    client_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="events")
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    # The code of an intake.Channel; the built-in ones are BuiltinChannel above.
    channel = models.CharField(_("channel"), max_length=20)
    # The source system's own order number (12345 hotline, Open311 client…); unique per channel.
    source_ref = models.CharField(_("source order number"), max_length=64, blank=True)
    reporter = models.ForeignKey(  # indexed where set: see Meta.indexes
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_events",
        db_index=False,
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=50, blank=True)
    # Sealed like residents' phones (`wangge.people.pii`): ciphertext, blind index, mask. Set
    # and read through the `reporter_phone` property; staff pages show the mask, the plaintext
    # only comes from an audited reveal.
    reporter_phone_enc = models.TextField(blank=True, editable=False)
    reporter_phone_index = models.CharField(max_length=64, blank=True, editable=False)
    reporter_phone_masked = models.CharField(
        _("reporter's phone"), max_length=20, blank=True, editable=False
    )
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    # The area the point falls in (kept even when that area later ends) …
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="events")
    # … and the area whose level is responsible now (moves up on escalation).
    responsible_area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REPORTED
    )
    self_handled = models.BooleanField(default=False)
    # The deadline of the stage the event is in now, and when its yellow alert starts.
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    yellow_at = models.DateTimeField(null=True, blank=True)
    alert = models.CharField(max_length=6, choices=Alert.choices, default="", blank=True)
    handle_deadline = models.DateTimeField(_("handling deadline"), null=True, blank=True)
    supervised = models.BooleanField(_("supervised"), default=False)
    supervise_deadline = models.DateTimeField(null=True, blank=True)
    parent = models.ForeignKey(  # indexed where set: see Meta.indexes
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
        db_index=False,
    )
    rework_count = models.PositiveIntegerField(default=0)
    reopen_count = models.PositiveIntegerField(default=0)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    version = models.PositiveIntegerField(default=1)
    reported_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    overdue_ever = models.BooleanField(default=False)  # for 按期办结率
    # Imported already closed at its source (intake): closed with the source's time and
    # note by workflow.event_close_at_source; figures count it apart from our closures.
    closed_at_source = models.BooleanField(_("closed at the source"), default=False)
    # Filed under its channel's default category, the source's being unmapped: the operator
    # classifies it at acceptance (accepting clears the flag).
    category_unconfirmed = models.BooleanField(_("category to be classified"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-reported_at"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="event_status_deadline_idx"),
            models.Index(fields=["status", "yellow_at"], name="event_status_yellow_idx"),
            models.Index(fields=["reported_at"], name="event_reported_idx"),
            models.Index(fields=["updated_at", "id"], name="event_updated_idx"),  # change feeds
            # Columns empty on most events (no reporter account, not merged) are indexed only
            # where set: every report would otherwise write their NULLs into the index.
            models.Index(
                fields=["reporter"], name="event_reporter_idx", condition=Q(reporter__isnull=False)
            ),
            models.Index(
                fields=["parent"], name="event_parent_idx", condition=Q(parent__isnull=False)
            ),
            models.Index(
                fields=["reporter_phone_index"],
                name="event_reporter_phone_idx",
                condition=~Q(reporter_phone_index=""),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="event_unique_code"),
            models.UniqueConstraint(
                fields=["client_key"],
                condition=Q(client_key__isnull=False),
                name="event_unique_client_key",
            ),
            models.UniqueConstraint(
                fields=["channel", "source_ref"],
                condition=~models.Q(source_ref=""),
                name="event_unique_source_ref",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def reporter_phone(self) -> str:
        """The plaintext, for services (a reveal audits it first); never for a page."""
        return pii.open_sealed(self, "reporter_phone", pii.PHONE_CONTEXT)

    @reporter_phone.setter
    def reporter_phone(self, value: str) -> None:
        pii.set_sealed(self, "reporter_phone", pii.seal_free_phone(value))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class OrderRole(models.TextChoices):
    LEAD = "lead", _("lead")  # 主办
    ASSIST = "assist", _("assist")  # 协办


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be signed")  # 待签收
    SIGNED = "signed", _("handling")  # 处置中
    FED_BACK = "fed_back", _("fed back")  # 已反馈
    RETURNED = "returned", _("returned")  # 退回
    CANCELLED = "cancelled", _("cancelled")


class WorkOrder(models.Model):
    """One department's share of an event (派遣单)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="orders")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="orders")
    role = models.CharField(max_length=8, choices=OrderRole.choices, default=OrderRole.LEAD)
    status = models.CharField(
        max_length=10, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    dispatched_at = models.DateTimeField(default=timezone.now)
    sign_deadline = models.DateTimeField(null=True, blank=True)
    handle_deadline = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)  # of its current stage
    yellow_at = models.DateTimeField(null=True, blank=True)
    alert = models.CharField(max_length=6, choices=Alert.choices, default="", blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fed_back_at = models.DateTimeField(null=True, blank=True)
    feedback = models.TextField(blank=True)
    return_reason = models.TextField(blank=True)
    extension_requested_until = models.DateTimeField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["event_id", "role", "id"]  # "event" would join events for their ordering
        indexes = [
            models.Index(fields=["status", "deadline"], name="order_status_deadline_idx"),
            models.Index(fields=["status", "yellow_at"], name="order_status_yellow_idx"),
            models.Index(fields=["department", "status"], name="order_department_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event.code} → {self.department} ({self.role})"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        BEFORE = "before", _("before")
        AFTER = "after", _("after")
        OTHER = "other", _("other")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.BEFORE)
    file = models.FileField(upload_to="events/%Y/%m/")
    thumbnail = models.FileField(upload_to="events/%Y/%m/", blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.file.name or ""


class TimelineEntry(models.Model):
    """Append-only record of every action on an event."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="timeline")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(default=True)  # shown to the reporting resident

    class Meta:
        ordering = ["event_id", "id"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.action} {self.from_status}→{self.to_status}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("timeline entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("timeline entries are append-only")


class CalendarYear(models.Model):
    """A year whose official schedule an administrator entered (overrides the package)."""

    year = models.PositiveIntegerField(_("year"), unique=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A day that differs from the plain week: a holiday on a weekday, or 调休 on a weekend."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'} {self.name}"


class EventCodeCounter(models.Model):
    """Daily serials of tracking codes."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class Notification(models.Model):
    """The in-app inbox."""

    class Kind(models.TextChoices):
        DISPATCHED = "dispatched", _("dispatched to you")
        RETURNED = "returned", _("returned to you")
        OVERDUE = "overdue", _("overdue")
        YELLOW = "yellow", _("deadline near")
        SUPERVISED = "supervised", _("supervised")
        VERIFY = "verify", _("to verify")
        ESCALATED = "escalated", _("escalated to you")
        EXTENSION = "extension", _("extension requested")
        MERGED = "merged", _("merged as a duplicate")
        FOLLOWED = "followed", _("the event your report joined is closed")
        REMINDER = "reminder", _("notice to confirm")
        UNCONFIRMED = "unconfirmed", _("notice not confirmed")
        ASSESSMENT = "assessment", _("assessment published")
        BULLETIN = "bulletin", _("bulletin")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # An event's notification names the event; another app's (a notice) gives its page.
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    link = models.CharField(max_length=300, blank=True)
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.text


class DuplicateDecision(models.Model):
    """An operator's "keep apart": these two events are not duplicates; don't offer the pair
    again. Stored once per pair, the lower event id first."""

    first = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("kept-apart pair")
        verbose_name_plural = _("kept-apart pairs")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="duplicate_decision_unique"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="duplicate_decision_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ≠ {self.second_id}"


class WebhookEndpoint(models.Model):
    """An outbound hook (SMS or messaging gateways attach here)."""

    name = models.CharField(max_length=100)
    url = models.URLField()
    secret = models.CharField(max_length=200)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name
