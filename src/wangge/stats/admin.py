"""Back office: the indicators other systems feed (their values arrive by the API)."""

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from wangge.stats import feeds
from wangge.stats.models import FedIndicator


@admin.register(FedIndicator)
class FedIndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "module", "over_time", "over_areas", "active"]
    list_filter = ["module", "active"]
    search_fields = ["code", "name"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        feeds.changed()  # the pages show the indicator (or stop showing it) at once

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        feeds.changed()

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        feeds.changed()


def _warn_when_late(index: Any) -> Any:
    """The back office's home page warns when the figures lag past the limit."""

    def wrapped(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        from wangge.stats import dashboard

        late = dashboard.lateness(dashboard.asof())
        if late["late"] and request.user.is_active and request.user.is_staff:
            if late["lag_minutes"] is None:
                messages.warning(
                    request, _("The figures were never filled: run `wangge stats rebuild`.")
                )
            else:
                messages.warning(
                    request,
                    _(
                        "The figures are %(m)s minutes behind (more than %(limit)s):"
                        " is `wangge worker` running?"
                    )
                    % {"m": late["lag_minutes"], "limit": late["late_limit_minutes"]},
                )
        return index(request, extra_context)

    return wrapped


admin.site.index = _warn_when_late(admin.site.index)  # type: ignore[method-assign]
