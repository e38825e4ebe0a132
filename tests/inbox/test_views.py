"""The inbox pages as a teammate uses them."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from animateur.core.roles import Role
from animateur.inbox.actions.expectations import do_set_response_target
from animateur.inbox.models import Conversation, State
from animateur.stream.models import Message
from tests.inbox.factories import inbound, post_message


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture
def conversation(workspace):
    root = inbound(workspace, "Bonjour, où est le musée ?", parent=post_message(workspace), name="Zoé")
    return Conversation.objects.get(root=root)


def test_the_list_shows_new_conversations_with_counts_and_search_finds_them(workspace, client_as, conversation):
    client = client_as(workspace, Role.MODERATOR)
    page = client.get("/app/inbox/").content.decode()
    assert "Zoé" in page and 'data-count="new">1<' in page
    assert "Zoé" in client.get("/app/inbox/?q=MUSÉE").content.decode()
    assert "Zoé" not in client.get("/app/inbox/?q=plage").content.decode()
    assert "Zoé" not in client.get("/app/inbox/?view=closed").content.decode()
    assert "Zoé" in client.get("/app/inbox/list/?view=unassigned").content.decode()


def test_a_reply_sent_on_top_of_a_teammates_is_held_for_confirmation(workspace, client_as, conversation):
    ana, bob = client_as(workspace, Role.MODERATOR), client_as(workspace, Role.MANAGER)
    url = f"/app/inbox/c/{conversation.pk}/"
    seen = conversation.last_message_id
    assert ana.post(url + "reply/", {"text": "Au centre-ville.", "last_seen": seen}).status_code == 302
    held = bob.post(url + "reply/", {"text": "Près de la gare.", "last_seen": seen})
    assert held.status_code == 409 and "Au centre-ville." in held.content.decode()
    assert not Message.objects.filter(text="Près de la gare.").exists()
    sent = bob.post(url + "reply/", {"text": "Près de la gare.", "last_seen": seen, "confirmed": "1"})
    assert sent.status_code == 302 and Message.objects.filter(text="Près de la gare.").exists()


def test_the_conversation_shows_who_else_is_viewing(workspace, client_as, conversation):
    ana, bob = client_as(workspace, Role.MODERATOR), client_as(workspace, Role.MANAGER)
    ana.get(f"/app/inbox/c/{conversation.pk}/live/?replying=1")
    live = bob.get(f"/app/inbox/c/{conversation.pk}/live/").content.decode()
    assert 'class="viewer replying"' in live and "moderator-acme" in live


def test_bulk_close_and_assign_to_me(workspace, client_as, conversation):
    client = client_as(workspace, Role.MODERATOR)
    client.post("/app/inbox/bulk/", {"ids": [conversation.pk], "operation": "assign_me"})
    conversation.refresh_from_db()
    assert conversation.assignee == client.user and conversation.state == State.OPEN
    client.post("/app/inbox/bulk/", {"ids": [conversation.pk], "operation": "close"})
    conversation.refresh_from_db()
    assert conversation.state == State.CLOSED


def test_the_response_time_page_reports_from_the_audit_trail_and_exports_csv(workspace, client_as, conversation):
    client = client_as(workspace, Role.MANAGER)
    do_set_response_target(
        workspace, actor=client.user, channel_kind="", priority="", minutes=120, business_hours=False
    )
    client.post(f"/app/inbox/c/{conversation.pk}/reply/", {"text": "Voilà."})
    page = client.get("/app/inbox/response-times/").content.decode()
    assert 'data-row="overall"><th scope="row">' in page and "100 %" in page
    csv = client.get("/app/inbox/response-times.csv").content.decode()
    assert csv.splitlines()[1].startswith("overall,,1,")
    analyst = client_as(workspace, Role.ANALYST)
    assert analyst.get("/app/inbox/response-times/").status_code == 200


def test_the_inbox_speaks_french_in_a_french_workspace(workspace, client_as, conversation):
    page = client_as(workspace, Role.MODERATOR).get("/app/inbox/").content.decode()
    assert "Boîte de réception" in page and "Non assignées" in page and "En attente" in page and "Fermées" in page
    assert "Raccourcis clavier" in page
    conversation_page = client_as(workspace, Role.MANAGER).get(f"/app/inbox/c/{conversation.pk}/").content.decode()
    assert "Notes internes" in conversation_page and "Envoyer la réponse" in conversation_page


def test_a_bulk_change_is_one_line_of_the_trail_and_shows_in_each_conversations_history(workspace, client_as):
    from animateur.core.models import AuditEvent

    post = post_message(workspace)
    first, second = (
        Conversation.objects.get(root=inbound(workspace, text, parent=post, name=name))
        for text, name in (("Question un", "Zoé"), ("Question deux", "Yann"))
    )
    client = client_as(workspace, Role.MODERATOR)
    client.post("/app/inbox/bulk/", {"ids": [first.pk, second.pk], "operation": "close"})
    bulk = AuditEvent.objects.get(actor_user=client.user)
    assert bulk.verb == "inbox.conversations.bulk" and bulk.data["conversations"] == sorted([first.pk, second.pk])
    for conversation in (first, second):
        page = client.get(f"/app/inbox/c/{conversation.pk}/").content.decode()
        assert "a modifié plusieurs conversations à la fois → Fermée" in page
