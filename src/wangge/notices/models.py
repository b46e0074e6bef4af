"""Notices to grid staff (recipients frozen at send, one receipt each), notices to residents,
and grid activities (网格活动)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.regions.models import Area


class Notice(models.Model):
    class Kind(models.TextChoices):
        READ = "read", _("to read")
        CONFIRM = "confirm", _("to confirm")
        ANSWER = "answer", _("to answer")
        PHOTO = "photo", _("to answer with a photo")
        FORM = "form", _("to answer with a form")

    class Audience(models.TextChoices):
        STAFF = "staff", _("grid staff")
        RESIDENTS = "residents", _("residents")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("normal")
        URGENT = "urgent", _("urgent")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        SENT = "sent", _("sent")
        RECALLED = "recalled", _("recalled")

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CONFIRM)
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.STAFF
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notices_sent"
    )
    # The roots of the target subtrees; staff notices go to `roles` posted under them.
    areas = models.ManyToManyField(Area, related_name="notices", verbose_name=_("areas"))
    roles = models.JSONField(_("roles"), default=list, blank=True)
    # Kind "form": the fields to fill in, defined like a campaign's form (`wangge.form_fields`,
    # value types only: text, number, choice, multiple choice, date, yes/no).
    form = models.JSONField(_("answer form"), default=list, blank=True)
    # Named people beyond the posts (user ids as asked; the receipts are what counts).
    extra_user_ids = models.JSONField(default=list, blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    send_at = models.DateTimeField(_("send at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recalled_at = models.DateTimeField(_("recalled at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    # Working hours before the unconfirmed are reminded (None: the setting's default).
    remind_work_hours = models.FloatField(_("remind after (working hours)"), null=True, blank=True)
    remind_at = models.DateTimeField(null=True, blank=True, editable=False)
    escalate_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField(null=True, blank=True, editable=False)
    recipient_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-send_at", "-pk"]
        indexes = [
            models.Index(
                fields=["send_at"],
                name="notice_scheduled_idx",
                condition=Q(status="scheduled"),
            ),
            models.Index(
                fields=["remind_at"], name="notice_remind_idx", condition=Q(reminded_at=None)
            ),
            models.Index(
                fields=["escalate_at"],
                name="notice_escalate_idx",
                condition=Q(escalated_at=None),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.SENT


class NoticeAttachment(models.Model):
    """A photo sent with a notice, checked and re-encoded like events' photos."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="notices/%Y/%m/")
    thumbnail = models.FileField(upload_to="notices/%Y/%m/", blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("notice attachment")
        verbose_name_plural = _("notice attachments")
        ordering = ["notice", "pk"]

    def __str__(self) -> str:
        return f"{self.notice_id}: {self.file.name}"


class NoticeVersion(models.Model):
    """The text of a notice as it was before an edit (the current text is the notice's)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["notice", "version"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "version"], name="notice_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} v{self.version}"


class Receipt(models.Model):
    """One recipient of a staff notice, written when it is sent and never added to after."""

    # No single-column indexes on the keys: the unique (notice, user) and (user, notice)
    # indexes below serve those lookups, and each index more slows a large fan-out.
    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="receipts", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="receipts", db_index=False
    )
    # The post it came through (named people: their first post, or none): where it counts.
    # No database constraint: areas are ended, never deleted, and a 200,000-row fan-out
    # would check each row against the area table once more.
    area = models.ForeignKey(
        Area,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    path = models.CharField(max_length=500, blank=True)
    role = models.CharField(max_length=20, blank=True)
    # Who, as they were called when it was sent: the not-yet list reads no other table.
    username = models.CharField(max_length=150, blank=True)
    name = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    # Kind "form": the answers by field name, checked against the notice's form.
    answers = models.JSONField(_("form answers"), default=dict, blank=True)
    # A photo answer (kind "photo"), checked like events' photos; a new one replaces it.
    answer_photo = models.FileField(upload_to="notices/answers/%Y/%m/", blank=True)
    answer_thumbnail = models.FileField(upload_to="notices/answers/%Y/%m/", blank=True)
    # When the notice's kind is satisfied (read / confirmed / answered): "not yet" is null.
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    seen_version = models.PositiveIntegerField(default=0)
    # The key of the phone's (possibly offline, resent) confirmation or answer.
    client_key = models.CharField(max_length=80, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["notice", "path", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="receipt_notice_user_unique")
        ]
        indexes = [
            models.Index(fields=["user", "notice"], name="receipt_user_idx"),
            # The not-yet list; pattern ops: PostgreSQL uses it for LIKE 'prefix%' under any
            # collation. (The board reads a notice's receipts through the unique constraint.)
            models.Index(
                fields=["notice", "path"],
                name="receipt_not_yet_idx",
                opclasses=["int8_ops", "varchar_pattern_ops"],
                condition=Q(done_at=None),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.user_id}"


class ActivityKind(models.Model):
    """宣讲, 政策宣传, 便民服务, 义诊, 调解, 志愿服务 … (data, not code)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("activity kind")
        verbose_name_plural = _("activity kinds")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    """One grid activity held on a day in an area."""

    kind = models.ForeignKey(ActivityKind, on_delete=models.PROTECT, verbose_name=_("kind"))
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="activities")
    path = models.CharField(max_length=500, editable=False)
    place = models.CharField(_("place"), max_length=200, blank=True)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    people_reached = models.PositiveIntegerField(_("people reached"), default=0)
    party_members = models.ManyToManyField(
        "people.PartyMember", blank=True, related_name="activities", verbose_name=_("party members")
    )
    # The in-service members' report-ins (到网格报到) this activity counts as: found or written
    # when it is recorded, at the activity's grid on its day.
    report_ins = models.ManyToManyField(
        "people.PartyReportIn",
        blank=True,
        related_name="activities",
        verbose_name=_("party member report-ins"),
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["path", "held_on"], name="activity_path_day_idx")]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


class ActivityPhoto(models.Model):
    """A photo of an activity, checked and re-encoded like events' photos."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="activities/%Y/%m/")
    thumbnail = models.FileField(upload_to="activities/%Y/%m/", blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")
        ordering = ["activity", "pk"]

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.file.name}"
