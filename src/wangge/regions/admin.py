"""Back office for areas and layers (posts: `accounts.admin`). Writes go through the services
like everywhere."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from wangge.errors import DomainError
from wangge.regions import batches, services
from wangge.regions.geometry import GeometryError, parse_polygonal
from wangge.regions.models import Area, ImportBatch, Layer, LayerArea


class AreaForm(forms.ModelForm):
    class Meta:
        model = Area
        fields = ["code", "name", "level", "parent", "geometry", "valid_from"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            data["geom"] = parse_polygonal(data["geometry"]) if data.get("geometry") else None
        except GeometryError as exc:
            self.add_error("geometry", str(exc))
        if self.instance.pk is None and not self.errors:
            try:
                services.check_placement(
                    code=data.get("code", ""),
                    level=data.get("level") or 0,
                    parent=data.get("parent"),
                )
            except DomainError as exc:
                for problem in exc.problems:
                    self.add_error(problem.field or None, problem.message)
        return data


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    form = AreaForm
    list_display = ["code", "name", "level", "parent", "valid_from", "valid_to"]
    list_filter = ["level", ("valid_to", admin.EmptyFieldListFilter)]
    search_fields = ["code", "name", "source_code"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path", "source_code", "area_m2", "valid_to"]
    actions = ["end_areas"]

    def get_readonly_fields(self, request: HttpRequest, obj: Area | None = None) -> Any:
        # Code, level and parent place an area in the tree; they are fixed once it exists.
        fixed = ["code", "level", "parent"] if obj else []
        return [*self.readonly_fields, *fixed]

    def has_delete_permission(self, request: HttpRequest, obj: Area | None = None) -> bool:
        return False  # areas are ended, never deleted

    def save_model(self, request: HttpRequest, obj: Area, form: Any, change: bool) -> None:
        geom = form.cleaned_data.get("geom")
        if change:
            services.area_update(area=obj, name=obj.name, geom=geom)
        else:
            created = services.area_create(
                code=obj.code,
                name=obj.name,
                parent=obj.parent,
                level=obj.level,
                geom=geom,
                valid_from=obj.valid_from,
            )
            obj.pk = created.pk

    @admin.action(description=_("End the selected areas (and their subtrees)"))
    def end_areas(self, request: HttpRequest, queryset: QuerySet[Area]) -> None:
        for area in queryset.filter(valid_to__isnull=True).order_by("path"):
            area.refresh_from_db()
            if area.is_live:  # an ancestor in the selection may have ended it already
                services.area_end(area=area)


class LayerAreaInline(admin.TabularInline):
    model = LayerArea
    fields = ["code", "name", "area_m2"]
    readonly_fields = ["code", "name", "area_m2"]
    extra = 0
    can_delete = False


@admin.register(Layer)
class LayerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind"]
    inlines = [LayerAreaInline]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["id", "file_name", "created_at", "created_count", "updated_count", "undone_at"]
    readonly_fields = ["file_name", "created_at", "created_count", "updated_count", "undone_at"]
    actions = ["undo_batches"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # batches come from imports

    def has_delete_permission(self, request: HttpRequest, obj: ImportBatch | None = None) -> bool:
        return False

    @admin.action(description=_("Undo the selected imports (remove the areas they created)"))
    def undo_batches(self, request: HttpRequest, queryset: QuerySet[ImportBatch]) -> None:
        for batch in queryset.order_by("-pk"):  # later batches first: they may build on earlier
            try:
                result = batches.undo(batch.pk)
            except DomainError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                continue
            self.message_user(
                request,
                _("Import batch %(id)s undone: %(n)s areas removed.")
                % {"id": batch.pk, "n": result.removed},
            )
