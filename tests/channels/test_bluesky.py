"""Bluesky through atproto's real client, against XRPC answers replayed by a local server."""

import copy
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest

from animateur.channels.connectors import connector_for
from animateur.channels.errors import AuthError, TransientError
from animateur.channels.models import Channel
from animateur.channels.runner import poll_channel
from animateur.stream.models import Kind, Message
from tests.channels.replay import FIXTURES

OUR_POST = "at://did:plc:{}/app.bsky.feed.post/3kqzt2gq7ab2c"
NOTIFICATIONS = "/xrpc/app.bsky.notification.listNotifications"


def bsky(workspace, replay, cursor=None, **config):
    return Channel.objects.create(
        workspace=workspace,
        kind="bluesky",
        name="@acme",
        config={"service": replay.base, "handle": "acme.bsky.social", **config},
        credentials=json.dumps({"app_password": "abcd-efgh-ijkl-mnop"}),
        cursor=cursor or {},
    )


def serve(replay):
    replay.recorded("bluesky", "create_session")
    replay.recorded("bluesky", "notifications")
    replay.recorded("bluesky", "notifications_page2", query="cursor=2024-05-01T09%3A06")
    replay.add("GET", NOTIFICATIONS, body={"notifications": []}, query="cursor=2024-05-01T09%3A00")


def test_a_first_run_takes_the_latest_page_of_mentions_replies_and_quotes_not_likes(workspace, replay):
    serve(replay)
    channel = bsky(workspace, replay)
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 1, run.error
    quote = Message.objects.get(channel=channel)
    assert quote.kind == Kind.MENTION and quote.text.startswith("Ça arrive")
    assert quote.author.handle == "@lea.bsky.social" and quote.author.display_name == "Léa"
    assert quote.url.startswith("https://bsky.app/profile/lea.bsky.social/post/3kr2ddddddd2d")
    login = json.loads(replay.requests("POST", "/xrpc/com.atproto.server.createSession")[0].body)
    assert login == {"identifier": "acme.bsky.social", "password": "abcd-efgh-ijkl-mnop"}
    assert replay.requests("GET", NOTIFICATIONS)[0].headers["Authorization"].startswith("Bearer ey")
    channel.refresh_from_db()
    assert channel.cursor["notifications"]["indexed_at"] == "2024-05-01T09:10:00.123Z"


def test_pages_are_read_down_to_the_cursor_and_stored_oldest_first_threaded(workspace, replay):
    serve(replay)
    channel = bsky(workspace, replay, cursor={"notifications": {"indexed_at": "2024-05-01T08:00:00.000Z"}})
    fetched = list(connector_for(channel).fetch(since=channel.cursor))
    assert [raw.payload["reason"] for raw in fetched] == ["mention", "reply", "quote"]
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 3
    reply = Message.objects.get(channel=channel, kind=Kind.REPLY)
    assert reply.text == "Same problem here, any news?" and reply.language == "en"
    assert reply.parent_id is None
    assert reply.awaited_parents.get().external_id.endswith("/app.bsky.feed.post/3kqzt2gq7ab2c")
    mention = Message.objects.get(channel=channel, text__contains="plante")
    assert mention.kind == Kind.MENTION and mention.language == "fr"
    # The next run stops at the newest item it has: nothing new, nothing stored twice.
    again = poll_channel(channel.pk)
    assert again.ok and again.created == 0 and Message.objects.filter(channel=channel).count() == 3


def test_a_search_is_followed_newest_posts_first(workspace, replay):
    serve(replay)
    replay.recorded("bluesky", "search")
    channel = bsky(workspace, replay, search="acme")
    assert poll_channel(channel.pk).created == 2
    post = Message.objects.get(channel=channel, text__contains="#acme")
    assert post.kind == Kind.POST and post.author.handle == "@paul.example.com"
    query = replay.requests("GET", "/xrpc/app.bsky.feed.searchPosts")[0].query
    assert "q=acme" in query and "sort=latest" in query


def test_a_refused_app_password_needs_reconnection_and_is_never_shown(workspace, replay):
    replay.recorded("bluesky", "bad_password")
    channel = bsky(workspace, replay)
    run = poll_channel(channel.pk)
    channel.refresh_from_db()
    assert not run.ok and channel.needs_reconnection and run.cause == "credentials_refused"
    assert "AuthenticationRequired" in run.error and "abcd" not in run.error
    with pytest.raises(AuthError):
        connector_for(channel).test_connection()


def test_rate_limiting_is_transient_and_waits_for_the_reset(workspace, replay):
    replay.recorded("bluesky", "create_session")
    replay.recorded("bluesky", "rate_limited")
    channel = bsky(workspace, replay)
    with pytest.raises(TransientError) as raised:
        list(connector_for(channel).fetch(since={}))
    assert raised.value.cause == "rate_limited" and raised.value.retry_after > 3600
    run = poll_channel(channel.pk)
    channel.refresh_from_db()
    assert not run.ok and not channel.needs_reconnection and channel.cursor == {}


def test_testing_the_connection_names_the_account(workspace, replay):
    replay.recorded("bluesky", "create_session")
    assert connector_for(bsky(workspace, replay)).test_connection() == (
        "Connecté à Bluesky en tant que @acme.bsky.social"
    )


