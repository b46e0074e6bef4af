from django.contrib import admin

from wangge.open311.models import ServiceAttribute, ServiceRequest


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ["category", "order", "code", "datatype", "required", "variable"]
    list_filter = ["datatype", "required"]
    search_fields = ["code", "description", "category__code", "category__name"]
    autocomplete_fields = ["category"]


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    list_display = ["event", "channel", "created_at"]
    list_filter = ["channel"]
    search_fields = ["event__code"]
    # Written by the API only; here for looking up what a client sent.
    readonly_fields = [f.name for f in ServiceRequest._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
