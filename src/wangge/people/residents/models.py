"""People, places and organisations (人·地·物·组织).

Places: a `Building` (楼栋) holds `House`s (房屋/户室, with a use: 住宅, 商铺, 出租房, 空置 …);
a `Household` (户) lives at a house; a `Resident` (实有人口) belongs to at most one current
household. Every located thing carries `area`, the deepest area (micro-grid) its point falls in,
found with `get_index().locate(lon, lat)` by the services (or inherited: house → building,
household → house, resident → household); scope is `area__path` under the user's posts.

Personal data: a resident's ID number and phone (and the contact phones of organisations and
party members) are never stored in plaintext. Each has three columns:

- `<field>_enc`: AES-GCM ciphertext ``"<key id>:<base64(nonce ‖ ciphertext)>"`` (see `crypto.py`);
  the key id lets `wangge people rotate-key` re-encrypt under a new key;
- `<field>_index`: blind index, HMAC-SHA256 under a key derived from the PII key, for exact
  search (and uniqueness of ID numbers);
- `<field>_masked`: the masked form shown everywhere (``330103********1234``, ``138****5678``).

Plaintext only comes out of `services.reveal(...)`, which needs a reason and a right to reveal
and writes an `AuditEntry`. The name stays in plaintext (searched by substring).

History is kept, never overwritten: a move ends the resident's open `Residence` (start/end) and
starts a new one; a special-group tag (`ResidentTag`, kind from `TagKind`, own fields in `data`)
has a validity period and is ended, not deleted. Sensitive tag kinds (重点人员: 社区矫正,
刑满释放 …) are visible only to users holding a live `TagGrant` for that kind.

Organisations: `Organization` (单位/商户/学校/社会组织), `PartyBranch` built on a grid,
`PartyMember`, and `PartyReportIn` (在职党员到网格报到, counted per calendar year). Things:
`HazardPoint` (风险隐患点) and `Facility` (城市部件) with an inspection cycle.

The audit log (`AuditEntry`, append-only and hash-chained) lives in `wangge.accounts`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.people.places.models import House, Located
from wangge.regions.models import Area


class Household(Located):
    """A household (户) at a house; its members are the residents whose `household` is it, the
    head being the member whose relation is `Relation.HEAD`."""

    class Kind(models.TextChoices):
        FAMILY = "family", _("family household")  # 家庭户
        COLLECTIVE = "collective", _("collective household")  # 集体户

    code = models.CharField(_("household number"), max_length=60, unique=True)
    house = models.ForeignKey(
        House, verbose_name=_("house"), on_delete=models.PROTECT, related_name="households"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.FAMILY)
    note = models.TextField(_("note"), blank=True)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Relation(models.TextChoices):
    HEAD = "head", _("head of household")  # 户主
    SPOUSE = "spouse", _("spouse")  # 配偶
    CHILD = "child", _("child")  # 子女
    PARENT = "parent", _("parent")  # 父母
    GRANDCHILD = "grandchild", _("grandchild")  # 孙子女
    GRANDPARENT = "grandparent", _("grandparent")  # 祖父母
    SIBLING = "sibling", _("sibling")  # 兄弟姐妹
    CHILD_IN_LAW = "child_in_law", _("child-in-law")  # 儿媳/女婿
    TENANT = "tenant", _("tenant")  # 租户
    OTHER = "other", _("other relation")  # 其他


class ResidenceType(models.TextChoices):
    REGISTERED = "registered", _("registered (hukou)")  # 户籍人口
    FLOATING = "floating", _("floating")  # 流动人口
    TEMPORARY = "temporary", _("temporary")  # 暂住人口
    OVERSEAS = "overseas", _("overseas")  # 境外人员


class IdType(models.TextChoices):
    ID_CARD = "id_card", _("resident identity card")  # 居民身份证 (GB 11643)
    PASSPORT = "passport", _("passport")
    HK_MACAO_TAIWAN = "hmt", _("Hong Kong/Macao/Taiwan permit")
    OTHER = "other", _("other document")


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class ResidentStatus(models.TextChoices):
    LIVING = "living", _("living here")
    MOVED_OUT = "moved_out", _("moved out")
    DECEASED = "deceased", _("deceased")


class Resident(models.Model):
    """A person living (or having lived) in the jurisdiction (实有人口)."""

    name = models.CharField(_("name"), max_length=100, db_index=True)
    id_type = models.CharField(
        _("document type"), max_length=20, choices=IdType.choices, default=IdType.ID_CARD
    )
    id_number_enc = models.TextField(_("ID number (encrypted)"), editable=False)
    id_number_index = models.CharField(max_length=64, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=40, editable=False)
    # Derived from a valid ID card number; entered for other documents.
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone_enc = models.TextField(_("phone (encrypted)"), blank=True, editable=False)
    phone_index = models.CharField(max_length=64, blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)  # 民族
    residence_type = models.CharField(
        _("residence type"),
        max_length=20,
        choices=ResidenceType.choices,
        default=ResidenceType.REGISTERED,
    )
    # The current household (None after moving out); the history is in Residence.
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    relation = models.CharField(
        _("relation to head"), max_length=20, choices=Relation.choices, blank=True
    )
    # The micro-grid of the current (or last) household: what scope filters on.
    area = models.ForeignKey(
        Area, verbose_name=_("micro-grid"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ResidentStatus.choices, default=ResidentStatus.LIVING
    )
    moved_in_on = models.DateField(_("moved in on"), null=True, blank=True)
    moved_out_on = models.DateField(_("moved out on"), null=True, blank=True)
    workplace = models.CharField(_("workplace or school"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["id"]
        permissions = [("reveal_resident", "Can reveal residents' ID numbers and phones")]
        constraints = [
            models.UniqueConstraint(fields=["id_number_index"], name="resident_id_number_unique")
        ]
        indexes = [
            models.Index(fields=["phone_index"], name="resident_phone_idx"),
            models.Index(fields=["area", "status", "id"], name="resident_area_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.id_number_masked}"


class Residence(models.Model):
    """One stay of a resident in a household, from `started_on` to `ended_on` (open: current)."""

    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="residences", verbose_name=_("resident")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="residences", verbose_name=_("household")
    )
    area = models.ForeignKey(
        Area, verbose_name=_("micro-grid"), on_delete=models.PROTECT, related_name="+"
    )
    relation = models.CharField(
        _("relation to head"), max_length=20, choices=Relation.choices, blank=True
    )
    residence_type = models.CharField(
        _("residence type"), max_length=20, choices=ResidenceType.choices
    )
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        verbose_name = _("residence")
        verbose_name_plural = _("residences")
        ordering = ["resident", "started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident"], condition=Q(ended_on__isnull=True), name="residence_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} @ {self.household_id} {self.started_on}–{self.ended_on or ''}"


class TagKind(models.Model):
    """A special group (独居老人, 残疾人 …). `fields` describes the tag's own fields:
    ``[{"name": "grade", "label": "等级", "type": "choice"|"text"|"int"|"date",
    "choices": [...], "required": bool}]``. Sensitive kinds need a `TagGrant` to be seen."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    sensitive = models.BooleanField(_("sensitive"), default=False)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("tag kind")
        verbose_name_plural = _("tag kinds")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class ResidentTag(models.Model):
    """A resident belongs to a special group from `valid_from` to `valid_to` (open: still)."""

    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="tags", verbose_name=_("resident")
    )
    kind = models.ForeignKey(
        TagKind, on_delete=models.PROTECT, related_name="tags", verbose_name=_("tag kind")
    )
    data = models.JSONField(_("details"), default=dict, blank=True)
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("special-group tag")
        verbose_name_plural = _("special-group tags")
        ordering = ["resident", "kind__order", "valid_from"]
        indexes = [models.Index(fields=["kind", "valid_to"], name="resident_tag_kind_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.valid_from}–{self.valid_to or ''}"


class TagGrant(models.Model):
    """The right to see (and set) tags of one sensitive kind, within the user's scope."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tag_grants"
    )
    kind = models.ForeignKey(
        TagKind, on_delete=models.CASCADE, related_name="grants", verbose_name=_("tag kind")
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sensitive tag grant")
        verbose_name_plural = _("sensitive tag grants")
        ordering = ["user", "kind"]

    def __str__(self) -> str:
        return f"{self.user} → {self.kind}"
