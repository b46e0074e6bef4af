from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.regions import levels


class LiveAreaQuerySet(models.QuerySet["Area"]):
    def live(self) -> "LiveAreaQuerySet":
        return self.filter(valid_to__isnull=True)

    def subtree(self, area: "Area") -> "LiveAreaQuerySet":
        """The area and everything under it (materialized path prefix match)."""
        return self.filter(path__startswith=area.path)


class ImportBatch(models.Model):
    """One file import that wrote something; its created areas can be undone together."""

    file_name = models.CharField(_("file"), max_length=255)
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"


class Area(models.Model):
    """A node of the area tree (区县/街道/社区/网格/微网格 by default)."""

    code = models.CharField(_("code"), max_length=40, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    level = models.PositiveSmallIntegerField(_("level"))
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Codes of the chain from the top, each followed by "/": subtree = prefix match.
    path = models.CharField(_("path"), max_length=500, editable=False)
    # The code this area carries in the file it was imported from, when ours differs.
    source_code = models.CharField(_("source code"), max_length=100, blank=True)
    geometry = models.TextField(_("geometry (GeoJSON, WGS-84)"), blank=True)
    centroid_lon = models.FloatField(null=True, blank=True, editable=False)
    centroid_lat = models.FloatField(null=True, blank=True, editable=False)
    min_lon = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lon = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    area_m2 = models.FloatField(_("area (m²)"), null=True, blank=True, editable=False)
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    # Merged or split areas are ended, never deleted, so old records keep their area.
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    # The import that created the area (none for areas made by hand or split from a grid).
    import_batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("import batch"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="areas",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LiveAreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(valid_to__isnull=True), name="area_code_unique_live"
            ),
        ]
        indexes = [
            models.Index(fields=["path"], name="area_path_idx"),
            # PostgreSQL needs pattern ops for LIKE 'prefix%' under a non-C collation.
            models.Index(
                fields=["path"], name="area_path_like_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["level", "valid_to"], name="area_level_live_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def level_name(self) -> str:
        return levels.level_name(self.level)

    @property
    def is_live(self) -> bool:
        return self.valid_to is None

    @property
    def ancestor_codes(self) -> list[str]:
        return [c for c in self.path.split("/") if c][:-1]

    def chain_paths(self) -> list[str]:
        """The paths of the area's ancestors from the top, then its own (for `path__in`)."""
        parts = [c for c in self.path.split("/") if c]
        return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


class AreaTreeVersion(models.Model):
    """One row, bumped in every transaction that changes the area tree.

    Each process compares it with the version its spatial index was built from.
    """

    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"v{self.version} @ {self.changed_at:%Y-%m-%d %H:%M:%S}"


class Layer(models.Model):
    """Another grid system over the same land (专业网格: 警务, 城管, 物业, 电力 …)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("layer")
        verbose_name_plural = _("layers")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class LayerArea(models.Model):
    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="areas")
    code = models.CharField(_("code"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    geometry = models.TextField(_("geometry (GeoJSON, WGS-84)"))
    area_m2 = models.FloatField(_("area (m²)"), default=0)

    class Meta:
        verbose_name = _("layer area")
        verbose_name_plural = _("layer areas")
        ordering = ["layer", "code"]
        constraints = [
            models.UniqueConstraint(fields=["layer", "code"], name="layer_area_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.layer.name} {self.code} {self.name}"


class LayerOverlap(models.Model):
    """How much a layer area and a base micro-grid overlap ("多网合一")."""

    layer_area = models.ForeignKey(LayerArea, on_delete=models.CASCADE, related_name="overlaps")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="layer_overlaps")
    overlap_m2 = models.FloatField()
    share_of_layer_area = models.FloatField(help_text="overlap / layer area")
    share_of_area = models.FloatField(help_text="overlap / base area")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["layer_area", "area"], name="layer_overlap_unique")
        ]

    def __str__(self) -> str:
        return f"{self.layer_area} ∩ {self.area}: {self.share_of_layer_area:.0%}"
