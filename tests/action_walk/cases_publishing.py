"""How to call the actions of publishing: save, schedule, publish (to a replayed Mastodon server)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from animateur.publishing.actions import do_publish_publication, do_save_publication, do_schedule_publication
from tests.action_walk.registry import Call, World, case
from tests.channels.factories import mastodon_channel


@case("do_save_publication")
def _save(w: World) -> Call:
    channel = mastodon_channel(w.workspace, "https://mastodon.example")
    return lambda: do_save_publication(w.workspace, "Bonjour", [channel.pk], actor=w.owner)


@case("do_schedule_publication")
def _schedule(w: World) -> Call:
    channel = mastodon_channel(w.workspace, "https://mastodon.example")
    publication = do_save_publication(w.workspace, "Bonjour", [channel.pk], actor=w.owner)
    return lambda: do_schedule_publication(publication, timezone.now() + timedelta(hours=1), actor=w.owner)


@case("do_publish_publication")
def _publish(w: World) -> Call:
    replay = w.request.getfixturevalue("replay")
    replay.recorded("mastodon", "post_status")
    channel = mastodon_channel(w.workspace, replay.base)
    publication = do_save_publication(w.workspace, "Toot, finally!", [channel.pk], actor=w.owner)
    return lambda: do_publish_publication(publication, actor=w.owner)
