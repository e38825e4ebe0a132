"""Hiding, deleting and marking spam at the message's source, through the channel's real connector.

A WordPress site is replayed by a local server (tests/channels/replay.py) and reached by the
WordPress connector's own HTTP client; channels that cannot act at the source say so.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from django.db import connection

from animateur.channels.connectors.wordpress import WordPressConnector
from animateur.channels.models import Channel
from animateur.channels.runner import poll_channel
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.moderation import sources
from animateur.moderation.actions.decisions import do_moderate_messages
from animateur.moderation.actions.rules import do_save_rule
from animateur.moderation.actions.settings import do_update_moderation_settings
from animateur.moderation.models import ReviewItem
from animateur.stream.models import Message, Visibility
from tests.channels.factories import mastodon_channel

from .factories import SYSTEM, other_channel, post

COMMENT_882 = "/wp-json/wp/v2/comments/882"
COMMENT_881 = "/wp-json/wp/v2/comments/881"


@pytest.fixture
def quiet_scores(workspace):
    """Scores never hold anything here: only the rules decide."""
    do_update_moderation_settings(
        workspace, score_thresholds={"spam_hold": 1, "spam_spam": 1, "toxicity_hold": 1}, actor=SYSTEM
    )
    return workspace


def wordpress(workspace, replay, password="app pass word"):  # noqa: S107 - the replayed site's
    replay.recorded("wordpress", "posts_page1", query="&page=1")
    replay.recorded("wordpress", "posts_page2", query="&page=2")
    replay.recorded("wordpress", "comments_page1", query="&page=1")
    replay.recorded("wordpress", "comments_page2", query="&page=2")
    return Channel.objects.create(
        workspace=workspace,
        kind="wordpress",
        name="Blog partenaire",
        config={"site_url": replay.base, "username": "themereviewer" if password else ""},
        credentials=json.dumps({"application_password": password}) if password else "",
        # Connected before the replayed comments (2008) were written: they are new, not history.
        created_at=datetime(2008, 1, 1, tzinfo=UTC),
    )


def rule(workspace, text, *actions):
    return do_save_rule(
        workspace,
        {
            "name": f"« {text} »",
            "conditions": [{"field": "text", "op": "contains", "value": text}],
            "actions": [{"type": a} for a in actions],
        },
        actor=SYSTEM,
    )


def statuses_sent(replay, path):
    return [json.loads(r.body)["status"] for r in replay.requests("POST", path)]


def message_page(client, message) -> str:
    return client.get(f"/app/moderation/messages/{message.pk}/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_rule_that_hides_holds_the_comment_on_the_wordpress_site_once_the_batch_is_committed(
    quiet_scores, replay, manager_client, monkeypatch
):
    replay.recorded("wordpress", "comment_held")  # POST /wp-json/wp/v2/comments/882 → status hold
    channel = wordpress(quiet_scores, replay)
    rule(quiet_scores, "reply to John", "hide")
    in_transaction = []
    real_request = WordPressConnector.request

    def watched(self, method, *args, **kwargs):
        if method == "POST":
            in_transaction.append(connection.in_atomic_block)
        return real_request(self, method, *args, **kwargs)

    monkeypatch.setattr(WordPressConnector, "request", watched)

    run = poll_channel(channel.pk)

    assert run.ok and run.created == 6, run.error
    assert statuses_sent(replay, COMMENT_882) == ["hold"]
    assert in_transaction == [False]  # asked after the batch's transaction, not inside it
    sent = replay.requests("POST", COMMENT_882)[0]
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(b"themereviewer:app pass word").decode()
    assert replay.requests("POST", COMMENT_881) == []  # only what the rule matched
    hidden = Message.objects.get(channel=channel, external_id="comment:882")
    assert hidden.visibility == Visibility.HIDDEN
    assert AuditEvent.objects.filter(verb=sources.DONE, target_id=str(hidden.pk), data__what="hide").exists()
    assert "Masqué aussi à la source (Site WordPress)." in message_page(manager_client, hidden)


def held_in_queue(workspace, replay, django_capture_on_commit_callbacks):
    """Comment 881 polled from the WordPress site and held for review by a rule."""
    channel = wordpress(workspace, replay)
    rule(workspace, "top level", "hold")
    with django_capture_on_commit_callbacks(execute=True):
        assert poll_channel(channel.pk).ok
    message = Message.objects.get(channel=channel, external_id="comment:881")
    assert message.visibility == Visibility.PENDING
    return message, ReviewItem.objects.get(message=message)


def test_rejecting_from_the_queue_holds_the_comment_on_the_wordpress_site_and_approving_restores_it(
    quiet_scores, replay, client_as, django_capture_on_commit_callbacks
):
    replay.add("POST", COMMENT_881, body={"id": 881, "status": "hold"})
    message, item = held_in_queue(quiet_scores, replay, django_capture_on_commit_callbacks)
    assert replay.requests("POST", COMMENT_881) == []  # holding here asks nothing of the source
    moderator = client_as(quiet_scores, Role.MODERATOR)
    assert "top level" in moderator.get("/app/moderation/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        moderator.post("/app/moderation/decide/", {"one": f"reject:{item.pk}", "next": "/app/moderation/"})

    assert statuses_sent(replay, COMMENT_881) == ["hold"]
    decided = moderator.get("/app/moderation/?status=done").content.decode()
    assert "Masqué aussi à la source (Site WordPress)." in decided

    with django_capture_on_commit_callbacks(execute=True):
        moderator.post(f"/app/moderation/messages/{message.pk}/decide/", {"decision": "approve"})

    assert statuses_sent(replay, COMMENT_881) == ["hold", "approved"]
    message.refresh_from_db()
    assert message.visibility == Visibility.VISIBLE
    assert "Rétabli aussi à la source (Site WordPress)." in message_page(moderator, message)


def test_marking_spam_and_deleting_from_the_queue_reach_the_wordpress_site_as_spam_and_trash(
    quiet_scores, replay, client_as, django_capture_on_commit_callbacks
):
    replay.add("POST", COMMENT_881, body={"id": 881, "status": "spam"})
    replay.add("DELETE", COMMENT_881, body={"id": 881, "status": "trash"})
    message, item = held_in_queue(quiet_scores, replay, django_capture_on_commit_callbacks)
    moderator = client_as(quiet_scores, Role.MODERATOR)
    with django_capture_on_commit_callbacks(execute=True):
        moderator.post("/app/moderation/decide/", {"item": [item.pk], "decision": "spam"})
    assert statuses_sent(replay, COMMENT_881) == ["spam"]
    assert "Marqué comme indésirable aussi à la source (Site WordPress)." in message_page(moderator, message)
    with django_capture_on_commit_callbacks(execute=True):
        moderator.post("/app/moderation/decide/", {"item": [item.pk], "decision": "delete"})
    assert len(replay.requests("DELETE", COMMENT_881)) == 1
    assert "Supprimé aussi à la source (Site WordPress)." in message_page(moderator, message)


def test_approving_a_comment_we_never_hid_at_the_source_asks_nothing_of_it(
    quiet_scores, replay, client_as, django_capture_on_commit_callbacks
):
    message, item = held_in_queue(quiet_scores, replay, django_capture_on_commit_callbacks)
    moderator = client_as(quiet_scores, Role.MODERATOR)
    with django_capture_on_commit_callbacks(execute=True):
        moderator.post("/app/moderation/decide/", {"one": f"approve:{item.pk}"})
    assert replay.requests("POST", COMMENT_881) == []
    message.refresh_from_db()
    assert message.visibility == Visibility.VISIBLE


def test_a_wordpress_site_that_is_down_is_asked_again_later_and_the_page_says_so_meanwhile(
    quiet_scores, replay, manager_client, run_scheduled, django_capture_on_commit_callbacks
):
    replay.add("POST", COMMENT_882, status=503, body={"code": "down", "message": "Maintenance"})
    replay.recorded("wordpress", "comment_held")
    channel = wordpress(quiet_scores, replay)
    rule(quiet_scores, "reply to John", "hide")
    with django_capture_on_commit_callbacks(execute=True):
        poll_channel(channel.pk)
    hidden = Message.objects.get(channel=channel, external_id="comment:882")
    assert hidden.visibility == Visibility.HIDDEN  # decided here at once, whatever the source does
    page = message_page(manager_client, hidden)
    assert "Impossible de masquer à la source pour l’instant (Site WordPress)" in page
    assert "Un nouvel essai suivra." in page

    [retry] = run_scheduled("act_at_source_task")
    assert retry.args == (hidden.pk, "hide", 2, "system:moderation")
    assert statuses_sent(replay, COMMENT_882) == ["hold", "hold"]
    page = message_page(manager_client, hidden)
    assert "Masqué aussi à la source (Site WordPress)." in page and "nouvel essai" not in page


def test_refused_credentials_are_recorded_as_a_failure_with_their_cause_and_not_retried(
    quiet_scores, replay, manager_client, run_scheduled, django_capture_on_commit_callbacks
):
    replay.add("POST", COMMENT_882, status=401, body={"code": "incorrect_password", "message": "Invalid."})
    channel = wordpress(quiet_scores, replay)
    rule(quiet_scores, "reply to John", "hide")
    with django_capture_on_commit_callbacks(execute=True):
        poll_channel(channel.pk)
    hidden = Message.objects.get(channel=channel, external_id="comment:882")
    event = AuditEvent.objects.get(verb=sources.FAILED, target_id=str(hidden.pk))
    assert event.data["cause"] == "credentials_refused" and "incorrect_password" in event.data["error"]
    assert run_scheduled("act_at_source_task") == []
    page = message_page(manager_client, hidden)
    assert "Impossible de masquer à la source (Site WordPress)" in page and "incorrect_password" in page


def test_a_wordpress_channel_read_without_an_application_password_hides_only_here_and_says_so(
    quiet_scores, replay, manager_client, django_capture_on_commit_callbacks
):
    channel = wordpress(quiet_scores, replay, password="")
    rule(quiet_scores, "reply to John", "hide")
    with django_capture_on_commit_callbacks(execute=True):
        poll_channel(channel.pk)
    hidden = Message.objects.get(channel=channel, external_id="comment:882")
    assert hidden.visibility == Visibility.HIDDEN
    assert replay.requests("POST", COMMENT_882) == []
    assert (
        "Masqué ici seulement, pas à la source : le canal n’a pas les identifiants pour modérer à la source "
        "(Site WordPress)." in message_page(manager_client, hidden)
    )


def test_rejecting_a_mastodon_mention_says_at_once_that_it_is_hidden_here_only(
    quiet_scores, client_as, django_capture_on_commit_callbacks
):
    rule(quiet_scores, "arnaque", "hold")
    mention = post(quiet_scores, "@acme c'est une arnaque", channel=other_channel(quiet_scores, "mastodon"))
    item = ReviewItem.objects.get(message=mention)
    moderator = client_as(quiet_scores, Role.MODERATOR)
    with django_capture_on_commit_callbacks(execute=True):
        answer = moderator.post(
            "/app/moderation/decide/", {"one": f"reject:{item.pk}", "next": "/app/moderation/"}, follow=True
        )
    said = "Masqué ici seulement, pas à la source : ce type de canal ne le permet pas à la source (Mastodon)."
    assert said in answer.content.decode()
    assert said in message_page(moderator, mention)
    mention.refresh_from_db()
    assert mention.visibility == Visibility.HIDDEN

    with django_capture_on_commit_callbacks(execute=True):
        answer = moderator.post("/app/moderation/decide/", {"item": [item.pk], "decision": "delete"}, follow=True)
    assert (
        "Supprimé ici seulement, pas à la source : ce type de canal ne laisse supprimer que nos propres "
        "publications (Mastodon)." in answer.content.decode()
    )


def test_our_own_mastodon_post_is_deleted_on_the_server(workspace, replay, django_capture_on_commit_callbacks):
    replay.recorded("mastodon", "delete_status", path="/api/v1/statuses/117020585846976096")
    channel = mastodon_channel(workspace, replay.base)
    ours = post(workspace, "Notre annonce", channel=channel, external_id="117020585846976096")
    Message.objects.filter(pk=ours.pk).update(from_organisation=True)
    ours.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        do_moderate_messages([ours], "delete", actor=SYSTEM)
    assert len(replay.requests("DELETE", "/api/v1/statuses/117020585846976096")) == 1
    assert AuditEvent.objects.filter(verb=sources.DONE, target_id=str(ours.pk), data__what="delete").exists()


def test_a_banned_members_next_wordpress_comment_is_held_at_the_source(
    quiet_scores, replay, make_user, django_capture_on_commit_callbacks
):
    from animateur.moderation.actions.sanctions import do_sanction_member

    replay.recorded("wordpress", "comment_held")
    channel = wordpress(quiet_scores, replay)
    first = post(quiet_scores, "Premier message", channel=channel, email="troll@example.org")
    do_sanction_member(first.author.member, "ban", "insultes répétées", actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        again = post(
            quiet_scores,
            "Encore moi",
            channel=channel,
            email="troll@example.org",
            external_id="comment:882",
            raw={"post": 1149},
        )
    assert again.visibility == Visibility.HIDDEN
    assert statuses_sent(replay, COMMENT_882) == ["hold"]


def test_the_site_is_its_own_source_and_nothing_is_asked_or_recorded(workspace, client_as):
    rule(workspace, "arnaque", "hide")
    comment = post(workspace, "Une arnaque")
    assert comment.visibility == Visibility.HIDDEN
    assert not AuditEvent.objects.filter(verb__in=sources.VERBS).exists()
    assert 'class="at-source' not in message_page(client_as(workspace, Role.MODERATOR), comment)


def test_another_workspace_never_sees_the_outcomes(quiet_scores, make_workspace, client_as):
    rule(quiet_scores, "arnaque", "hold")
    mention = post(quiet_scores, "arnaque", channel=other_channel(quiet_scores, "mastodon"))
    do_moderate_messages([mention], "reject", actor=SYSTEM)
    outsider = client_as(make_workspace("autre", "Autre"), Role.MANAGER)
    assert outsider.get(f"/app/moderation/messages/{mention.pk}/").status_code == 404
    assert sources.outcomes(make_workspace("tiers", "Tiers").pk, [mention.pk]) == {}
