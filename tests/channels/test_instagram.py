"""An Instagram professional account over the Instagram Graph API, replayed by a local server:
hand-written answers in the documented shape (fixtures/instagram) and, when ../shared/data is there,
the real answers kept by the python-facebook SDK's tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from animateur.channels.connectors import connector_for
from animateur.channels.errors import PermanentError, TransientError
from animateur.channels.models import Channel, RejectedItem
from animateur.channels.runner import poll_channel
from animateur.stream.models import Kind, Message, Visibility

IG_USER = "17841400000000001"
MEDIA = "17900000000000002"
REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "apis" / "facebook" / "instagram" / "apidata"
EMPTY = {"data": [], "paging": {}}


def account(workspace, replay, *, token="ig-token", **config):  # noqa: S107 - the replay accepts any token
    return Channel.objects.create(
        workspace=workspace,
        kind="instagram",
        name="Acme sur Instagram",
        config={"ig_user_id": IG_USER, "ig_username": "acme.fr", "graph_url": f"{replay.base}/v21.0", **config},
        credentials=json.dumps({"access_token": token}),
    )


def serve_account(replay, *, recent=False):
    replay.recorded("instagram", "media", recent=recent)
    replay.recorded("instagram", "tags", recent=recent)
    replay.recorded("instagram", "comments_page2", query="after=QVFIUjFh", recent=recent)
    replay.recorded("instagram", "comments", recent=recent)
    replay.add("GET", "/v21.0/17900000000000001/comments", body=EMPTY)


def test_media_comments_replies_and_mentions_arrive_threaded_and_one_unreadable_media_stops_nothing(workspace, replay):
    serve_account(replay)
    channel = account(workspace, replay)
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 7 and run.rejected == 1, run.error
    assert RejectedItem.objects.get(channel=channel).reason == "cet élément Instagram n’a pas d’identifiant"
    media = Message.objects.get(channel=channel, external_id=MEDIA)
    assert media.kind == Kind.POST and media.from_organisation and media.url == "https://www.instagram.com/p/C0ACME2/"
    question = Message.objects.get(channel=channel, external_id="17850000000000001")
    assert question.kind == Kind.COMMENT and question.parent == media and question.text == "Magnifique !"
    assert question.author.display_name == "lea.martin" and question.author.handle == "lea.martin"
    answer = Message.objects.get(channel=channel, external_id="17850000000000002")
    assert answer.kind == Kind.REPLY and answer.parent == question and answer.from_organisation
    spam = Message.objects.get(channel=channel, external_id="17850000000000003")
    assert spam.visibility == Visibility.HIDDEN  # hidden on Instagram already
    assert Message.objects.get(channel=channel, external_id="17850000000000004").text == "Et en bleu ?"
    mention = Message.objects.get(channel=channel, external_id="17900000000000009")
    assert mention.kind == Kind.MENTION and not mention.from_organisation
    for asked in replay.received:
        assert asked.headers["Authorization"] == "Bearer ig-token" and "ig-token" not in asked.query
    channel.refresh_from_db()
    assert channel.cursor["media"] == {"time": "2026-11-30T10:00:00+00:00", "ids": [MEDIA]}
    assert channel.cursor["watch"][MEDIA]["read"] == 4

    # Nothing new: the comment counts have not changed, no media's comments are read again.
    asked_before = len(replay.requests("GET", f"/v21.0/{MEDIA}/comments"))
    again = poll_channel(channel.pk)
    assert again.ok and again.created == 0, again.error
    assert len(replay.requests("GET", f"/v21.0/{MEDIA}/comments")) == asked_before


def test_a_new_comment_under_a_known_media_is_read_when_its_count_changes(workspace, replay):
    serve_account(replay)
    channel = account(workspace, replay)
    assert poll_channel(channel.pk).ok
    media = json.loads(
        json.loads((Path(__file__).with_name("fixtures") / "instagram" / "media.json").read_text())["body"]
    )
    media["data"][0]["comments_count"] = 5
    replay.add("GET", f"/v21.0/{IG_USER}/media", body=media)
    late = {
        "id": "17850000000000006",
        "text": "Dispo en 38 ?",
        "timestamp": "2026-11-30T11:00:00+0000",
        "username": "zoe",
    }
    replay.add("GET", f"/v21.0/{MEDIA}/comments", body={"data": [late], "paging": {}})
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 1, run.error
    assert Message.objects.get(channel=channel, external_id="17850000000000006").parent.external_id == MEDIA


def test_the_application_limit_makes_the_channel_wait(workspace, replay):
    replay.recorded("instagram", "rate_limited")
    with pytest.raises(TransientError) as raised:
        list(connector_for(account(workspace, replay)).fetch(since={}))
    assert raised.value.cause == "rate_limited" and raised.value.retry_after
    assert "(#4) Application request limit reached" in str(raised.value)


def test_an_expired_token_asks_for_reconnection_in_the_managers_words(workspace, replay):
    replay.recorded("instagram", "token_expired")
    channel = account(workspace, replay)
    run = poll_channel(channel.pk)
    channel.refresh_from_db()
    assert not run.ok and run.cause == "credentials_refused" and channel.needs_reconnection
    assert run.error.startswith("Instagram a refusé le jeton d’accès")
    assert "ig-token" not in run.error


def test_answering_hiding_showing_and_deleting_comments_at_the_source(workspace, replay):
    replay.recorded("instagram", "reply_created")
    replay.add("POST", f"/v21.0/{MEDIA}/comments", body={"id": "17850000000000007"})
    replay.add("POST", "/v21.0/17850000000000001", body={"success": True})
    replay.add("DELETE", "/v21.0/17850000000000001", body={"success": True})
    connector = connector_for(account(workspace, replay))
    reply = Message(external_id="17850000000000002", kind=Kind.REPLY, raw={"parent_id": "17850000000000001"})
    # One level only: an answer to a reply goes under the comment it replies to.
    assert connector.reply(reply, "Avec plaisir !") == "17850000000000005"
    [sent] = replay.requests("POST", "/v21.0/17850000000000001/replies")
    assert json.loads(sent.body) == {"message": "Avec plaisir !"}
    assert connector.reply(Message(external_id=MEDIA, kind=Kind.POST, raw={}), "Bonjour") == "17850000000000007"
    comment = Message(external_id="17850000000000001", kind=Kind.COMMENT, raw={})
    connector.hide(comment)
    connector.moderate(comment, "approved")
    connector.moderate(comment, "spam")
    hidden = [json.loads(r.body) for r in replay.requests("POST", "/v21.0/17850000000000001")]
    assert hidden == [{"hide": True}, {"hide": False}, {"hide": True}]
    connector.delete(comment)
    assert len(replay.requests("DELETE", "/v21.0/17850000000000001")) == 1
    with pytest.raises(PermanentError):
        connector.hide(Message(external_id=MEDIA, kind=Kind.POST, raw={}))


def test_a_token_without_the_comment_permission_is_named_and_not_a_reconnection(workspace, replay):
    replay.recorded("instagram", "permission_missing")
    connector = connector_for(account(workspace, replay))
    with pytest.raises(PermanentError) as refused:
        connector.hide(Message(external_id="17850000000000003", kind=Kind.COMMENT, raw={}))
    assert refused.value.cause == "forbidden" and "instagram_manage_comments" in str(refused.value)


def test_the_connection_test_names_the_account_and_learns_its_username(workspace, replay):
    replay.recorded("instagram", "account")
    connector = connector_for(account(workspace, replay, ig_username=""))
    assert connector.test_connection() == "Compte Instagram « acme.fr »"
    assert connector.config["ig_username"] == "acme.fr"


# -- the real answers kept by python-facebook's tests -------------------------------------------------

real = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/apis/facebook is absent: real answers not replayed")


@real
def test_real_media_comments_replies_and_tagged_media_are_stored_or_rejected_with_their_reason(workspace, replay):
    """The SDK's recordings: two pages of media, two of comments (newest first), replies, tagged media."""
    users, medias, comments = REAL / "users", REAL / "medias", REAL / "comments"
    p1, p2 = (json.loads((users / f"medias_p{n}.json").read_text()) for n in (1, 2))
    replay.add("GET", f"/v21.0/{IG_USER}/media", body=p1)
    replay.add("GET", f"/v21.0/{IG_USER}/media", body=p2, query="after=after")
    replay.add("GET", f"/v21.0/{IG_USER}/tags", body=json.loads((users / "tagged_medias.json").read_text()))
    c1 = json.loads((medias / "comments_p1.json").read_text())
    c2 = json.loads((medias / "comments_p2.json").read_text())
    replies = json.loads((comments / "replies.json").read_text())
    c1["data"][0]["replies"] = replies  # as the `replies` field expansion nests them
    for media in p1["data"]:
        replay.add("GET", f"/v21.0/{media['id']}/comments", body=c1)
        replay.add("GET", f"/v21.0/{media['id']}/comments", body=c2, query="after=after")
    channel = account(workspace, replay)
    run = poll_channel(channel.pk)
    assert run.ok, run.error
    tagged = len(json.loads((users / "tagged_medias.json").read_text())["data"])
    # 2 media of the first page, the tagged media, and (once: the same ids under both media) 4
    # comments and 1 reply; recorded without `username`, the comments name no author.
    assert (run.created, run.rejected) == (2 + tagged + 5, 0), (
        run.created,
        list(RejectedItem.objects.values_list("external_id", "reason")),
    )
    reply = Message.objects.get(channel=channel, external_id="17847314687296283")
    assert reply.kind == Kind.REPLY and reply.parent.external_id == c1["data"][0]["id"]
    assert reply.text == "@lixiangguodu123 nihao" and reply.author is None


@real
def test_real_comment_with_its_username_names_its_author(workspace, replay):
    info = json.loads((REAL / "comments" / "comments_fields.json").read_text())  # keyed by id, as ?ids= answers
    media = {"id": MEDIA, "timestamp": "2020-06-02T10:00:00+0000", "caption": "x", "comments_count": len(info)}
    replay.add("GET", f"/v21.0/{IG_USER}/media", body={"data": [media], "paging": {}})
    replay.add("GET", f"/v21.0/{IG_USER}/tags", body=EMPTY)
    replay.add("GET", f"/v21.0/{MEDIA}/comments", body={"data": list(info.values()), "paging": {}})
    channel = account(workspace, replay)
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 1 + len(info) and run.rejected == 0, run.error
    comment = Message.objects.get(channel=channel, external_id="17892250648466172")
    assert comment.author.display_name == "ikroskun" and comment.parent.external_id == MEDIA
