"""Messages heard elsewhere (by a listening source) are listening's, not the inbox's, until a crisis room pulls them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from animateur.channels.models import Channel
from animateur.core.actions import ActionError
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.inbox.actions.heard import do_pull_into_inbox
from animateur.inbox.models import Conversation
from animateur.listening import actions, watch
from animateur.listening.models import SearchMatch
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.pipeline import run_pipeline


def heard(workspace, text: str, n: int, at=None):
    channel, _ = Channel.objects.get_or_create(
        workspace=workspace, kind="bluesky_listen", name="Bluesky (écoute)", defaults={"config": {"handle": "a.b"}}
    )
    item = Incoming(
        channel=channel,
        external_id=f"at://did:plc:heard/app.bsky.feed.post/{n}",
        text=text,
        created_at=at or timezone.now(),
        author=AuthorInfo(external_id=f"did:plc:author{n}", display_name=f"Auteur {n}", handle=f"@a{n}.example"),
        kind="post",
        language="fr",
    )
    return run_pipeline([item]).created[0]


@pytest.mark.django_db
def test_a_message_heard_elsewhere_is_matched_but_opens_no_conversation_until_a_crisis_room_pulls_it_in(
    workspace, client_as
):
    manager = client_as(workspace, Role.MANAGER)
    search = actions.do_create_search(workspace, "Grève", "greve", actor=manager.user)
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    angry = heard(workspace, "Encore une grève chez Acme, scandaleux", 1, start + timedelta(minutes=1))
    other = heard(workspace, "La grève continue", 2, start + timedelta(minutes=2))
    assert SearchMatch.objects.filter(search=search, message__in=[angry, other]).count() == 2
    assert not Conversation.objects.filter(root__in=[angry, other]).exists()

    spike = actions.do_record_spike(search, start, start + timedelta(hours=1), 2, 0.1, {}, actor=watch.LISTENING)
    crisis = actions.do_open_crisis(spike, actor=watch.LISTENING)
    response = manager.post(f"/app/listening/crises/{crisis.pk}/prioritize/", follow=True)
    assert response.status_code == 200
    assert "2 messages entendus ailleurs ont été amenés dans la boîte de réception" in response.content.decode()
    pulled = Conversation.objects.get(root=angry)
    assert pulled.priority == "urgent" and pulled.channel_kind == "bluesky_listen"
    opened = AuditEvent.objects.filter(verb="inbox.conversation.open", target_id=str(pulled.pk)).get()
    assert opened.actor_user_id == manager.user.pk and opened.data["crisis"] == crisis.pk
    # Pulled once: the room's button again changes nothing more.
    manager.post(f"/app/listening/crises/{crisis.pk}/prioritize/")
    assert Conversation.objects.filter(root__in=[angry, other]).count() == 2


@pytest.mark.django_db
def test_only_a_message_heard_elsewhere_and_by_someone_who_works_the_inbox_can_be_pulled_in(workspace, client_as):
    from tests.inbox.factories import inbound

    owned = inbound(workspace, "Une question pour vous")
    manager = client_as(workspace, Role.MANAGER).user
    with pytest.raises(ActionError):
        do_pull_into_inbox(owned, actor=manager)
    message = heard(workspace, "Acme ? jamais entendu parler", 3)
    guest = client_as(workspace, Role.GUEST).user
    with pytest.raises(PermissionDenied):
        do_pull_into_inbox(message, actor=guest)
    assert not Conversation.objects.filter(root=message).exists()
    do_pull_into_inbox(message, actor=manager)
    with pytest.raises(ActionError):
        do_pull_into_inbox(message, actor=manager)


@pytest.mark.django_db
def test_the_api_says_which_messages_were_heard_elsewhere(workspace, make_user):
    from django.test import Client

    from tests.api.test_stream_api import bearer
    from tests.inbox.factories import inbound

    headers = bearer(workspace, make_user("analyst@a.org", workspace, Role.ANALYST))
    message = heard(workspace, "Acme chez les autres", 4)
    owned = inbound(workspace, "Une question pour vous")
    listed = Client().get("/api/stream/messages", **headers).json()["messages"]
    by_id = {m["id"]: m for m in listed}
    assert by_id[message.pk]["heard_elsewhere"] is True and by_id[message.pk]["outcome"] == "none"
    assert by_id[owned.pk]["heard_elsewhere"] is False
    client = Client()
    only_heard = client.get("/api/stream/messages", {"heard": "yes"}, **headers).json()["messages"]
    assert [m["id"] for m in only_heard] == [message.pk]
    ours = client.get("/api/stream/messages", {"heard": "no"}, **headers).json()["messages"]
    assert message.pk not in {m["id"] for m in ours} and owned.pk in {m["id"] for m in ours}
    refused = client.get("/api/stream/messages", {"heard": "ailleurs"}, **headers)
    assert refused.status_code == 400 and "heard" in refused.json()["errors"]


@pytest.mark.django_db
def test_a_message_heard_elsewhere_is_never_held_for_review_even_when_a_watched_word_would_hold_it(workspace):
    from animateur.moderation.actions.words import do_add_watched_word
    from animateur.moderation.models import ReviewItem
    from tests.conftest import SYSTEM

    do_add_watched_word(workspace, "scandaleux", "require_approval", actor=SYSTEM)
    message = heard(workspace, "Encore une grève chez Acme, scandaleux", 9)
    assert message.visibility == "visible"
    assert not ReviewItem.objects.filter(message=message).exists()
    assert message.scores.get("spam") is not None  # still scored: listening filters on it


@pytest.mark.django_db
def test_the_stream_page_filters_what_was_heard_elsewhere_in_french_and_in_english(workspace, client_as, make_user):
    from django.test import Client

    from tests.inbox.factories import inbound

    message = heard(workspace, "Acme chez les autres", 5)
    owned = inbound(workspace, "Une question pour vous")
    manager = client_as(workspace, Role.MANAGER)

    def shown(client, **params) -> set[int]:
        response = client.get("/app/stream/", params)
        assert response.status_code == 200
        page = response.content.decode()
        return {m for m in (message.pk, owned.pk) if f'data-message="{m}"' in page}

    assert shown(manager) == {message.pk, owned.pk}
    assert shown(manager, heard="yes") == {message.pk}
    assert shown(manager, heard="no") == {owned.pk}
    page = manager.get("/app/stream/").content.decode()
    assert "Entendu ailleurs seulement (sources d’écoute)" in page and "Sur nos canaux seulement" in page
    assert 'name="heard"' in page
    # Each row says why it opened no conversation.
    row = page[page.index(f'data-message="{message.pk}"') :]
    assert "Pas de conversation : entendu ailleurs, par une source d’écoute" in row[: row.index("</tr>")]

    english = Client()
    english.force_login(make_user("en@example.org", workspace, Role.ANALYST, language="en"))
    assert shown(english, heard="yes") == {message.pk}
    assert "Heard elsewhere only (listening sources)" in english.get("/app/stream/").content.decode()

    # A value the filter does not know is named, not a server error.
    refused = manager.get("/app/stream/", {"heard": "peut-être"})
    assert refused.status_code == 400
    assert "peut-être" in refused.content.decode()
