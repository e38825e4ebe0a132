# ruff: noqa: S608 - table and column names come from the models' metadata, quoted; values are parameters
"""Bulk writes of plain rows, for the hot paths where a batch writes thousands of rows at once.

Django's bulk_create builds a model instance per row and prepares each value field by field,
which costs more than the SQL itself when the pipeline stores a batch. Here rows are tuples of
Python values in the order of the given columns (attnames, e.g. "workspace_id"): integers,
strings, booleans, None, aware date times, dates, and what JSON fields hold. No signals, no
defaults: give every column the table requires. Database triggers run as usual.

`insert_objects` writes unsaved model instances the same way, their primary keys reserved first,
so that a row can point at itself or at another row of the same statement (a thread root at
itself, a reply at its parent) with no UPDATE afterwards: the sequence on PostgreSQL; on SQLite
the table's AUTOINCREMENT counter, read inside the batch's transaction, which holds the write
lock from its start (``transaction_mode`` IMMEDIATE in the settings).

SQLite takes multi-row VALUES, the values adapted as Django's backend would. PostgreSQL takes the
rows as one JSON document, read back column by column with a cast to each column's type: with a
placeholder per value, psycopg quotes and parses thousands of them in Python and the server a
statement as long, which cost several times the insert itself.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models
from django.db.backends.base.base import BaseDatabaseWrapper

MAX_ROWS = 1000  # per SQLite statement, so that one statement stays a reasonable size
SQLITE_CHUNK = 100  # rows per statement run many times (see _sqlite_insert_many)
_SEQUENCES: dict[tuple[str, str], str] = {}  # (database alias, table) → its key's sequence, on PostgreSQL


def _fields(model: type[models.Model], columns: Sequence[str]) -> list[models.Field]:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    return [by_attname[name] for name in columns]


def _quoted(field: models.Field) -> str:
    assert field.column is not None  # concrete fields have a column
    return connection.ops.quote_name(field.column)


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    """How a value of this field goes to the database (None: as it is)."""
    kind = field.get_internal_type()
    if connection.vendor == "postgresql":
        # Into the JSON document: dates and times as ISO 8601, which the casts read back exactly.
        return (lambda value: value.isoformat()) if kind in ("DateTimeField", "DateField") else None
    ops = connection.ops
    if kind == "DateTimeField":
        seen: dict[Any, Any] = {}  # a batch repeats the same few moments: adapt each once

        def adapt(value: Any) -> Any:
            if value not in seen:
                seen[value] = ops.adapt_datetimefield_value(value)
            return seen[value]

        return adapt
    if kind == "DateField":
        return ops.adapt_datefield_value
    if kind == "JSONField":
        # json.dumps(value, cls=encoder), as Django adapts it, with one encoder for the whole batch
        # (json.dumps builds one per call when given a class); most values are an empty {} or [].
        encode = (field.encoder or json.JSONEncoder)().encode  # type: ignore[attr-defined]
        empty: dict[type, str] = {dict: "{}", list: "[]"}

        def adapt_json(value: Any) -> Any:
            if not value and type(value) in empty:
                return empty[type(value)]
            return encode(value)

        return adapt_json
    return None


def _adapted(fields: list[models.Field], rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    adapters = [(n, adapt) for n, field in enumerate(fields) if (adapt := _adapter(field)) is not None]
    out = []
    for row in rows:
        values = list(row)
        for n, adapt in adapters:
            if values[n] is not None:
                values[n] = adapt(values[n])
        out.append(values)
    return out


def _flat_adapted(fields: list[models.Field], rows: Sequence[Sequence[Any]]) -> list[Any]:
    """The rows' values one after the other, adapted column by column (SQLite's parameters)."""
    width = len(fields)
    flat = [value for row in rows for value in row]
    if len(flat) != width * len(rows):
        raise ValueError(f"every row needs {width} values")
    for n, field in enumerate(fields):
        adapt = _adapter(field)
        if adapt is not None:
            flat[n::width] = [None if value is None else adapt(value) for value in flat[n::width]]
    return flat


def _json_rows(fields: list[models.Field], rows: Sequence[Sequence[Any]]) -> tuple[str, list[str]]:
    """PostgreSQL: the rows as one JSON document (the parameter), and the SELECT list reading it."""
    encoders = {field.encoder for field in fields if field.get_internal_type() == "JSONField"}  # type: ignore[attr-defined]
    if len(encoders) > 1:
        raise TypeError("JSON columns with different encoders: write them in two statements")
    selected = []
    for n, field in enumerate(fields):
        kind = field.db_type(connection) or "text"
        if kind == "jsonb":
            selected.append(f"NULLIF(r -> {n}, 'null'::jsonb)")  # None is SQL NULL, as Django stores it
        else:
            # Text stays text until the column takes it: a cast to varchar(n) would cut a long
            # value, where storing it refuses it as a plain INSERT would.
            selected.append(f"(r ->> {n})::{'text' if kind.startswith('varchar') else kind}")
    document = json.dumps(_adapted(fields, rows), cls=encoders.pop() if encoders else None)
    return document, selected


def _sqlite_rows_per_statement(width: int) -> int:
    import sqlite3

    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(MAX_ROWS, limit // width))


def insert(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]], *, returning: bool = False
) -> list[int]:
    """Insert the rows; with `returning`, their new ids in the rows' order."""
    if not rows:
        return []
    fields = _fields(model, columns)
    pk = model._meta.pk
    assert pk is not None
    head = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(map(_quoted, fields))})"
    tail = f" RETURNING {_quoted(pk)}" if returning else ""
    if connection.vendor == "postgresql":
        document, selected = _json_rows(fields, rows)
        # WITH ORDINALITY and ORDER BY: the rows go in, and their ids come back, in the given order.
        statements = [
            (
                f"{head} SELECT {', '.join(selected)} FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS j(r, n)"
                f" ORDER BY n{tail}",
                [document],
            )
        ]
    elif not returning:
        _sqlite_insert_many(head, len(fields), _flat_adapted(fields, rows))
        return []
    else:
        values = _adapted(fields, rows)
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        step = _sqlite_rows_per_statement(len(fields))
        chunks = [values[start : start + step] for start in range(0, len(values), step)]
        statements = [
            (f"{head} VALUES {', '.join([one] * len(chunk))}{tail}", [v for row in chunk for v in row])
            for chunk in chunks
        ]
    ids: list[int] = []
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            if returning:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids


