"""Open311 GeoReport v2: the extra attributes of each service (category) and what an Open311
client sent with a request beyond the event itself."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.events.models import Category, Event


class Datatype(models.TextChoices):
    STRING = "string", _("string")
    NUMBER = "number", _("number")
    DATETIME = "datetime", _("date and time")
    TEXT = "text", _("text")
    SINGLEVALUELIST = "singlevaluelist", _("one value of a list")
    MULTIVALUELIST = "multivaluelist", _("several values of a list")


LIST_TYPES = (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST)


class ServiceAttribute(models.Model):
    """One extra field of a service definition (`attribute[code]` in a request)."""

    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        related_name="open311_attributes",
        verbose_name=_("category"),
    )
    code = models.SlugField(_("code"), max_length=50)
    datatype = models.CharField(_("data type"), max_length=16, choices=Datatype.choices)
    # False: an information-only line shown to the client, which asks nothing.
    variable = models.BooleanField(_("asks for a value"), default=True)
    required = models.BooleanField(_("required"), default=False)
    description = models.CharField(_("question"), max_length=300)
    datatype_description = models.CharField(_("hint"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("order"), default=1)
    # For the list types: [{"key": "...", "name": "..."}, …]
    values = models.JSONField(
        _("values"),
        default=list,
        blank=True,
        help_text=_('For list types: [{"key": "k1", "name": "Shown name"}, …]'),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("service attribute")
        verbose_name_plural = _("service attributes")
        ordering = ["category_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="open311_attribute_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category.code} {self.code}"

    def value_keys(self) -> list[str]:
        return [str(v["key"]) for v in self.values]

    def clean(self) -> None:
        values: Any = self.values
        well_formed = isinstance(values, list) and all(
            isinstance(v, dict) and set(v) == {"key", "name"} and str(v["key"]) for v in values
        )
        if not well_formed:
            raise ValidationError(
                {"values": _('Give a list of {"key": …, "name": …} objects, each with a key.')}
            )
        if self.datatype in LIST_TYPES and not values:
            raise ValidationError({"values": _("A list type needs at least one value.")})
        if self.datatype not in LIST_TYPES and values:
            raise ValidationError({"values": _("Only list types have values.")})
        if len(set(self.value_keys())) != len(values):
            raise ValidationError({"values": _("Each value needs its own key.")})


class ServiceRequest(models.Model):
    """What an Open311 client sent with a request besides the event: the attribute values,
    media_url (kept, never fetched), the token, and the submitter's identifiers (private)."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="open311")
    channel = models.CharField(_("channel"), max_length=20)
    token = models.CharField(max_length=32, unique=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    media_url = models.URLField(_("media URL"), max_length=1000, blank=True)
    address_id = models.CharField(_("address id"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    account_id = models.CharField(_("account id"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 request")
        verbose_name_plural = _("Open311 requests")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.event.code
