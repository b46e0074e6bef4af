"""Back office: the indicators other systems feed (their values arrive by the API)."""

from django.contrib import admin

from wangge.stats.models import FedIndicator


@admin.register(FedIndicator)
class FedIndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "module", "over_time", "over_areas", "active"]
    list_filter = ["module", "active"]
    search_fields = ["code", "name"]
