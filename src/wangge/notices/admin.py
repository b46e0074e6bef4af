from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from wangge.notices.models import ActivityKind, Notice


@admin.register(ActivityKind)
class ActivityKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "active", "order"]
    list_editable = ["active", "order"]


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """Read-only: notices are sent, edited and recalled through their pages and the API."""

    list_display = ["title", "audience", "kind", "status", "sender", "sent_at", "recipient_count"]
    list_filter = ["audience", "kind", "status"]
    search_fields = ["title"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
