"""The pipeline's multi-row INSERT: the values the stages set, passed to the driver as Django would.

Django's ``bulk_create`` spends about 150 µs a row preparing the 25 values of a Message (pre_save,
expression checks, ``get_db_prep_save`` field by field, one placeholder tuple per value) where the
database itself takes about 40. The stages set plain values (str, int, bool, aware datetimes, dicts
and lists): for those this module does what the backend's ``adapt_*_value`` does, and leaves
anything else to the field's own ``get_db_prep_save``.

Primary keys are reserved before the insert, so a thread root can point at itself and a reply at a
parent of the same statement, with no UPDATE afterwards: the sequence on PostgreSQL; on SQLite the
table's AUTOINCREMENT counter, read inside the batch's transaction, which holds the write lock from
its start (``transaction_mode`` IMMEDIATE in the settings).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper

_INTEGER_TYPES = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
}
_TEXT_TYPES = {"CharField", "TextField", "SlugField"}
_MAX_ROWS = 500  # rows per VALUES statement (SQLite), well under its parameter limit at 25 columns


def insert(objs: Sequence[models.Model]) -> None:
    """Insert unsaved instances of one model, giving each its primary key first (if it has none)."""
    if not objs:
        return
    model = type(objs[0])
    if model._meta.pk is None or not isinstance(model._meta.pk, models.AutoField):
        raise TypeError(f"{model.__name__}: only models with an automatic integer key")
    connection = connections[router.db_for_write(model)]
    if not connection.in_atomic_block:
        raise RuntimeError("stream.bulk.insert runs inside a transaction (its keys are reserved in it)")
    without_key = [obj for obj in objs if obj.pk is None]
    for obj, pk in zip(without_key, reserve_ids(model, len(without_key), connection), strict=True):
        obj.pk = pk
    fields = model._meta.concrete_fields
    prepare = [_preparer(field, connection) for field in fields]
    attnames = [field.attname for field in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608 - model names only
    rows = [[p(obj.__dict__[name]) for p, name in zip(prepare, attnames, strict=True)] for obj in objs]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array a column, as Django's own bulk insert does there: a VALUES list of thousands
            # of placeholders costs psycopg more to parse than the server to insert.
            types = [f.db_type(connection).split("(")[0] for f in fields]  # type: ignore[union-attr]
            unnest = ", ".join(f"(%s)::{db_type}[]" for db_type in types)
            statement = f"{head}SELECT * FROM UNNEST({unnest})"  # noqa: S608 - column types only
            cursor.execute(statement, [list(column) for column in zip(*rows, strict=True)])
        else:
            row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
            per_statement = min(_MAX_ROWS, _max_params(connection) // len(fields))
            for start in range(0, len(rows), per_statement):
                chunk = rows[start : start + per_statement]
                cursor.execute(head + "VALUES " + ", ".join([row_sql] * len(chunk)), [v for row in chunk for v in row])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def reserve_ids(model: type[models.Model], count: int, connection: BaseDatabaseWrapper) -> list[int]:
    """``count`` primary keys no other row has or will get, for rows inserted in this transaction."""
    if count == 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column  # type: ignore[union-attr]
    assert column is not None  # an automatic key is a real column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), column, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        if connection.vendor == "sqlite":
            # AUTOINCREMENT never gives a key twice, even one deleted since: start past its counter.
            quote = connection.ops.quote_name
            counter = "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0)"
            highest = f"COALESCE((SELECT MAX({quote(column)}) FROM {quote(table)}), 0)"  # noqa: S608 - model names
            cursor.execute(f"SELECT MAX({counter}, {highest})", [table])
            last = cursor.fetchone()[0]
            return list(range(last + 1, last + 1 + count))
    raise NotImplementedError(f"no key reservation for {connection.vendor}")


def _max_params(connection: BaseDatabaseWrapper) -> int:
    if connection.vendor == "sqlite":
        import sqlite3

        getlimit = getattr(connection.connection, "getlimit", None)  # Python 3.11+
        return getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if getlimit else 999
    return connection.features.max_query_params or 999


def _preparer(field: models.Field, connection: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    """What ``field.get_db_prep_save`` gives, quicker for the plain values the stages set."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        raise TypeError(f"{field}: auto_now fields need pre_save, which stream.bulk does not call")
    ops = connection.ops
    internal = field.get_internal_type()

    def slow(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    if isinstance(field, models.ForeignKey):
        target = field.target_field.get_internal_type()
        internal = target if target in _INTEGER_TYPES else internal
    if internal in _INTEGER_TYPES:
        return lambda v: v if v is None or type(v) is int else slow(v)
    if internal in _TEXT_TYPES:
        return lambda v: v if type(v) is str else slow(v)
    if internal == "BooleanField":
        return lambda v: v if type(v) is bool else slow(v)
    if internal == "JSONField":
        encoder = field.encoder  # type: ignore[attr-defined]

        def prepare_json(v: Any) -> Any:
            if v is None:
                return None
            return ops.adapt_json_value(v, encoder) if type(v) in (dict, list) else slow(v)

        return prepare_json
    if internal == "DateTimeField":
        seen: dict[datetime.datetime, Any] = {}  # one insert's rows share their reception time

        def prepare_datetime(v: Any) -> Any:
            if v is None:
                return None
            if type(v) is not datetime.datetime or v.utcoffset() is None:
                return slow(v)  # naive: Django's warning and conversion
            found = seen.get(v)
            if found is None:
                found = seen[v] = ops.adapt_datetimefield_value(v)
            return found

        return prepare_datetime
    if internal == "GenericIPAddressField":
        return lambda v: None if v is None else slow(v)
    return slow
