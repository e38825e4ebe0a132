"""How to call the actions of channels: add, change, pause, resume, poll now, answer at the source."""

from __future__ import annotations

from animateur.channels.actions import (
    do_create_channel,
    do_pause_channel,
    do_poll_channel_now,
    do_reply_to_message,
    do_resume_channel,
    do_update_channel,
)
from animateur.channels.models import Channel
from animateur.stream.models import Message
from tests.action_walk.registry import Call, World, case
from tests.channels.factories import mastodon_channel

FEED = {"url": "https://example.org/feed.xml"}


def _feed(w: World) -> Channel:
    return Channel.objects.create(workspace=w.workspace, kind="rss", name="Blog", config=FEED)


@case("do_create_channel")
def _create(w: World) -> Call:
    return lambda: do_create_channel(w.workspace, "rss", "Blog", FEED, {}, actor=w.owner)


@case("do_update_channel")
def _update(w: World) -> Call:
    channel = _feed(w)
    return lambda: do_update_channel(channel, "Le blog", FEED, {}, poll_interval_seconds=600, actor=w.owner)


@case("do_pause_channel")
def _pause(w: World) -> Call:
    channel = _feed(w)
    return lambda: do_pause_channel(channel, actor=w.owner)


@case("do_resume_channel")
def _resume(w: World) -> Call:
    channel = _feed(w)
    do_pause_channel(channel, actor=w.owner)
    return lambda: do_resume_channel(channel, actor=w.owner)


@case("do_poll_channel_now")
def _poll_now(w: World) -> Call:
    channel = _feed(w)
    return lambda: do_poll_channel_now(channel, actor=w.owner)


@case("do_reply_to_message")
def _reply(w: World) -> Call:
    # A mention that opened a conversation: the answer also stops its response clock, in the same one event.
    replay = w.request.getfixturevalue("replay")
    replay.recorded("mastodon", "post_reply")
    channel = mastodon_channel(w.workspace, replay.base, token="t")
    from django.utils import timezone

    from animateur.stream.items import AuthorInfo, Incoming
    from animateur.stream.pipeline import run_pipeline

    item = Incoming(
        channel=channel,
        external_id="117020583245459824",
        text="@acme Bonjour ?",
        created_at=timezone.now(),
        author=AuthorInfo(external_id="ana@mastodon.example", display_name="Ana"),
        kind="mention",
        source_visibility="visible",
        language="fr",
    )
    mention: Message = run_pipeline([item]).created[0]
    return lambda: do_reply_to_message(mention, "Bonjour, merci !", actor=w.owner)


@case("do_save_oauth_app")
def _save_oauth_app(w: World) -> Call:
    from animateur.channels.oauth_actions import do_save_oauth_app

    return lambda: do_save_oauth_app(w.workspace, "linkedin", "li-client", "li-secret", actor=w.owner)


@case("do_connect_oauth_channels")
def _connect_oauth(w: World) -> Call:
    from animateur.channels.oauth import Choice
    from animateur.channels.oauth_actions import do_connect_oauth_channels

    page, account = "104000000000001", "17841400000000001"
    pages = [
        Choice("facebook", "page_id", page, "Acme", {"page_id": page}, {"page_access_token": "t"}),
        Choice("instagram", "ig_user_id", account, "@acme.fr", {"ig_user_id": account}, {"access_token": "t"}),
    ]
    return lambda: do_connect_oauth_channels(w.workspace, "facebook", pages, actor=w.owner)


@case("do_refresh_channel_token")
def _refresh_token(w: World) -> Call:
    from animateur.channels.oauth import Grant
    from animateur.channels.oauth_actions import do_refresh_channel_token

    channel = Channel.objects.create(
        workspace=w.workspace,
        kind="linkedin",
        name="Acme",
        config={"organization_id": "2414183", "oauth_network": "linkedin"},
        credentials='{"access_token": "a", "refresh_token": "r"}',
    )
    return lambda: do_refresh_channel_token(channel, Grant("b", "", "2027-01-01T00:00:00+00:00"), actor=w.owner)
