"""The inbox fed a connector's batch at once: what the team sees is what one message at a time gave."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.inbox import db, hooks, selectors, stats
from animateur.inbox.actions.conversations import (
    do_assign_conversation,
    do_set_conversation_priority,
    do_set_conversation_state,
)
from animateur.inbox.actions.expectations import do_add_holiday, do_set_business_hours, do_set_response_target
from animateur.inbox.actions.notifications import do_set_notification_preference
from animateur.inbox.actions.replies import do_mark_answered_elsewhere
from animateur.inbox.models import NOT_DUE, Conversation, ConversationTally, FirstResponse, Notification, State
from animateur.inbox.tasks import warn_due_soon
from animateur.stream import pipeline
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Message
from animateur.stream.pipeline import run_pipeline
from tests.inbox.factories import inbound, other_channel

_ids = itertools.count(1)


def item(channel, text: str, *, parent: str | None = None, at=None, who: str = "ana", kind: str = "comment", **extra):
    """One contribution of a batch; `parent` is the external id of the message it answers."""
    return Incoming(
        channel=channel,
        external_id=extra.pop("external_id", None) or f"b{next(_ids)}",
        text=text,
        created_at=at or timezone.now(),
        author=AuthorInfo(external_id=f"{who}@example.org", display_name=who.title(), email=f"{who}@example.org"),
        parent_external_id=parent,
        kind=kind,
        source_visibility=extra.pop("source_visibility", "visible"),
        language="fr",
        **extra,
    )


def ours(channel, text: str, *, parent: str, at, user) -> Incoming:
    """Our answer as a connector fetches it back, or as the inbox's reply stores it."""
    return Incoming(
        channel=channel,
        external_id=f"o{next(_ids)}",
        text=text,
        created_at=at,
        author=AuthorInfo(external_id=f"team:{user.pk}", display_name=user.name, user_id=user.pk),
        parent_external_id=parent,
        kind="reply",
        source_visibility="visible",
        from_organisation=True,
        sent_by_id=user.pk,
    )


def stored(result, external_id: str) -> Message:
    return next(m for m in result.created if m.external_id == external_id)


@pytest.fixture
def feed(workspace):
    # A read-only channel (no connector answers through "files"), so nothing tries to reply at a source.
    return other_channel(workspace, "files")


def test_several_replies_in_one_batch_add_up_reopen_once_and_tell_the_assignee_of_each(workspace, feed, make_user):
    moderator = make_user("mo@example.org", workspace, Role.MODERATOR)
    now = timezone.now()
    root = inbound(workspace, "Ma commande n'est pas arrivée", channel=feed, created_at=now - timedelta(hours=3))
    conversation = Conversation.objects.get(root=root)
    do_assign_conversation(conversation, moderator, actor=moderator)
    do_set_conversation_state(conversation, State.WAITING, actor=moderator)
    Notification.objects.all().delete()

    # The batch lists them out of date order: the preview is the latest written, not the last listed.
    result = run_pipeline(
        [
            item(feed, "Toujours rien ce matin", parent=root.external_id, at=now - timedelta(hours=2)),
            item(feed, "Le colis est enfin là, merci", parent=root.external_id, at=now - timedelta(minutes=5)),
            item(feed, "Je relance le transporteur", parent=root.external_id, at=now - timedelta(hours=1)),
        ]
    )

    conversation.refresh_from_db()
    assert Conversation.objects.count() == 1
    assert conversation.message_count == 4
    assert conversation.state == State.OPEN
    assert conversation.preview == "Le colis est enfin là, merci"
    assert conversation.last_message_at == now - timedelta(minutes=5)
    assert conversation.last_message_id == max(m.pk for m in result.created)
    assert [m.pk for m in selectors.thread_messages(conversation)][0] == root.pk
    assert selectors.thread_messages(conversation).count() == 4
    assert AuditEvent.objects.filter(verb="inbox.conversation.reopen", target_id=str(conversation.pk)).count() == 1
    # One notification per new message, as one message at a time gave.
    assert (
        list(Notification.objects.filter(user=moderator).values_list("kind", "conversation_id"))
        == [(Notification.Kind.NEW_MESSAGE, conversation.pk)] * 3
    )
    assert selectors.view_counts(workspace, moderator)["waiting"] == 0
    assert selectors.view_counts(workspace, moderator)["mine"] == 1
    found = selectors.filtered(workspace, moderator, selectors.Filters(q="transporteur"))
    assert list(found.values_list("pk", flat=True)) == [conversation.pk]


