"""How to call the tracked links' actions."""

from __future__ import annotations

from animateur.links.actions import do_create_tracked_link, do_delete_tracked_link, do_track_links_in_text
from tests.action_walk.registry import Call, World, case


@case("do_create_tracked_link")
def _create(w: World) -> Call:
    return lambda: do_create_tracked_link(w.workspace, "https://example.org/a", campaign="noel", actor=w.owner)


@case("do_delete_tracked_link")
def _delete(w: World) -> Call:
    link = do_create_tracked_link(w.workspace, "https://example.org/a", actor=w.owner)
    return lambda: do_delete_tracked_link(link, actor=w.owner)


@case("do_track_links_in_text")
def _track(w: World) -> Call:
    text = "Lisez https://example.org/a et https://example.org/b."
    return lambda: do_track_links_in_text(w.workspace, text, channel=None, campaign="noel", actor=w.owner)
