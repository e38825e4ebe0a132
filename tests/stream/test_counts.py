"""Reactions and shares at the source: stored with a message, updated when it is read again, never
judged again or duplicated; a milestone passed is announced."""

from datetime import UTC, datetime

import pytest

from animateur.channels.models import Channel
from animateur.inbox.models import Conversation
from animateur.stream.counts import Counts, milestone_passed, update_counts
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Message
from animateur.stream.pipeline import run_pipeline

WHEN = datetime(2024, 3, 1, 12, 30, tzinfo=UTC)


@pytest.fixture
def network(workspace):
    return Channel.objects.create(workspace=workspace, kind="files", name="network")


def item(channel, external_id, counts=None, text="Quelle belle journée pour notre association", **kw):
    return Incoming(
        channel=channel,
        external_id=external_id,
        text=text,
        created_at=WHEN,
        author=AuthorInfo(external_id="ana", display_name="Ana"),
        counts=counts,
        **kw,
    )


def test_a_new_message_keeps_its_reactions_by_kind_and_its_shares(network):
    run_pipeline([item(network, "p1", Counts.of({"like": 3, "celebrate": 2}, shares=4))])
    row = Message.objects.get(external_id="p1")
    assert row.reactions == {"like": 3, "celebrate": 2}
    assert (row.reaction_count, row.share_count) == (5, 4)
    assert row.counts_read_at is not None


def test_a_source_that_says_nothing_leaves_no_counts(network):
    run_pipeline([item(network, "p1", Counts.of({}, total=None, shares="n/a"))])
    row = Message.objects.get(external_id="p1")
    assert row.reactions is None and row.reaction_count is None and row.share_count is None


def test_read_again_only_its_counts_change_and_nothing_is_judged_again(network):
    first = run_pipeline([item(network, "p1", Counts.of({"like": 1}))]).created[0]
    conversations = Conversation.objects.count()
    scores = Message.objects.get(pk=first.pk).scores
    result = run_pipeline([item(network, "p1", Counts.of({"like": 7, "love": 2}, shares=1))])
    assert result.unchanged == 1 and not result.created and not result.updated
    row = Message.objects.get(pk=first.pk)
    assert row.reactions == {"like": 7, "love": 2} and row.reaction_count == 9 and row.share_count == 1
    assert Message.objects.filter(external_id="p1").count() == 1
    assert Conversation.objects.count() == conversations and row.scores == scores


def test_an_edit_at_the_source_brings_its_counts_with_it(network):
    run_pipeline([item(network, "p1", Counts.of({"like": 1}))])
    run_pipeline([item(network, "p1", Counts.of({"like": 4}), text="Quelle belle journée, corrigée")])
    row = Message.objects.get(external_id="p1")
    assert row.reaction_count == 4 and row.previous_versions


def test_a_total_without_kinds_keeps_the_total(network):
    run_pipeline([item(network, "p1", Counts.of(total=12, shares=3))])
    row = Message.objects.get(external_id="p1")
    assert row.reactions == {} and row.reaction_count == 12 and row.share_count == 3


def test_update_counts_rewrites_stored_messages_only(network):
    run_pipeline([item(network, "p1", Counts.of({"favourite": 2}, shares=0))])
    changed = update_counts(network, {"p1": Counts.of({"favourite": 30}, shares=5), "absent": Counts.of(total=1)})
    assert [m.external_id for m in changed] == ["p1"]
    row = Message.objects.get(external_id="p1")
    assert row.reaction_count == 30 and row.share_count == 5
    assert not Message.objects.filter(external_id="absent").exists()


def test_milestones_are_passed_once_and_never_at_a_first_reading():
    assert milestone_passed(None, 500) is None
    assert milestone_passed(8, 12) == 10
    assert milestone_passed(8, 120) == 100
    assert milestone_passed(12, 20) is None


@pytest.fixture
def heard(settings):
    from animateur.core import events
    from tests.listening import sink

    settings.EVENT_SINKS = ["tests.listening.sink.collect"]
    settings.EVENT_LISTENERS = []  # a sink that cannot tell who listens: every event is built
    events._sinks.cache_clear()
    events._listening_checks.cache_clear()
    sink.collected.clear()
    yield sink.collected
    events._sinks.cache_clear()
    events._listening_checks.cache_clear()


