"""Seal reporters' phones: add the three columns, encrypt existing rows, drop the plaintext."""

from django.conf import settings
from django.db import migrations, models


def seal_existing(apps, schema_editor):
    from wangge.people import pii

    Event = apps.get_model("events", "Event")
    rows = Event.objects.exclude(reporter_phone="").only("pk", "reporter_phone")
    batch = []
    for row in rows.iterator(chunk_size=1000):
        pii.set_sealed(row, "reporter_phone", pii.seal_free_phone(row.reporter_phone))
        batch.append(row)
        if len(batch) >= 1000:
            Event.objects.bulk_update(batch, _FIELDS)
            batch = []
    Event.objects.bulk_update(batch, _FIELDS)


def unseal(apps, schema_editor):
    from wangge.people import pii

    Event = apps.get_model("events", "Event")
    for row in Event.objects.exclude(reporter_phone_enc="").iterator(chunk_size=1000):
        row.reporter_phone = pii.open_sealed(row, "reporter_phone", pii.PHONE_CONTEXT)
        row.save(update_fields=["reporter_phone"])


_FIELDS = ["reporter_phone_enc", "reporter_phone_index", "reporter_phone_masked"]


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0009_notification_links"),
        ("regions", "0002_area_import_batch"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="reporter_phone_enc",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="event",
            name="reporter_phone_index",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="event",
            name="reporter_phone_masked",
            field=models.CharField(
                blank=True, editable=False, max_length=20, verbose_name="reporter's phone"
            ),
        ),
        migrations.RunPython(seal_existing, unseal),
        migrations.RemoveField(model_name="event", name="reporter_phone"),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                condition=models.Q(("reporter_phone_index", ""), _negated=True),
                fields=["reporter_phone_index"],
                name="event_reporter_phone_idx",
            ),
        ),
    ]
