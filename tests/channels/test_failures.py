"""One classification of every connector's failures (connectors/failures.py), and the wait a source
asks for with Retry-After honoured by every connector, the poll scheduler and moderation at the source."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from django.utils import timezone, translation

from animateur.channels.connectors import connector_for, failures
from animateur.channels.errors import AuthError, PermanentError, TransientError
from animateur.channels.models import Channel
from animateur.channels.runner import poll_channel
from tests.channels.factories import mastodon_channel

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def http_date(when: datetime) -> str:
    return format_datetime(when, usegmt=True)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        (http_date(NOW + timedelta(minutes=30)), 1800.0),
        (http_date(NOW - timedelta(minutes=5)), 0.0),  # already past: try again now
        ("in a while", None),
        ("", None),
        (str(10 * 86400), failures.MAX_RETRY_AFTER_SECONDS),  # a month's wait is a mistake, not a plan
    ],
)
def test_retry_after_is_read_as_seconds_or_as_an_http_date(value, seconds):
    assert failures.retry_after({"Retry-After": value}, now=NOW.timestamp()) == seconds


@pytest.mark.parametrize(
    ("status", "kind", "cause"),
    [
        (401, AuthError, "credentials_refused"),
        (403, AuthError, "credentials_refused"),
        (404, PermanentError, "not_found"),
        (410, PermanentError, "not_found"),
        (422, PermanentError, "http_error"),
        (429, TransientError, "rate_limited"),
        (500, TransientError, "server_error"),
        (503, TransientError, "server_error"),
    ],
)
def test_each_http_status_is_one_kind_of_failure(status, kind, cause):
    error = failures.for_status("YouTube", status, {"retry-after": "30"})
    assert type(error) is kind and error.cause == cause
    assert error.retry_after == (30.0 if kind is TransientError else None)


def test_the_failure_is_said_in_the_managers_language_with_the_sources_words_as_detail():
    with translation.override("fr"):
        error = failures.for_status("Reddit", 401, {}, detail="invalid_grant", credentials="l’identifiant")
        assert str(error) == "Reddit a refusé l’identifiant : HTTP 401 invalid_grant"
        slow = failures.for_status("Reddit", 429, {})
        assert str(slow).startswith("Reddit nous demande de ralentir")
    with translation.override("en"):
        assert str(failures.for_status("Reddit", 503, {})) == "Reddit is failing: HTTP 503"


def test_network_errors_are_named_too_slow_tls_or_unreachable():
    import ssl

    assert failures.for_network("the IMAP server", TimeoutError("timed out")).cause == "timeout"
    assert failures.for_network("the IMAP server", ssl.SSLError("bad handshake")).cause == "tls"
    refused = failures.for_network("the IMAP server", ConnectionRefusedError(111, "Connection refused"))
    assert isinstance(refused, TransientError) and refused.cause == "unreachable"


# -- Retry-After through each connector --------------------------------------------------------------


def test_mastodon_passes_the_retry_after_of_a_429_on_and_the_channel_waits_that_long(workspace, replay):
    replay.add("GET", "/api/v1/notifications", 429, {"error": "Too many requests"}, {"retry-after": "3600"})
    channel = mastodon_channel(workspace, replay.base, config={"account_id": "1", "acct": "acme"})
    with pytest.raises(TransientError) as raised:
        list(connector_for(channel).fetch(since={}))
    assert raised.value.cause == "rate_limited" and raised.value.retry_after == 3600
    before = timezone.now()
    run = poll_channel(channel.pk)
    channel.refresh_from_db()
    assert not run.ok and run.cause == "rate_limited"
    assert channel.next_poll_at >= before + timedelta(seconds=3600)


def test_mastodon_falls_back_on_its_own_rate_limit_reset_time(workspace, replay):
    reset = (timezone.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    replay.add("GET", "/api/v1/notifications", 429, {"error": "Too many requests"}, {"x-ratelimit-reset": reset})
    channel = mastodon_channel(workspace, replay.base, config={"account_id": "1", "acct": "acme"})
    with pytest.raises(TransientError) as raised:
        list(connector_for(channel).fetch(since={}))
    assert 7000 < raised.value.retry_after <= 7200


def test_a_mastodon_server_in_maintenance_says_when_to_come_back_with_an_http_date(workspace, replay):
    back = timezone.now() + timedelta(minutes=45)
    replay.add("GET", "/api/v1/notifications", 503, "<html>Maintenance</html>", {"retry-after": http_date(back)})
    channel = mastodon_channel(workspace, replay.base, config={"account_id": "1", "acct": "acme"})
    with pytest.raises(TransientError) as raised:
        list(connector_for(channel).fetch(since={}))
    assert raised.value.cause == "server_error" and 2600 < raised.value.retry_after <= 2700


def wordpress(workspace, replay):
    return Channel.objects.create(workspace=workspace, kind="wordpress", name="Blog", config={"site_url": replay.base})


def test_a_wordpress_site_asking_to_wait_until_a_date_is_waited_for(workspace, replay):
    back = timezone.now() + timedelta(hours=1)
    replay.add("GET", "/wp-json/wp/v2/posts", 503, {"code": "maintenance"}, {"retry-after": http_date(back)})
    channel = wordpress(workspace, replay)
    with pytest.raises(TransientError) as raised:
        list(connector_for(channel).fetch(since={}))
    assert raised.value.cause == "server_error" and 3500 < raised.value.retry_after <= 3600
    before = timezone.now()
    poll_channel(channel.pk)
    channel.refresh_from_db()
    assert channel.next_poll_at >= before + timedelta(seconds=3500)


def test_a_discourse_forum_asking_to_wait_with_retry_after_only_is_waited_for(workspace, replay):
    replay.add("GET", "/posts.json", 429, {"errors": ["slow down"]}, {"retry-after": "900"})
    channel = Channel.objects.create(
        workspace=workspace, kind="discourse", name="Forum", config={"forum_url": replay.base}
    )
    with pytest.raises(TransientError) as raised:
        list(connector_for(channel).fetch(since={}))
    assert raised.value.retry_after == 900


def test_an_answer_that_is_not_json_is_named_and_not_a_crash(workspace, replay):
    replay.add("GET", "/wp-json/wp/v2/posts", 200, "<html>a parked domain</html>", {"content-type": "text/html"})
    with pytest.raises(PermanentError) as raised:
        list(connector_for(wordpress(workspace, replay)).fetch(since={}))
    assert raised.value.cause == "not_wordpress"


def test_the_shared_base_keeps_one_guarded_client_for_a_run(workspace, replay):
    replay.add("GET", "/wp-json/wp/v2/posts", 200, json.dumps([]), {"content-type": "application/json"})
    replay.add("GET", "/wp-json/wp/v2/comments", 200, json.dumps([]), {"content-type": "application/json"})
    connector = connector_for(wordpress(workspace, replay))
    list(connector.fetch(since={}))
    list(connector.fetch(since={}))
    assert connector.client() is connector.client()
    assert all(r.headers.get("User-Agent", "").startswith("animateur/") for r in replay.received)
