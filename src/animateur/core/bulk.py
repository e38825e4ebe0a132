# ruff: noqa: S608 - table and column names come from the models' metadata, quoted; values are parameters
"""Bulk writes of plain rows, for the hot paths where a batch writes thousands of rows at once.

Django's bulk_create builds a model instance per row and prepares each value field by field,
which costs more than the SQL itself when the pipeline stores a batch. Here rows are tuples of
Python values in the order of the given columns (attnames, e.g. "workspace_id"); date times, dates
and JSON are adapted the way their fields would, other values go to the driver as they are. No
signals, no defaults: give every column the table requires. Database triggers run as usual.

SQLite takes multi-row VALUES. PostgreSQL takes one typed array per column, unnested into rows:
with a placeholder per value, psycopg parses thousands of placeholders in Python and the server a
statement as long, which cost several times what the insert itself does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

MAX_ROWS = 1000  # per SQLite statement, so that one statement stays a reasonable size


def _fields(model: type[models.Model], columns: Sequence[str]) -> list[models.Field]:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    return [by_attname[name] for name in columns]


def _quoted(field: models.Field) -> str:
    assert field.column is not None  # concrete fields have a column
    return connection.ops.quote_name(field.column)


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    ops = connection.ops
    kind = field.get_internal_type()
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
        encoder = field.encoder  # type: ignore[attr-defined]
        return lambda value: ops.adapt_json_value(value, encoder)
    return None


def _adapted(fields: list[models.Field], rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    adapters = [(n, adapt) for n, field in enumerate(fields) if (adapt := _adapter(field)) is not None]
    if not adapters:
        return [tuple(row) for row in rows]
    out = []
    for row in rows:
        values = list(row)
        for n, adapt in adapters:
            if values[n] is not None:
                values[n] = adapt(values[n])
        out.append(tuple(values))
    return out


def _unnest(fields: list[models.Field], values: list[tuple[Any, ...]]) -> tuple[str, list[list[Any]]]:
    """PostgreSQL: `unnest(%s::type[], ...)` and its arrays, one per column."""
    # Text stays text until the column takes it: a cast to varchar(n) would cut a long value, where
    # storing it refuses it as a plain INSERT would.
    kinds = [field.db_type(connection) or "text" for field in fields]
    arrays = ", ".join(f"%s::{'text' if kind.startswith('varchar') else kind}[]" for kind in kinds)
    return f"unnest({arrays})", [list(column) for column in zip(*values, strict=True)]


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
    quote = connection.ops.quote_name
    fields = _fields(model, columns)
    values = _adapted(fields, rows)
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(_quoted(f) for f in fields)})"
    pk = model._meta.pk
    assert pk is not None
    tail = f" RETURNING {_quoted(pk)}" if returning else ""
    if connection.vendor == "postgresql":
        source, arrays = _unnest(fields, values)
        statements = [(f"{head} SELECT * FROM {source}{tail}", arrays)]
    else:
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


def update(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Set the columns of each row by id: each row is its values in the columns' order, then its id."""
    if not rows:
        return
    quote = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    fields = [*_fields(model, columns), pk]
    values = _adapted(fields, rows)
    table = quote(model._meta.db_table)
    names = [_quoted(field) for field in fields[:-1]]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            source, arrays = _unnest(fields, values)
            aliases = [f"c{n}" for n in range(len(fields))]
            assignments = ", ".join(f"{name} = v.{alias}" for name, alias in zip(names, aliases, strict=False))
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {source} AS v({', '.join(aliases)})"
                f" WHERE {table}.{_quoted(pk)} = v.{aliases[-1]}",
                arrays,
            )
        else:
            assignments = ", ".join(f"{name} = %s" for name in names)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {_quoted(pk)} = %s", values)
