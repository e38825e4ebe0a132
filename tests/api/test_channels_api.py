"""Channels in the API: what the channel pages show of each one, never a secret, and their three buttons.

The walk over every endpoint, role and foreign workspace is test_inbox_api's (channel_id is in its world).
"""

from __future__ import annotations

import json
from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from animateur.api.actions import do_create_api_token
from animateur.channels import meta_webhook
from animateur.channels.connectors.youtube import quota_day
from animateur.channels.models import Channel, ChannelRun, MetaNotification, OAuthApp
from animateur.core.actions import SystemActor
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from tests.channels.factories import SECRET_TOKEN, channels_objects

SYSTEM = SystemActor("tests")
APP_SECRET = "meta-app-SECRET-456"  # noqa: S105


def bearer(workspace, user) -> dict[str, str]:
    _token, key = do_create_api_token(workspace, user, "t", actor=SYSTEM)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_ACCEPT_LANGUAGE": "fr"}


@pytest.fixture
def world(workspace, make_workspace, make_user):
    other = make_workspace("other", "Other")
    users = {role: make_user(f"{role}@a.org", workspace, role) for role in Role}
    mastodon = Channel.objects.get(pk=channels_objects(workspace)["channel_id"])
    now = timezone.now()
    Channel.objects.filter(pk=mastodon.pk).update(
        consecutive_failures=2,
        last_error_at=now,
        last_error_cause="credentials_refused",
        last_error=f"401 for token {SECRET_TOKEN}",  # a source echoing the token back
        cursor={"since_id": "cursor-value-789"},
    )
    ChannelRun.objects.create(
        channel=mastodon, started_at=now - timedelta(minutes=5), finished_at=now, ok=False, cause="timeout"
    )
    youtube = Channel.objects.create(
        workspace=workspace,
        kind="youtube",
        name="Chaîne YouTube",
        config={
            "channel_id": "UC" + "a" * 22,
            "daily_quota": 10000,
            "quota_day": quota_day(),
            "quota_used": 1234,
            "oauth_network": "google",
            "token_expires_at": (now + timedelta(days=3)).isoformat(),
            "token_expiry_alerted": "",
        },
        credentials=json.dumps({"api_key": "AIza-SECRET-key", "refresh_token": "refresh-SECRET"}),
    )
    app = OAuthApp.objects.create(workspace=workspace, network="facebook", client_id="4242", client_secret=APP_SECRET)
    page = Channel.objects.create(
        workspace=workspace,
        kind="facebook",
        name="Page Acme",
        config={"page_id": "1001"},
        credentials=json.dumps({"page_token": "EAA-SECRET-page"}),
        last_notified_at=now,
    )
    MetaNotification.objects.create(
        workspace=workspace, app_id="4242", digest="d" * 64, body="{}", state="failed", error="pas d'entrée"
    )
    foreign = channels_objects(other)["channel_id"]
    return {
        "users": users,
        "headers": {role: bearer(workspace, user) for role, user in users.items()},
        "mastodon": mastodon,
        "youtube": youtube,
        "page": page,
        "verify_token": meta_webhook.verify_token(app),
        "foreign": foreign,
    }


SECRETS = (SECRET_TOKEN, "AIza-SECRET-key", "refresh-SECRET", "EAA-SECRET-page", APP_SECRET, "cursor-value-789")


