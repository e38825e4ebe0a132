"""Background work of listening: matching a search over the history, checking for spikes."""

from __future__ import annotations

from django.core.cache import cache
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from animateur.listening.models import SavedSearch

CHECK_EVERY_SECONDS = 60


@db_task()
def match_history_task(search_id: int) -> None:
    from animateur.listening import watch
    from animateur.listening.history import match_history

    search = SavedSearch.objects.select_related("workspace").filter(pk=search_id).first()
    if search is None:
        return
    match_history(search)
    search.refresh_from_db()
    # Spikes of the past are recorded to be read, not announced.
    watch.check_search(search, announce=False)


@db_task()
def check_spikes_task(workspace_id: int) -> None:
    from animateur.listening import watch

    watch.check_workspace(workspace_id)


def request_spike_check(workspace_id: int) -> None:
    """At most one check a minute per workspace, however many batches arrive."""
    if cache.add(f"listening:spike-check:{workspace_id}", 1, CHECK_EVERY_SECONDS):
        check_spikes_task(workspace_id)


@db_periodic_task(crontab(minute="*/10"))
def check_all_spikes() -> None:
    from animateur.listening import watch

    for workspace_id in SavedSearch.objects.values_list("workspace_id", flat=True).distinct():
        watch.check_workspace(workspace_id)


INDEX_EVERY_RUN = 50_000


@db_periodic_task(crontab(minute="*"))
def index_unread_messages() -> None:
    """Messages the pipeline did not index (written by another path, or stored before the index):
    a bounded share a minute, so that a backfill never holds SQLite's writer for long."""
    from animateur.listening import wordindex

    wordindex.index_dirty(limit=INDEX_EVERY_RUN)