def test_a_message_and_its_replies_in_the_same_batch_make_one_conversation(workspace, feed):
    now = timezone.now()
    question = item(feed, "Où se garer samedi ?", at=now - timedelta(minutes=30))
    answer = item(feed, "Parking de la gare", parent=question.external_id, who="bob", at=now - timedelta(minutes=20))
    thanks = item(feed, "Merci Bob", parent=answer.external_id, at=now - timedelta(minutes=10))
    other = item(feed, "Une autre question", who="cy", at=now)

    result = run_pipeline([question, answer, thanks, other])

    assert Conversation.objects.count() == 2
    parking = Conversation.objects.get(root=stored(result, question.external_id))
    assert parking.message_count == 3
    assert parking.author_name == "Ana"
    assert parking.preview == "Merci Bob"
    assert [m.external_id for m in selectors.thread_messages(parking)] == [
        question.external_id,
        answer.external_id,
        thanks.external_id,
    ]
    single = Conversation.objects.get(root=stored(result, other.external_id))
    assert single.message_count == 1 and single.author_name == "Cy"
    assert AuditEvent.objects.filter(verb="inbox.conversation.open").count() == 2


def test_our_answer_in_a_batch_stops_the_clock_and_a_later_message_of_the_same_batch_reopens(
    workspace, feed, make_user
):
    agent = make_user("agent@example.org", workspace, Role.MODERATOR, display_name="Agent")
    manager = make_user("ma@example.org", workspace, Role.MANAGER)
    do_set_response_target(workspace, actor=manager, channel_kind="", priority="", minutes=60, business_hours=False)
    now = timezone.now()
    first = inbound(workspace, "Vous livrez à Lyon ?", channel=feed, created_at=now - timedelta(minutes=40))
    new = item(feed, "Et à Lille ?", who="bob", at=now - timedelta(minutes=30))

    result = run_pipeline(
        [
            ours(feed, "Oui, sous 48 h", parent=first.external_id, at=now - timedelta(minutes=20), user=agent),
            new,
            ours(feed, "Oui aussi", parent=new.external_id, at=now - timedelta(minutes=10), user=agent),
            item(feed, "Parfait, merci", parent=first.external_id, at=now - timedelta(minutes=5)),
        ]
    )

    lyon = Conversation.objects.get(root=first)
    assert lyon.first_response_at == now - timedelta(minutes=20) and lyon.first_responder == agent
    assert lyon.state == State.OPEN  # answered, then the member wrote again
    assert lyon.message_count == 3 and lyon.due_sort == NOT_DUE
    lille = Conversation.objects.get(root=stored(result, new.external_id))
    assert lille.state == State.WAITING and lille.message_count == 2
    assert lille.first_response_at == now - timedelta(minutes=10) and lille.first_responder == agent
    firsts = {f.conversation_id: f for f in FirstResponse.objects.all()}
    assert set(firsts) == {lyon.pk, lille.pk}
    assert firsts[lyon.pk].data["user"] == agent.pk
    assert firsts[lyon.pk].data["seconds"] == 20 * 60 and firsts[lyon.pk].data["within_target"] is True
    assert firsts[lille.pk].data["target_minutes"] == 60
    assert stats.report(workspace)["overall"].count == 2


def test_after_a_bulk_batch_the_counters_and_the_search_agree_with_the_conversations(workspace, feed, make_user):
    moderator = make_user("mo@example.org", workspace, Role.MODERATOR)
    closed = Conversation.objects.get(root=inbound(workspace, "Ancienne affaire", channel=feed))
    do_set_conversation_state(closed, State.CLOSED, actor=moderator)
    batch = [item(feed, f"Question numéro {n} sur les horaires", who=f"m{n}") for n in range(40)]
    batch += [item(feed, f"Précision {n} : le vestiaire", parent=batch[n].external_id) for n in range(0, 40, 4)]
    batch.append(item(feed, "Finalement je reviens sur la facture", parent=closed.root.external_id))

    run_pipeline(batch)

    tallies = {
        (state, assignee): n
        for state, assignee, n in ConversationTally.objects.filter(workspace_id=workspace.pk, n__gt=0).values_list(
            "state", "assignee_id", "n"
        )
    }
    assert tallies == {(State.NEW, 0): 40, (State.OPEN, 0): 1}
    counts = selectors.view_counts(workspace, moderator)
    assert counts["new"] == 40 and counts["closed"] == 0 and counts["all"] == 41
    db.rebuild(connection)  # counting again from the table finds the same
    assert selectors.view_counts(workspace, moderator) == counts

    def search(q: str) -> set[int]:
        return set(selectors.filtered(workspace, moderator, selectors.Filters(q=q)).values_list("pk", flat=True))

    assert len(search("horaires")) == 40
    assert len(search("vestiaire horaires")) == 10
    assert search("facture") == {closed.pk}
    assert search("Ancienne facture") == {closed.pk}


