"""Publishing to the networks whose posts have a title (the text's first line): WordPress (POST
/wp-json/wp/v2/posts with an application password), Discourse (a new topic through POST /posts.json under
an external id) and Reddit (a self post through POST /api/submit), against answers in their own shapes
served locally; an answer lost on the network is found again before any retry, and nothing is posted twice."""

from __future__ import annotations

import base64
import copy
import json
from urllib.parse import parse_qs

import pytest

from animateur.channels.connectors.reddit import RedditConnector
from animateur.channels.models import Channel
from animateur.core.actions import ActionError
from animateur.core.roles import Role
from animateur.publishing import actions
from animateur.publishing.models import PublicationState, PublicationTarget, TargetState
from animateur.stream.models import Kind, Message
from tests.channels.replay import FIXTURES

TEXT = "Nos horaires d’été\nLa boutique ouvre à 9 h tout l’été, du lundi au samedi."
TITLE, BODY = TEXT.split("\n")


@pytest.fixture
def owner(workspace, make_user):
    ws = workspace
    ws.settings = {**(ws.settings or {}), "publishing_track_links": False}
    ws.save(update_fields=["settings"])
    return make_user("owner@acme.org", workspace, Role.OWNER)


def _fixture(kind: str, name: str) -> dict:
    return json.loads((FIXTURES / kind / f"{name}.json").read_text())


def _lost_then(replay, method: str, path: str, answer) -> list:
    """The first request is received (and would make the post) but its answer never comes back; the
    following ones get `answer`."""
    calls: list = []

    def serve(received):
        calls.append(received)
        if len(calls) == 1:
            raise ConnectionAbortedError("answer lost")
        return answer(received) if callable(answer) else answer

    replay.server.handle_error = lambda *args: None
    replay.add(method, path, body=serve)
    return calls


# -- WordPress ------------------------------------------------------------------------------------------


def _wp_channel(workspace, replay):
    return Channel.objects.create(
        workspace=workspace,
        kind="wordpress",
        name="Le site",
        config={"site_url": replay.base, "username": "themereviewer"},
        credentials=json.dumps({"application_password": "abcd efgh ijkl mnop"}),
    )


def _wp_post(replay, post_id: int = 1201) -> dict:
    """A post as POST /wp/v2/posts answers it (the edit context: raw and rendered title and content)."""
    entry = copy.deepcopy(json.loads(_fixture("wordpress", "posts_page1")["body"].replace("{base}", replay.base))[0])
    entry.update(
        id=post_id,
        date_gmt="2026-12-07T10:00:00",
        link=f"{replay.base}/2026/12/07/nos-horaires-dete/",
        slug="nos-horaires-dete",
        title={"raw": TITLE, "rendered": TITLE},
        content={"raw": BODY, "rendered": f"<p>{BODY}</p>\n", "protected": False},
    )
    return entry


