from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_database_objects(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    from animateur.inbox import db

    connection = connections[using]
    if "inbox_conversation" in connection.introspection.table_names():
        db.ensure(connection)


class InboxConfig(AppConfig):
    name = "animateur.inbox"
    label = "inbox"

    def ready(self) -> None:
        # Its pipeline hook (conversations) is declared in stream/pipeline.py's HOOKS.
        post_migrate.connect(_ensure_database_objects, sender=self, dispatch_uid="inbox-db-objects")
