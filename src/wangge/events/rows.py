"""Plain SQL for the few statements every transition runs.

Django compiles each ORM query afresh, and in a transition that compiling cost several times
PostgreSQL's own work (see benchmarks/workflow.py). The statements here are built once per
process from the models' metadata; values pass through the fields' own conversions (the
same `get_db_prep_save` and database converters the ORM applies), so what they read and
write is exactly what the ORM would. Everything else stays on the ORM.
"""

import contextlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field, Model

Converter = Callable[[Any, Any, Any], Any]


def _db() -> Any:
    """This thread's connection itself: `connection` is a proxy that looks it up again on
    every attribute, which the per-value conversions below would pay hundreds of times."""
    return connections[DEFAULT_DB_ALIAS]


@dataclass(frozen=True)
class Reader:
    """Turns a slice of a result row into a model instance (of the fields it names)."""

    model: type[Model]
    attnames: tuple[str, ...]
    columns: tuple[str, ...]  # qualified by the alias, quoted
    converters: tuple[tuple[int, tuple[tuple[Converter, Any], ...]], ...]

    def read(self, row: Sequence[Any], start: int = 0) -> Any:
        values = self.values(row, start)
        return self.model.from_db(DEFAULT_DB_ALIAS, list(values), list(values.values()))

    def values(self, row: Sequence[Any], start: int = 0) -> dict[str, Any]:
        """The converted values by attribute name, without making an instance."""
        values = list(row[start : start + len(self.attnames)])
        db = _db() if self.converters else None
        for i, chain in self.converters:
            for convert, expression in chain:
                values[i] = convert(values[i], expression, db)
        return dict(zip(self.attnames, values, strict=True))


@cache
def reader(model: type[Model], alias: str, names: tuple[str, ...] | None = None) -> Reader:
    """A reader of `model`'s concrete fields (or only `names`) selected as `alias`.*."""
    fields = [f for f in model._meta.concrete_fields if names is None or f.name in names]
    quote = connection.ops.quote_name
    converters = []
    for i, field in enumerate(fields):
        col = field.get_col(alias)
        chain = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if chain:
            converters.append((i, tuple((c, col) for c in chain)))
    return Reader(
        model,
        tuple(f.attname for f in fields),
        tuple(f"{quote(alias)}.{quote(str(f.column))}" for f in fields),
        tuple(converters),
    )


def for_update(of: str) -> str:
    """The row-lock clause, where the database has one (SQLite locks the whole file)."""
    if not connection.features.has_select_for_update:
        return ""
    return f" FOR UPDATE OF {connection.ops.quote_name(of)}"


def json_rows(select: str, columns: Sequence[str]) -> str:
    """A scalar subquery giving the `columns` of `select`'s rows as one JSON array of arrays,
    so that a query can read a few related rows along; `from_json_rows` reads it back."""
    values = ", ".join(f"q.{c}" for c in columns)
    if connection.vendor == "postgresql":
        return f"(SELECT coalesce(json_agg(json_build_array({values})), '[]') FROM ({select}) q)"
    return f"(SELECT json_group_array(json_array({values})) FROM ({select}) q)"


def from_json_rows(value: Any) -> list[tuple[Any, ...]]:
    """The rows of a `json_rows` column (psycopg decodes JSON itself; SQLite gives text)."""
    if isinstance(value, str):
        value = json.loads(value)
    return [tuple(row) for row in value]


@contextlib.contextmanager
def _cursor(sql: str, params: Sequence[Any]) -> Iterator[Any]:
    """A cursor that has run `sql`. On PostgreSQL a server-binding cursor on Django's own
    connection (same transaction, same type adapters) that prepares the statement on its
    first use: these few texts run on every transition, and parsing and planning them each
    time cost PostgreSQL more than running them. Django's own cursors bind on the client and
    never prepare. Errors come out as Django's; the query log sees the statement as usual."""
    db = _db()
    if db.vendor != "postgresql":
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            yield cursor
        return
    db.ensure_connection()
    db.validate_no_broken_transaction()
    raw = db.connection
    start = time.monotonic()
    with db.wrap_database_errors, psycopg.Cursor(raw) as cursor:
        cursor.execute(sql, params, prepare=raw.prepare_threshold is not None)
        yield cursor
    if db.queries_logged:
        db.queries_log.append({"sql": sql, "time": f"{time.monotonic() - start:.3f}"})


