"""Another WordPress site over its REST API, replayed by a local server (see fixtures/README.md)."""

import base64
import json
from datetime import UTC, datetime

import pytest

from animateur.channels.connectors import connector_for
from animateur.channels.errors import AuthError, PermanentError, TransientError
from animateur.channels.models import Channel
from animateur.channels.runner import poll_channel
from animateur.stream.models import Kind, Message


def wp_channel(workspace, replay, password="", **config):
    return Channel.objects.create(
        workspace=workspace,
        kind="wordpress",
        name="Theme test",
        config={"site_url": replay.base, "username": "themereviewer" if password else "", **config},
        credentials=json.dumps({"application_password": password}) if password else "",
    )


def serve_site(replay):
    replay.recorded("wordpress", "posts_page1", query="&page=1")
    replay.recorded("wordpress", "posts_page2", query="&page=2")
    replay.recorded("wordpress", "comments_page1", query="&page=1")
    replay.recorded("wordpress", "comments_page2", query="&page=2")


def test_posts_and_comments_arrive_oldest_first_over_pages_threaded_under_their_post(workspace, replay):
    serve_site(replay)
    channel = wp_channel(workspace, replay)
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 6, run.error
    post = Message.objects.get(channel=channel, external_id="post:1149")
    assert post.kind == Kind.POST and post.title == "Template: Comments"
    # created_at is the source's GMT time, not the site's local (Paris) time
    assert post.created_at == datetime(2008, 9, 3, 8, 27, 56, tzinfo=UTC)
    top = Message.objects.get(channel=channel, external_id="comment:881")
    assert top.kind == Kind.COMMENT and top.parent == post and "top level" in top.text
    assert top.author.display_name == "John Doe" and top.author.url == "http://example.org/"
    deep = Message.objects.get(channel=channel, external_id="comment:883")
    assert deep.kind == Kind.REPLY and deep.parent.external_id == "comment:882"
    assert deep.thread_root == post
    sent = replay.requests("GET", "/wp-json/wp/v2/comments")[0].query
    assert "orderby=date" in sent and "order=asc" in sent and "per_page=100" in sent
    channel.refresh_from_db()
    # Two comments of the same second: both are remembered, the next poll asks from a second earlier.
    assert channel.cursor["comments"] == {"date": "2008-09-03T10:31:00", "ids": [882, 883]}
    assert channel.cursor["posts"] == {"date": "2010-01-07T08:00:00", "ids": [1177]}
    poll_channel(channel.pk)
    again = replay.requests("GET", "/wp-json/wp/v2/comments")[-1].query
    assert "after=2008-09-03T10%3A30%3A59" in again
    assert Message.objects.filter(channel=channel).count() == 6


def test_a_run_cut_between_two_comments_of_the_same_second_resumes_without_a_hole(workspace, replay):
    serve_site(replay)
    channel = wp_channel(workspace, replay)
    items = list(connector_for(channel).fetch(since={}))
    cut = next(i for i in items if i.external_id == "comment:882").cursor
    assert cut["comments"] == {"date": "2008-09-03T10:31:00", "ids": [882]}
    # The source answers from a second earlier: 882 (already stored) and 883 (not yet).
    replay.routes.clear()
    replay.add("GET", "/wp-json/wp/v2/posts", body=[], headers={"x-wp-totalpages": "0"})
    page = json.loads(json.loads(replay_fixture("comments_page1"))["body"])[1:]
    page += json.loads(json.loads(replay_fixture("comments_page2"))["body"])
    replay.add("GET", "/wp-json/wp/v2/comments", body=page, headers={"x-wp-totalpages": "1"})
    resumed = [i.external_id for i in connector_for(channel).fetch(since=cut)]
    assert resumed == ["comment:883"]


def replay_fixture(name):
    from tests.channels.replay import FIXTURES

    return (FIXTURES / "wordpress" / f"{name}.json").read_text()


def test_with_an_application_password_held_comments_come_in_pending_with_their_email(workspace, replay):
    replay.add("GET", "/wp-json/wp/v2/posts", body=[], headers={"x-wp-totalpages": "0"})
    replay.recorded("wordpress", "comments_held")
    channel = wp_channel(workspace, replay, password="abcd EFGH 1234 ijkl MNOP 6789")
    run = poll_channel(channel.pk)
    assert run.ok, run.error
    held = Message.objects.get(channel=channel, external_id="comment:884")
    assert held.visibility == "pending"
    assert held.author.email == "spammy@cheap.example"
    request = replay.requests("GET", "/wp-json/wp/v2/comments")[0]
    assert "status=all" in request.query and "context=edit" in request.query
    expected = base64.b64encode(b"themereviewer:abcd EFGH 1234 ijkl MNOP 6789").decode()
    assert request.headers["Authorization"] == f"Basic {expected}"


