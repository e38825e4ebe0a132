"""Matching a saved search over the stored history, in batches, with its progress.

Like the pipeline's matching of new messages (hooks.match_items), this writes derived data (which
messages a search matched), not a decision of anyone's: the action that saved the search wrote
the audit event, and this runs after it, in a task. The history is read in batches, each
committed with its progress, so that a long history never holds the database's writers (SQLite
has one) and the page shows how far it got. A search edited meanwhile stops here: its new query
has its own run.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from animateur.listening import scan
from animateur.listening.matcher import compile_query
from animateur.listening.models import SavedSearch, SearchMatch
from animateur.stream.models import Message


def _pk_range(qs: QuerySet[Message]) -> tuple[int, int]:
    first = qs.order_by("pk").values_list("pk", flat=True).first() or 0
    last = qs.order_by("-pk").values_list("pk", flat=True).first() or 0
    return first, last


def match_history(search: SavedSearch) -> int:
    """Match the search over every stored message; returns how many it matched."""
    workspace = search.workspace
    query = search.query
    compiled = compile_query(query)
    everything = scan.listened(workspace)
    total = everything.count()
    first_pk, last_pk = _pk_range(everything)
    SavedSearch.objects.filter(pk=search.pk, query=query).update(history_total=total, history_read=0, match_count=0)
    found = 0
    for batch in scan.rows(workspace, scan.narrowed(everything, compiled)):
        hits = [row for row in batch if compiled.matches(row.doc)]
        with transaction.atomic():
            if not SavedSearch.objects.filter(pk=search.pk, query=query).exists():
                return found
            SearchMatch.objects.bulk_create(
                [SearchMatch(search_id=search.pk, message_id=r.message_id, created_at=r.created_at) for r in hits],
                ignore_conflicts=True,
            )
            found += len(hits)
            # How far through the history, by primary key: what the SQL step left out counts as read.
            share = (batch[-1].message_id - first_pk + 1) / max(1, last_pk - first_pk + 1)
            SavedSearch.objects.filter(pk=search.pk).update(
                history_read=min(total, int(total * share)), match_count=F("match_count") + len(hits)
            )
    SavedSearch.objects.filter(pk=search.pk, query=query).update(
        history_read=total,
        history_done_at=timezone.now(),
        match_count=SearchMatch.objects.filter(search_id=search.pk).count(),
    )
    return found
