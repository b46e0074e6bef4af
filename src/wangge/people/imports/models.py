"""The record of one people import (a file of buildings, houses, households and residents)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportRun(models.Model):
    """One import of a file: what it did, for the record (the rows are in the audit log)."""

    file_name = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64)
    mode = models.CharField(max_length=10)  # "all" | "valid"
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # The good rows to write, and how many are written: an import is written in batches,
    # each its own transaction (committed once the last one is).
    rows_total = models.PositiveIntegerField(default=0)
    position = models.PositiveIntegerField(default=0)
    committed = models.BooleanField(default=False)
    # A big upload is imported by the worker (people.imports.jobs): its state, the stored
    # upload (removed when done), what it found wrong and the annotated report's token.
    state = models.CharField(max_length=10, default="done")  # queued, running, done, failed
    token = models.CharField(max_length=64, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    problems = models.JSONField(default=list, blank=True)
    report_token = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.file_name} {self.at:%Y-%m-%d %H:%M}"
