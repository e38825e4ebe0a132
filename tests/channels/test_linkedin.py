"""A LinkedIn organisation page over the Community Management API, replayed by a local server from
answers written to LinkedIn's documentation (fixtures/linkedin/README.md: no recording exists)."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from animateur.channels.connectors import connector_for
from animateur.channels.connectors.linkedin import plain_commentary
from animateur.channels.errors import PermanentError, TransientError
from animateur.channels.models import Channel, RejectedItem
from animateur.channels.runner import poll_channel
from animateur.stream.models import Kind, Message

ORG = "urn:li:organization:2414183"
SHARE = "urn:li:share:7250000000000000002"
ACTIVITY = "urn:li:activity:7250000000000000102"
LEA = f"urn:li:comment:({ACTIVITY},7260000000000000001)"
OUR_ANSWER = f"urn:li:comment:({ACTIVITY},7260000000000000002)"
PAUL = f"urn:li:comment:({ACTIVITY},7260000000000000003)"
EMPTY = {"paging": {"start": 0, "count": 50, "links": []}, "elements": []}


def enc(urn: str) -> str:
    return quote(urn, safe="")


def page(workspace, replay, *, token="li-token"):  # noqa: S107 - the replay accepts any token
    return Channel.objects.create(
        workspace=workspace,
        kind="linkedin",
        name="Acme sur LinkedIn",
        config={"organization_id": "2414183", "api_url": f"{replay.base}/rest"},
        credentials=json.dumps({"access_token": token}),
    )


def serve_page(replay, *, recent=False):
    for name in ("posts", "comments", "replies", "person", "person_refused"):
        replay.recorded("linkedin", name, recent=recent)
    replay.add("GET", f"/rest/socialActions/{enc('urn:li:ugcPost:7250000000000000001')}/comments", body=EMPTY)


def test_posts_comments_and_replies_arrive_threaded_with_their_authors_named(workspace, replay):
    serve_page(replay)
    channel = page(workspace, replay)
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 5 and run.rejected == 1, run.error
    assert RejectedItem.objects.get(channel=channel).reason == "cet élément LinkedIn n’a pas d’URN"
    post = Message.objects.get(channel=channel, external_id=SHARE)
    assert post.kind == Kind.POST and post.from_organisation
    assert post.text == "Nous lançons notre collection d’hiver avec @Atelier Nord (enfin) !"
    assert post.url == f"https://www.linkedin.com/feed/update/{SHARE}/"
    question = Message.objects.get(channel=channel, external_id=LEA)
    assert question.kind == Kind.COMMENT and question.parent == post and question.text == "Bravo pour ce lancement !"
    assert question.author.display_name == "Léa Martin"
    answer = Message.objects.get(channel=channel, external_id=OUR_ANSWER)
    assert answer.kind == Kind.REPLY and answer.parent == question and answer.from_organisation
    # LinkedIn would not name Paul: his comment keeps his member URN and no name, and is stored.
    unnamed = Message.objects.get(channel=channel, external_id=PAUL)
    assert unnamed.author.display_name == "" and unnamed.text == "Quand en France ?"
    for asked in replay.received:
        assert asked.headers["Authorization"] == "Bearer li-token" and asked.headers["LinkedIn-Version"] == "202411"
        assert asked.headers["X-Restli-Protocol-Version"] == "2.0.0" and "li-token" not in asked.query
    [listed] = replay.requests("GET", "/rest/posts")
    assert f"author={enc(ORG)}" in listed.query and "q=author" in listed.query
    channel.refresh_from_db()
    assert channel.cursor["posts"] == {"time": 1764496800000, "ids": [SHARE]}
    assert channel.cursor["watch"][SHARE]["replies"] == {LEA: 1}

    # Again: the comments are read again (nothing new is stored), the replies only when their count moves.
    again = poll_channel(channel.pk)
    assert again.ok and again.created == 0, again.error
    assert len(replay.requests("GET", f"/rest/socialActions/{enc(LEA)}/comments")) == 1


def test_an_invalid_token_asks_for_reconnection_and_a_missing_permission_is_named(workspace, replay):
    replay.recorded("linkedin", "token_invalid")
    channel = page(workspace, replay)
    run = poll_channel(channel.pk)
    channel.refresh_from_db()
    assert not run.ok and run.cause == "credentials_refused" and channel.needs_reconnection
    assert run.error.startswith("LinkedIn a refusé le jeton d’accès") and "li-token" not in run.error
    replay.routes.clear()
    replay.recorded("linkedin", "permission_missing")
    with pytest.raises(PermanentError) as refused:
        list(connector_for(channel).fetch(since={}))
    assert refused.value.cause == "forbidden" and "posts.FINDER-author" in str(refused.value)


def test_the_daily_limit_waits_until_linkedin_renews_it(workspace, replay):
    replay.recorded("linkedin", "throttled")
    with pytest.raises(TransientError) as raised:
        list(connector_for(page(workspace, replay)).fetch(since={}))
    assert raised.value.cause == "rate_limited" and 60 <= raised.value.retry_after <= 24 * 3600


def test_answering_goes_under_the_comment_and_deleting_names_the_organisation(workspace, replay):
    replay.recorded("linkedin", "comment_created")
    replay.recorded("linkedin", "comment_deleted")
    connector = connector_for(page(workspace, replay))
    reply = Message(
        external_id=OUR_ANSWER, kind=Kind.REPLY, raw={"object": ACTIVITY, "parentComment": LEA, "_post": SHARE}
    )
    # Two levels: an answer to a reply goes under the comment it replies to.
    assert connector.reply(reply, "Avec plaisir !") == f"urn:li:comment:({ACTIVITY},7260000000000000004)"
    [sent] = replay.requests("POST", f"/rest/socialActions/{enc(LEA)}/comments")
    assert json.loads(sent.body) == {
        "actor": ORG,
        "object": ACTIVITY,
        "message": {"text": "Avec plaisir !"},
        "parentComment": LEA,
    }
    comment = Message(
        external_id=PAUL, kind=Kind.COMMENT, raw={"id": "7260000000000000003", "object": ACTIVITY, "_post": SHARE}
    )
    connector.delete(comment)
    [deleted] = replay.requests("DELETE", f"/rest/socialActions/{enc(SHARE)}/comments/7260000000000000003")
    assert deleted.query == f"actor={enc(ORG)}"
    assert not connector.can("hide")  # LinkedIn's API cannot hide a comment


def test_the_connection_test_names_the_page(workspace, replay):
    replay.recorded("linkedin", "organization")
    assert connector_for(page(workspace, replay)).test_connection() == "Page LinkedIn « Acme »"


def test_little_text_mentions_and_escapes_read_as_words():
    assert plain_commentary(r"Merci @[Léa Martin](urn:li:person:lea123) \#fier \(vraiment\)") == (
        "Merci @Léa Martin #fier (vraiment)"
    )


def test_the_pages_recent_posts_have_their_reactions_by_kind_read_again_and_comments_their_likes(
    workspace, replay, monkeypatch
):
    monkeypatch.setenv("ANIMATEUR_COUNTS_DAYS", "3650")  # the fixtures' posts (times in ms) are a year old
    serve_page(replay)
    replay.recorded("linkedin", "social_metadata")
    channel = page(workspace, replay)
    run = poll_channel(channel.pk)
    assert run.ok, run.error
    post = Message.objects.get(channel=channel, external_id=SHARE)
    assert post.reactions == {"like": 12, "celebrate": 3, "love": 1, "insightful": 2}
    assert post.reaction_count == 18 and post.share_count is None  # LinkedIn does not say the reshares here
    [asked] = replay.requests("GET", "/rest/socialMetadata")
    assert asked.query.startswith("ids=List(") and enc(SHARE) in asked.query
    assert Message.objects.get(channel=channel, external_id=LEA).reaction_count == 0  # its likesSummary
    # Read again within the half hour: not asked again; nothing stored twice.
    again = poll_channel(channel.pk)
    assert again.ok and again.created == 0
    assert len(replay.requests("GET", "/rest/socialMetadata")) == 1


def test_reactions_that_cannot_be_read_leave_the_run_good(workspace, replay, monkeypatch):
    monkeypatch.setenv("ANIMATEUR_COUNTS_DAYS", "3650")
    serve_page(replay)
    replay.recorded("linkedin", "permission_missing", path="/rest/socialMetadata")
    channel = page(workspace, replay)
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 5, run.error
    assert Message.objects.get(channel=channel, external_id=SHARE).reaction_count is None
