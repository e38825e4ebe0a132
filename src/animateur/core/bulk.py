# ruff: noqa: S608 - table and column names come from the models' metadata, quoted; values are parameters
"""Bulk writes of plain rows, for the hot paths where a batch writes thousands of rows at once.

Django's bulk_create builds a model instance per row and prepares each value field by field,
which costs more than the SQL itself when the pipeline stores a batch. Here rows are tuples of
Python values in the order of the given columns (attnames, e.g. "workspace_id"); date times, dates
and JSON are adapted the way their fields would, other values go to the driver as they are. No
signals, no defaults: give every column the table requires. Database triggers run as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

MAX_ROWS = 1000  # per statement, so that one statement stays a reasonable size


def _adapters(model: type[models.Model], columns: Sequence[str]) -> list[Callable[[Any], Any] | None]:
    ops = connection.ops
    fields = {f.attname: f for f in model._meta.concrete_fields}
    adapters: list[Callable[[Any], Any] | None] = []
    for name in columns:
        kind = fields[name].get_internal_type()
        if kind == "DateTimeField":
            seen: dict[Any, Any] = {}  # a batch repeats the same few moments: adapt each once

            def adapt(value: Any, seen: dict[Any, Any] = seen) -> Any:
                if value not in seen:
                    seen[value] = ops.adapt_datetimefield_value(value)
                return seen[value]

            adapters.append(adapt)
        elif kind == "DateField":
            adapters.append(ops.adapt_datefield_value)
        elif kind == "JSONField":
            encoder = fields[name].encoder  # type: ignore[attr-defined]
            adapters.append(lambda value, encoder=encoder: ops.adapt_json_value(value, encoder))
        else:
            adapters.append(None)
    return adapters


def _adapted(rows: Sequence[Sequence[Any]], adapters: list[Callable[[Any], Any] | None]) -> list[tuple[Any, ...]]:
    pairs = list(enumerate(adapters))
    if not any(adapt for _n, adapt in pairs):
        return [tuple(row) for row in rows]
    out = []
    for row in rows:
        values = list(row)
        for n, adapt in pairs:
            if adapt is not None and values[n] is not None:
                values[n] = adapt(values[n])
        out.append(tuple(values))
    return out


def _rows_per_statement(width: int) -> int:
    if connection.vendor == "sqlite":
        import sqlite3

        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    else:
        limit = 65535  # PostgreSQL's bound on parameters per statement
    return max(1, min(MAX_ROWS, limit // max(1, width)))


def _column_names(model: type[models.Model], columns: Sequence[str]) -> list[str]:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    return [connection.ops.quote_name(fields[name].column) for name in columns]


def insert(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]], *, returning: bool = False
) -> list[int]:
    """Insert the rows; with `returning`, their new ids in the rows' order."""
    if not rows:
        return []
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(_column_names(model, columns))
    values = _adapted(rows, _adapters(model, columns))
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    step = _rows_per_statement(len(columns))
    pk = connection.ops.quote_name(model._meta.pk.column)  # type: ignore[union-attr]
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), step):
            chunk = values[start : start + step]
            sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * len(chunk))}"
            params = [value for row in chunk for value in row]
            if returning:
                cursor.execute(f"{sql} RETURNING {pk}", params)
                ids.extend(row[0] for row in cursor.fetchall())
            else:
                cursor.execute(sql, params)
    return ids


def update(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Set the columns of each row by id: each row is its values in the columns' order, then its id."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)  # type: ignore[union-attr]
    assignments = ", ".join(f"{name} = %s" for name in _column_names(model, columns))
    adapters = [*_adapters(model, columns), None]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {pk} = %s", _adapted(rows, adapters))
