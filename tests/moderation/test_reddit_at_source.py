"""Moderating Reddit at the source through praw's moderation API (`thing.mod.remove(spam=...)`,
`thing.mod.approve()`), against a local server replaying Reddit's answers: only an account that
moderates the subreddit is asked; a refusal (403) is a permanent failure that says why."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest

from animateur.channels.connectors.reddit import RedditConnector
from animateur.channels.models import Channel
from animateur.channels.runner import poll_channel
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.moderation import sources
from animateur.moderation.models import ReviewItem
from animateur.stream.models import Message, Visibility
from tests.channels.replay import FIXTURES

from .test_at_source import message_page, quiet_scores, rule

__all__ = ["quiet_scores"]  # the fixture, used by name
THANKS = "t1_l21b2c3"  # « That worked, thanks! » of fixtures/reddit/comments.json


def about(moderator: bool) -> str:
    recorded = json.loads((FIXTURES / "reddit" / "about.json").read_text())
    body = json.loads(recorded["body"])
    body["data"]["user_is_moderator"] = moderator
    return json.dumps(body)


@pytest.fixture
def reddit(replay, monkeypatch):
    monkeypatch.setattr(RedditConnector, "oauth_url", replay.base)
    monkeypatch.setattr(RedditConnector, "reddit_url", replay.base)
    replay.recorded("reddit", "access_token")
    replay.recorded("reddit", "new")
    replay.recorded("reddit", "comments")
    return replay


def subreddit(workspace, reddit, *, moderator: bool | None = True, account: bool = True):
    if moderator is not None:
        reddit.add("GET", "/r/acme/about", body=about(moderator), headers={"content-type": "application/json"})
    return Channel.objects.create(
        workspace=workspace,
        kind="reddit",
        name="r/acme",
        config={"subreddit": "acme", "client_id": "app-id", **({"username": "acme_mod"} if account else {})},
        credentials=json.dumps({"client_secret": "app-secret", **({"password": "mod-pass"} if account else {})}),
        created_at=datetime(2024, 1, 1, tzinfo=UTC),  # before the replayed items: they are new, not history
    )


def polled(channel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = poll_channel(channel.pk)
    assert run.ok, run.error
    channel.refresh_from_db()
    return Message.objects.get(channel=channel, external_id=THANKS)


def removals(reddit):
    return [(sent["id"], sent["spam"]) for sent in posted(reddit, "/api/remove")]


def posted(reddit, path):
    return [parse_qs(r.body.decode()) for r in reddit.requests("POST", path)]


def test_a_moderators_account_removes_as_spam_what_a_rule_marks_and_approving_restores_it(
    quiet_scores, reddit, client_as, django_capture_on_commit_callbacks
):
    reddit.add("POST", "/api/remove", body="{}")
    reddit.add("POST", "/api/approve", body="{}")
    channel = subreddit(quiet_scores, reddit)
    rule(quiet_scores, "That worked", "spam")
    spam = polled(channel, django_capture_on_commit_callbacks)

    assert channel.config["moderator"] is True  # asked of Reddit by the first poll, remembered
    token = reddit.requests("POST", "/api/v1/access_token")[0]
    assert parse_qs(token.body.decode())["grant_type"] == ["password"]
    assert removals(reddit) == [([THANKS], ["True"])]
    assert spam.visibility == Visibility.SPAM
    moderator = client_as(quiet_scores, Role.MODERATOR)
    assert "Marqué comme indésirable aussi à la source (Reddit)." in message_page(moderator, spam)

    item = ReviewItem.objects.get(message=spam)
    with django_capture_on_commit_callbacks(execute=True):
        moderator.post("/app/moderation/decide/", {"one": f"approve:{item.pk}"})
    assert [sent["id"] for sent in posted(reddit, "/api/approve")] == [[THANKS]]
    assert "Rétabli aussi à la source (Reddit)." in message_page(moderator, spam)


def test_a_rule_that_hides_removes_without_teaching_the_spam_filter(
    quiet_scores, reddit, manager_client, django_capture_on_commit_callbacks
):
    reddit.add("POST", "/api/remove", body="{}")
    rule(quiet_scores, "That worked", "hide")
    hidden = polled(subreddit(quiet_scores, reddit), django_capture_on_commit_callbacks)
    assert removals(reddit) == [([THANKS], ["False"])]
    assert "Masqué aussi à la source (Reddit)." in message_page(manager_client, hidden)


def test_an_account_that_does_not_moderate_the_subreddit_hides_here_only(
    quiet_scores, reddit, manager_client, django_capture_on_commit_callbacks
):
    rule(quiet_scores, "That worked", "hide")
    channel = subreddit(quiet_scores, reddit, moderator=False)
    hidden = polled(channel, django_capture_on_commit_callbacks)
    assert channel.config["moderator"] is False
    assert reddit.requests("POST", "/api/remove") == []
    assert (
        "Masqué ici seulement, pas à la source : ce type de canal ne le permet pas à la source (Reddit)."
        in message_page(manager_client, hidden)
    )


def test_reddit_refusing_the_removal_is_a_permanent_failure_that_says_the_account_does_not_moderate(
    quiet_scores, reddit, manager_client, run_scheduled, django_capture_on_commit_callbacks
):
    reddit.add("POST", "/api/remove", status=403, body={"message": "Forbidden", "error": 403})
    rule(quiet_scores, "That worked", "hide")
    hidden = polled(subreddit(quiet_scores, reddit), django_capture_on_commit_callbacks)
    event = AuditEvent.objects.get(verb=sources.FAILED, target_id=str(hidden.pk))
    assert event.data["cause"] == "not_moderator"
    assert run_scheduled("act_at_source_task") == []
    page = message_page(manager_client, hidden)
    assert "Impossible de masquer à la source (Reddit)" in page
    assert "Reddit a refusé : u/acme_mod n’est pas modérateur de r/acme" in page


def test_deleting_on_reddit_is_here_only(quiet_scores, reddit, manager_client, django_capture_on_commit_callbacks):
    rule(quiet_scores, "That worked", "delete")
    deleted = polled(subreddit(quiet_scores, reddit), django_capture_on_commit_callbacks)
    assert reddit.requests("POST", "/api/remove") == []
    assert "Supprimé ici seulement" in message_page(manager_client, deleted)


def test_the_setup_form_takes_the_moderators_account_as_optional(db):
    from animateur.channels.forms import channel_form_class

    form_class = channel_form_class(RedditConnector)
    base = {"name": "r/acme", "subreddit": "acme", "client_id": "x", "client_secret": "y", "poll_interval_seconds": 600}
    assert form_class(base).is_valid()  # reading needs no account
    alone = form_class({**base, "password": "p"})
    assert not alone.is_valid() and "username" in alone.errors
    both = form_class({**base, "username": "acme_mod", "password": "p"})
    assert both.is_valid(), both.errors
    config, secrets = both.split()
    assert config["username"] == "acme_mod" and secrets == {"client_secret": "y", "password": "p"}


def test_testing_the_connection_says_whether_the_account_moderates_the_subreddit(workspace, reddit):
    from django.utils import translation

    from animateur.channels.actions import test_connection

    reddit.add("GET", "/r/acme/about", body=about(True), headers={"content-type": "application/json"})
    with translation.override("fr"):
        found = test_connection(
            workspace,
            "reddit",
            {"subreddit": "acme", "client_id": "app-id", "username": "acme_mod"},
            {"client_secret": "app-secret", "password": "mod-pass"},
        )
    assert found.ok and found.detail == "r/acme, 1234 membres ; u/acme_mod en est modérateur"
    assert found.learned == {"moderator": True}


def test_the_reddit_setup_page_offers_the_moderators_account_in_french(manager_client):
    page = manager_client.get("/app/channels/add/reddit/").content.decode()
    assert "Compte Reddit" in page and "Mot de passe du compte" in page
    assert "Nécessaire seulement pour retirer et approuver à la source" in page
