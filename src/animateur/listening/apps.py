from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_database_objects(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    from animateur.listening import db, wordindex

    connection = connections[using]
    tables = connection.introspection.table_names()
    if "stream_message" in tables:
        db.ensure(connection)
    if wordindex.TABLE in tables:  # SQLite drops a table's triggers when a migration rebuilds it
        wordindex.create(connection)


class ListeningConfig(AppConfig):
    # Its pipeline hook (matching new messages against saved searches) is declared in stream/pipeline.py's HOOKS.
    name = "animateur.listening"
    label = "listening"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The index of the stream's texts that backtests read (db.py), after every migrate.
        post_migrate.connect(_ensure_database_objects, sender=self, dispatch_uid="listening-db-objects")
        # The stream page's « heard elsewhere » filter: the listening sources' kinds (a layer above the stream).
        from animateur.channels.apps import LISTENING_KINDS
        from animateur.stream.selectors import register_heard_elsewhere

        register_heard_elsewhere(LISTENING_KINDS)
