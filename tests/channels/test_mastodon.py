"""Mastodon through Mastodon.py, against recorded responses of a real server (see fixtures/README.md)."""

import pytest

from animateur.channels.connectors import connector_for
from animateur.channels.errors import AuthError, TransientError
from animateur.channels.runner import poll_channel
from animateur.stream.models import Kind, Message
from tests.channels.factories import mastodon_channel


def test_mentions_arrive_in_the_stream_and_the_next_poll_asks_only_for_newer_ones(workspace, replay):
    replay.recorded("mastodon", "notifications_mentions")
    replay.add("GET", "/api/v1/notifications", body=[], query="min_id=21")
    channel = mastodon_channel(workspace, replay.base)
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 1
    message = Message.objects.get(channel=channel)
    assert message.kind == Kind.MENTION and message.external_id == "117020577157693549"
    assert "hello!" in message.text and message.language == "en"
    assert message.author.handle == "@admin"
    channel.refresh_from_db()
    assert channel.cursor == {"mentions": "21"}
    assert replay.requests("GET", "/api/v1/notifications")[0].headers["Authorization"] == "Bearer test-token"
    second = poll_channel(channel.pk)
    assert second.ok and second.items == 0
    assert "min_id=21" in replay.requests("GET", "/api/v1/notifications")[-1].query


def test_a_hashtag_timeline_is_read_and_a_page_of_newer_statuses_follows_the_cursor(workspace, replay):
    replay.add("GET", "/api/v1/notifications", body=[])
    replay.recorded("mastodon", "tag_timeline")
    replay.add("GET", "/api/v1/timelines/tag/hoot", body=[], query="min_id=117020593741189701")
    channel = mastodon_channel(workspace, replay.base, config={"hashtag": "#hoot"})
    assert poll_channel(channel.pk).created == 1
    channel.refresh_from_db()
    assert channel.cursor["tag:hoot"] == "117020593741189701"


def test_a_refused_token_needs_reconnection(workspace, replay):
    replay.recorded("mastodon", "unauthorized", path="/api/v1/notifications")
    replay.recorded("mastodon", "unauthorized", path="/api/v1/accounts/verify_credentials")
    channel = mastodon_channel(workspace, replay.base)
    run = poll_channel(channel.pk)
    channel.refresh_from_db()
    assert not run.ok and channel.needs_reconnection
    with pytest.raises(AuthError):
        connector_for(channel).test_connection()


def test_rate_limiting_is_a_transient_error_that_backs_off(workspace, replay):
    replay.add(
        "GET",
        "/api/v1/notifications",
        429,
        {"error": "Too many requests"},
        {
            "x-ratelimit-limit": "300",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": "2030-01-01T00:00:00.000Z",
        },
    )
    channel = mastodon_channel(workspace, replay.base)
    with pytest.raises(TransientError):
        list(connector_for(channel).fetch(since={}))
    run = poll_channel(channel.pk)
    channel.refresh_from_db()
    assert not run.ok and run.cause in ("rate_limited", "unreachable") and not channel.needs_reconnection


def test_testing_the_connection_names_the_account_and_the_servers_post_limit(workspace, replay):
    replay.recorded("mastodon", "verify_credentials")
    replay.recorded("mastodon", "instance_v2")
    channel = mastodon_channel(workspace, replay.base)
    expected = "Connecté en tant que @mastodonpy_test (500 caractères par message)"
    assert connector_for(channel).test_connection() == expected


def test_a_reply_goes_back_to_the_server_in_reply_to_the_message_and_can_be_deleted(workspace, replay):
    replay.recorded("mastodon", "post_reply")
    replay.recorded("mastodon", "delete_status", path="/api/v1/statuses/117020583258292382")
    channel = mastodon_channel(workspace, replay.base)
    original = Message.objects.create(
        workspace=workspace, channel=channel, external_id="117020583245459824", text="hi", kind=Kind.MENTION
    )
    connector = connector_for(channel)
    answer_id = connector.reply(original, "Merci !")
    sent = replay.requests("POST", "/api/v1/statuses")[0].body.decode()
    assert "in_reply_to_id=117020583245459824" in sent and "status=Merci" in sent
    assert answer_id == "117020583258292382"
    connector.delete(Message(external_id=answer_id))
    assert replay.requests("DELETE", f"/api/v1/statuses/{answer_id}")