def fetchone(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    with _cursor(sql, params) as cursor:
        row: tuple[Any, ...] | None = cursor.fetchone()
        return row


def fetchall(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with _cursor(sql, params) as cursor:
        return list(cursor.fetchall())


def _field(model: type[Model], name: str) -> "Field[Any, Any]":
    return model._meta.get_field(name)  # type: ignore[return-value]


Statement = tuple[str, list[Any]]

# Writes held back to go with a transition's last one (see `holding`).
_held: ContextVar[list[Statement] | None] = ContextVar("rows_held", default=None)


@contextlib.contextmanager
def holding() -> Iterator[None]:
    """While the block runs, writes made with `hold=True` wait and go out with the block's
    `update_then_insert` (on PostgreSQL in its one statement). For writes that nothing reads
    back before then; what is still held when the block ends normally is written then."""
    token = _held.set([])
    try:
        yield
        for statement in _held.get() or []:
            _execute(statement)
    finally:
        _held.reset(token)


def _execute(statement: Statement) -> None:
    with _cursor(*statement):
        pass


def _write(statement: Statement, hold: bool) -> None:
    held = _held.get()
    if hold and held is not None:
        held.append(statement)
    else:
        _execute(statement)


def _update_statement(obj: Model, names: Sequence[str]) -> Statement | None:
    model, db = type(obj), _db()
    quote = db.ops.quote_name
    fields = [_field(model, n) for n in names]
    if not fields:
        return None
    for field in fields:
        field.pre_save(obj, add=False)  # auto_now
    sets = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
    pk = model._meta.pk
    assert pk is not None
    return (
        f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {quote(str(pk.column))} = %s",
        [*(f.get_db_prep_save(getattr(obj, f.attname), db) for f in fields), obj.pk],
    )


def update(obj: Model, names: Sequence[str], *, hold: bool = False) -> None:
    """UPDATE the named fields of obj's row (as `save(update_fields=…)` would, without the
    save signals, which nothing here listens to)."""
    if statement := _update_statement(obj, names):
        _write(statement, hold)


def update_then_insert(obj: Model, names: Sequence[str], new: Model) -> None:
    """The held writes, the UPDATE of obj's named fields, then the INSERT of `new` (as
    `insert`) — on PostgreSQL all in one statement, one round trip."""
    statements = [*(_held.get() or []), *filter(None, [_update_statement(obj, names)])]
    if (held := _held.get()) is not None:
        held.clear()
    sql, params = _insert_statement(new)
    if _db().vendor == "postgresql" and statements:
        steps = ", ".join(f"w{i} AS ({step})" for i, (step, _params) in enumerate(statements))
        sql = f"WITH {steps} {sql}"
        params = [*(p for _step, step_params in statements for p in step_params), *params]
    else:
        for statement in statements:
            _execute(statement)
    _run_insert(new, sql, params)


@dataclass(frozen=True)
class _Insert:
    head: str  # INSERT INTO table (columns) VALUES
    returning: str  # RETURNING pk, where the database can
    fields: "tuple[Field[Any, Any], ...]"

    def values(self, obj: Model, sql_for: dict[str, Statement] | None = None) -> Statement:
        """obj's row of VALUES and its parameters. None is written as NULL in the text: a
        new row's many empty columns would otherwise push a statement past psycopg's limit
        for caching its parsing (50 parameters). `sql_for`: columns (by attname) whose value
        is an SQL expression with its parameters."""
        db, parts, params = _db(), [], []
        for field in self.fields:
            if sql_for and field.attname in sql_for:
                expression, expression_params = sql_for[field.attname]
                parts.append(expression)
                params += expression_params
                continue
            value = field.get_db_prep_save(field.pre_save(obj, add=True), db)
            if value is None:
                parts.append("NULL")
            else:
                parts.append("%s")
                params.append(value)
        return f"({', '.join(parts)})", params


@cache
def _insert(model: type[Model]) -> _Insert:
    quote = connection.ops.quote_name
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    pk = model._meta.pk
    assert pk is not None
    returning = ""
    if connection.features.can_return_columns_from_insert:
        returning = f" RETURNING {quote(str(pk.column))}"
    return _Insert(
        head=f"INSERT INTO {quote(model._meta.db_table)}"
        f" ({', '.join(quote(str(f.column)) for f in fields)}) VALUES ",
        returning=returning,
        fields=fields,
    )


def _insert_statement(obj: Model) -> Statement:
    statement = _insert(type(obj))
    row, params = statement.values(obj)
    return statement.head + row + statement.returning, params


def insert(obj: Model) -> None:
    """INSERT a new instance (auto primary key) and set its pk (no signals are sent: the
    workflow names its after-commit hooks itself, see events.hooks)."""
    _run_insert(obj, *_insert_statement(obj))


def _run_insert(obj: Model, sql: str, params: Sequence[Any]) -> None:
    with _cursor(sql, params) as cursor:
        obj.pk = cursor.fetchone()[0] if _insert(type(obj)).returning else cursor.lastrowid
    _inserted(obj)


def _inserted(obj: Model) -> None:
    obj._state.adding = False
    obj._state.db = DEFAULT_DB_ALIAS


def combines_statements() -> bool:
    """Can several writes go as one statement here (PostgreSQL's data-modifying WITH)?"""
    return bool(_db().vendor == "postgresql")


def insert_with(
    parent: Model,
    children: Sequence[Model],
    *,
    prelude: Statement | None = None,
    computed: dict[str, Statement] | None = None,
) -> None:
    """INSERT `parent`, then `children` (of one model, whose one foreign key to the parent's
    model is set to it), each as `insert` would — where `combines_statements()`, in one
    statement. There, and only there: `prelude`, a write whose RETURNING row the statement
    can read as `prelude`, and `computed`, parent columns (by attname) whose value is an SQL
    expression (with its parameters) instead of the instance's; their values are read back."""
    model = type(parent)
    fk = next(
        f for f in _insert(type(children[0])).fields if f.remote_field and f.related_model is model
    )
    computed = computed or {}
    if not combines_statements():
        assert prelude is None and not computed, "one statement needs combines_statements()"
        insert(parent)
        for child in children:
            setattr(child, fk.name, parent)
            insert(child)
        return
    quote = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    head, kid = _insert(model), _insert(type(children[0]))
    parent_row, parent_params = head.values(parent, computed)
    read_back = [quote(str(_field(model, name).column)) for name in computed]
    steps = [f"prelude AS ({prelude[0]})"] if prelude else []
    params = [*(prelude[1] if prelude else []), *parent_params]
    steps.append(
        f"parent AS ({head.head}{parent_row}"
        f" RETURNING {', '.join([quote(str(pk.column)), *read_back])})"
    )
    new_id: Statement = (f"(SELECT {quote(str(pk.column))} FROM parent)", [])
    rows = []
    for child in children:
        row, child_params = kid.values(child, {fk.attname: new_id})
        rows.append(row)
        params += child_params
    sql = (
        f"WITH {', '.join(steps)} {kid.head}{', '.join(rows)}"
        f"{kid.returning}, {quote(str(fk.column))}"
        + "".join(f", (SELECT {column} FROM parent)" for column in read_back)
    )
    with _cursor(sql, params) as cursor:
        found = cursor.fetchall()  # in the order of the VALUES rows
    parent.pk = found[0][1]
    for name, value in zip(computed, found[0][2:], strict=True):
        setattr(parent, name, value)
    _inserted(parent)
    for child, (child_id, *_rest) in zip(children, found, strict=True):
        setattr(child, fk.name, parent)
        child.pk = child_id
        _inserted(child)


def insert_many(objs: Sequence[Model], *, hold: bool = False) -> None:
    """INSERT new instances of one model in one statement (their pks are not read back, and
    no signals are sent: for rows nothing listens to, like inbox notifications)."""
    if not objs:
        return
    statement = _insert(type(objs[0]))
    values = [statement.values(obj) for obj in objs]
    _write(
        (
            statement.head + ", ".join(row for row, _params in values),
            [value for _row, params in values for value in params],
        ),
        hold,
    )
