"""Live coverage: a running thread of quick updates on Mastodon and Bluesky (the first starts the thread on
each network, each next answers the last post there), sent never twice (intent, key, read back), with the
event's hashtag stream beside it, against locally served answers in the networks' own shapes."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from animateur.core.actions import ActionError
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.publishing import live
from animateur.publishing.models import LivePost, LiveUpdate, PublicationState, TargetState
from animateur.publishing.sending import record_key
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.pipeline import run_pipeline
from tests.channels.factories import mastodon_channel
from tests.publishing.test_blog_and_bluesky import CREATE, DID, bsky
from tests.publishing.test_links_and_threads import STATUSES, _form, _status_server


@pytest.fixture
def owner(workspace, make_user):
    return make_user("owner@acme.org", workspace, Role.OWNER)


def _bsky_server(replay):
    replay.recorded("bluesky", "create_session")
    count = {"n": 0}

    def created(received):
        count["n"] += 1
        rkey = json.loads(received.body)["rkey"]
        return {"uri": f"at://{DID}/app.bsky.feed.post/{rkey}", "cid": f"bafyreicid{count['n']}"}

    replay.add("POST", CREATE, body=created)


def test_updates_make_one_running_thread_on_mastodon_and_bluesky(workspace, owner, replay):
    made, _calls = _status_server(replay)
    _bsky_server(replay)
    toot, sky = mastodon_channel(workspace, replay.base), bsky(workspace, replay)
    coverage = live.do_start_live_coverage(workspace, "Rencontres CCI", [toot.pk, sky.pk], hashtag="rsCCI", actor=owner)
    assert coverage.hashtag == "#rsCCI" and coverage.live
    before = AuditEvent.objects.count()
    first = live.do_post_live_update(coverage, "On commence ! #rsCCI", actor=owner)
    second = live.do_post_live_update(coverage, "Première table ronde #rsCCI", actor=owner)
    third = live.do_post_live_update(coverage, "Pause café #rsCCI", actor=owner)
    assert [u.state for u in (first, second, third)] == [PublicationState.PUBLISHED] * 3
    verbs = list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True)[before:])
    assert verbs == ["publishing.live.post"] * 3
    # Mastodon: each next update answers the last status of the thread.
    statuses = [_form(r) for r in replay.requests("POST", STATUSES)]
    ids = [p.remote_id for p in LivePost.objects.filter(channel=toot).order_by("pk")]
    assert "in_reply_to_id" not in statuses[0]
    assert statuses[1]["in_reply_to_id"] == ids[0] and statuses[2]["in_reply_to_id"] == ids[1]
    # Bluesky: root is the thread's first post, parent the last one.
    records = [json.loads(r.body)["record"] for r in replay.requests("POST", CREATE)]
    posts = list(LivePost.objects.filter(channel=sky).order_by("pk"))
    assert "reply" not in records[0]
    root, parent = records[2]["reply"]["root"], records[2]["reply"]["parent"]
    assert (root["uri"], root["cid"]) == (posts[0].remote_id, posts[0].cid)
    assert (parent["uri"], parent["cid"]) == (posts[1].remote_id, posts[1].cid)
    rkey = json.loads(replay.requests("POST", CREATE)[1].body)["rkey"]
    assert rkey == record_key(posts[1].prepared_at, posts[1].idempotency_key)
    # Each post is in the stream as the organisation's own.
    assert all(p.message is not None and p.message.from_organisation for p in posts)


def test_an_update_whose_answer_was_lost_is_sent_again_with_the_same_key_and_parent(workspace, owner, replay):
    made, calls = _status_server(replay, lose={2})
    toot = mastodon_channel(workspace, replay.base)
    coverage = live.do_start_live_coverage(workspace, "Live", [toot.pk], hashtag="#live", actor=owner)
    live.do_post_live_update(coverage, "Un", actor=owner)
    update = live.do_post_live_update(coverage, "Deux", actor=owner)
    assert update.state == PublicationState.FAILED
    post = update.posts.get()
    assert post.state == TargetState.FAILED and post.error
    before = AuditEvent.objects.count()
    live.do_retry_live_update(update, actor=owner)
    post.refresh_from_db()
    assert post.state == TargetState.SENT and post.attempts == 2
    assert [c.headers["Idempotency-Key"] for c in calls[1:]] == [post.idempotency_key] * 2
    assert _form(calls[2])["in_reply_to_id"] == _form(calls[1])["in_reply_to_id"]
    assert len(made) == 2  # never twice
    assert list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True)[before:]) == ["publishing.live.retry"]
    with pytest.raises(ActionError):
        live.do_retry_live_update(update, actor=owner)


def test_bad_input_is_refused_and_changes_nothing(workspace, owner, replay, make_workspace, make_user):
    toot = mastodon_channel(workspace, replay.base)
    with pytest.raises(ActionError):
        live.do_start_live_coverage(workspace, "", [toot.pk], hashtag="x", actor=owner)
    with pytest.raises(ActionError):
        live.do_start_live_coverage(workspace, "T", [toot.pk], hashtag="deux mots", actor=owner)
    with pytest.raises(ActionError):
        live.do_start_live_coverage(workspace, "T", [toot.pk], actor=owner)  # no hashtag nor search
    from animateur.channels.site import site_channel

    with pytest.raises(ActionError):  # the blog takes no live thread
        live.do_start_live_coverage(workspace, "T", [site_channel(workspace).pk], hashtag="x", actor=owner)
    other = make_workspace("autre", "Autre")
    foreign = mastodon_channel(other, replay.base)
    with pytest.raises(ActionError):
        live.do_start_live_coverage(workspace, "T", [foreign.pk], hashtag="x", actor=owner)
    coverage = live.do_start_live_coverage(workspace, "T", [toot.pk], hashtag="x", actor=owner)
    with pytest.raises(ActionError, match="500"):
        live.do_post_live_update(coverage, "a" * 501, actor=owner)
    with pytest.raises(ActionError):
        live.do_post_live_update(coverage, "   ", actor=owner)
    assert not LiveUpdate.objects.exists()
    analyst = make_user("analyst@acme.org", workspace, Role.ANALYST)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        live.do_post_live_update(coverage, "Bonjour", actor=analyst)
    live.do_end_live_coverage(coverage, actor=owner)
    with pytest.raises(ActionError):
        live.do_post_live_update(coverage, "Après la fin", actor=owner)
    with pytest.raises(ActionError):
        live.do_end_live_coverage(coverage, actor=owner)
    assert not LiveUpdate.objects.exists()


def test_an_update_waits_while_the_previous_one_is_being_sent(workspace, owner, replay):
    _status_server(replay)
    toot = mastodon_channel(workspace, replay.base)
    coverage = live.do_start_live_coverage(workspace, "T", [toot.pk], hashtag="x", actor=owner)
    LiveUpdate.objects.create(coverage=coverage, text="en cours", state=PublicationState.SENDING)
    with pytest.raises(ActionError):
        live.do_post_live_update(coverage, "Suivante", actor=owner)
    assert coverage.updates.count() == 1 and not replay.requests("POST", STATUSES)
    LiveUpdate.objects.update(updated_at=timezone.now() - live.STALE_SENDING * 2)
    assert live.do_post_live_update(coverage, "Suivante", actor=owner).state == PublicationState.PUBLISHED


def _said(workspace, channel, text, external_id, *, ours=False):
    item = Incoming(
        channel=channel,
        external_id=external_id,
        text=text,
        created_at=timezone.now(),
        author=AuthorInfo(external_id=f"a-{external_id}", display_name="Ana"),
        kind="post",
        source_visibility="visible",
        from_organisation=ours,
    )
    return run_pipeline([item]).created[0]


def test_the_hashtag_stream_shows_the_events_messages_newest_first(workspace, owner, replay):
    toot = mastodon_channel(workspace, replay.base)
    coverage = live.do_start_live_coverage(workspace, "T", [toot.pk], hashtag="#rsCCI", actor=owner)
    older = _said(workspace, toot, "Bravo #rscci !", "1")
    newer = _said(workspace, toot, "Super table ronde #rsCCI", "2")
    _said(workspace, toot, "Autre chose #rsCCI2", "3")
    _said(workspace, toot, "Sans hashtag", "4")
    _said(workspace, toot, "Notre propre post #rsCCI", "5", ours=True)
    assert [m.pk for m in live.hashtag_stream(coverage)] == [newer.pk, older.pk]
    assert [m.pk for m in live.hashtag_stream(coverage, after=older.pk)] == [newer.pk]


def test_the_live_pages_and_the_api(workspace, owner, replay, client):
    _status_server(replay)
    toot = mastodon_channel(workspace, replay.base)
    client.force_login(owner)
    response = client.post(
        reverse("publishing:live_list"), {"title": "Rencontres", "hashtag": "#rsCCI", "channels": [toot.pk]}
    )
    coverage = live.LiveCoverage.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("publishing:live", args=[coverage.pk])
    response = client.post(reverse("publishing:live_post", args=[coverage.pk]), {"text": "Ça commence #rsCCI"})
    assert response.status_code == 302 and LiveUpdate.objects.get().state == PublicationState.PUBLISHED
    _said(workspace, toot, "Vu à la conférence #rsCCI", "9")
    page = client.get(reverse("publishing:live", args=[coverage.pk])).content.decode()
    assert "Ça commence #rsCCI" in page and "Vu à la conférence" in page
    stream = client.get(reverse("publishing:live_stream", args=[coverage.pk]))
    assert stream.status_code == 200 and "Vu à la conférence" in stream.content.decode()
    response = client.post(reverse("publishing:live_list"), {"title": "", "channels": ["x"]})
    assert response.status_code == 400
    assert client.post(reverse("publishing:live_end", args=[coverage.pk])).status_code == 302
    coverage.refresh_from_db()
    assert coverage.ended_at is not None


def test_live_coverage_in_the_api(workspace, make_user, replay, client):
    from animateur.api.actions import do_create_api_token
    from animateur.core.actions import SystemActor

    _status_server(replay)
    toot = mastodon_channel(workspace, replay.base)
    user = make_user("manager@acme.org", workspace, Role.MANAGER)
    _token, key = do_create_api_token(workspace, user, "t", actor=SystemActor("tests"))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    base = "/api/publishing/live"
    started = client.post(
        f"{base}/coverages",
        {"title": "Rencontres", "hashtag": "rsCCI", "channel_ids": [toot.pk]},
        content_type="application/json",
        **headers,
    )
    assert started.status_code == 201 and started.json()["hashtag"] == "#rsCCI" and started.json()["live"]
    coverage_id = started.json()["id"]
    for text in ("Un #rsCCI", "Deux #rsCCI"):
        posted = client.post(
            f"{base}/coverages/{coverage_id}/updates", {"text": text}, content_type="application/json", **headers
        )
        assert posted.status_code == 201 and posted.json()["state"] == "published"
    thread = client.get(f"{base}/coverages/{coverage_id}/updates", **headers).json()
    assert [u["text"] for u in thread] == ["Un #rsCCI", "Deux #rsCCI"]
    assert thread[1]["posts"][0]["url"].startswith(replay.base)
    seen = _said(workspace, toot, "Bravo #rsCCI", "s1")
    stream = client.get(f"{base}/coverages/{coverage_id}/stream", **headers).json()
    assert [m["id"] for m in stream] == [seen.pk]
    refused = client.post(
        f"{base}/coverages/{coverage_id}/updates", {"text": ""}, content_type="application/json", **headers
    )
    assert refused.status_code == 400 and refused.json()["detail"]
    ended = client.post(f"{base}/coverages/{coverage_id}/end", **headers)
    assert ended.status_code == 200 and not ended.json()["live"]
    assert client.post(f"{base}/coverages/{coverage_id}/end", **headers).status_code == 400


def test_a_saved_search_can_stand_for_the_hashtag(workspace, owner, replay):
    from animateur.listening.actions import do_create_search

    toot = mastodon_channel(workspace, replay.base)
    search = do_create_search(workspace, "Rencontres", "rencontres", actor=owner)
    coverage = live.do_start_live_coverage(workspace, "T", [toot.pk], search=search, actor=owner)
    assert coverage.hashtag == "" and coverage.search == search
    seen = _said(workspace, toot, "Les rencontres commencent", "r1")  # matched in the pipeline
    _said(workspace, toot, "Autre sujet", "r2")
    assert [m.pk for m in live.hashtag_stream(coverage)] == [seen.pk]