def _sqlite_insert_many(head: str, width: int, flat: list[Any]) -> None:
    """SQLite: one statement of SQLITE_CHUNK rows, run for each full chunk (executemany), then the rest.

    Django rewrites each statement's placeholders with a regular expression before SQLite sees it:
    over one statement of a thousand rows that took as long as SQLite's insert itself. A statement
    of a hundred rows is rewritten once for all its runs, and SQLite prepares it once. `flat` holds
    the rows' adapted values one after the other, `width` to a row.
    """
    one = "(" + ", ".join(["%s"] * width) + ")"
    count = len(flat) // width
    step = min(SQLITE_CHUNK, _sqlite_rows_per_statement(width))
    full = count - count % step
    size = step * width
    with connection.cursor() as cursor:
        if full:
            cursor.executemany(
                f"{head} VALUES {', '.join([one] * step)}",
                [flat[start : start + size] for start in range(0, full * width, size)],
            )
        if full < count:
            cursor.execute(f"{head} VALUES {', '.join([one] * (count - full))}", flat[full * width :])


def update(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Set the columns of each row by id: each row is its values in the columns' order, then its id."""
    if not rows:
        return
    pk = model._meta.pk
    assert pk is not None
    fields = [*_fields(model, columns), pk]
    table = connection.ops.quote_name(model._meta.db_table)
    names = [_quoted(field) for field in fields[:-1]]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            document, selected = _json_rows(fields, rows)
            assignments = ", ".join(f"{name} = {value}" for name, value in zip(names, selected, strict=False))
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM jsonb_array_elements(%s::jsonb) AS j(r)"
                f" WHERE {table}.{_quoted(pk)} = {selected[-1]}",
                [document],
            )
        else:
            assignments = ", ".join(f"{name} = %s" for name in names)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {_quoted(pk)} = %s", _adapted(fields, rows))


def insert_objects(objs: Sequence[models.Model]) -> None:
    """Insert unsaved instances of one model, giving each its primary key first (if it has none)."""
    if not objs:
        return
    model = type(objs[0])
    if not isinstance(model._meta.pk, models.AutoField):
        raise TypeError(f"{model.__name__}: only models with an automatic integer key")
    if not connection.in_atomic_block:
        raise RuntimeError("bulk.insert_objects runs inside a transaction (its keys are reserved in it)")
    fields = model._meta.concrete_fields
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            raise TypeError(f"{field}: auto_now fields need pre_save, which bulk writes do not call")
    key = model._meta.pk.attname  # an AutoField of the model itself: `pk` is this attribute
    without_key = [obj for obj in objs if obj.__dict__.get(key) is None]
    for obj, pk in zip(without_key, reserve_ids(model, len(without_key), connection), strict=True):
        obj.__dict__[key] = pk
    attnames = [field.attname for field in fields]
    row_of = operator.itemgetter(*attnames)
    insert(model, attnames, [row_of(obj.__dict__) for obj in objs])
    alias = connection.alias  # read once: each read of the connection proxy looks up a context-local
    for obj in objs:
        state = obj._state
        state.adding = False
        state.db = alias


def reserve_ids(model: type[models.Model], count: int, db: BaseDatabaseWrapper = connection) -> list[int]:
    """``count`` primary keys no other row has or will get, for rows inserted in this transaction."""
    if count == 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    assert column is not None  # an automatic key is a real column
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            # The sequence named once, as a constant: looked up on every row, it cost as much as nextval.
            sequence = _SEQUENCES.get((db.alias, table))
            if sequence is None:
                cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [db.ops.quote_name(table), column])
                sequence = _SEQUENCES[(db.alias, table)] = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
            return sorted(row[0] for row in cursor.fetchall())
        if db.vendor == "sqlite":
            # AUTOINCREMENT never gives a key twice, even one deleted since: start past its counter.
            quote = db.ops.quote_name
            counter = "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0)"
            highest = f"COALESCE((SELECT MAX({quote(column)}) FROM {quote(table)}), 0)"
            cursor.execute(f"SELECT MAX({counter}, {highest})", [table])
            last = cursor.fetchone()[0]
            return list(range(last + 1, last + 1 + count))
    raise NotImplementedError(f"no key reservation for {db.vendor}")
