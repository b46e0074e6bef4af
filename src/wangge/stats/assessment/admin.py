"""Back office: the indicator library and schemes are data edited here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from wangge.stats.assessment.models import (
    Adjustment,
    Indicator,
    ManualItem,
    Result,
    Run,
    Scheme,
    SchemeItem,
)


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "source", "ratio", "higher_is_better", "unit", "formula"]
    search_fields = ["code", "name"]


class SchemeItemInline(admin.TabularInline):
    model = SchemeItem
    extra = 0


class AdjustmentInline(admin.TabularInline):
    model = Adjustment
    extra = 0


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "target_type", "level", "valid_from"]
    list_filter = ["target_type"]
    inlines = [SchemeItemInline, AdjustmentInline]


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ["scheme", "period", "status", "computed_at", "published_at"]
    readonly_fields = ["snapshot", "computed_at", "published_at"]


@admin.register(Result)
class ResultAdmin(admin.ModelAdmin):
    list_display = ["run", "rank", "target_name", "score", "grade"]
    list_filter = ["run"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # results come from runs only


@admin.register(ManualItem)
class ManualItemAdmin(admin.ModelAdmin):
    list_display = ["run", "target_id", "points", "reason", "assessor", "created_at"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # audited: entered once (through the service), never edited

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