def test_a_reply_references_the_thread_root_and_parent_and_can_be_deleted(workspace, replay):
    serve(replay)
    replay.recorded("bluesky", "create_record")
    replay.recorded("bluesky", "delete_record")
    channel = bsky(workspace, replay, cursor={"notifications": {"indexed_at": "2024-05-01T08:00:00.000Z"}})
    poll_channel(channel.pk)
    theirs = Message.objects.get(channel=channel, kind=Kind.REPLY)
    connector = connector_for(channel)
    answer = connector.reply(theirs, "On regarde, merci !")
    assert answer.endswith("/app.bsky.feed.post/3kr2fffffff2f")
    sent = json.loads(replay.requests("POST", "/xrpc/com.atproto.repo.createRecord")[0].body)
    assert sent["collection"] == "app.bsky.feed.post" and sent["record"]["text"] == "On regarde, merci !"
    assert sent["record"]["langs"] == ["fr"]
    assert sent["record"]["reply"]["parent"]["uri"] == theirs.external_id
    assert sent["record"]["reply"]["root"]["uri"].endswith("/app.bsky.feed.post/3kqzt2gq7ab2c")
    connector.delete(Message(external_id=answer))
    deleted = json.loads(replay.requests("POST", "/xrpc/com.atproto.repo.deleteRecord")[0].body)
    assert deleted["rkey"] == "3kr2fffffff2f"


class Notifications:
    """listNotifications as the service pages it: newest first, `limit` a page, the `cursor` being the
    last entry's indexedAt; entries are the recorded quote, renumbered as mentions or likes."""

    def __init__(self) -> None:
        recorded = json.loads((FIXTURES / "bluesky" / "notifications.json").read_text())
        body = recorded["body"] if isinstance(recorded["body"], dict) else json.loads(recorded["body"])
        self.template = body["notifications"][0]
        self.entries: list[dict] = []  # oldest first
        self.start = datetime(2024, 5, 2, 8, 0, tzinfo=UTC)

    def add(self, n: int, reason: str = "mention") -> str:
        entry = copy.deepcopy(self.template)
        at = (self.start + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%S.123Z")
        entry.update(uri=f"at://did:plc:aig4ekk3jstjurbvnsde76dk/app.bsky.feed.post/3kr2{n:09d}", reason=reason)
        entry["indexedAt"] = at
        entry["record"] = {**entry["record"], "text": f"@acme.bsky.social message {n}", "createdAt": at}
        self.entries.append(entry)
        return entry["uri"]

    def __call__(self, request) -> dict:
        query = parse_qs(request.query)
        newest_first = sorted(self.entries, key=lambda e: e["indexedAt"], reverse=True)
        if "cursor" in query:
            newest_first = [e for e in newest_first if e["indexedAt"] < query["cursor"][0]]
        limit = int(query["limit"][0])
        page = newest_first[:limit]
        answer = {"notifications": page, "priority": False}
        if len(newest_first) > limit:
            answer["cursor"] = page[-1]["indexedAt"]
        return answer


@pytest.fixture
def notifications(replay, monkeypatch):
    from animateur.channels.connectors import bluesky as connector

    monkeypatch.setattr(connector, "PAGE", 2)
    monkeypatch.setattr(connector, "MAX_PAGES_PER_RUN", 2)
    replay.recorded("bluesky", "create_session")
    server = Notifications()
    replay.add("GET", NOTIFICATIONS, body=server)
    return server


def stored(channel) -> list[str]:
    return sorted(Message.objects.filter(channel=channel).values_list("external_id", flat=True))


def test_more_new_notifications_than_a_run_reads_are_read_by_the_next_runs_without_a_hole(
    workspace, replay, notifications
):
    mentions = [notifications.add(n) for n in range(2)]
    channel = bsky(workspace, replay)
    assert poll_channel(channel.pk).created == 2
    for n in range(2, 14):  # twelve new ones, two of them likes; a run reads two pages of two
        uri = notifications.add(n, reason="like" if n in (5, 9) else "mention")
        if n not in (5, 9):
            mentions.append(uri)
    second = poll_channel(channel.pk)
    assert second.ok and second.created == 4
    channel.refresh_from_db()
    assert [gap["indexed_at"] for gap in channel.cursor["notifications"]["gaps"]] == ["2024-05-02T08:01:00.123Z"]
    mentions.append(notifications.add(14))  # one more arrives while the gap is read
    for _run in range(5):
        assert poll_channel(channel.pk).ok
    assert stored(channel) == sorted(mentions)
    channel.refresh_from_db()
    assert channel.cursor["notifications"]["gaps"] == []
    assert poll_channel(channel.pk).items == 0


def test_a_run_cut_inside_a_gap_resumes_at_the_page_it_was_reading(workspace, replay, notifications):
    uris = [notifications.add(n) for n in range(10)]
    gap = {"token": "2024-05-02T08:07:00.123Z", "indexed_at": "2024-05-02T08:01:00.123Z", "uris": [uris[1]]}
    cursor = {"notifications": {"indexed_at": "2024-05-02T08:09:00.123Z", "uris": [uris[9]], "gaps": [gap]}}
    channel = bsky(workspace, replay, cursor=cursor)
    items = connector_for(channel).fetch(since=cursor)
    first = next(items)  # the top is known; the gap is read newest first
    assert first.external_id == uris[6]
    # The worker dies here: the next run reads that page again (the message key absorbs it) and goes on.
    connector = connector_for(channel)
    resumed = list(connector.fetch(since=first.cursor))
    assert [raw.external_id for raw in resumed] == [uris[6], uris[5]]  # the run's budget: one page of the gap
    # Each item keeps the page's token; once the page is read, the next one's is kept for the next run.
    assert resumed[-1].cursor["notifications"]["gaps"] == [gap]
    assert connector.final_cursor["notifications"]["gaps"] == [{**gap, "token": "2024-05-02T08:05:00.123Z"}]


def test_a_connection_closed_before_the_answer_is_a_network_failure_not_a_crash():
    import httpx

    from animateur.channels.connectors.bluesky import classified

    with pytest.raises(TransientError), classified():
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
