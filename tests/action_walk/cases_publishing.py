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
    # With a link, made a tracked link under publishing's one audit event.
    text = "Toot, finally! https://acme.example/programme"
    publication = do_save_publication(w.workspace, text, [channel.pk], thread=True, actor=w.owner)
    return lambda: do_publish_publication(publication, actor=w.owner)


def _awaiting(w: World, approval: str = "client"):
    from animateur.channels.site import site_channel
    from animateur.publishing.actions import do_request_approval

    publication = do_save_publication(
        w.workspace, "Bonjour", [site_channel(w.workspace).pk], approval=approval, actor=w.owner
    )
    return do_request_approval(publication, actor=w.owner)


@case("do_request_approval")
def _request(w: World) -> Call:
    from animateur.channels.site import site_channel
    from animateur.publishing.actions import do_request_approval

    publication = do_save_publication(
        w.workspace, "Bonjour", [site_channel(w.workspace).pk], approval="manager", actor=w.owner
    )
    return lambda: do_request_approval(publication, actor=w.owner)


@case("do_approve_publication")
def _approve(w: World) -> Call:
    from animateur.core.actions import SystemActor
    from animateur.publishing.actions import do_approve_publication

    publication = _awaiting(w)
    return lambda: do_approve_publication(publication, actor=SystemActor("client"), client_name="Claire")


@case("do_comment_publication")
def _comment(w: World) -> Call:
    from animateur.publishing.actions import do_comment_publication

    publication = _awaiting(w)
    return lambda: do_comment_publication(publication, "Plus court ?", actor=w.owner)


@case("do_set_publishing_settings")
def _settings(w: World) -> Call:
    from animateur.publishing.actions import do_set_publishing_settings

    return lambda: do_set_publishing_settings(w.workspace, "manager", track_links=False, actor=w.owner)


@case("do_set_queue_slots")
def _queue(w: World) -> Call:
    from datetime import time

    from animateur.publishing.actions import do_set_queue_slots

    channel = mastodon_channel(w.workspace, "https://mastodon.example")
    return lambda: do_set_queue_slots(channel, [(0, time(9, 0)), (3, time(17, 30))], actor=w.owner)
