"""Publishing to the workspace's own blog (a published space post, one audit event) and to Bluesky
(createRecord under an app password session, 300 graphemes, read back before a retry), against atproto's
real client and XRPC answers served locally."""

from __future__ import annotations

import json

import pytest

from animateur.channels.models import Channel
from animateur.channels.site import site_channel
from animateur.core.actions import ActionError
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.links.actions import short_url
from animateur.links.models import TrackedLink
from animateur.publishing import actions
from animateur.publishing.limits import graphemes
from animateur.publishing.models import Publication, PublicationState, PublicationTarget, TargetState
from animateur.publishing.sending import record_key
from animateur.space.models import Post, PostStatus
from animateur.stream.models import Message
from tests.channels.factories import mastodon_channel

DID = "did:plc:qivthlmhyfekbiqklot42xv4"
CREATE = "/xrpc/com.atproto.repo.createRecord"
LIST = "/xrpc/com.atproto.repo.listRecords"
RECORDED_URI = f"at://{DID}/app.bsky.feed.post/3kr2fffffff2f"  # the recorded createRecord's answer


@pytest.fixture
def owner(workspace, make_user):
    return make_user("owner@acme.org", workspace, Role.OWNER)


def bsky(workspace, replay):
    return Channel.objects.create(
        workspace=workspace,
        kind="bluesky",
        name="@acme.bsky.social",
        config={"service": replay.base, "handle": "acme.bsky.social"},
        credentials=json.dumps({"app_password": "abcd-efgh-ijkl-mnop"}),
    )


def test_the_blog_gets_a_published_post_with_its_stream_message_under_one_audit_event(workspace, owner):
    blog = site_channel(workspace)
    text = "Nos horaires d’été\nLa boutique ouvre à 9 h tout l’été. **Bienvenue !**"
    publication = actions.do_save_publication(workspace, text, [blog.pk], actor=owner)
    before = AuditEvent.objects.count()
    actions.do_publish_publication(publication, actor=owner)
    target = PublicationTarget.objects.get(publication=publication)
    post = Post.objects.get(workspace=workspace)
    assert post.status == PostStatus.PUBLISHED and post.title == "Nos horaires d’été"
    assert "<strong>Bienvenue !</strong>" in post.body_html and post.author.user == owner
    assert target.state == TargetState.SENT and target.remote_id == f"post:{post.pk}"
    assert target.url.endswith(f"/{post.slug}/") and target.message == post.message
    assert post.message.from_organisation
    # one action, one audit event: the blog post is written by the space's helpers, not its public action
    assert list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True)[before:]) == [
        "publishing.publication.publish"
    ]
    with pytest.raises(ActionError):
        actions.do_publish_publication(publication, actor=owner)
    assert Post.objects.count() == 1


