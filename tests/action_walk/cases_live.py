"""How to call the actions of live coverage: start, post an update (to a locally served Mastodon), send a
failed one again, end."""

from __future__ import annotations

from animateur.publishing.live import (
    do_end_live_coverage,
    do_post_live_update,
    do_retry_live_update,
    do_start_live_coverage,
)
from tests.action_walk.registry import Call, World, case
from tests.channels.factories import mastodon_channel
from tests.publishing.factories import live_coverage


@case("do_start_live_coverage")
def _start(w: World) -> Call:
    channel = mastodon_channel(w.workspace, "https://mastodon.example")
    return lambda: do_start_live_coverage(w.workspace, "Rencontres", [channel.pk], hashtag="rsCCI", actor=w.owner)


@case("do_end_live_coverage")
def _end(w: World) -> Call:
    coverage = live_coverage(w.workspace, w.owner)
    return lambda: do_end_live_coverage(coverage, actor=w.owner)


@case("do_post_live_update")
def _post(w: World) -> Call:
    replay = w.request.getfixturevalue("replay")
    replay.recorded("mastodon", "post_status")
    coverage = live_coverage(w.workspace, w.owner, replay.base)
    coverage.updates.all().delete()
    # With a link, made a tracked link under the live update's one audit event.
    return lambda: do_post_live_update(coverage, "On commence https://acme.example/programme", actor=w.owner)


@case("do_retry_live_update")
def _retry(w: World) -> Call:
    replay = w.request.getfixturevalue("replay")
    replay.recorded("mastodon", "post_status")
    coverage = live_coverage(w.workspace, w.owner, replay.base)
    return lambda: do_retry_live_update(coverage.updates.get(), actor=w.owner)
