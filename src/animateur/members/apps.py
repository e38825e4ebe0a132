from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_search_index(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    from animateur.members import search

    connection = connections[using]
    tables = connection.introspection.table_names()
    if "stream_member" in tables and "stream_identity" in tables:
        search.ensure(connection)


class MembersConfig(AppConfig):
    # Members follow the stream through recompute (actions.do_recompute_members), not a pipeline hook.
    name = "animateur.members"
    label = "members"

    def ready(self) -> None:
        # The search index of members' names and handles (search.py), after every migrate.
        post_migrate.connect(_ensure_search_index, sender=self, dispatch_uid="members-search-index")