def test_a_batch_costs_the_inbox_the_same_few_queries_for_3_or_60_messages(workspace, feed, make_user, monkeypatch):
    moderator = make_user("mo@example.org", workspace, Role.MODERATOR)
    olds = [Conversation.objects.get(root=inbound(workspace, f"Ancienne {n}", channel=feed)) for n in range(6)]
    for conversation in olds:
        do_assign_conversation(conversation, moderator, actor=moderator)
    spent: list[int] = []

    def counted(items: list[Incoming]) -> None:
        with CaptureQueriesContext(connection) as ctx:
            hooks.on_store(items)
        spent.append(len(ctx.captured_queries))

    monkeypatch.setattr(pipeline, "ON_STORE", [counted if h is hooks.on_store else h for h in pipeline.ON_STORE])

    def queries(n: int) -> int:
        batch = [item(feed, f"Nouveau {k}", who=f"w{n}-{k}") for k in range(n // 3)]
        batch += [item(feed, "Suite", parent=b.external_id) for b in batch]
        batch += [item(feed, "Relance", parent=olds[k % 6].root.external_id) for k in range(n // 3)]
        run_pipeline(batch)
        return spent[-1]

    few = queries(3)
    assert queries(60) == few
    # 13 since the batch's audit rows are also announced as events: one query asks whether anyone listens.
    assert few <= 13
    assert Conversation.objects.count() == 6 + 1 + 20
    assert Notification.objects.filter(kind=Notification.Kind.NEW_MESSAGE).count() == 1 + 20


def test_feed_items_are_in_the_inbox_without_a_due_time_and_never_late(workspace, make_user):
    manager = make_user("ma@example.org", workspace, Role.MANAGER)
    do_set_response_target(workspace, actor=manager, channel_kind="", priority="", minutes=30, business_hours=False)
    long_ago = timezone.now() - timedelta(days=2)
    rss = other_channel(workspace, "rss")
    reddit = other_channel(workspace, "reddit")
    article = inbound(workspace, "Acme ouvre un magasin à Nantes", channel=rss, kind="mention", created_at=long_ago)
    submission = inbound(workspace, "Avis sur Acme ?", channel=reddit, kind="post", created_at=long_ago)
    comment = inbound(workspace, "@acme une question", channel=reddit, kind="comment", created_at=long_ago)
    toot = inbound(workspace, "@acme bonjour", channel=other_channel(workspace, "mastodon"), kind="post")

    by_root = {c.root_id: c for c in Conversation.objects.all()}
    assert set(by_root) == {article.pk, submission.pk, comment.pk, toot.pk}  # all in the inbox
    assert by_root[article.pk].due_at is None and by_root[article.pk].due_sort == NOT_DUE
    assert by_root[submission.pk].due_at is None
    # Something put to us keeps its clock, even where animateur cannot answer; so does a post we can answer.
    assert by_root[comment.pk].due_at == long_ago + timedelta(minutes=30)
    assert by_root[toot.pk].due_at is not None

    # Changing targets or priority gives the feed item no due time either.
    do_set_response_target(workspace, actor=manager, channel_kind="", priority="", minutes=90, business_hours=False)
    do_set_conversation_priority(by_root[article.pk], "urgent", actor=manager)
    do_assign_conversation(by_root[article.pk], manager, actor=manager)
    do_assign_conversation(by_root[comment.pk], manager, actor=manager)
    assert Conversation.objects.get(root=article).due_at is None
    assert Conversation.objects.get(root=comment).due_at == long_ago + timedelta(minutes=90)

    # Nobody is warned about it, and answering it anyway counts no target in the response times.
    warn_due_soon.call_local()
    assert list(
        Notification.objects.filter(kind=Notification.Kind.DUE_SOON).values_list("conversation_id", flat=True)
    ) == [by_root[comment.pk].pk]
    do_mark_answered_elsewhere(by_root[article.pk], actor=manager)
    first = FirstResponse.objects.get(conversation=by_root[article.pk])
    assert first.data["target_minutes"] is None and first.data["within_target"] is None
    do_mark_answered_elsewhere(by_root[comment.pk], actor=manager)
    rss_figures = dict(stats.report(workspace)["by_channel"])["rss"]
    assert rss_figures.count == 1 and rss_figures.within_target is None
    assert dict(stats.report(workspace)["by_channel"])["reddit"].within_target == 0.0


def test_edits_imports_and_spam_in_a_batch_open_nothing(workspace, feed, make_user):
    moderator = make_user("mo@example.org", workspace, Role.MODERATOR)
    root = inbound(workspace, "Une question", channel=feed)
    conversation = Conversation.objects.get(root=root)
    do_set_conversation_state(conversation, State.CLOSED, actor=moderator)

    run_pipeline(
        [
            item(feed, "Une question (corrigée)", external_id=root.external_id),
            item(feed, "Vieux commentaire importé", historical=True),
            item(feed, "Une réponse du passé", parent=root.external_id, historical=True),
            item(feed, "cheap pills", who="spam", source_visibility="spam"),
        ]
    )

    conversation.refresh_from_db()
    assert Conversation.objects.count() == 1
    assert conversation.state == State.CLOSED and conversation.message_count == 1
    assert Message.objects.get(pk=root.pk).text == "Une question (corrigée)"


def test_each_conversation_of_a_batch_is_due_by_the_workspace_hours_and_holidays(workspace, feed, make_user):
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    manager = make_user("ma@example.org", workspace, Role.MANAGER)
    week = {day: [["09:00", "12:00"], ["14:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    do_set_business_hours(workspace, week, actor=manager)
    do_add_holiday(workspace, date(2024, 5, 8), "Victoire 1945", actor=manager)
    do_set_response_target(workspace, actor=manager, channel_kind="", priority="", minutes=240)
    paris = ZoneInfo("Europe/Paris")
    friday_night = item(feed, "Vendredi soir", at=datetime(2024, 5, 3, 21, 0, tzinfo=paris))
    tuesday = item(feed, "Mardi après-midi", who="bob", at=datetime(2024, 5, 7, 16, 0, tzinfo=paris))

    result = run_pipeline([friday_night, tuesday])

    def due(incoming: Incoming) -> datetime:
        return Conversation.objects.get(root=stored(result, incoming.external_id)).due_at.astimezone(paris)

    assert due(friday_night) == datetime(2024, 5, 6, 15, 0, tzinfo=paris)  # Monday: 3 h before noon, 1 h after
    assert due(tuesday) == datetime(2024, 5, 9, 11, 0, tzinfo=paris)  # 2 h on Tuesday, none on the holiday


def test_assignees_hear_of_a_batch_by_email_at_once_or_in_their_digest(
    workspace, feed, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    from animateur.inbox.tasks import send_digests

    bob = make_user("bob@team.org", workspace, Role.MODERATOR, display_name="Bob")
    cy = make_user("cy@team.org", workspace, Role.MODERATOR, display_name="Cy")
    do_set_notification_preference(cy, workspace, "digest", actor=cy)
    for_bob = inbound(workspace, "Pour Bob", channel=feed)
    for_cy = inbound(workspace, "Pour Cy", channel=feed, email="dan@example.org", name="Dan")
    do_assign_conversation(Conversation.objects.get(root=for_bob), bob, actor=cy)
    do_assign_conversation(Conversation.objects.get(root=for_cy), cy, actor=bob)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        run_pipeline(
            [
                item(feed, "Relance 1", parent=for_bob.external_id),
                item(feed, "Relance 2", parent=for_bob.external_id),
                item(feed, "Relance", parent=for_cy.external_id, who="dan"),
            ]
        )

    assert [m.to for m in mailoutbox] == [["bob@team.org"], ["bob@team.org"]]
    assert "Ana" in mailoutbox[0].subject
    assert Notification.objects.filter(user=cy, kind=Notification.Kind.NEW_MESSAGE).count() == 1
    assert send_digests.call_local() == 1
    assert mailoutbox[-1].to == ["cy@team.org"] and "Dan" in mailoutbox[-1].body
