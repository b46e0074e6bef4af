"""Posts moved to `accounts` (accounts 0002 takes them over): only Django's picture of the
models changes here; the table `regions_post` and its rows stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("regions", "0003_post_role_leader")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Post")],
            database_operations=[],
        ),
    ]
