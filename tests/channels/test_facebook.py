"""A Facebook Page over the Graph API, replayed by a local server: hand-written answers in the
documented shape (fixtures/facebook) and, when ../shared/data is there, the real answers kept by the
python-facebook SDK's tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from animateur.channels.connectors import connector_for
from animateur.channels.errors import PermanentError, TransientError
from animateur.channels.models import Channel, RejectedItem
from animateur.channels.runner import poll_channel
from animateur.stream.models import Kind, Message, Visibility

PAGE_ID = "104000000000001"
REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "apis" / "facebook" / "facebook" / "apidata"
EMPTY = {"data": [], "paging": {}}


def page(workspace, replay, *, token="page-token", **config):  # noqa: S107 - the replay accepts any token
    return Channel.objects.create(
        workspace=workspace,
        kind="facebook",
        name="Acme sur Facebook",
        config={"page_id": PAGE_ID, "graph_url": f"{replay.base}/v21.0", **config},
        credentials=json.dumps({"page_access_token": token}),
    )


def serve_page(replay):
    replay.recorded("facebook", "feed")
    replay.recorded("facebook", "comments_2002")
    replay.recorded("facebook", "comments_2002_page2", query="after=MwZDZD")
    replay.recorded("facebook", "comments_2001")
    replay.add("GET", f"/v21.0/{PAGE_ID}_2002/comments", body=EMPTY, query="after=NAZDZD")
    replay.add("GET", f"/v21.0/{PAGE_ID}_2001/comments", body=EMPTY, query="after=NQZDZD")


def message(channel, external_id):
    """Posts are keyed <page>_<post>, comments <post>_<comment>, as Graph names them."""
    key = external_id if "_" in external_id else f"{PAGE_ID}_{external_id}"
    return Message.objects.get(channel=channel, external_id=key)


def test_the_pages_posts_comments_and_replies_arrive_threaded_and_one_unreadable_post_stops_nothing(workspace, replay):
    serve_page(replay)
    channel = page(workspace, replay)
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 7 and run.rejected == 1, run.error
    assert RejectedItem.objects.get(channel=channel).reason == "cet élément Facebook n’a pas d’identifiant"
    visitor_post = message(channel, "2001")
    assert visitor_post.kind == Kind.POST and not visitor_post.from_organisation
    assert visitor_post.author.display_name == "Léa Martin"
    our_post = message(channel, "2002")
    assert our_post.from_organisation
    question = message(channel, "2002_3001")
    assert question.kind == Kind.COMMENT and question.parent == our_post and question.text == "Magnifique !"
    answer = message(channel, "2002_3002")
    assert answer.kind == Kind.REPLY and answer.parent == question and answer.from_organisation
    assert message(channel, "2002_3003").visibility == Visibility.HIDDEN  # hidden on the page already
    assert message(channel, "2002_3004").text == "Et en bleu ?"  # on the second page of comments
    for asked in replay.received:
        assert asked.headers["Authorization"] == "Bearer page-token" and "page-token" not in asked.query
    channel.refresh_from_db()
    assert channel.cursor["posts"] == {"time": "2026-11-30T10:00:00+00:00", "ids": [f"{PAGE_ID}_2002"]}
    assert {k: v["after"] for k, v in channel.cursor["watch"].items()} == {
        f"{PAGE_ID}_2001": "NQZDZD",
        f"{PAGE_ID}_2002": "NAZDZD",
    }
    again = poll_channel(channel.pk)
    assert again.ok and again.items == 0, again.error
    assert "after=NAZDZD" in replay.requests("GET", f"/v21.0/{PAGE_ID}_2002/comments")[-1].query


def test_the_page_limit_makes_the_channel_wait_as_long_as_facebook_says(workspace, replay):
    replay.recorded("facebook", "rate_limited")
    channel = page(workspace, replay)
    with pytest.raises(TransientError) as raised:
        list(connector_for(channel).fetch(since={}))
    assert raised.value.cause == "rate_limited" and raised.value.retry_after == 17 * 60
    assert "(#32) Page request limit reached" in str(raised.value)


def test_an_expired_token_asks_for_reconnection_in_the_managers_words(workspace, replay):
    replay.recorded("facebook", "token_expired")
    channel = page(workspace, replay)
    run = poll_channel(channel.pk)
    channel.refresh_from_db()
    assert not run.ok and run.cause == "credentials_refused" and channel.needs_reconnection
    assert run.error.startswith("Facebook a refusé le jeton d’accès de la page")
    assert "page-token" not in run.error


def test_answering_hiding_showing_and_deleting_comments_at_the_source(workspace, replay):
    replay.recorded("facebook", "comment_created")
    replay.add("POST", "/v21.0/2002_3001", body={"success": True})
    replay.add("DELETE", "/v21.0/2002_3001", body={"success": True})
    connector = connector_for(page(workspace, replay))
    reply = Message(external_id="2002_3002", kind=Kind.REPLY, raw={"parent": {"id": "2002_3001"}})
    # Two levels only: an answer to a reply goes under the comment it replies to.
    assert connector.reply(reply, "Avec plaisir !") == "2002_3005"
    [sent] = replay.requests("POST", "/v21.0/2002_3001/comments")
    assert json.loads(sent.body) == {"message": "Avec plaisir !"}
    comment = Message(external_id="2002_3001", kind=Kind.COMMENT, raw={})
    connector.hide(comment)
    connector.moderate(comment, "approved")
    connector.moderate(comment, "spam")
    hidden = [json.loads(r.body) for r in replay.requests("POST", "/v21.0/2002_3001")]
    assert hidden == [{"is_hidden": True}, {"is_hidden": False}, {"is_hidden": True}]
    connector.delete(comment)
    assert len(replay.requests("DELETE", "/v21.0/2002_3001")) == 1
    with pytest.raises(PermanentError):
        connector.hide(Message(external_id=f"{PAGE_ID}_2002", kind=Kind.POST, raw={}))


def test_a_token_without_the_moderation_permission_is_named_and_not_a_reconnection(workspace, replay):
    replay.recorded("facebook", "permission_missing")
    connector = connector_for(page(workspace, replay))
    with pytest.raises(PermanentError) as refused:
        connector.hide(Message(external_id="2002_3003", kind=Kind.COMMENT, raw={}))
    assert refused.value.cause == "forbidden" and "pages_manage_engagement" in str(refused.value)


# -- the real answers kept by python-facebook's tests -------------------------------------------------

real = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/apis/facebook is absent: real answers not replayed")


@real
def test_real_page_feed_and_comments_are_stored_or_rejected_with_their_reason(workspace, replay):
    feed = json.loads((REAL / "posts" / "feeds_default_fields_p1.json").read_text())
    replay.add("GET", f"/v21.0/{PAGE_ID}/feed", body=feed)
    comments = (REAL / "comments" / "comments_p1.json").read_text()
    for post in feed["data"]:
        replay.add("GET", f"/v21.0/{post['id']}/comments", 200, comments, {"content-type": "application/json"})
        replay.add("GET", f"/v21.0/{post['id']}/comments", body=EMPTY, query="after=")
    channel = page(workspace, replay)
    run = poll_channel(channel.pk)
    assert run.ok, run.error
    # The 5 posts are stored; the SDK recorded its comments without their id field (fields=
    # comment_count,created_time,...): none can be keyed, each is rejected, and the others go on.
    assert run.created == 5
    assert run.rejected == 5 * len(json.loads(comments)["data"])
    reasons = set(RejectedItem.objects.filter(channel=channel).values_list("reason", flat=True))
    assert reasons == {"cet élément Facebook n’a pas d’identifiant"}
    first = Message.objects.get(channel=channel, external_id=feed["data"][0]["id"])
    assert first.url == feed["data"][0]["permalink_url"] and first.kind == Kind.POST


@real
def test_real_comments_with_their_ids_are_stored_under_their_post(workspace, replay):
    posts = json.loads((REAL / "posts" / "feed_fields_p1.json").read_text())
    post = posts["data"][0]
    replay.add("GET", f"/v21.0/{PAGE_ID}/feed", body={"data": [post], "paging": {}})
    info = json.loads((REAL / "comments" / "comments_info.json").read_text())  # keyed by id, as ?ids= answers
    replay.add("GET", f"/v21.0/{post['id']}/comments", body={"data": list(info.values()), "paging": {}})
    channel = page(workspace, replay)
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 3 and run.rejected == 0, run.error
    comment = Message.objects.get(channel=channel, external_id="10158371815748553_10158371930463553")
    assert comment.text == "This is really nice" and comment.parent.external_id == post["id"]
    assert comment.author is None  # recorded without `from` (pages_read_user_content): no author named


@real
def test_the_real_graph_error_is_named(workspace, replay):
    replay.add("GET", f"/v21.0/{PAGE_ID}/feed", 400, (REAL.parents[1] / "error.json").read_text())
    with pytest.raises(PermanentError) as refused:
        list(connector_for(page(workspace, replay)).fetch(since={}))
    assert refused.value.cause == "http_error" and "(#100)" in str(refused.value)


def test_a_paging_cursor_that_does_not_move_ends_the_reading_instead_of_looping(workspace, replay):
    replay.add(
        "GET",
        f"/v21.0/{PAGE_ID}/feed",
        body=json.loads(
            json.loads((Path(__file__).with_name("fixtures") / "facebook" / "feed.json").read_text())["body"]
        ),
    )
    stuck = {"data": [], "paging": {"cursors": {"after": "SAME"}, "next": "https://graph.facebook.com/next"}}
    replay.add("GET", f"/v21.0/{PAGE_ID}_2002/comments", body=stuck)
    replay.add("GET", f"/v21.0/{PAGE_ID}_2001/comments", body=EMPTY)
    run = poll_channel(page(workspace, replay).pk)
    assert run.ok, run.error
    assert len(replay.requests("GET", f"/v21.0/{PAGE_ID}_2002/comments")) == 2  # the first page, then SAME once


@real
def test_real_posts_keep_their_reactions_by_type_and_shares_and_comments_their_likes(workspace, replay):
    feed = json.loads((REAL / "posts" / "feeds_default_fields_p1.json").read_text())
    replay.add("GET", f"/v21.0/{PAGE_ID}/feed", body=feed)
    info = json.loads((REAL / "comments" / "comments_info.json").read_text())
    for post in feed["data"]:
        replay.add("GET", f"/v21.0/{post['id']}/comments", body={"data": list(info.values()), "paging": {}})
    channel = page(workspace, replay)
    assert poll_channel(channel.pk).ok
    [asked] = replay.requests("GET", f"/v21.0/{PAGE_ID}/feed")
    assert "reactions.type%28LOVE%29.limit%280%29.summary%28total_count%29.as%28love%29" in asked.query
    first = feed["data"][0]
    post = Message.objects.get(channel=channel, external_id=first["id"])
    assert post.reaction_count == first["reactions"]["summary"]["total_count"] == 125
    assert post.reactions == {"like": 119, "love": 6, "haha": 0, "wow": 0, "sad": 0, "angry": 0}
    assert post.share_count == first["shares"]["count"] == 10
    for comment in info.values():  # nobody liked them: a count of nothing, not an unknown
        assert Message.objects.get(channel=channel, external_id=comment["id"]).reactions == {"like": 0}


def test_the_pages_recent_posts_have_their_reactions_read_again_without_a_new_message(workspace, replay, monkeypatch):
    monkeypatch.setenv("ANIMATEUR_COUNTS_DAYS", "3650")
    serve_page(replay)
    ours = f"{PAGE_ID}_2002"
    # `GET /?ids=..&fields=..` answers each object under its id, in the Graph API's reaction shapes.
    replay.add(
        "GET",
        "/v21.0/",
        body={
            ours: {
                "id": ours,
                "reactions": {"data": [], "summary": {"total_count": 9, "viewer_reaction": "NONE"}},
                "like": {"data": [], "summary": {"total_count": 7}},
                "love": {"data": [], "summary": {"total_count": 2}},
                "shares": {"count": 3},
            }
        },
    )
    channel = page(workspace, replay)
    assert poll_channel(channel.pk).ok
    [asked] = replay.requests("GET", "/v21.0/")
    assert f"ids={PAGE_ID}_2002" in asked.query  # the page's own post only, not the visitor's
    post = message(channel, "2002")
    assert post.reactions == {"like": 7, "love": 2} and post.reaction_count == 9 and post.share_count == 3
    assert Message.objects.filter(channel=channel, external_id=ours).count() == 1
