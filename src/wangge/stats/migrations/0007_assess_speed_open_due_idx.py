"""A partial index on the open cases' handling deadlines: the part of a period's 应结案
due earlier and still open is read from it, not from a scan of every fact."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0006_assess_calc_fact_handle_deadline"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="eventfact",
            index=models.Index(
                condition=models.Q(("closed_at__isnull", True)),
                fields=["handle_deadline"],
                name="stats_fact_open_due_idx",
            ),
        ),
    ]
