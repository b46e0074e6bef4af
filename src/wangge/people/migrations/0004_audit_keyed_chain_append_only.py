"""Key the audit chain (HMAC under the key outside the database): re-hash what is there, then
make the table append-only in the database itself (PostgreSQL: a trigger refusing UPDATE and
DELETE; TRUNCATE stays for test flushes and is caught by the checkpoint instead)."""

from django.db import migrations

GENESIS = "0" * 64

TRIGGER = """
CREATE OR REPLACE FUNCTION wangge_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'the audit log is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER people_auditentry_append_only BEFORE UPDATE OR DELETE ON people_auditentry
    FOR EACH ROW EXECUTE FUNCTION wangge_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS people_auditentry_append_only ON people_auditentry;
DROP FUNCTION IF EXISTS wangge_audit_append_only();
"""


def rehash(apps, schema_editor):
    from wangge.accounts.audit import chain_key, content_hash

    AuditEntry = apps.get_model("people", "AuditEntry")
    AuditHead = apps.get_model("people", "AuditHead")
    if not AuditEntry.objects.exists():
        return
    key, prev, batch = chain_key(), GENESIS, []
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        entry.prev_hash = prev
        entry.hash = prev = content_hash(entry, key)
        batch.append(entry)
    for entry in batch:
        AuditEntry.objects.filter(pk=entry.pk).update(prev_hash=entry.prev_hash, hash=entry.hash)
    AuditHead.objects.filter(pk=1).update(hash=prev)


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("people", "0003_audit_login_lock_actions")]

    operations = [
        migrations.RunPython(rehash, migrations.RunPython.noop),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
