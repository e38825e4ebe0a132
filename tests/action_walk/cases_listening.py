"""How to call the actions of listening: saved searches, spikes, crisis rooms."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from animateur.listening.actions import (
    do_add_crisis_note,
    do_close_crisis,
    do_create_search,
    do_delete_search,
    do_mark_spike_seen,
    do_open_crisis,
    do_record_spike,
    do_update_search,
)
from animateur.listening.models import SavedSearch, Spike
from tests.action_walk.registry import Call, World, case


def _search(w: World) -> SavedSearch:
    return do_create_search(w.workspace, "Grève", "greve OR manif*", actor=w.owner)


def _spike(w: World) -> Spike:
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    spike = do_record_spike(
        _search(w), now, now + timedelta(hours=1), 12, 1.5, {"terms": [["sncf", 9, 0.5]]}, actor=w.owner
    )
    assert spike is not None
    return spike


@case("do_create_search")
def _create(w: World) -> Call:
    w.message("La grève continue")
    return lambda: do_create_search(w.workspace, "Grève", "greve", actor=w.owner)


@case("do_update_search")
def _update(w: World) -> Call:
    search = _search(w)
    return lambda: do_update_search(search, "Grèves", "greve", role="competitor", actor=w.owner)


@case("do_delete_search")
def _delete(w: World) -> Call:
    search = _search(w)
    return lambda: do_delete_search(search, actor=w.owner)


@case("do_record_spike")
def _record_spike(w: World) -> Call:
    search = _search(w)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    return lambda: do_record_spike(search, now, now + timedelta(hours=1), 12, 1.5, {}, actor=w.owner)


@case("do_mark_spike_seen")
def _seen(w: World) -> Call:
    spike = _spike(w)
    return lambda: do_mark_spike_seen(spike, actor=w.owner)


@case("do_open_crisis")
def _open_crisis(w: World) -> Call:
    spike = _spike(w)
    return lambda: do_open_crisis(spike, actor=w.owner)


@case("do_add_crisis_note")
def _note(w: World) -> Call:
    crisis = do_open_crisis(_spike(w), actor=w.owner)
    return lambda: do_add_crisis_note(crisis, "Réponse publiée sur Mastodon", actor=w.owner)


@case("do_close_crisis")
def _close(w: World) -> Call:
    crisis = do_open_crisis(_spike(w), actor=w.owner)
    return lambda: do_close_crisis(crisis, actor=w.owner)