def test_a_refused_application_password_marks_the_channel_for_reconnection(workspace, replay):
    replay.add(
        "GET",
        "/wp-json/wp/v2/posts",
        401,
        {
            "code": "incorrect_password",
            "message": "The provided password is an invalid application password.",
        },
    )
    replay.recorded("wordpress", "index")
    replay.recorded("wordpress", "incorrect_password")
    channel = wp_channel(workspace, replay, password="wrong")
    run = poll_channel(channel.pk)
    channel.refresh_from_db()
    assert not run.ok and channel.needs_reconnection and run.cause == "credentials_refused"
    assert "incorrect_password" in run.error and "wrong" not in run.error
    with pytest.raises(AuthError):
        connector_for(channel).test_connection()


@pytest.mark.parametrize(("status", "cause"), [(429, "rate_limited"), (503, "server_error")])
def test_rate_limits_and_server_errors_are_transient_and_keep_the_cursor(workspace, replay, status, cause):
    replay.add("GET", "/wp-json/wp/v2/posts", status, {"code": "too_many"}, {"retry-after": "120"})
    channel = wp_channel(workspace, replay)
    channel.cursor = {"posts": {"date": "2008-09-03T10:27:56", "ids": [1149]}}
    channel.save()
    with pytest.raises(TransientError) as raised:
        list(connector_for(channel).fetch(since=channel.cursor))
    assert raised.value.cause == cause and raised.value.retry_after == 120
    run = poll_channel(channel.pk)
    channel.refresh_from_db()
    assert not run.ok and not channel.needs_reconnection and channel.consecutive_failures == 1
    assert channel.cursor == {"posts": {"date": "2008-09-03T10:27:56", "ids": [1149]}}


def test_testing_the_connection_names_the_site_the_account_or_the_cause(workspace, replay):
    replay.recorded("wordpress", "index")
    replay.recorded("wordpress", "users_me")
    assert connector_for(wp_channel(workspace, replay)).test_connection() == (
        "Site WordPress « Theme Unit Test Data », lu sans compte"
    )
    assert connector_for(wp_channel(workspace, replay, password="pw")).test_connection() == (
        "Site WordPress « Theme Unit Test Data », connecté en tant que Theme Reviewer"
    )
    replay.routes.clear()
    replay.add("GET", "/wp-json/", body="<html><body>Just a page</body></html>")
    with pytest.raises(PermanentError) as not_wp:
        connector_for(wp_channel(workspace, replay)).test_connection()
    assert not_wp.value.cause == "not_wordpress"
    with pytest.raises(TransientError) as down:
        connector_for(
            Channel(workspace=workspace, kind="wordpress", config={"site_url": "http://127.0.0.1:9"})
        ).test_connection()
    assert down.value.cause == "unreachable"


def test_a_reply_is_posted_under_the_comment_and_a_comment_can_be_held_or_trashed(workspace, replay):
    serve_site(replay)
    replay.recorded("wordpress", "comment_created")
    replay.recorded("wordpress", "comment_held")
    replay.add("DELETE", "/wp-json/wp/v2/comments/882", body={"id": 882, "status": "trash"})
    channel = wp_channel(workspace, replay, password="pw")
    poll_channel(channel.pk)
    connector = connector_for(channel)
    top = Message.objects.get(channel=channel, external_id="comment:881")
    assert connector.reply(top, "Merci John !") == "comment:890"
    sent = json.loads(replay.requests("POST", "/wp-json/wp/v2/comments")[0].body)
    assert sent == {"post": 1149, "parent": 881, "content": "Merci John !"}
    reply = Message.objects.get(channel=channel, external_id="comment:882")
    connector.hide(reply)
    assert json.loads(replay.requests("POST", "/wp-json/wp/v2/comments/882")[0].body) == {"status": "hold"}
    connector.delete(reply)
    assert replay.requests("DELETE", "/wp-json/wp/v2/comments/882")


def test_answering_without_an_application_password_is_refused_before_any_request(workspace, replay):
    channel = wp_channel(workspace, replay)
    with pytest.raises(AuthError):
        connector_for(channel).reply(Message(external_id="post:1149"), "hello")
    assert not replay.received


def test_the_setup_form_keeps_the_application_password_encrypted_and_asks_for_its_user(
    manager_client, workspace, replay
):
    data = {"name": "Blog", "site_url": replay.base, "poll_interval_seconds": 600, "read_comments": "on"}
    missing_user = manager_client.post(
        "/app/channels/add/wordpress/", {**data, "application_password": "pw", "action": "save"}
    )
    assert "Un mot de passe d’application" in missing_user.content.decode()
    assert not Channel.objects.filter(kind="wordpress").exists()
    manager_client.post(
        "/app/channels/add/wordpress/",
        {**data, "username": "themereviewer", "application_password": "s3cret pw", "action": "save"},
    )
    channel = Channel.objects.get(kind="wordpress")
    assert json.loads(channel.credentials) == {"application_password": "s3cret pw"}
    assert "s3cret" not in json.dumps(channel.config)
    page = manager_client.get(f"/app/channels/{channel.pk}/").content.decode()
    assert "s3cret" not in page
