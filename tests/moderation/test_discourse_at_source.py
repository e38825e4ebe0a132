"""Moderating a Discourse forum's posts at the source: deleting goes through its REST API; hiding and
marking as spam have no call there and stay « here only ». The forum is replayed by a local server."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from animateur.channels.models import Channel
from animateur.channels.runner import poll_channel
from animateur.core.models import AuditEvent
from animateur.moderation import sources
from animateur.stream.models import Message, Visibility

from .test_at_source import message_page, quiet_scores, rule

__all__ = ["quiet_scores"]  # the fixture, used by name
POST_101 = "/posts/101.json"  # « That worked, thanks! », topic 40 post 5 of fixtures/discourse/latest_page.json


def forum(workspace, replay, key="staff-key"):
    replay.recorded("discourse", "latest_page")
    replay.recorded("discourse", "latest_before_100", query="before=100")
    return Channel.objects.create(
        workspace=workspace,
        kind="discourse",
        name="Forum",
        config={"forum_url": replay.base, "api_username": "acme_team" if key else ""},
        credentials=json.dumps({"api_key": key}) if key else "",
        created_at=datetime(2024, 1, 1, tzinfo=UTC),  # before the replayed posts: they are new, not history
    )


def polled(workspace, replay, django_capture_on_commit_callbacks, **kw):
    channel = forum(workspace, replay, **kw)
    with django_capture_on_commit_callbacks(execute=True):
        run = poll_channel(channel.pk)
    assert run.ok, run.error
    return Message.objects.get(channel=channel, external_id="40/5")


def test_a_rule_that_deletes_deletes_the_post_on_the_forum_with_the_api_key(
    quiet_scores, replay, manager_client, django_capture_on_commit_callbacks
):
    replay.add("DELETE", POST_101, body="")
    rule(quiet_scores, "That worked", "delete")
    deleted = polled(quiet_scores, replay, django_capture_on_commit_callbacks)
    [sent] = replay.requests("DELETE", POST_101)
    assert sent.headers["Api-Key"] == "staff-key" and sent.headers["Api-Username"] == "acme_team"
    assert deleted.visibility == Visibility.TRASH
    assert "Supprimé aussi à la source (Forum Discourse)." in message_page(manager_client, deleted)


def test_a_forum_that_refuses_the_deletion_is_a_failure_with_its_cause(
    quiet_scores, replay, manager_client, run_scheduled, django_capture_on_commit_callbacks
):
    replay.add(
        "DELETE",
        POST_101,
        status=403,
        body={"errors": ["You are not permitted to view the requested resource."], "error_type": "invalid_access"},
    )
    rule(quiet_scores, "That worked", "delete")
    deleted = polled(quiet_scores, replay, django_capture_on_commit_callbacks)
    event = AuditEvent.objects.get(verb=sources.FAILED, target_id=str(deleted.pk))
    assert event.data["cause"] == "forbidden" and "not permitted" in event.data["error"]
    assert run_scheduled("act_at_source_task") == []  # permanent: not asked again
    channel = Channel.objects.get(pk=deleted.channel_id)
    assert not channel.needs_reconnection  # the key works; this user may not delete that post
    page = message_page(manager_client, deleted)
    assert "Impossible de supprimer à la source (Forum Discourse)" in page
    assert "le forum ne laisse pas cet utilisateur d’API supprimer la publication" in page


def test_hiding_a_forum_post_is_here_only_and_says_so(
    quiet_scores, replay, manager_client, django_capture_on_commit_callbacks
):
    rule(quiet_scores, "That worked", "hide")
    hidden = polled(quiet_scores, replay, django_capture_on_commit_callbacks)
    assert hidden.visibility == Visibility.HIDDEN
    assert [r for r in replay.received if r.method != "GET"] == []
    assert (
        "Masqué ici seulement, pas à la source : ce type de canal ne le permet pas à la source (Forum Discourse)."
        in message_page(manager_client, hidden)
    )


def test_a_forum_read_without_a_key_deletes_here_only(
    quiet_scores, replay, manager_client, django_capture_on_commit_callbacks
):
    rule(quiet_scores, "That worked", "delete")
    deleted = polled(quiet_scores, replay, django_capture_on_commit_callbacks, key="")
    assert replay.requests("DELETE", POST_101) == []
    assert "Supprimé ici seulement, pas à la source : le canal n’a pas les identifiants" in message_page(
        manager_client, deleted
    )