def test_the_list_shows_each_channels_health_as_the_page_does_and_no_secret(world):
    response = Client().get("/api/channels", **world["headers"][Role.ANALYST])
    assert response.status_code == 200
    body = response.content.decode()
    for secret in (*SECRETS, world["verify_token"]):
        assert secret not in body
    by_name = {c["name"]: c for c in response.json()}
    for channel in by_name.values():
        assert not {"credentials", "cursor", "config", "lease_token"} & set(channel)
        assert channel["meta_webhook"] is None or "verify_token" not in channel["meta_webhook"]
    assert set(by_name) == {"@animation", "Chaîne YouTube", "Page Acme"}  # not the other workspace's
    mastodon = by_name["@animation"]
    assert mastodon["status"] == "failing" and mastodon["status_label"] == "En échec"
    assert mastodon["consecutive_failures"] == 2
    assert mastodon["last_error_cause"] == "credentials_refused"
    assert mastodon["last_error_label"] == "identifiants refusés"
    assert mastodon["last_error_detail"].startswith("401 for token")
    assert mastodon["reads"] == {"api_base_url": "https://mastodon.example"}
    assert mastodon["quota"] is None and mastodon["token"] is None and mastodon["meta_webhook"] is None
    youtube = by_name["Chaîne YouTube"]
    assert youtube["quota"] == {"used_today": 1234, "daily_quota": 10000}
    assert youtube["token"]["renewal_due"] is True and youtube["token"]["alert_sent"] is False
    assert youtube["token"]["network"] == "google" and youtube["token"]["expires_at"]
    assert "api_key" not in youtube["reads"] and youtube["reads"]["channel_id"].startswith("UC")
    hook = by_name["Page Acme"]["meta_webhook"]
    assert hook["app_registered"] and hook["last_notification_at"]
    assert hook["unreadable"] == 1 and hook["unreadable_reason"] == "pas d'entrée"
    assert (hook["object"], hook["field"]) == ("Page", "feed")


def test_one_channel_gives_its_recent_runs(world):
    client = Client()
    answer = client.get(f"/api/channels/{world['mastodon'].pk}", **world["headers"][Role.MODERATOR]).json()
    assert answer["name"] == "@animation"
    [run] = answer["runs"]
    assert run["ok"] is False and run["cause"] == "timeout" and run["cause_label"] == "source trop lente à répondre"
    assert SECRET_TOKEN not in json.dumps(answer)


def test_roles_as_the_pages_have_them(world):
    client = Client()
    url = f"/api/channels/{world['mastodon'].pk}"
    assert client.get("/api/channels", **world["headers"][Role.GUEST]).status_code == 403
    assert client.get(url, **world["headers"][Role.GUEST]).status_code == 403
    for role in (Role.MODERATOR, Role.ANALYST):
        assert client.post(url + "/poll", **world["headers"][role]).status_code == 403
        assert client.post(url + "/pause", **world["headers"][role]).status_code == 403
    assert not Channel.objects.get(pk=world["mastodon"].pk).paused


def test_a_manager_asks_for_a_run_pauses_and_resumes_through_the_actions(world):
    client = Client()
    headers = world["headers"][Role.MANAGER]
    url = f"/api/channels/{world['mastodon'].pk}"
    with mock.patch("animateur.channels.actions._enqueue_poll") as enqueue:
        polled = client.post(url + "/poll", **headers)
        assert polled.status_code == 200 and polled.json()["detail"] == "Un relevé a été demandé."
        paused = client.post(url + "/pause", **headers).json()
        assert paused["channel"]["paused"] and paused["channel"]["status"] == "paused"
        assert paused["channel"]["status_label"] == "En pause"
        resumed = client.post(url + "/resume", **headers).json()
        assert not resumed["channel"]["paused"] and resumed["channel"]["next_poll_at"]
    assert enqueue.call_count == 1
    verbs = list(AuditEvent.objects.filter(target_id=str(world["mastodon"].pk)).values_list("verb", flat=True))
    assert {"channel.poll_now", "channel.pause", "channel.resume"} <= set(verbs)


@pytest.mark.parametrize("bad", ["0", "-1", "x1", "99999999999999999999999999999", "٣"])
def test_a_foreign_or_absurd_id_is_404_and_changes_nothing(world, bad):
    client = Client()
    headers = world["headers"][Role.OWNER]
    for channel_id in (world["foreign"], bad):
        assert client.get(f"/api/channels/{channel_id}", **headers).status_code == 404
        assert client.post(f"/api/channels/{channel_id}/pause", **headers).status_code == 404
    assert not Channel.objects.filter(paused=True).exists()