def test_passing_a_milestone_is_announced(network, heard, django_capture_on_commit_callbacks):
    run_pipeline([item(network, "p1", Counts.of({"like": 8}))])
    with django_capture_on_commit_callbacks(execute=True):
        run_pipeline([item(network, "p1", Counts.of({"like": 9}, shares=2))])
    assert [e.type.name for e in heard] == ["message.engagement_changed"]
    data = heard[0].data
    assert data["milestone"] == 10 and data["previous_total"] == 8 and data["reaction_count"] == 9
    heard.clear()
    with django_capture_on_commit_callbacks(execute=True):
        update_counts(network, {"p1": Counts.of({"like": 10}, shares=2)})
    assert heard == []


def test_the_stream_shows_each_messages_reactions_by_kind_and_shares_in_the_teams_language(network, client_as):
    from animateur.core.roles import Role

    run_pipeline([item(network, "p1", Counts.of({"like": 9, "celebrate": 3, "funny": 0}, shares=2))])
    run_pipeline([item(network, "p2", Counts.of(total=1), text="Un autre message de la communauté")])
    run_pipeline([item(network, "p3", text="Un message sans compte du tout")])
    client = client_as(network.workspace, Role.ANALYST)
    page = " ".join(client.get("/app/stream/").content.decode().split())
    assert "12 réactions (J’aime 9, Bravo 3) · 2 partages" in page
    assert "1 réaction</span>" in page
    assert page.count("data-counts") == 2  # the message nobody counted shows nothing, not a zero


def test_the_api_gives_each_messages_reactions_and_shares(network, make_user):
    from django.test import Client

    from animateur.api.actions import do_create_api_token
    from animateur.core.actions import SystemActor
    from animateur.core.roles import Role

    run_pipeline([item(network, "p1", Counts.of({"like": 4, "love": 1}, shares=2))])
    run_pipeline([item(network, "p2", text="Un message que personne ne compte")])
    user = make_user("analyst@a.org", network.workspace, Role.ANALYST)
    _token, key = do_create_api_token(network.workspace, user, "t", actor=SystemActor("tests"))
    found = Client().get("/api/stream/messages", HTTP_AUTHORIZATION=f"Bearer {key}").json()["messages"]
    by_id = {m["id"]: m for m in found}
    counted = by_id[Message.objects.get(external_id="p1").pk]
    assert counted["reactions"] == {"like": 4, "love": 1}
    assert (counted["reaction_count"], counted["share_count"]) == (5, 2) and counted["counts_read_at"]
    silent = by_id[Message.objects.get(external_id="p2").pk]
    assert silent["reactions"] is None and silent["reaction_count"] is None and silent["share_count"] is None
    # The inbox's view of a message says the same.
    from tests.inbox.factories import inbound

    asked = inbound(network.workspace, "Une question sur la livraison")
    update_counts(asked.channel, {asked.external_id: Counts.of({"like": 3})})
    conversation = Conversation.objects.get(root=asked)
    detail = Client().get(f"/api/inbox/conversations/{conversation.pk}", HTTP_AUTHORIZATION=f"Bearer {key}")
    [first] = detail.json()["messages"]
    assert first["reactions"] == {"like": 3} and first["reaction_count"] == 3 and first["share_count"] is None


def test_a_conversation_shows_its_messages_reactions(workspace, client_as):
    from django.urls import reverse

    from animateur.core.roles import Role
    from tests.inbox.factories import inbound

    asked = inbound(workspace, "Une question sur la livraison")
    update_counts(asked.channel, {asked.external_id: Counts.of({"like": 2, "love": 1}, shares=1)})
    conversation = Conversation.objects.get(root=asked)
    page = client_as(workspace, Role.MANAGER).get(reverse("inbox:conversation", args=[conversation.pk]))
    assert "3 réactions (J’aime 2, J’adore 1) · 1 partage" in " ".join(page.content.decode().split())
