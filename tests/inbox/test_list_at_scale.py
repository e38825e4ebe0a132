"""What keeps the inbox fast on a big stream: counters, the search index, bounded queries per page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from animateur.core.roles import Role
from animateur.inbox import db, selectors
from animateur.inbox.actions.conversations import do_assign_conversation, do_set_conversation_state
from animateur.inbox.actions.labels import do_create_label, do_set_conversation_labels
from animateur.inbox.actions.replies import do_mark_answered_elsewhere
from animateur.inbox.models import NOT_DUE, Conversation, ResponseTarget, State
from tests.inbox.factories import inbound, post_message


def counts_by_scan(workspace, user) -> dict[str, int]:
    qs = Conversation.objects.filter(workspace=workspace)
    return {view: qs.filter(selectors.view_filter(view, user)).count() for view in selectors.VIEWS}


def test_view_counts_follow_every_change_of_state_and_assignee_including_bulk_updates(
    workspace, make_workspace, make_user
):
    moderator = make_user("mo@example.org", workspace, Role.MODERATOR)
    post = post_message(workspace)
    convs = [Conversation.objects.get(root=inbound(workspace, f"Question {i}", parent=post)) for i in range(5)]
    other = make_workspace("autre")
    inbound(other, "Ailleurs", parent=post_message(other))
    assert selectors.view_counts(workspace, moderator) == counts_by_scan(workspace, moderator)
    assert selectors.view_counts(workspace, moderator)["new"] == 5

    do_assign_conversation(convs[0], moderator, actor=moderator)
    do_set_conversation_state(convs[1], State.CLOSED, actor=moderator)
    do_set_conversation_state(convs[2], State.WAITING, actor=moderator)
    Conversation.objects.filter(pk=convs[3].pk).update(assignee=moderator, state=State.OPEN)
    convs[4].delete()
    counts = selectors.view_counts(workspace, moderator)
    assert counts == counts_by_scan(workspace, moderator)
    assert counts == {"all": 3, "new": 0, "mine": 2, "unassigned": 1, "waiting": 1, "closed": 1}
    # A later reply reopens a closed conversation: the counters follow the pipeline too.
    inbound(workspace, "Toujours là ?", parent=convs[1].root)
    assert selectors.view_counts(workspace, moderator)["closed"] == 0


def test_counters_and_index_are_rebuilt_when_their_triggers_went_missing(workspace, make_user):
    moderator = make_user("mo@example.org", workspace, Role.MODERATOR)
    inbound(workspace, "Une réservation de groupe", parent=post_message(workspace))
    db.drop_triggers(connection)
    inbound(workspace, "Une autre", parent=post_message(workspace))
    assert db.ensure(connection) is True
    assert db.ensure(connection) is False  # idempotent
    assert selectors.view_counts(workspace, moderator)["new"] == 2
    found = selectors.filtered(workspace, moderator, selectors.Filters(q="reservation"))
    assert found.count() == 1


def test_search_folds_accents_stems_words_and_needs_every_word(workspace, make_workspace, make_user):
    moderator = make_user("mo@example.org", workspace, Role.MODERATOR)
    post = post_message(workspace)
    museum = Conversation.objects.get(
        root=inbound(workspace, "Les horaires du Musée pour les réservations", parent=post)
    )
    Conversation.objects.get(root=inbound(workspace, "Le parking est complet", parent=post))
    other = make_workspace("autre")
    inbound(other, "Horaires du musée ailleurs", parent=post_message(other))

    def search(q: str) -> list[int]:
        return list(selectors.filtered(workspace, moderator, selectors.Filters(q=q)).values_list("pk", flat=True))

    assert search("musee") == [museum.pk]
    assert search("réservation horaire") == [museum.pk]
    assert search("musée parking") == []
    # A later message of the thread is searchable too.
    inbound(workspace, "Et pour le vestiaire ?", parent=museum.root)
    assert search("vestiaires") == [museum.pk]


def test_time_left_sort_puts_the_most_overdue_first_and_answered_ones_after(workspace, make_user):
    manager = make_user("ma@example.org", workspace, Role.MANAGER)
    ResponseTarget.objects.create(workspace=workspace, minutes=60, business_hours=False)
    post = post_message(workspace)
    now = timezone.now()
    older = Conversation.objects.get(
        root=inbound(workspace, "Ancienne", parent=post, created_at=now - timedelta(hours=5))
    )
    newer = Conversation.objects.get(
        root=inbound(workspace, "Récente", parent=post, created_at=now - timedelta(minutes=5))
    )
    answered = Conversation.objects.get(
        root=inbound(workspace, "Répondue", parent=post, created_at=now - timedelta(hours=9))
    )
    do_mark_answered_elsewhere(answered, actor=manager)
    answered.refresh_from_db()
    assert answered.due_sort == NOT_DUE
    order = list(selectors.filtered(workspace, manager, selectors.Filters()).values_list("pk", flat=True))
    assert order == [older.pk, newer.pk, answered.pk]


@pytest.mark.parametrize("url", ["/app/inbox/", "/app/inbox/?view=mine&sort=recent", "/app/inbox/list/?q=question"])
def test_the_list_makes_the_same_number_of_queries_for_3_or_30_conversations(workspace, client_as, make_user, url):
    client = client_as(workspace, Role.MODERATOR)
    manager = make_user("ma@example.org", workspace, Role.MANAGER)
    label = do_create_label(workspace, "Urgent", actor=manager)
    post = post_message(workspace)

    def add(n: int) -> None:
        for i in range(n):
            c = Conversation.objects.get(root=inbound(workspace, f"Question {i}", parent=post, name=f"Membre {i}"))
            do_assign_conversation(c, manager, actor=manager)
            do_set_conversation_labels(c, [label], actor=manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    add(3)
    few = queries()
    add(27)
    assert queries() == few
    assert few <= 13  # the page, plus the menu's count of unread notifications


def test_a_postgresql_database_counting_row_by_row_moves_to_counting_per_statement(workspace, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("the row-by-row insert trigger only ever existed on PostgreSQL")
    moderator = make_user("mo@example.org", workspace, Role.MODERATOR)
    post = post_message(workspace)
    inbound(workspace, "Avant", parent=post)
    # The trigger as an earlier version installed it.
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER inbox_tally_insert ON inbox_conversation")
        cursor.execute("DROP TRIGGER inbox_tally_delete ON inbox_conversation")
        cursor.execute(
            "CREATE TRIGGER inbox_tally_insert_delete AFTER INSERT OR DELETE ON inbox_conversation"
            " FOR EACH ROW EXECUTE FUNCTION inbox_tally()"
        )
    inbound(workspace, "Pendant", parent=post)
    assert db.ensure(connection) is True
    assert db._existing_triggers(connection) == set(db.PG_TRIGGERS)
    gone = Conversation.objects.get(root=inbound(workspace, "Après", parent=post))
    inbound(workspace, "Encore", parent=post)
    gone.delete()
    assert selectors.view_counts(workspace, moderator) == counts_by_scan(workspace, moderator)
    assert selectors.view_counts(workspace, moderator)["new"] == 3