def test_wordpress_gets_a_published_post_with_the_first_line_as_its_title(workspace, owner, replay):
    replay.add("POST", "/wp-json/wp/v2/posts", 201, _wp_post(replay))
    channel = _wp_channel(workspace, replay)
    publication = actions.do_save_publication(workspace, TEXT, [channel.pk], actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    [sent] = replay.requests("POST", "/wp-json/wp/v2/posts")
    assert json.loads(sent.body) == {"title": TITLE, "content": BODY, "status": "publish"}
    expected = base64.b64encode(b"themereviewer:abcd efgh ijkl mnop").decode()
    assert sent.headers["Authorization"] == f"Basic {expected}"
    target = PublicationTarget.objects.get(publication=publication)
    assert target.state == TargetState.SENT and target.remote_id == "post:1201"
    assert target.url == f"{replay.base}/2026/12/07/nos-horaires-dete/"
    message = Message.objects.get(channel=channel, external_id="post:1201")
    assert message.from_organisation and message.kind == Kind.POST and target.message == message


def test_wordpress_after_a_lost_answer_finds_the_post_and_does_not_publish_twice(workspace, owner, replay):
    calls = _lost_then(replay, "POST", "/wp-json/wp/v2/posts", _wp_post(replay))
    other = {**_wp_post(replay, 1199), "title": {"raw": "Autre chose", "rendered": "Autre chose"}}
    replay.add("GET", "/wp-json/wp/v2/posts", 200, [other, _wp_post(replay)], query="context=edit")
    channel = _wp_channel(workspace, replay)
    publication = actions.do_save_publication(workspace, TEXT, [channel.pk], actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    target = PublicationTarget.objects.get(publication=publication)
    assert target.state == TargetState.FAILED and target.error
    actions.do_publish_publication(publication, actor=owner)
    target.refresh_from_db()
    assert len(calls) == 1  # read back, found, not posted again
    [listed] = replay.requests("GET", "/wp-json/wp/v2/posts")
    assert parse_qs(listed.query)["context"] == ["edit"] and "after" in parse_qs(listed.query)
    assert target.state == TargetState.SENT and target.remote_id == "post:1201" and target.attempts == 2
    assert Message.objects.filter(channel=channel, external_id="post:1201").count() == 1


def test_wordpress_posts_again_when_the_read_back_finds_nothing(workspace, owner, replay):
    calls = _lost_then(replay, "POST", "/wp-json/wp/v2/posts", _wp_post(replay))
    replay.add("GET", "/wp-json/wp/v2/posts", 200, [], query="context=edit")
    channel = _wp_channel(workspace, replay)
    publication = actions.do_save_publication(workspace, TEXT, [channel.pk], actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    assert len(calls) == 2
    publication.refresh_from_db()
    assert publication.state == PublicationState.PUBLISHED


def test_wordpress_refusal_shows_its_own_code(workspace, owner, replay):
    refused = _fixture("wordpress", "incorrect_password")
    replay.add("POST", "/wp-json/wp/v2/posts", refused["status"], refused["body"], refused["headers"])
    channel = _wp_channel(workspace, replay)
    publication = actions.do_save_publication(workspace, TEXT, [channel.pk], actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    target = PublicationTarget.objects.get(publication=publication)
    assert target.state == TargetState.FAILED and "incorrect_password" in target.error


# -- Discourse ------------------------------------------------------------------------------------------


def _forum(workspace, replay, **config):
    return Channel.objects.create(
        workspace=workspace,
        kind="discourse",
        name="Forum",
        config={"forum_url": replay.base, "api_username": "acme_team", **config},
        credentials=json.dumps({"api_key": "k" * 64}),
    )


def _created_topic() -> dict:
    post = json.loads(_fixture("discourse", "post_created")["body"])
    post.update(
        id=120,
        post_number=1,
        reply_to_post_number=None,
        topic_id=41,
        topic_slug="nos-horaires-dete",
        topic_title=TITLE,
        cooked=f"<p>{BODY}</p>",
        post_url="/t/nos-horaires-dete/41/1",
    )
    return post


def _topic_json(replay) -> dict:
    """GET /t/<slug>/<id>.json, where /t/external_id/<key>.json leads (TopicViewSerializer, abridged)."""
    return {
        "id": 41,
        "title": TITLE,
        "slug": "nos-horaires-dete",
        "created_at": "2026-12-07T10:00:00.000Z",
        "posts_count": 1,
        "category_id": 7,
        "external_id": None,
        "post_stream": {"posts": [_created_topic()], "stream": [120]},
    }


def test_discourse_gets_a_new_topic_under_the_intents_external_id(workspace, owner, replay):
    replay.add("POST", "/posts.json", 200, _created_topic())
    channel = _forum(workspace, replay, category_id=7)
    publication = actions.do_save_publication(workspace, TEXT, [channel.pk], actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    target = PublicationTarget.objects.get(publication=publication)
    [sent] = replay.requests("POST", "/posts.json")
    assert json.loads(sent.body) == {"title": TITLE, "raw": BODY, "external_id": target.idempotency_key, "category": 7}
    assert sent.headers["Api-Username"] == "acme_team" and sent.headers["Api-Key"] == "k" * 64
    assert target.state == TargetState.SENT and target.remote_id == "41/1"
    assert target.url == f"{replay.base}/t/nos-horaires-dete/41"
    # The forum's replies to the topic (parent 41/1 when polled) attach to the published post.
    assert Message.objects.get(channel=channel, external_id="41/1").from_organisation


def test_discourse_after_a_lost_answer_finds_the_topic_by_its_external_id(workspace, owner, replay):
    calls = _lost_then(replay, "POST", "/posts.json", _created_topic())
    channel = _forum(workspace, replay)
    publication = actions.do_save_publication(workspace, TEXT, [channel.pk], actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    target = PublicationTarget.objects.get(publication=publication)
    assert target.state == TargetState.FAILED
    # Discourse redirects the external id to the topic itself.
    replay.add(
        "GET",
        f"/t/external_id/{target.idempotency_key}.json",
        302,
        "",
        {"location": "{base}/t/nos-horaires-dete/41.json"},
    )
    replay.add("GET", "/t/nos-horaires-dete/41.json", 200, _topic_json(replay))
    actions.do_publish_publication(publication, actor=owner)
    target.refresh_from_db()
    assert len(calls) == 1 and target.state == TargetState.SENT and target.remote_id == "41/1"
    assert Message.objects.filter(channel=channel, external_id="41/1").count() == 1


def test_discourse_with_no_such_topic_posts_again_with_the_same_external_id(workspace, owner, replay):
    calls = _lost_then(replay, "POST", "/posts.json", _created_topic())
    channel = _forum(workspace, replay)
    publication = actions.do_save_publication(workspace, TEXT, [channel.pk], actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    target = PublicationTarget.objects.get(publication=publication)
    replay.add("GET", f"/t/external_id/{target.idempotency_key}.json", 404, {"errors": ["not found"]})
    actions.do_publish_publication(publication, actor=owner)
    keys = [json.loads(c.body)["external_id"] for c in calls]
    assert keys == [target.idempotency_key, target.idempotency_key]


# -- Reddit ---------------------------------------------------------------------------------------------


@pytest.fixture
def reddit(replay, monkeypatch):
    monkeypatch.setattr(RedditConnector, "oauth_url", replay.base)
    monkeypatch.setattr(RedditConnector, "reddit_url", replay.base)
    replay.recorded("reddit", "access_token")
    return replay


def _subreddit(workspace):
    return Channel.objects.create(
        workspace=workspace,
        kind="reddit",
        name="r/acme",
        config={"subreddit": "acme", "client_id": "app-id", "username": "acme_team"},
        credentials=json.dumps({"client_secret": "app-secret", "password": "hunter2"}),
    )


SUBMITTED = {"json": {"errors": [], "data": {"url": "https://www.reddit.com/r/acme/comments/1chb9z9/nos_horaires_dete/",
                                            "drafts_count": 0, "id": "1chb9z9", "name": "t3_1chb9z9"}}}  # fmt: skip


def _submitted_listing(created_utc: float) -> dict:
    listing = json.loads(_fixture("reddit", "new")["body"])
    mine = copy.deepcopy(listing["data"]["children"][0])
    mine["data"].update(
        id="1chb9z9",
        name="t3_1chb9z9",
        title=TITLE,
        selftext=BODY,
        author="acme_team",
        created_utc=created_utc,
        permalink="/r/acme/comments/1chb9z9/nos_horaires_dete/",
    )
    listing["data"]["children"] = [mine, *listing["data"]["children"]]
    return listing


def test_reddit_gets_a_self_post_with_its_title(workspace, owner, reddit):
    reddit.add("POST", "/api/submit", 200, SUBMITTED)
    channel = _subreddit(workspace)
    publication = actions.do_save_publication(workspace, TEXT, [channel.pk], actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    [sent] = reddit.requests("POST", "/api/submit")
    form = parse_qs(sent.body.decode())
    assert form["title"] == [TITLE] and form["text"] == [BODY] and form["kind"] == ["self"] and form["sr"] == ["acme"]
    token = reddit.requests("POST", "/api/v1/access_token")[0]
    assert b"grant_type=password" in token.body
    target = PublicationTarget.objects.get(publication=publication)
    assert target.state == TargetState.SENT and target.remote_id == "t3_1chb9z9"
    assert target.url == "https://www.reddit.com/r/acme/comments/1chb9z9/"


def test_reddit_after_a_lost_answer_finds_the_post_among_the_accounts_submissions(workspace, owner, reddit):
    calls = _lost_then(reddit, "POST", "/api/submit", SUBMITTED)
    channel = _subreddit(workspace)
    publication = actions.do_save_publication(workspace, TEXT, [channel.pk], actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    target = PublicationTarget.objects.get(publication=publication)
    assert target.state == TargetState.FAILED
    reddit.add("GET", "/user/acme_team/submitted", 200, _submitted_listing(target.prepared_at.timestamp() + 2))
    actions.do_publish_publication(publication, actor=owner)
    target.refresh_from_db()
    assert len(calls) == 1 and target.state == TargetState.SENT and target.remote_id == "t3_1chb9z9"
    assert Message.objects.filter(channel=channel, external_id="t3_1chb9z9").count() == 1
    assert not reddit.requests("GET", "/comments/1chb9z9")  # the listing said enough: no fetch per post


def test_reddits_title_limit_is_300_characters(workspace, owner, reddit):
    channel = _subreddit(workspace)
    with pytest.raises(ActionError, match="300"):
        actions.do_save_publication(workspace, "T" * 301 + "\nle texte", [channel.pk], actor=owner)
    assert actions.do_save_publication(workspace, "T" * 300 + "\nle texte", [channel.pk], actor=owner)
