"""The audit log moved to `accounts` (accounts 0002 takes it over): only Django's picture of
the models changes here; the tables `people_auditentry` (with its append-only trigger, 0004)
and `people_audithead` and their rows stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("people", "0004_audit_keyed_chain_append_only")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="AuditEntry"),
                migrations.DeleteModel(name="AuditHead"),
            ],
            database_operations=[],
        ),
    ]