def test_the_blog_and_mastodon_together(workspace, owner, replay):
    replay.recorded("mastodon", "post_status")
    blog, toot = site_channel(workspace), mastodon_channel(workspace, replay.base)
    publication = actions.do_save_publication(workspace, "Toot, finally!", [blog.pk, toot.pk], actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    publication.refresh_from_db()
    assert publication.state == PublicationState.PUBLISHED and publication.scheduled_at is not None
    assert set(publication.targets.values_list("state", flat=True)) == {TargetState.SENT}
    assert Post.objects.filter(title="Toot, finally!").exists()


def test_bluesky_publishes_with_createrecord_and_a_record_key_made_from_the_intent(workspace, owner, replay):
    replay.recorded("bluesky", "create_session")
    replay.recorded("bluesky", "create_record")
    channel = bsky(workspace, replay)
    text = "Ouverture ce soir https://acme.example/ete 🌞"
    publication = actions.do_save_publication(workspace, text, [channel.pk], actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    target = PublicationTarget.objects.get(publication=publication)
    login = json.loads(replay.requests("POST", "/xrpc/com.atproto.server.createSession")[0].body)
    assert login == {"identifier": "acme.bsky.social", "password": "abcd-efgh-ijkl-mnop"}
    sent = json.loads(replay.requests("POST", CREATE)[0].body)
    assert sent["repo"] == DID and sent["collection"] == "app.bsky.feed.post"
    assert sent["rkey"] == record_key(target.prepared_at, target.idempotency_key) and len(sent["rkey"]) == 13
    # The link goes out as a tracked link of the workspace's own domain, with Bluesky's UTM.
    tracked = TrackedLink.objects.get(workspace=workspace)
    assert tracked.target == "https://acme.example/ete?utm_source=bluesky&utm_medium=social"
    assert tracked.channel == channel
    short = short_url(tracked)
    assert sent["record"]["text"] == text.replace("https://acme.example/ete", short)
    assert sent["record"]["langs"] == ["fr"] and target.parts[0]["text"] == sent["record"]["text"]
    link = sent["record"]["facets"][0]
    start = len(b"Ouverture ce soir ")
    assert (link["index"]["byteStart"], link["index"]["byteEnd"]) == (start, start + len(short))
    assert link["features"][0]["uri"] == short
    assert not replay.requests("GET", LIST)  # a first attempt does not read back
    assert target.state == TargetState.SENT and target.remote_id == RECORDED_URI
    assert target.url == "https://bsky.app/profile/acme.bsky.social/post/3kr2fffffff2f"
    message = Message.objects.get(channel=channel, external_id=RECORDED_URI)
    assert message.from_organisation and target.message == message


def test_after_a_lost_answer_bluesky_is_read_back_and_not_posted_twice(workspace, owner, replay):
    replay.recorded("bluesky", "create_session")

    def hang_up(received):
        raise ConnectionAbortedError("answer lost")

    replay.server.handle_error = lambda *args: None
    replay.add("POST", CREATE, body=hang_up)
    channel = bsky(workspace, replay)
    publication = actions.do_save_publication(workspace, "Une seule fois", [channel.pk], actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    target = PublicationTarget.objects.get(publication=publication)
    assert target.state == TargetState.FAILED and target.error
    rkey = record_key(target.prepared_at, target.idempotency_key)
    made = f"at://{DID}/app.bsky.feed.post/{rkey}"
    # The server did make the post: listRecords has it, newest first, among others.
    replay.add(
        "GET",
        LIST,
        body={
            "cursor": rkey,
            "records": [
                {
                    "uri": made,
                    "cid": "bafyreianwuxua5waqjiyievp2potk5xczmggg4b7277nlyr23zqo73zr3e",
                    "value": {
                        "$type": "app.bsky.feed.post",
                        "text": "Une seule fois",
                        "createdAt": "2026-12-07T10:00:00.000Z",
                        "langs": ["fr"],
                    },
                },
                {
                    "uri": f"at://{DID}/app.bsky.feed.post/3kr2aaaaaaa2a",
                    "cid": "bafyreievaxfmw7drb3ixcjp4y3ftm2pi3xfgzdgyv5vdd5vtzvsgatbqta",
                    "value": {"$type": "app.bsky.feed.post", "text": "Avant", "createdAt": "2026-12-01T10:00:00.000Z"},
                },
            ],
        },
    )
    actions.do_publish_publication(publication, actor=owner)
    target.refresh_from_db()
    assert len(replay.requests("POST", CREATE)) == 1  # never twice
    listed = replay.requests("GET", LIST)[0]
    assert f"repo={DID.replace(':', '%3A')}" in listed.query and "collection=app.bsky.feed.post" in listed.query
    assert target.state == TargetState.SENT and target.remote_id == made and target.attempts == 2
    assert Message.objects.filter(channel=channel, external_id=made).count() == 1


def test_bluesky_takes_300_graphemes_not_300_code_points(workspace, owner, replay):
    channel = bsky(workspace, replay)
    toned = "👍🏽" * 300  # 600 code points, 300 graphemes
    assert graphemes(toned) == 300 and graphemes("👨‍👩‍👧🇫🇷e\u0301") == 3
    assert actions.do_save_publication(workspace, toned, [channel.pk], actor=owner)
    with pytest.raises(ActionError, match="au plus 3000 octets .la limite de Bluesky."):
        actions.do_save_publication(workspace, "👨‍👩‍👧" * 200, [channel.pk], actor=owner)
    with pytest.raises(ActionError, match="au plus 300 caractères .la limite de Bluesky. ; ce texte en a 301"):
        actions.do_save_publication(workspace, "é" * 301, [channel.pk], actor=owner)
    assert Publication.objects.count() == 1


def test_publishing_inside_a_callers_transaction_fails_before_anything_is_sent(workspace, owner, replay):
    """Sends cannot be rolled back: the intent is committed in a transaction of its own, so a caller's
    transaction around the action stops it before the network hears anything."""
    from django.db import transaction

    replay.recorded("mastodon", "post_status")
    toot = mastodon_channel(workspace, replay.base)
    publication = actions.do_save_publication(workspace, "Toot, finally!", [toot.pk], actor=owner)
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        actions.do_publish_publication(publication, actor=owner)
    assert replay.requests("POST", "/api/v1/statuses") == []
    publication.refresh_from_db()
    assert publication.state != PublicationState.PUBLISHED
