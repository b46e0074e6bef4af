"""Places: buildings and their houses (rooms, shops, rentals), organisations, hazard points and
facilities. Every one is `Located`: a point and the micro-grid it falls in (see
`wangge.people.residents.models` for the whole picture)."""

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.regions.models import Area


class Located(models.Model):
    """A point and the deepest area (micro-grid) it falls in."""

    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    area = models.ForeignKey(
        Area, verbose_name=_("micro-grid"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Building(Located):
    code = models.CharField(_("building code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class HouseUse(models.TextChoices):
    RESIDENTIAL = "residential", _("residential")  # 住宅
    SHOP = "shop", _("shop")  # 商铺
    RENTAL = "rental", _("rental")  # 出租房
    VACANT = "vacant", _("vacant")  # 空置
    OFFICE = "office", _("office")  # 办公
    MIXED = "mixed", _("mixed use")  # 商住两用
    OTHER = "other", _("other use")


class House(Located):
    """A dwelling or unit (房屋/户室); `code` is unique across the jurisdiction."""

    building = models.ForeignKey(
        Building,
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="houses",
    )
    code = models.CharField(_("house code"), max_length=80, unique=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)  # 单元
    number = models.CharField(_("room number"), max_length=40, blank=True)  # 室号
    use = models.CharField(
        _("use"), max_length=20, choices=HouseUse.choices, default=HouseUse.RESIDENTIAL
    )
    floor_area_m2 = models.FloatField(_("floor area (m²)"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("house")
        verbose_name_plural = _("houses")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.address or self.code


class OrganizationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("enterprise or institution")  # 单位
    SHOP = "shop", _("shop")  # 商户
    SCHOOL = "school", _("school")  # 学校
    SOCIAL = "social", _("social organisation")  # 社会组织
    GOVERNMENT = "government", _("government body")  # 机关
    OTHER = "other", _("other organisation")


class Organization(Located):
    name = models.CharField(_("name"), max_length=200, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices)
    # 统一社会信用代码 or another licence number; unique when given.
    licence_number = models.CharField(_("licence number"), max_length=40, blank=True)
    building = models.ForeignKey(
        Building, null=True, blank=True, on_delete=models.SET_NULL, related_name="organizations"
    )
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)
    contact_phone_enc = models.TextField(blank=True, editable=False)
    contact_phone_index = models.CharField(max_length=64, blank=True, editable=False)
    contact_phone_masked = models.CharField(
        _("contact phone"), max_length=20, blank=True, editable=False
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["licence_number"],
                condition=~Q(licence_number=""),
                name="organization_licence_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name


class HazardPoint(Located):
    class Kind(models.TextChoices):
        FOREST = "forest", _("forest")  # 林
        FARMLAND = "farmland", _("farmland")  # 田
        ROAD = "road", _("road")  # 路
        WELL = "well", _("well")  # 井
        MINE = "mine", _("mine")  # 矿产
        WATERWAY = "waterway", _("river or gully")  # 河流沟壑
        FIRE = "fire", _("fire safety")  # 消防
        DANGEROUS_BUILDING = "dangerous_building", _("dangerous building")  # 危房
        GEOLOGICAL = "geological", _("geological hazard")  # 地质灾害
        OTHER = "other", _("other hazard")

    class Level(models.TextChoices):
        LOW = "low", _("low risk")
        MEDIUM = "medium", _("medium risk")
        HIGH = "high", _("high risk")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    level = models.CharField(_("risk level"), max_length=10, choices=Level.choices, default="low")
    description = models.TextField(_("description"), blank=True)
    responsible = models.CharField(_("responsible person"), max_length=100, blank=True)
    check_cycle_days = models.PositiveIntegerField(_("check cycle (days)"), default=30)
    last_checked_on = models.DateField(_("last checked on"), null=True, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("hazard point")
        verbose_name_plural = _("hazard points")
        ordering = ["area", "name"]

    def __str__(self) -> str:
        return self.name


class Facility(Located):
    """A city component (城市部件): manhole cover, street lamp, hydrant … inspected on a cycle."""

    class Kind(models.TextChoices):
        MANHOLE = "manhole", _("manhole cover")  # 井盖
        STREET_LAMP = "street_lamp", _("street lamp")  # 路灯
        HYDRANT = "hydrant", _("fire hydrant")  # 消火栓
        CAMERA = "camera", _("surveillance camera")  # 监控
        BIN = "bin", _("waste bin")  # 垃圾桶
        BUS_STOP = "bus_stop", _("bus stop")  # 公交站
        SIGN = "sign", _("road sign")  # 标志牌
        FITNESS = "fitness", _("fitness equipment")  # 健身器材
        CHARGER = "charger", _("e-bike charger")  # 充电桩
        OTHER = "other", _("other facility")

    code = models.CharField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    owner = models.CharField(_("owner unit"), max_length=200, blank=True)
    inspection_cycle_days = models.PositiveIntegerField(_("inspection cycle (days)"), default=30)
    last_inspected_on = models.DateField(_("last inspected on"), null=True, blank=True)
    in_service = models.BooleanField(_("in service"), default=True)

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name or self.code

    @property
    def next_inspection_on(self) -> dt.date | None:
        if self.last_inspected_on is None:
            return None
        return self.last_inspected_on + dt.timedelta(days=self.inspection_cycle_days)
