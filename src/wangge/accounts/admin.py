"""Back office: unlock locked logins (audited), and accounts whose password an
administrator sets must choose their own at the next login; posts (given through the
service) and the audit log (read-only)."""

from typing import Any

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from wangge.accounts import reveals, services
from wangge.accounts.clients import client_address
from wangge.accounts.lockout import login_unlock
from wangge.accounts.models import AuditEntry, Post, SecurityAlert
from wangge.accounts.passwords import password_change_require
from wangge.accounts.permissions import AUDIT_PERMISSION
from wangge.accounts.roles import role_change_record, roles_of

admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    """Failed-login counters; "unlock" forgets them (and is audited). No plain delete, so
    every unlock goes through the service."""

    actions = ["unlock"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Unlock the selected usernames and addresses"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        count = login_unlock(actor=request.user, attempts=queryset, ip=client_address(request))
        self.message_user(
            request,
            ngettext("%(n)s failure record removed.", "%(n)s failure records removed.", count)
            % {"n": count},
            messages.SUCCESS,
        )


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class WanggeUserAdmin(UserAdmin):
    """Role changes (administrator, staff, active, groups such as the auditor's) are
    audited: the roles before the form is saved against those after its groups are."""

    actions = ["require_password_change"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        stored = User.objects.filter(pk=obj.pk).first() if change else None
        request._wangge_roles_before = roles_of(stored) if stored else None  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)
        if not change:  # the administrator chose this password
            password_change_require(user=obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        before = getattr(request, "_wangge_roles_before", None)
        if before is not None:
            role_change_record(
                actor=request.user, user=form.instance, before=before, ip=client_address(request)
            )

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            if user is not None and user.pk != request.user.pk:
                password_change_require(user=user)
        return response

    @admin.action(description=_("Require a new password at the next login"))
    def require_password_change(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for user in queryset:
            password_change_require(user=user)


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "area", "started_on", "ended_on"]
    list_filter = ["role", ("ended_on", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "user__first_name", "area__name", "area__code"]
    raw_id_fields = ["user", "area"]

    def save_model(self, request: HttpRequest, obj: Post, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
        else:
            obj.pk = services.post_assign(user=obj.user, area=obj.area, role=obj.role).pk


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["seq", "at", "actor_name", "action", "object_type", "object_id", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(AUDIT_PERMISSION)


@admin.register(SecurityAlert)
class SecurityAlertAdmin(admin.ModelAdmin):
    """Alerts for the auditors (mass reveals): read here, acknowledged through the service
    (audited); never added, edited or deleted by hand."""

    list_display = ["raised_at", "kind", "username", "acknowledged_at", "acknowledged_by"]
    list_filter = ["kind", ("acknowledged_at", admin.EmptyFieldListFilter)]
    search_fields = ["username"]
    actions = ["acknowledge"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(AUDIT_PERMISSION)

    @admin.action(description=_("Acknowledge the selected alerts"), permissions=["view"])
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[SecurityAlert]) -> None:
        for alert in queryset.filter(acknowledged_at__isnull=True):
            reveals.alert_acknowledge(
                actor=request.user, alert_id=alert.pk, ip=client_address(request)
            )
        self.message_user(request, _("Alerts acknowledged."), messages.SUCCESS)
