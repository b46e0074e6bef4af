"""Trained suggestion models, newest last.

The fitted pipelines are kept in the database rather than in the data folder: the web
processes and the worker (possibly on other hosts, sharing only the database and the queue)
all read the same model, a model and its figures are written in one transaction, and backups
of the database carry them. They are pickles, so each carries an HMAC of its bytes keyed by
the SECRET_KEY and is unpickled only when that matches: a row the training service did not
write is never loaded.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SuggestionModel(models.Model):
    version = models.PositiveIntegerField(_("version"), unique=True)
    trained_at = models.DateTimeField(_("trained at"), default=timezone.now)
    seconds = models.FloatField(_("training seconds"), default=0)
    sklearn_version = models.CharField(max_length=20)
    # text → category
    category_samples = models.PositiveIntegerField(_("events learned from (category)"))
    category_classes = models.PositiveIntegerField(default=0)
    category_accuracy = models.FloatField(_("category accuracy (cross-validated)"), null=True)
    category_top3 = models.FloatField(null=True)
    category_blob = models.BinaryField()
    category_signature = models.CharField(max_length=64)
    # category + area + text → lead department (absent while fewer than two departments led)
    department_samples = models.PositiveIntegerField(_("events learned from (department)"))
    department_classes = models.PositiveIntegerField(default=0)
    department_accuracy = models.FloatField(_("department accuracy (cross-validated)"), null=True)
    department_top3 = models.FloatField(null=True)
    department_blob = models.BinaryField(null=True)
    department_signature = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("suggestion model")
        verbose_name_plural = _("suggestion models")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version} {self.trained_at:%Y-%m-%d %H:%M}"
