"""SQLite under threads as production has it: the test's in-memory database copied into a file.

The test database on SQLite is in memory with a shared cache, where a writer that meets another
fails at once ("database table is locked") instead of waiting as it does on the file database
the platform runs on. Inside `file_database`, every connection (each thread's) opens a copy of
it in a file; afterwards the in-memory one, kept open meanwhile, is back. On PostgreSQL it
does nothing.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection, connections


@contextmanager
def file_database(folder: Path) -> Iterator[None]:
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    memory = connection.settings_dict["NAME"]
    assert connection.is_in_memory_db(), memory
    keeper = sqlite3.connect(memory, uri=True)  # the in-memory database lives while it is open
    path = folder / "threads.sqlite3"
    copy = sqlite3.connect(path)
    connection.connection.backup(copy)
    copy.close()
    connection.settings_dict["NAME"] = str(path)  # the dict every new connection is made from
    connection.close()  # (really closes now: the name is a file's)
    try:
        yield
    finally:
        connections.close_all()
        connection.settings_dict["NAME"] = memory
        connection.ensure_connection()  # holds the in-memory database again, before …
        keeper.close()  # … the keeper lets go of it
