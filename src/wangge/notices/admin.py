from django.contrib import admin

from wangge.notices.models import ActivityKind


@admin.register(ActivityKind)
class ActivityKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "active", "order"]
    list_editable = ["active", "order"]
