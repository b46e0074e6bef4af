from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.errors import DomainError
from wangge.intake import importer
from wangge.intake.models import Camera, Channel


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Work-order file (xlsx or CSV)"))


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "active", "skips_acceptance", "default_category"]
    exclude = ["api_key_hash"]  # keys are issued by `wangge channels key CODE`

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "<int:pk>/import/",
                self.admin_site.admin_view(self.import_view),
                name="intake_channel_import",
            )
        ]
        return extra + super().get_urls()

    def import_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Upload a work-order file for this channel: all rows or none."""
        channel = get_object_or_404(Channel, pk=pk)
        if not self.has_change_permission(request, channel):
            return redirect("admin:index")
        form = ImportForm(request.POST or None, request.FILES or None)
        problems: list[Any] = []
        preview = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            dry_run = "preview" in request.POST
            try:
                report = importer.import_orders(
                    channel, upload.name, upload.read(), dry_run=dry_run
                )
            except DomainError as exc:
                problems = exc.problems
            else:
                if dry_run:
                    preview, problems = report, report.problems
                else:
                    messages.success(request, report.summary())
                    return redirect(reverse("admin:intake_channel_import", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import work orders into %(c)s") % {"c": channel.name},
            "channel": channel,
            "form": form,
            "problems": problems,
            "kinds": importer.summarise(problems),
            "preview": preview,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "intake/import.html", context)


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):
    list_display = ["camera_id", "name", "channel", "area", "active"]
    list_filter = ["channel", "active"]
    exclude = ["area"]  # located from lon/lat (Camera.clean)
