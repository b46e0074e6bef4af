"""Reading the database from outside the platform: tampering with the audit table and
dumping every table, as an attacker or a backup would."""

from django.db import connection


def tamper(sql: str, params: list) -> None:
    """Write around the append-only trigger, as a database superuser could."""
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if pg:
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if pg:
            cursor.execute("SET session_replication_role = DEFAULT")


def dump() -> str:
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            parts.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(parts)
