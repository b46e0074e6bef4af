"""Users' posts and roles, the platform's audit log, and what the login policy keeps per user.

Posts (`Post`, a user's `Role` at an area) give sight of the area's subtree (`scope`). The audit
log (`AuditEntry`, append-only and hash-chained, see `audit`) has `AuditHead`, the single row
each writer locks so the chain never forks. Both moved here from `regions` and `people`; their
tables kept their first names (`db_table`), so no row moved.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.regions.models import Area


class LoginProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_profile"
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set for accounts whose password someone else chose or generated."),
    )

    class Meta:
        verbose_name = _("login profile")
        verbose_name_plural = _("login profiles")

    def __str__(self) -> str:
        return str(self.user)


class PasswordHistory(models.Model):
    """A password hash the user had; a new password may not match the last few."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(max_length=128)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "at"], name="password_history_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.at:%Y-%m-%d}"


class Role(models.TextChoices):
    GRID_LEADER = "grid_leader", _("grid leader")
    FULL_TIME = "full_time", _("full-time grid worker")
    PART_TIME = "part_time", _("part-time grid worker")
    LIAISON = "liaison", _("micro-grid liaison")
    SECRETARY = "secretary", _("community secretary")
    OPERATOR = "operator", _("command-centre operator")
    # Sees everything under its area (dashboards, events), acts on nothing: in no role
    # list of events.access, so every transition refuses it.
    LEADER = "leader", _("leader")


class Post(models.Model):
    """A person's role at an area; it gives sight of the area's whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts"
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="posts")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    started_on = models.DateField(_("started on"), default=timezone.localdate)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        # The table keeps the name it had in `regions`, where posts lived first.
        db_table = "regions_post"
        ordering = ["area__path", "role"]
        indexes = [models.Index(fields=["user", "ended_on"], name="post_user_active_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()} @ {self.area.name}"


class AuditAction(models.TextChoices):
    VIEW = "view", _("viewed")
    REVEAL = "reveal", _("revealed")
    EXPORT = "export", _("exported")
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")
    IMPORT = "import", _("imported")
    GRANT = "grant", _("granted")
    REKEY = "rekey", _("re-encrypted")
    LOCK = "lock", _("locked out")
    UNLOCK = "unlock", _("unlocked")
    ALERT = "alert", _("alerted")
    ACKNOWLEDGE = "acknowledge", _("acknowledged")


class AuditEntry(models.Model):
    """One audited action. Append-only: `save` refuses updates and `delete` refuses always.

    `hash` = SHA-256 over the canonical content and `prev_hash`, so changing, removing or
    inserting an entry breaks the chain (`wangge audit verify`). The actor is kept by id and
    name (not a foreign key), so deleting a user never rewrites the log.
    """

    seq = models.BigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(default=timezone.now, editable=False)
    actor_id = models.BigIntegerField(null=True, blank=True, editable=False)
    actor_name = models.CharField(_("who"), max_length=150, blank=True, editable=False)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("record type"), max_length=40)
    object_id = models.CharField(_("record"), max_length=64, blank=True)
    object_label = models.CharField(_("record label"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    ip = models.CharField(_("from"), max_length=64, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        # The table keeps the name it had in `people`, where the log lived first (the
        # append-only trigger of people migration 0004 is on it).
        db_table = "people_auditentry"
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-seq"]
        permissions = [("read_audit", "Can read the audit log")]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor_id", "at"], name="audit_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor_name} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise PermissionError("audit entries are never changed")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit entries are never deleted")


class AuditHead(models.Model):
    """The single row holding the chain's last seq and hash; writers lock it."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        db_table = "people_audithead"

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


class SecurityAlert(models.Model):
    """Something the auditors must look at (a user revealing residents' numbers in bulk),
    raised once per window and kept until an auditor acknowledges it. Raising and
    acknowledging are both written to the audit log; this row holds what is still open.

    A model of its own, not an inbox notification: the inbox (`events.Notification`) sits
    right of accounts, and an open/acknowledged state cannot live on the append-only log."""

    class Kind(models.TextChoices):
        MASS_REVEAL = "mass_reveal", _("mass reveal of personal data")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Whose doing, by id and name like the audit log (deleting a user rewrites nothing).
    user_id = models.BigIntegerField(_("user id"), null=True, blank=True)
    username = models.CharField(_("user"), max_length=150, blank=True)
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.CharField(_("acknowledged by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("security alert")
        verbose_name_plural = _("security alerts")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["user_id", "kind", "raised_at"], name="alert_user_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.username} {self.raised_at:%Y-%m-%d %H:%M}"
