"""Moderation at the source when the source fails: the wait it asks for is honoured, and a connector
that cannot be built is a failure on record, never read as « this kind has no connector »."""

from __future__ import annotations

import json

from animateur.channels.connectors import base
from animateur.channels.connectors.base import Capability, Connector
from animateur.channels.models import Channel
from animateur.core.models import AuditEvent
from animateur.moderation import sources

from .factories import post


def wordpress_comment(workspace, replay):
    channel = Channel.objects.create(
        workspace=workspace,
        kind="wordpress",
        name="Blog partenaire",
        config={"site_url": replay.base, "username": "themereviewer"},
        credentials=json.dumps({"application_password": "app pass word"}),
    )
    return post(workspace, "A comment", channel=channel, external_id="comment:882")


def test_a_source_asking_to_wait_two_hours_is_asked_again_no_sooner(workspace, replay):
    replay.add("POST", "/wp-json/wp/v2/comments/882", 503, {"code": "maintenance"}, {"retry-after": "7200"})
    message = wordpress_comment(workspace, replay)
    retry = sources.perform(message.pk, "hide")
    assert retry == 7200
    event = AuditEvent.objects.get(verb=sources.FAILED, target_id=str(message.pk))
    assert event.data["cause"] == "server_error" and "retry_at" in event.data


def test_a_source_asking_for_less_than_our_own_delay_waits_our_delay(workspace, replay):
    replay.add("POST", "/wp-json/wp/v2/comments/882", 429, {"code": "slow"}, {"retry-after": "5"})
    message = wordpress_comment(workspace, replay)
    assert sources.perform(message.pk, "hide") == sources.RETRY_SECONDS[0]


class BrokenConnector(Connector):
    """A kind whose connector fails to build (its settings unreadable): a KeyError, of all errors."""

    kind = "broken"
    capabilities = frozenset({Capability.READ, Capability.HIDE})

    def __init__(self, channel: Channel) -> None:
        raise KeyError("token")


def test_a_connector_that_cannot_be_built_is_a_recorded_failure_not_no_connector(workspace, monkeypatch):
    monkeypatch.setitem(base._REGISTRY, "broken", BrokenConnector)
    channel = Channel.objects.create(workspace=workspace, kind="broken", name="Broken")
    message = post(workspace, "Spam", channel=channel, external_id="b1")
    assert sources.request([message], "hide") == []  # asked: the attempt says what went wrong
    assert sources.perform(message.pk, "hide") is None
    event = AuditEvent.objects.get(target_id=str(message.pk), verb__in=sources.VERBS)
    assert event.verb == sources.FAILED and "token" in event.data["error"]
    assert event.data.get("why") != "no_connector"


def test_a_kind_without_connector_is_still_done_here_only(workspace):
    channel = Channel.objects.create(workspace=workspace, kind="gone", name="Gone")
    message = post(workspace, "Spam", channel=channel, external_id="g1")
    assert sources.request([message], "hide") == [(message, "no_connector")]


def test_the_quota_a_moderation_call_spends_on_youtube_is_counted_on_the_channel(workspace, replay):
    from animateur.channels.connectors.youtube import quota_day

    replay.add("POST", "/youtube/v3/comments/setModerationStatus", 204, "")
    channel = Channel.objects.create(
        workspace=workspace,
        kind="youtube",
        name="Acme sur YouTube",
        config={"channel_id": "UCacmeAcmeAcmeAcmeAcme12", "api_url": f"{replay.base}/youtube/v3"},
        credentials=json.dumps({"api_key": "k", "access_token": "owner"}),
    )
    message = post(workspace, "Spam", channel=channel, external_id="UgzSpam")
    assert sources.perform(message.pk, "hide") is None
    channel.refresh_from_db()
    assert channel.config["quota_day"] == quota_day() and channel.config["quota_used"] == 50
