"""Back office for the catalogue, departments, routing and the working calendar."""

import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.errors import DomainError
from wangge.events import calendar, deadlines
from wangge.events.models import (
    BuiltinChannel,
    CalendarDay,
    CalendarYear,
    Category,
    CategoryDeadline,
    Department,
    Event,
    RoutingRule,
    TimelineEntry,
    WebhookEndpoint,
    WorkOrder,
)


class CategoryDeadlineInline(admin.TabularInline):
    model = CategoryDeadline
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "active", "grid_may_settle", "requires_attendance"]
    list_filter = ["active", "grid_may_settle", "requires_attendance", "parent"]
    search_fields = ["code", "name"]
    filter_horizontal = ["default_departments"]
    inlines = [CategoryDeadlineInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        deadlines.forget()  # this process at once; the others within deadlines.CACHE_SECONDS


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "active"]
    search_fields = ["code", "name"]
    filter_horizontal = ["categories", "handlers"]
    raw_id_fields = ["areas"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "area", "department"]
    raw_id_fields = ["area"]
    list_filter = ["department"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Events change only through the workflow; the back office may look, not touch."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TimelineInline(admin.TabularInline):
    model = TimelineEntry
    fields = ("at", "actor", "action", "from_status", "to_status", "comment")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class WorkOrderInline(admin.TabularInline):
    model = WorkOrder
    fields = ("department", "role", "status", "sign_deadline", "handle_deadline")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ChannelFilter(admin.SimpleListFilter):
    """Channels by their names (the built-in ones), not their codes."""

    title = gettext_lazy("channel")
    parameter_name = "channel"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return BuiltinChannel.choices

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        return queryset.filter(channel=self.value()) if self.value() else queryset


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = [
        "code", "title", "status", "category", "area", "channel_name", "reported_at", "alert"
    ]  # fmt: skip
    list_filter = ["status", ChannelFilter, "alert", "supervised"]

    @admin.display(description=gettext_lazy("channel"), ordering="channel")
    def channel_name(self, obj: Event) -> str:
        return str(dict(BuiltinChannel.choices).get(obj.channel, obj.channel))

    search_fields = ["code", "title"]
    inlines = [WorkOrderInline, TimelineInline]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "active"]


class CalendarFileForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV or xlsx: 日期, 类型 (休/班), 名称"))


class CalendarWarningMixin:
    """Tells administrators which years still run on plain weekends."""

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        missing = calendar.years_needing_schedule()
        if missing:
            messages.warning(
                request,
                _(
                    "No official holiday schedule for %(years)s: deadlines there count plain "
                    "weekends only. Enter the State Council's schedule or import it from a file."
                )
                % {"years": ", ".join(map(str, missing))},
            )
        response: HttpResponse = super().changelist_view(request, extra_context)  # type: ignore[misc]
        return response


@admin.register(CalendarYear)
class CalendarYearAdmin(CalendarWarningMixin, admin.ModelAdmin):
    list_display = ["year", "note", "entered_at"]
    change_list_template = "admin/events/calendaryear/change_list.html"

    def get_urls(self) -> list[Any]:
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="events_calendaryear_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        form = CalendarFileForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            suffix = Path(upload.name).suffix.lower()
            with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
                for chunk in upload.chunks():
                    tmp.write(chunk)
                tmp.flush()
                try:
                    years = calendar.calendar_import_file(tmp.name)
                except DomainError as exc:
                    for problem in exc.problems:
                        form.add_error("file", str(problem))
                else:
                    messages.success(
                        request,
                        _("Entered the schedule of %(years)s.")
                        % {"years": ", ".join(str(y.year) for y in years)},
                    )
                    return HttpResponseRedirect(reverse("admin:events_calendaryear_changelist"))
        return render(
            request,
            "admin/events/calendaryear/import.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "title": _("Import a schedule"),
            },
        )


@admin.register(CalendarDay)
class CalendarDayAdmin(CalendarWarningMixin, admin.ModelAdmin):
    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        calendar.calendar_changed()

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        super().delete_model(request, obj)
        calendar.calendar_changed()
