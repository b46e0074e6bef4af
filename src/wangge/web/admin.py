"""Back office of grants: every post, sensitive-group grant and department handler given or
ended here goes through the audited services (`wangge.staff.grants`,
`wangge.people.residents.services.tag_grant*`), like the staff pages and the roster import.

The models' own apps (regions, people, events) sit left of those services, so their
registrations are replaced here, by the web layer, which may import them all.
"""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from wangge.accounts.admin import PostAdmin
from wangge.accounts.clients import client_address
from wangge.accounts.models import Post
from wangge.errors import DomainError
from wangge.events.admin import DepartmentAdmin
from wangge.events.models import Department
from wangge.people.admin import TagGrantAdmin
from wangge.people.models import TagGrant
from wangge.people.residents import services as people_services
from wangge.staff import grants


def _refused(modeladmin: admin.ModelAdmin, request: HttpRequest, exc: DomainError) -> None:
    modeladmin.message_user(request, str(exc), messages.ERROR)


admin.site.unregister(Post)


@admin.register(Post)
class AuditedPostAdmin(PostAdmin):
    """Posts are given here and ended (by a date or the action); never edited or deleted."""

    actions = ["end_now"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("user", "area", "role", "started_on") if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Post, form: Any, change: bool) -> None:
        ip = client_address(request)
        if not change:
            post = grants.post_grant(
                actor=request.user, user=obj.user, area=obj.area, role=obj.role, ip=ip
            )
            obj.pk = post.pk
            return
        if obj.ended_on is not None:  # the only change a post takes
            stored = Post.objects.select_related("area", "user").get(pk=obj.pk)
            grants.post_revoke(actor=request.user, post=stored, ended_on=obj.ended_on, ip=ip)

    @admin.action(description=_("End the selected posts today"))
    def end_now(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        ip = client_address(request)
        for post in queryset.select_related("area", "user"):
            grants.post_revoke(actor=request.user, post=post, ip=ip)


admin.site.unregister(TagGrant)


@admin.register(TagGrant)
class AuditedTagGrantAdmin(TagGrantAdmin):
    """Grants are given here and revoked by the action; never edited or deleted."""

    actions = ["revoke"]
    fields = ["user", "kind", "expires_on"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)  # the service's rule: administrators grant

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("user", "kind", "expires_on") if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: TagGrant, form: Any, change: bool) -> None:
        if change:
            return
        grant = people_services.tag_grant(
            actor=request.user,
            user=obj.user,
            kind=obj.kind,
            expires_on=obj.expires_on,
            ip=client_address(request),
        )
        obj.pk = grant.pk

    @admin.action(description=_("Revoke the selected grants"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[TagGrant]) -> None:
        ip = client_address(request)
        count = 0
        for grant in queryset.filter(revoked_at__isnull=True):
            try:
                people_services.tag_grant_revoke(actor=request.user, grant=grant, ip=ip)
            except DomainError as exc:
                _refused(self, request, exc)
                return
            count += 1
        self.message_user(
            request,
            ngettext("%(n)s grant revoked.", "%(n)s grants revoked.", count) % {"n": count},
            messages.SUCCESS,
        )


admin.site.unregister(Department)


@admin.register(Department)
class AuditedDepartmentAdmin(DepartmentAdmin):
    """The handlers chosen in the form are added and removed through the audited services."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        department = form.instance
        before = set(department.handlers.all()) if change else set()
        after = set(form.cleaned_data.pop("handlers", before))
        super().save_related(request, form, formsets, change)
        ip = client_address(request)
        for user in sorted(after - before, key=lambda u: u.pk):
            grants.handler_grant(actor=request.user, user=user, department=department, ip=ip)
        for user in sorted(before - after, key=lambda u: u.pk):
            grants.handler_revoke(actor=request.user, user=user, department=department, ip=ip)
