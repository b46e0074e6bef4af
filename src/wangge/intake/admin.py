from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.errors import DomainError
from wangge.intake import importer, imports, tasks
from wangge.intake.models import Camera, Channel, ImportJob


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
            ),
            path(
                "<int:pk>/import/<int:job_id>/",
                self.admin_site.admin_view(self.import_job_view),
                name="intake_channel_import_job",
            ),
        ]
        return extra + super().get_urls()

    def import_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Upload a work-order file for this channel: checked whole (one bad row refuses it,
        nothing written), then written by the worker; the job's progress page follows."""
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
                if dry_run:
                    preview = importer.import_orders(
                        channel, upload.name, upload.read(), dry_run=True
                    )
                    problems = preview.problems
                else:
                    job = imports.import_job_create(
                        channel=channel,
                        file_name=upload.name,
                        data=upload.read(),
                        by=request.user,
                        via="admin",
                    )
                    tasks.run_import_job(job.pk)
                    return redirect(reverse("admin:intake_channel_import_job", args=[pk, job.pk]))
            except DomainError as exc:
                problems = exc.problems
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import work orders into %(c)s") % {"c": channel.name},
            "channel": channel,
            "form": form,
            "problems": problems,
            "kinds": importer.summarise(problems),
            "preview": preview,
            "jobs": channel.import_jobs.only(
                "id", "file_name", "state", "position", "rows_total", "created_at"
            )[:10],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "intake/import.html", context)

    def import_job_view(self, request: HttpRequest, pk: int, job_id: int) -> HttpResponse:
        """An import job's progress (the fragment alone, polled by htmx while it runs)."""
        channel = get_object_or_404(Channel, pk=pk)
        if not self.has_change_permission(request, channel):
            return redirect("admin:index")
        job = get_object_or_404(ImportJob, pk=job_id, channel=channel)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import of %(f)s into %(c)s") % {"f": job.file_name, "c": channel.name},
            "channel": channel,
            "job": job,
            "status": imports.import_job_status(job),
            "open": job.state in imports.OPEN,
            "opts": self.model._meta,
        }
        if request.headers.get("HX-Request"):
            return TemplateResponse(request, "intake/import_job_progress.html", context)
        return TemplateResponse(request, "intake/import_job.html", context)


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):
    list_display = ["camera_id", "name", "channel", "area", "active"]
    list_filter = ["channel", "active"]
    exclude = ["area"]  # located from lon/lat (Camera.clean)
