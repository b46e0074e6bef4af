"""Back office: tag kinds and sensitive-tag grants are managed here; the audit log is read-only.

Residents and their personal data are not edited here: their encrypted fields only change
through the services (import, API), which audit every change.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from wangge.people.models import AuditEntry, TagGrant, TagKind


@admin.register(TagKind)
class TagKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sensitive", "order"]


@admin.register(TagGrant)
class TagGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "granted_at", "expires_on", "revoked_at"]
    list_filter = ["kind"]
    autocomplete_fields = ["user"]


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
        return request.user.has_perm("people.read_audit")
