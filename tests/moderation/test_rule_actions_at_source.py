"""A rule's own « delete » and « mark as spam » reach the message's source, as « hide » does.

The WordPress site is replayed by a local server and reached by the WordPress connector's own HTTP
client; the calls are made after the batch's transaction commits, and each outcome is an audit event
that the message's page shows.
"""

from __future__ import annotations

import pytest
from django.db import connection

from animateur.channels.connectors.wordpress import WordPressConnector
from animateur.channels.runner import poll_channel
from animateur.core.models import AuditEvent
from animateur.moderation import sources
from animateur.moderation.rules import Plan
from animateur.stream.models import Message, Visibility

from .factories import other_channel, post
from .test_at_source import COMMENT_881, COMMENT_882, message_page, quiet_scores, rule, statuses_sent, wordpress

__all__ = ["quiet_scores"]  # the fixture, used by name


@pytest.mark.django_db(transaction=True)
def test_a_rule_that_deletes_trashes_the_comment_on_the_wordpress_site_after_the_commit(
    quiet_scores, replay, manager_client, monkeypatch
):
    replay.add("DELETE", COMMENT_882, body={"id": 882, "status": "trash"})
    channel = wordpress(quiet_scores, replay)
    rule(quiet_scores, "reply to John", "delete")
    in_transaction = []
    real_request = WordPressConnector.request

    def watched(self, method, *args, **kwargs):
        if method != "GET":
            in_transaction.append(connection.in_atomic_block)
        return real_request(self, method, *args, **kwargs)

    monkeypatch.setattr(WordPressConnector, "request", watched)

    run = poll_channel(channel.pk)

    assert run.ok and run.created == 6, run.error
    assert len(replay.requests("DELETE", COMMENT_882)) == 1
    assert replay.requests("POST", COMMENT_882) == []  # trashed, not held first
    assert replay.requests("DELETE", COMMENT_881) == []  # only what the rule matched
    assert in_transaction == [False]
    deleted = Message.objects.get(channel=channel, external_id="comment:882")
    assert deleted.visibility == Visibility.TRASH
    assert AuditEvent.objects.filter(verb=sources.DONE, target_id=str(deleted.pk), data__what="delete").exists()
    assert "Supprimé aussi à la source (Site WordPress)." in message_page(manager_client, deleted)


def test_a_rule_that_marks_spam_puts_the_comment_in_the_wordpress_sites_spam(
    quiet_scores, replay, manager_client, django_capture_on_commit_callbacks
):
    replay.add("POST", COMMENT_882, body={"id": 882, "status": "spam"})
    channel = wordpress(quiet_scores, replay)
    rule(quiet_scores, "reply to John", "spam")
    with django_capture_on_commit_callbacks(execute=True):
        assert poll_channel(channel.pk).ok
    assert statuses_sent(replay, COMMENT_882) == ["spam"]
    spam = Message.objects.get(channel=channel, external_id="comment:882")
    assert spam.visibility == Visibility.SPAM
    assert "Marqué comme indésirable aussi à la source (Site WordPress)." in message_page(manager_client, spam)


def test_when_rules_disagree_the_source_is_asked_the_most_restrictive_thing_once(
    quiet_scores, replay, django_capture_on_commit_callbacks
):
    replay.add("DELETE", COMMENT_882, body={"id": 882, "status": "trash"})
    channel = wordpress(quiet_scores, replay)
    rule(quiet_scores, "reply to John", "hide")
    rule(quiet_scores, "John", "spam")
    rule(quiet_scores, "reply", "delete")
    with django_capture_on_commit_callbacks(execute=True):
        assert poll_channel(channel.pk).ok
    assert len(replay.requests("DELETE", COMMENT_882)) == 1
    assert replay.requests("POST", COMMENT_882) == []
    deleted = Message.objects.get(channel=channel, external_id="comment:882")
    assert list(
        AuditEvent.objects.filter(target_id=str(deleted.pk), verb__in=sources.VERBS).values_list(
            "data__what", flat=True
        )
    ) == ["delete"]


def test_a_rules_spam_on_a_channel_that_cannot_says_here_only(
    quiet_scores, manager_client, django_capture_on_commit_callbacks
):
    rule(quiet_scores, "arnaque", "spam")
    with django_capture_on_commit_callbacks(execute=True):
        mention = post(quiet_scores, "@acme une arnaque", channel=other_channel(quiet_scores, "mastodon"))
    assert mention.visibility == Visibility.SPAM
    assert (
        "Marqué comme indésirable ici seulement, pas à la source : ce type de canal ne le permet pas à la source "
        "(Mastodon)." in message_page(manager_client, mention)
    )


def test_the_plan_asks_the_source_the_strongest_of_hide_spam_and_delete():
    plan = Plan()
    assert plan.source_action() is None
    plan.hide_at_source = True
    assert plan.source_action() == "hide"
    plan.at_source = "spam"
    assert plan.source_action() == "spam"
    plan.at_source = "delete"
    assert plan.source_action() == "delete"
