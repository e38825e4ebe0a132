"""Working a conversation as the walkthrough did it, in French.

Found walking through the inbox: the list did not show priorities; assignee, state and priority each
had their own « Modifier » button (three forms, three events); a comment's conversation did not say
which article it was on; the history read « priorité → high », « libellés → ['trolls'] » and
« system:inbox »; the targets page offered « mon tue wed » and « mastodon / site ».
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.inbox.actions.conversations import (
    do_assign_conversation,
    do_set_conversation_priority,
    do_set_conversation_state,
)
from animateur.inbox.actions.expectations import do_set_response_target
from animateur.inbox.actions.labels import do_create_label, do_set_conversation_labels
from animateur.inbox.actions.replies import do_reply_conversation
from animateur.inbox.models import Conversation, Priority, State
from tests.channels.test_walkthrough_labels import visible_text
from tests.inbox.factories import inbound, other_channel, post_message


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture
def conversation(workspace):
    post = post_message(workspace, "Le musée rouvre")
    root = inbound(workspace, "Bonjour, où est le musée ?", parent=post, name="Zoé")
    return Conversation.objects.get(root=root)


def test_the_list_shows_each_conversations_priority(workspace, client_as, conversation):
    client = client_as(workspace, Role.MODERATOR)
    do_set_conversation_priority(conversation, Priority.URGENT, actor=client.user)
    page = client.get("/app/inbox/").content.decode()
    row = page[page.index(f'data-conversation="{conversation.pk}"') :]
    row = row[: row.index("</li>")]
    assert re.search(r'<span class="priority priority-urgent" data-priority="urgent"[^>]*>Urgente</span>', row)


def test_one_form_changes_assignee_state_and_priority_with_one_action_and_one_event(
    workspace, client_as, make_user, conversation
):
    client = client_as(workspace, Role.MANAGER)
    lea = make_user("lea@example.org", workspace, Role.MODERATOR, display_name="Léa")
    page = client.get(f"/app/inbox/c/{conversation.pk}/").content.decode()
    form = page[page.index('id="work-form"') :]
    form = form[: form.index("</form>")]
    for field in ("assignee", "state", "priority"):
        assert f'name="{field}"' in form
    assert form.count("Modifier") == 0 and "Enregistrer les changements" in form
    before = AuditEvent.objects.count()
    response = client.post(
        f"/app/inbox/c/{conversation.pk}/update/",
        {"assignee": str(lea.pk), "state": State.WAITING, "priority": Priority.HIGH},
        follow=True,
    )
    assert "Conversation mise à jour." in response.content.decode()
    conversation.refresh_from_db()
    assert (conversation.assignee, conversation.state, conversation.priority) == (lea, State.WAITING, Priority.HIGH)
    [event] = AuditEvent.objects.order_by("-pk")[: AuditEvent.objects.count() - before]
    assert event.verb == "inbox.conversation.update"
    assert event.data["changes"] == {
        "assignee": {"from": None, "to": lea.pk},
        "state": {"from": State.NEW, "to": State.WAITING},
        "priority": {"from": Priority.NORMAL, "to": Priority.HIGH},
    }
    history = visible_text(client.get(f"/app/inbox/c/{conversation.pk}/").content.decode())
    assert "a modifié : assignée → Léa, état → En attente, priorité → Haute" in history


def test_the_forms_quick_buttons_assign_to_me_and_close(workspace, client_as, conversation):
    client = client_as(workspace, Role.MODERATOR)
    form = {"assignee": "", "state": State.NEW, "priority": Priority.NORMAL}
    client.post(f"/app/inbox/c/{conversation.pk}/update/", {**form, "quick": "assign_me"})
    conversation.refresh_from_db()
    assert conversation.assignee == client.user and conversation.state == State.OPEN
    client.post(f"/app/inbox/c/{conversation.pk}/update/", {**form, "assignee": client.user.pk, "quick": "close"})
    conversation.refresh_from_db()
    assert conversation.state == State.CLOSED and conversation.assignee == client.user


def test_the_form_refuses_bad_values_and_changes_nothing(workspace, client_as, make_user, conversation):
    client = client_as(workspace, Role.MODERATOR)
    analyst = make_user("ana@example.org", workspace, Role.ANALYST)
    for data, said in (
        ({"state": "archived"}, "État inconnu."),
        ({"priority": "critical"}, "Priorité inconnue."),
        ({"assignee": "99999999999999999999"}, "Choisissez un membre de l’équipe de cet espace de travail."),
        ({"assignee": str(analyst.pk)}, "Choisissez un membre de l’équipe de cet espace de travail."),
        ({"assignee": "x", "state": State.CLOSED}, "Choisissez un membre de l’équipe de cet espace de travail."),
    ):
        response = client.post(f"/app/inbox/c/{conversation.pk}/update/", data, follow=True)
        assert response.status_code == 200
        errors = re.findall(r'<li class="error">([^<]*)</li>', response.content.decode())
        assert any(said in e for e in errors), (data, errors)
    conversation.refresh_from_db()
    assert (conversation.assignee, conversation.state, conversation.priority) == (None, State.NEW, Priority.NORMAL)
    assert not AuditEvent.objects.filter(verb="inbox.conversation.update").exists()


def test_a_comments_conversation_names_its_post_with_a_link(workspace, client_as, conversation):
    page = client_as(workspace, Role.MODERATOR).get(f"/app/inbox/c/{conversation.pk}/").content.decode()
    assert re.search(r'Sur l’article <a href="/\d{4}/\d{2}/\d{2}/article-\d+/">Le musée rouvre</a>', page)


def test_a_mention_starts_its_own_thread_and_names_no_post(workspace, client_as):
    root = inbound(workspace, "@acme bravo", channel=other_channel(workspace), kind="mention", name="Hugo")
    conversation = Conversation.objects.get(root=root)
    page = client_as(workspace, Role.MODERATOR).get(f"/app/inbox/c/{conversation.pk}/").content.decode()
    assert "data-article" not in page


def test_the_history_says_values_and_actors_in_words(workspace, client_as, conversation):
    client = client_as(workspace, Role.MANAGER)
    label = do_create_label(workspace, "trolls", actor=client.user)
    do_set_conversation_priority(conversation, Priority.HIGH, actor=client.user)
    do_set_conversation_labels(conversation, [label], actor=client.user)
    do_set_conversation_state(conversation, State.WAITING, actor=client.user)
    do_assign_conversation(conversation, client.user, actor=client.user)
    html = client.get(f"/app/inbox/c/{conversation.pk}/").content.decode()
    history = visible_text(html[html.index('class="history') :])
    assert "animateur (boîte de réception) · a ouvert la conversation" in history
    assert "a changé la priorité → Haute" in history
    assert "a changé les libellés → trolls" in history
    assert "a changé l’état → En attente" in history
    assert f"a assigné → {client.user.name}" in history
    for leak in ("system:inbox", "→ high", "['trolls']", "[&#x27;trolls&#x27;]", "→ waiting"):
        assert leak not in html


def test_the_targets_page_names_days_and_channels_in_french(workspace, client_as):
    other_channel(workspace, "mastodon")
    client = client_as(workspace, Role.MANAGER)
    do_set_response_target(workspace, actor=client.user, channel_kind="mastodon", priority="", minutes=60)
    html = client.get("/app/inbox/settings/").content.decode()
    for day in ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"):
        assert re.search(rf'<label for="h-\w+">{day}</label>', html)
    assert not re.search(r'<label for="h-\w+">(mon|tue|wed)</label>', html)
    assert "<td>Mastodon</td>" in html and "<td>mastodon</td>" not in html
    assert '<option value="mastodon">Mastodon</option>' in html


def test_a_new_target_applies_to_open_conversations_not_answered_yet(workspace, client_as, conversation):
    client = client_as(workspace, Role.MANAGER)
    taken = Conversation.objects.get(root=inbound(workspace, "Et le parking ?", parent=conversation.root.thread_root))
    do_assign_conversation(taken, client.user, actor=client.user)  # open, not answered
    answered = Conversation.objects.get(root=inbound(workspace, "Merci !", parent=conversation.root.thread_root))
    do_reply_conversation(answered, "Avec plaisir", actor=client.user)
    closed = Conversation.objects.get(root=inbound(workspace, "Rien", parent=conversation.root.thread_root))
    do_set_conversation_state(closed, State.CLOSED, actor=client.user)
    assert Conversation.objects.exclude(due_at=None).count() == 0

    response = client.post(
        "/app/inbox/settings/targets/", {"channel_kind": "", "priority": "", "minutes": "60"}, follow=True
    )
    assert "2 conversations ouvertes sans réponse" in visible_text(response.content.decode())
    for c in (conversation, taken, answered, closed):
        c.refresh_from_db()
    assert conversation.due_at is not None and taken.due_at is not None
    assert answered.due_at is None and closed.due_at is None
    event = AuditEvent.objects.filter(verb="inbox.target.set").latest("pk")
    assert event.data["applied_to"] == 2
    page = client.get("/app/inbox/").content.decode()
    assert page.count('data-clock="left"') + page.count('data-clock="late"') == 2
