"""A YouTube channel over the Data API v3, replayed by a local server: hand-written answers in the
documented shape (fixtures/youtube) and, when ../shared/data is there, the real answers kept by the
python-youtube SDK's tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.utils import timezone

from animateur.channels.connectors import connector_for
from animateur.channels.connectors import youtube as youtube_module
from animateur.channels.errors import AuthError, PermanentError, TransientError
from animateur.channels.models import Channel, RejectedItem
from animateur.channels.runner import poll_channel
from animateur.stream.models import Kind, Message

CHANNEL_ID = "UCacmeAcmeAcmeAcmeAcme12"
THREADS = "/youtube/v3/commentThreads"
REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "apis" / "youtube" / "apidata"


def youtube(workspace, replay, *, token="", key="api-key", cursor=None, **config):
    secrets = {"api_key": key, "access_token": token}
    return Channel.objects.create(
        workspace=workspace,
        kind="youtube",
        name="Acme sur YouTube",
        config={"channel_id": CHANNEL_ID, "api_url": f"{replay.base}/youtube/v3", "daily_quota": 10000, **config},
        credentials=json.dumps({k: v for k, v in secrets.items() if v}),
        cursor=cursor or {},
    )


def serve_threads(replay):
    replay.recorded("youtube", "threads_page1")
    replay.recorded("youtube", "threads_page2", query="pageToken=PAGE2")
    replay.recorded("youtube", "replies", query="parentId=UgzOlder")


def ids(channel):
    return sorted(Message.objects.filter(channel=channel).values_list("external_id", flat=True))


def test_a_first_run_takes_the_latest_page_with_its_replies_threaded(workspace, replay):
    serve_threads(replay)
    channel = youtube(workspace, replay)
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 3, run.error
    assert ids(channel) == ["UgzNewest", "UgzNewest.r1", "UgzSecond"]
    question = Message.objects.get(channel=channel, external_id="UgzNewest")
    assert question.kind == Kind.COMMENT and question.text == "Quand sort la suite ?"
    assert question.author.display_name == "Léa Martin"
    assert question.url == "https://www.youtube.com/watch?v=vid00000001&lc=UgzNewest"
    answer = Message.objects.get(channel=channel, external_id="UgzNewest.r1")
    assert answer.kind == Kind.REPLY and answer.parent == question and answer.from_organisation
    channel.refresh_from_db()
    assert channel.cursor == {"newest": "2026-11-30T10:00:00Z", "ids": ["UgzNewest"], "gaps": []}
    [asked] = replay.requests("GET", THREADS)
    assert f"allThreadsRelatedToChannelId={CHANNEL_ID}" in asked.query and "api-key" not in asked.query
    assert asked.headers.get("X-Goog-Api-Key") == "api-key"  # in a header: never in a URL, so never in a log
    assert channel.config["quota_used"] == 1 and channel.config["quota_day"] == youtube_module.quota_day()


def test_later_runs_read_down_to_the_cursor_and_one_unreadable_thread_stops_nothing(workspace, replay):
    serve_threads(replay)
    channel = youtube(workspace, replay, cursor={"newest": "2026-11-19T08:00:00Z", "ids": ["UgzOldest"], "gaps": []})
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 7 and run.rejected == 1, run.error
    assert "UgzOldest" not in ids(channel)  # already had
    assert RejectedItem.objects.get(channel=channel).external_id == "UgzBroken"
    # The thread said 3 replies and carried 1: all three were asked for, each under its thread.
    older = Message.objects.get(channel=channel, external_id="UgzOlder")
    assert set(older.replies.values_list("external_id", flat=True)) == {"UgzOlder.r1", "UgzOlder.r2", "UgzOlder.r3"}
    channel.refresh_from_db()
    assert channel.cursor["newest"] == "2026-11-30T10:00:00Z" and channel.cursor["gaps"] == []
    assert channel.config["quota_used"] == 3  # two pages of threads, one of replies


def test_a_run_out_of_pages_leaves_a_gap_that_resumes_where_it_stopped(workspace, replay, monkeypatch):
    serve_threads(replay)
    monkeypatch.setattr(youtube_module, "MAX_PAGES_PER_RUN", 1)
    since = {"newest": "2026-11-19T08:00:00Z", "ids": ["UgzOldest"], "gaps": []}
    connector = connector_for(youtube(workspace, replay, cursor=since))
    items = list(connector.fetch(since=since))
    gap = {"token": "PAGE2", "stop": "2026-11-19T08:00:00Z", "ids": ["UgzOldest"]}
    # The newest page's items carry the gap below them: a run stopped there reads page 2 next time.
    newest = [i for i in items if i.external_id.startswith("UgzNewest")]
    assert newest and all(i.cursor["gaps"] == [gap] for i in newest)
    # The gap's items, read with a page budget of their own, carry the page to read again if cut.
    older = [i for i in items if i.external_id.startswith("UgzOlder")]
    assert len(older) == 4 and all(i.cursor["gaps"] == [gap] for i in older)
    assert connector.final_cursor == {"newest": "2026-11-30T10:00:00Z", "ids": ["UgzNewest"], "gaps": []}
    channel = youtube(workspace, replay, cursor={**since, "gaps": [gap]})
    channel.cursor = {"newest": "2026-11-30T10:00:00Z", "ids": ["UgzNewest"], "gaps": [gap]}
    channel.save()
    run = poll_channel(channel.pk)  # a run that finds nothing new still reads the gap left before
    assert run.ok and run.created == 4 and run.rejected == 1, run.error
    channel.refresh_from_db()
    assert channel.cursor["gaps"] == []


def test_a_used_up_quota_waits_for_midnight_pacific_time_and_the_page_says_how_much_is_used(workspace, replay):
    replay.recorded("youtube", "quota_exceeded")
    channel = youtube(workspace, replay)
    with pytest.raises(TransientError) as raised:
        list(connector_for(channel).fetch(since={}))
    assert raised.value.cause == "quota_exceeded"
    assert raised.value.retry_after == pytest.approx(youtube_module.seconds_until_renewal(), abs=5)
    before = timezone.now()
    run = poll_channel(channel.pk)
    channel.refresh_from_db()
    assert not run.ok and run.cause == "quota_exceeded" and not channel.needs_reconnection
    assert channel.next_poll_at >= before + timezone.timedelta(seconds=youtube_module.seconds_until_renewal() - 5)
    assert channel.config["quota_used"] == 10000
    assert youtube_module.YouTubeConnector.health(channel.config) == [
        "Quota quotidien : 10\u202f000 unités sur 10\u202f000 utilisées aujourd’hui "
        "(renouvelé à minuit, heure du Pacifique)"
    ]


def test_no_call_is_made_that_the_days_quota_cannot_pay_for(workspace, replay):
    channel = youtube(workspace, replay, token="owner", quota_day=youtube_module.quota_day(), quota_used=9990)
    with pytest.raises(TransientError) as raised:
        connector_for(channel).reply(Message(external_id="UgzNewest", raw={}), "Merci !")
    assert raised.value.cause == "quota_exceeded" and replay.received == []


def test_answering_and_moderating_use_the_owners_token_and_the_moderation_calls(workspace, replay):
    replay.recorded("youtube", "comment_inserted")
    replay.add("POST", "/youtube/v3/comments/setModerationStatus", 204, "")
    connector = connector_for(youtube(workspace, replay, token="owner-token"))
    reply_to_a_reply = Message(external_id="UgzNewest.r1", raw={"snippet": {"parentId": "UgzNewest"}})
    assert connector.reply(reply_to_a_reply, "Merci Léa !") == "UgzNewest.r2"
    [sent] = replay.requests("POST", "/youtube/v3/comments")
    assert json.loads(sent.body) == {"snippet": {"parentId": "UgzNewest", "textOriginal": "Merci Léa !"}}
    assert sent.headers["Authorization"] == "Bearer owner-token"
    spam = Message(external_id="UgzOldest", raw={})
    connector.hide(spam)
    connector.delete(spam)
    connector.moderate(spam, "approved")
    connector.moderate(spam, "spam")
    statuses = [r.query for r in replay.requests("POST", "/youtube/v3/comments/setModerationStatus")]
    # markAsSpam is no longer supported by YouTube: spam is held for review there, out of sight.
    assert [q.split("moderationStatus=")[1] for q in statuses] == [
        "heldForReview",
        "rejected",
        "published",
        "heldForReview",
    ]
    assert all(q.startswith("id=UgzOldest&") for q in statuses)
    assert connector.config["quota_used"] == 5 * 50


def test_a_channel_read_with_an_api_key_only_cannot_act_and_says_so(workspace, replay):
    connector = connector_for(youtube(workspace, replay))
    assert not connector.authenticated
    with pytest.raises(AuthError):
        connector.hide(Message(external_id="UgzOldest", raw={}))
    assert replay.received == []


def test_testing_the_connection_names_the_channel_or_says_it_does_not_exist(workspace, replay):
    replay.recorded("youtube", "channel")
    assert connector_for(youtube(workspace, replay)).test_connection() == (
        "Chaîne YouTube « Acme », lue avec une clé d’API"
    )
    replay.routes.clear()
    replay.add("GET", "/youtube/v3/channels", 200, {"kind": "youtube#channelListResponse", "items": []})
    with pytest.raises(PermanentError) as missing:
        connector_for(youtube(workspace, replay)).test_connection()
    assert missing.value.cause == "not_found"


# -- the real answers kept by python-youtube's tests --------------------------------------------------

real = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/apis/youtube is absent: real answers not replayed")


def serve_real(replay, name, query="", *, path=THREADS, status=200):
    replay.add("GET", path, status, (REAL / name).read_text(), {"content-type": "application/json"}, query)


@real
def test_real_comment_threads_of_a_channel_and_their_replies_are_stored(workspace, replay):
    serve_real(replay, "comment_threads/comment_threads_all_to_me.json")
    serve_real(replay, "comments/comments_by_parent_paged_1.json", path="/youtube/v3/comments")
    serve_real(replay, "comments/comments_by_parent_paged_2.json", "pageToken=", path="/youtube/v3/comments")
    channel = youtube(workspace, replay, channel_id="UCa-vrCLQHviTOVnEKDOdetQ")
    run = poll_channel(channel.pk)
    assert run.ok and run.rejected == 0, run.error
    # 4 threads; one says it has a reply, and asking for it pages through 3 replies (recorded of
    # another of these threads, under which they are stored by their parentId).
    assert run.created == 7
    third = Message.objects.get(channel=channel, external_id="Ugw5zYU6n9pmIgAZWvN4AaABAg.91zT3cYb5B291za6voUoRh")
    assert third.kind == Kind.REPLY and third.parent.external_id == "Ugw5zYU6n9pmIgAZWvN4AaABAg"
    assert third.text == "this is the third reply!" and third.author.display_name == "kun liu"


@real
def test_real_paged_threads_are_read_down_through_their_page_token(workspace, replay):
    serve_real(replay, "comment_threads/comment_threads_by_video_paged_1.json")
    serve_real(replay, "comment_threads/comment_threads_by_video_paged_2.json", "pageToken=")
    serve_real(replay, "comments/comments_by_parent_paged_1.json", path="/youtube/v3/comments")
    serve_real(replay, "comments/comments_by_parent_paged_2.json", "pageToken=", path="/youtube/v3/comments")
    channel = youtube(workspace, replay, cursor={"newest": "2019-01-01T00:00:00.000Z", "ids": [], "gaps": []})
    run = poll_channel(channel.pk)
    # The SDK recorded the same five threads on both pages: stored once each, the second copies
    # unchanged; one thread says it has 2 replies, and asking for them pages through 3 recorded ones.
    assert run.ok and run.created == 8 and run.rejected == 0, run.error
    assert len(replay.requests("GET", THREADS)) == 2


@real
def test_real_error_answers_are_named(workspace, replay):
    serve_real(replay, "../error_response.json", status=400)
    with pytest.raises(AuthError) as refused:
        list(connector_for(youtube(workspace, replay)).fetch(since={}))
    assert refused.value.cause == "credentials_refused" and "keyInvalid" in str(refused.value)
    replay.routes.clear()
    serve_real(replay, "error_permission_resp.json", status=403)
    with pytest.raises(AuthError) as denied:
        list(connector_for(youtube(workspace, replay)).fetch(since={}))
    assert "The caller does not have permission" in str(denied.value)


def test_with_a_refresh_token_a_fresh_access_token_is_asked_of_google_once_and_used(workspace, replay):
    replay.add("POST", "/token", body={"access_token": "ya29.fresh", "expires_in": 3599, "token_type": "Bearer"})
    replay.add("POST", "/youtube/v3/comments/setModerationStatus", 204, "")
    channel = youtube(
        workspace, replay, client_id="client.apps.googleusercontent.com", token_url=f"{replay.base}/token"
    )
    channel.credentials = json.dumps({"api_key": "k", "client_secret": "shh", "refresh_token": "1//refresh"})
    connector = connector_for(channel)
    assert connector.authenticated
    connector.hide(Message(external_id="UgzOldest", raw={}))
    connector.moderate(Message(external_id="UgzOldest", raw={}), "approved")
    [asked] = replay.requests("POST", "/token")
    assert "grant_type=refresh_token" in asked.body.decode() and "refresh_token=1%2F%2Frefresh" in asked.body.decode()
    calls = replay.requests("POST", "/youtube/v3/comments/setModerationStatus")
    assert [c.headers["Authorization"] for c in calls] == ["Bearer ya29.fresh", "Bearer ya29.fresh"]


def test_a_revoked_refresh_token_asks_for_reconnection(workspace, replay):
    replay.add(
        "POST", "/token", 400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
    )
    channel = youtube(
        workspace, replay, client_id="client.apps.googleusercontent.com", token_url=f"{replay.base}/token"
    )
    channel.credentials = json.dumps({"api_key": "k", "client_secret": "shh", "refresh_token": "1//refresh"})
    channel.save()
    run = poll_channel(channel.pk)
    channel.refresh_from_db()
    assert not run.ok and run.cause == "credentials_refused" and channel.needs_reconnection
    assert "invalid_grant" in run.error and "1//refresh" not in run.error and "shh" not in run.error
