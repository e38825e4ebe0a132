"""What a Mastodon status holds besides its text, kept in its message: media and their descriptions, a
content warning, a poll, a quoted status, and its edits; on statuses recorded from a real Mastodon server
(fixtures/mastodon, from Mastodon.py's cassettes)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from animateur.channels.models import RejectedItem
from animateur.channels.runner import poll_channel
from animateur.stream.models import Kind, Message
from tests.channels.factories import mastodon_channel
from tests.channels.replay import FIXTURES

TAG = "/api/v1/timelines/tag/acme"


def recorded_status(name: str) -> dict:
    body = json.loads((FIXTURES / "mastodon" / f"{name}.json").read_text())["body"]
    return json.loads(body) if isinstance(body, str) else body


def read_from_the_hashtag(workspace, replay, *statuses: dict) -> Message | None:
    """A channel following #acme polled once, the hashtag's timeline giving `statuses`."""
    replay.add("GET", "/api/v1/notifications", body=[])
    replay.add("GET", TAG, body=list(statuses))
    channel = mastodon_channel(workspace, replay.base, config={"hashtag": "#acme"})
    run = poll_channel(channel.pk)
    assert run is not None and run.ok, run and run.error
    assert not RejectedItem.objects.filter(channel=channel).exists(), RejectedItem.objects.first()
    return Message.objects.filter(channel=channel).first()


def test_a_status_with_media_and_no_text_is_stored_with_each_media_and_its_description(workspace, replay):
    status = recorded_status("status_media_multiple")
    status["content"] = ""  # posted with two images and no text, as Mastodon then sends it
    message = read_from_the_hashtag(workspace, replay, status)
    assert message is not None
    assert "Image : John Lennon doing a funny walk" in message.text
    assert message.text.endswith("walk\nImage : hololives #1 detective, watson ameliachan")
    assert "John Lennon doing a funny walk" in message.html
    assert status["media_attachments"][0]["url"] in message.html


def test_a_media_without_description_is_said_to_have_none(workspace, replay):
    status = recorded_status("status_media")
    status["media_attachments"][0]["description"] = None
    message = read_from_the_hashtag(workspace, replay, status)
    assert message.text.startswith("LOL check this out")
    assert message.text.endswith("Vidéo sans description")


def test_a_content_warning_comes_first_marked_as_one_and_stays_in_its_own_field(workspace, replay):
    message = read_from_the_hashtag(workspace, replay, recorded_status("status_content_warning"))
    assert message.text.startswith("Avertissement de contenu : Content warning\n\nToot!")
    assert message.html.startswith("<p><strong>Avertissement de contenu :</strong> Content warning</p>")
    assert message.raw["spoiler_text"] == "Content warning"


def test_a_polls_options_are_listed_and_an_edited_status_keeps_the_time_of_its_edit(workspace, replay):
    timeline = recorded_status("timeline_public")
    replay.add("GET", "/api/v1/notifications", body=[])
    replay.add("GET", TAG, body=timeline)
    channel = mastodon_channel(workspace, replay.base, config={"hashtag": "#acme"})
    run = poll_channel(channel.pk)
    assert run.ok and run.created == len(timeline), run.error
    poll = Message.objects.get(channel=channel, external_id="117020582721532745")
    assert poll.text == "nice\n\nSondage :\n- four twenty (0 vote)\n- sixty-nine (1 vote)"
    assert "<li>four twenty (0 vote)</li>" in poll.html
    edited = Message.objects.get(channel=channel, external_id="117020586180926938")
    assert edited.edited_at == datetime(2026, 8, 1, 13, 54, 0, 695000, tzinfo=UTC)
    assert Message.objects.get(channel=channel, external_id="117020593378945190").edited_at is None


def test_a_quoted_status_is_quoted_with_its_author_and_link(workspace, replay):
    status = recorded_status("status_with_quote")
    quoted = status["quote"]["quoted_status"]
    message = read_from_the_hashtag(workspace, replay, status)
    assert f"Citation de @{quoted['account']['acct']} :\n« Toot! »\n{quoted['url']}" in message.text
    assert "RE:" not in message.text  # the inline fallback Mastodon adds for servers that show no quotes
    assert "<blockquote>" in message.html and quoted["url"] in message.html


def test_an_edit_at_the_source_updates_the_message_and_keeps_the_previous_text(workspace, replay):
    original, edited = recorded_status("status_edit_original"), recorded_status("status_edit_edited")
    update = {  # a notification of type "update", in the shape Mastodon documents, carrying the edited status
        "id": "30",
        "type": "update",
        "created_at": edited["edited_at"],
        "account": edited["account"],
        "status": edited,
    }
    replay.add("GET", "/api/v1/notifications", body=[])
    replay.add("GET", "/api/v1/notifications", body=[update])
    replay.add("GET", TAG, body=[original])
    replay.add("GET", TAG, body=[], query=f"min_id={original['id']}")
    channel = mastodon_channel(workspace, replay.base, config={"hashtag": "#acme"})
    assert poll_channel(channel.pk).created == 1
    message = Message.objects.get(channel=channel)
    assert "VS Code" in message.text and message.edited_at is None and message.kind == Kind.POST
    second = poll_channel(channel.pk)
    assert second.ok and second.updated == 1 and second.created == 0, second.error
    message.refresh_from_db()
    assert "Kate" in message.text and message.kind == Kind.POST
    assert "VS Code" in message.previous_versions[0]["text"]
    assert message.edited_at == datetime(2026, 8, 1, 13, 54, 0, 695000, tzinfo=UTC)
    assert "types%5B%5D=update" in replay.requests("GET", "/api/v1/notifications")[0].query


def test_an_edit_of_a_status_the_channel_does_not_hold_is_not_stored(workspace, replay):
    edited = recorded_status("status_edit_edited")
    update = {"id": "30", "type": "update", "created_at": edited["edited_at"], "account": edited["account"]}
    replay.add("GET", "/api/v1/notifications", body=[{**update, "status": edited}])
    channel = mastodon_channel(workspace, replay.base)
    run = poll_channel(channel.pk)
    assert run.ok and run.items == 0 and not Message.objects.filter(channel=channel).exists()
    channel.refresh_from_db()
    assert channel.cursor["mentions"] == "30"
