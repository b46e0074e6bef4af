"""Where events come from (多网合一): each source system is a Channel with its own credentials."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.Model):
    """A source of events: the grid app, the resident portal, the 12345 hotline, a video
    analytics system, an Open311 client… `Event.channel` holds its code."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    active = models.BooleanField(_("active"), default=True)
    # SHA-256 of the API key (the key itself is shown once, when issued); empty: no key.
    api_key_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # Shared secret for HMAC-signed pushes (webhooks from video analytics, hotline systems).
    secret = models.CharField(_("signing secret"), max_length=128, blank=True)
    skips_acceptance = models.BooleanField(
        _("skips acceptance"),
        default=False,
        help_text=_("Reports from this channel are accepted (立案) on arrival."),
    )
    default_category = models.ForeignKey(
        "events.Category",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("default category"),
    )
    # The source's own category names/codes → our category codes.
    category_map = models.JSONField(_("category mapping"), default=dict, blank=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
