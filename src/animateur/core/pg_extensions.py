"""PostgreSQL extensions that an index needs (pg_trgm, unaccent): installed when the role may, else the
feature that wanted them reads without its index."""

from __future__ import annotations

from django.db import DatabaseError, transaction
from django.db.backends.base.base import BaseDatabaseWrapper


def ensure_extension(connection: BaseDatabaseWrapper, name: str) -> bool:
    """Whether the extension is installed, installing it if the server has it and the role may."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = %s", [name])
        if cursor.fetchone() is not None:
            return True
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s", [name])
        if cursor.fetchone() is None:
            return False
        # A role that may not create it: the failure stays inside its own (sub)transaction.
        try:
            with transaction.atomic(using=connection.alias):
                cursor.execute(f"CREATE EXTENSION IF NOT EXISTS {name} SCHEMA public")
        except DatabaseError:
            return False
    return True
