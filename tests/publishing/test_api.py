"""Publishing in the HTTP API: a draft by channel name, published to a replayed Mastodon server."""

from __future__ import annotations

import pytest

from animateur.api.actions import do_create_api_token
from animateur.core.actions import SystemActor
from animateur.core.roles import Role
from animateur.stream.models import Message
from tests.channels.factories import mastodon_channel

pytestmark = pytest.mark.django_db


def _headers(workspace, make_user, role):
    user = make_user(f"{role}@example.org", workspace, role)
    _token, key = do_create_api_token(workspace, user, "t", actor=SystemActor("tests"))
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_a_publication_is_drafted_by_channel_name_and_published_through_the_api(client, workspace, make_user, replay):
    replay.recorded("mastodon", "post_status")
    mastodon_channel(workspace, replay.base, config={"max_characters": 500})
    headers = _headers(workspace, make_user, Role.MANAGER)
    created = client.post(
        "/api/publishing/publications",
        {"text": "Toot, finally!", "channel_names": ["@acme"]},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201 and created.json()["state"] == "draft"
    publication_id = created.json()["id"]
    published = client.post(f"/api/publishing/publications/{publication_id}/publish", **headers)
    body = published.json()
    assert published.status_code == 200 and body["state"] == "published"
    [target] = body["targets"]
    assert target["remote_id"] == "117020583245459824" and target["url"].startswith(replay.base)
    assert Message.objects.get(pk=target["message_id"]).from_organisation
    again = client.post(f"/api/publishing/publications/{publication_id}/publish", **headers)
    assert again.status_code == 400 and len(replay.requests("POST", "/api/v1/statuses")) == 1


def test_the_api_refuses_a_text_over_the_servers_limit_and_an_unknown_channel(client, workspace, make_user):
    mastodon_channel(workspace, "https://mastodon.example", config={"max_characters": 11})
    headers = _headers(workspace, make_user, Role.MANAGER)
    too_long = client.post(
        "/api/publishing/publications",
        {"text": "Douze lettres", "channel_names": ["@acme"]},
        content_type="application/json",
        **headers,
    )
    assert too_long.status_code == 400 and "11 caractères" in too_long.json()["detail"]
    unknown = client.post(
        "/api/publishing/publications",
        {"text": "Bonjour", "channel_names": ["@nobody"]},
        content_type="application/json",
        **headers,
    )
    assert unknown.status_code == 400 and "@nobody" in unknown.json()["detail"]
    analyst = _headers(workspace, make_user, Role.ANALYST)
    assert client.get("/api/publishing/publications", **analyst).status_code == 200
    refused = client.post(
        "/api/publishing/publications",
        {"text": "x", "channel_names": ["@acme"]},
        content_type="application/json",
        **analyst,
    )
    assert refused.status_code == 403


def test_approval_steps_the_calendar_and_the_setting_through_the_api(client, workspace, make_user):
    from datetime import timedelta

    from django.utils import timezone

    from animateur.channels.site import site_channel

    blog = site_channel(workspace)
    manager = _headers(workspace, make_user, Role.MANAGER)
    owner = _headers(workspace, make_user, Role.OWNER)
    put = client.put(
        "/api/publishing/publishing-settings", {"approval": "owner"}, content_type="application/json", **manager
    )
    assert put.status_code == 403
    put = client.put(
        "/api/publishing/publishing-settings", {"approval": "owner"}, content_type="application/json", **owner
    )
    assert put.status_code == 200 and put.json() == {"approval": "owner", "track_links": True, "alt_required": False}
    created = client.post(
        "/api/publishing/publications",
        {"text": "Rentrée", "channel_ids": [blog.pk]},
        content_type="application/json",
        **manager,
    ).json()
    assert created["approval"] == "owner"
    steps = f"/api/publishing/publications/{created['id']}/steps"
    at = (timezone.now() + timedelta(days=3)).isoformat()
    sent = client.post(steps, {"kind": "requested", "at": at}, content_type="application/json", **manager)
    assert sent.status_code == 200 and sent.json()["state"] == "awaiting_approval"
    refused = client.post(steps, {"kind": "approved"}, content_type="application/json", **manager)
    assert refused.status_code == 403
    done = client.post(steps, {"kind": "approved", "text": "OK"}, content_type="application/json", **owner).json()
    assert done["state"] == "scheduled" and [s["kind"] for s in done["steps"]] == ["requested", "approved"]
    bad = client.post(steps, {"kind": "frobnicate"}, content_type="application/json", **owner)
    assert bad.status_code in (400, 422)
    day = (timezone.localtime() + timedelta(days=3)).date()
    listed = client.get(f"/api/publishing/calendar?start={day}&end={day + timedelta(days=1)}", **manager).json()
    assert [e["id"] for e in listed] == [created["id"]] and listed[0]["channels"] == [blog.name]
    assert client.get("/api/publishing/calendar?start=2026-01-10&end=2026-01-01", **manager).status_code == 400
