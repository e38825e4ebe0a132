"""Objects of listening for tests: a saved search with a match, a spike and its crisis room."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from animateur.core.actions import SystemActor
from animateur.listening.actions import do_create_search, do_open_crisis, do_record_spike

SYSTEM = SystemActor("tests")


def listening_objects(ws, owner) -> dict[str, int]:
    """URL parameter → id of a search, a spike and a crisis room of `ws` (for the URL walks)."""
    search = do_create_search(ws, f"Écoute {ws.slug}", "question", actor=owner)
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    spike = do_record_spike(
        search, start, start + timedelta(hours=1), 9, 1.0, {"terms": [["question", 9, 1.0]]}, actor=SYSTEM
    )
    assert spike is not None
    crisis = do_open_crisis(spike, actor=owner)
    return {"search_id": search.pk, "spike_id": spike.pk, "crisis_id": crisis.pk}


def every_match(workspace, compiled) -> set[int]:
    """The listened messages the query holds for, each read and evaluated: what an index must give."""
    from animateur.listening import scan

    return {
        row.message_id
        for batch in scan.rows(workspace, scan.listened(workspace))
        for row in batch
        if compiled.matches(row.doc)
    }
