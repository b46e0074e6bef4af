from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from wangge.errors import DomainError
from wangge.regions import services
from wangge.regions.models import Area, Layer, LayerArea, Post


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "valid_from", "valid_to"]
    list_filter = ["level", ("valid_to", admin.EmptyFieldListFilter)]
    search_fields = ["code", "name", "source_code"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path", "area_m2", "centroid_lon", "centroid_lat", "created_at"]
    actions = ["end_areas"]

    def has_delete_permission(self, request: HttpRequest, obj: Area | None = None) -> bool:
        return False  # areas are ended, never deleted

    def save_model(self, request: HttpRequest, obj: Area, form: object, change: bool) -> None:
        # Edits in the back office go through the services too (rules, index version).
        from wangge.regions.geometry import GeometryError, parse_polygonal

        try:
            geom = parse_polygonal(obj.geometry) if obj.geometry else None
            if change:
                services.area_update(area=obj, name=obj.name, geom=geom)
            else:
                created = services.area_create(
                    code=obj.code, name=obj.name, parent=obj.parent, level=obj.level, geom=geom
                )
                obj.pk = created.pk
        except (DomainError, GeometryError) as exc:
            self.message_user(request, str(exc), messages.ERROR)

    @admin.action(description=_("End the selected areas (and their subtrees)"))
    def end_areas(self, request: HttpRequest, queryset: QuerySet[Area]) -> None:
        for area in queryset.filter(valid_to__isnull=True):
            services.area_end(area=area)


class LayerAreaInline(admin.TabularInline):
    model = LayerArea
    fields = ["code", "name", "area_m2"]
    readonly_fields = ["area_m2"]
    extra = 0


@admin.register(Layer)
class LayerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind"]
    inlines = [LayerAreaInline]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "area", "started_on", "ended_on"]
    list_filter = ["role", ("ended_on", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "user__first_name", "area__name", "area__code"]
    raw_id_fields = ["user", "area"]
