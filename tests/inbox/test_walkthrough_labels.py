"""The inbox's filters and conversation header name channels and languages in words.

Found walking through the inbox in French: the channel filter offered « rss » and « site », the
language filter « de, en, es, fr… », and a conversation's header ended on a bare « fr ».
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from animateur.core.roles import Role
from animateur.inbox.models import Conversation
from tests.inbox.factories import inbound, other_channel, post_message


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


def test_the_filters_name_channel_kinds_and_languages_and_still_filter_by_code(workspace, client_as):
    inbound(workspace, "Bonjour, où est le musée ?", parent=post_message(workspace), name="Zoé")
    inbound(workspace, "Nouvel atelier à Lyon", channel=other_channel(workspace, "rss"), name="La rédaction")
    client = client_as(workspace, Role.MODERATOR)
    page = client.get("/app/inbox/").content.decode()
    assert re.search(r'<option value="rss"[^>]*>Flux RSS ou Atom</option>', page)
    assert re.search(r'<option value="site"[^>]*>site de la communauté</option>', page)
    assert re.search(r'<option value="fr"[^>]*>Français</option>', page)
    assert re.search(r'<option value="en"[^>]*>Anglais</option>', page)
    assert not re.search(r"<option[^>]*>(rss|site|fr|en)</option>", page)
    only_feed = client.get("/app/inbox/", {"channel": "rss", "language": "fr"}).content.decode()
    assert "La rédaction" in only_feed and "Zoé" not in only_feed
    assert re.search(r'<option value="fr" selected>Français</option>', only_feed)


def test_an_unknown_language_code_in_the_address_is_shown_as_is(workspace, client_as):
    page = client_as(workspace, Role.MODERATOR).get("/app/inbox/", {"language": "xx"})
    assert page.status_code == 200 and '<option value="xx" selected>xx</option>' in page.content.decode()


def test_the_conversation_names_its_language(workspace, client_as):
    root = inbound(workspace, "Bonjour, où est le musée ?", parent=post_message(workspace), name="Zoé")
    conversation = Conversation.objects.get(root=root)
    page = client_as(workspace, Role.MODERATOR).get(f"/app/inbox/c/{conversation.pk}/").content.decode()
    assert '<span class="language" data-language="fr">Français</span>' in page


def test_creating_a_saved_reply_does_not_say_it_was_updated(workspace, client_as):
    client = client_as(workspace, Role.MANAGER)
    page = client.post(
        "/app/inbox/replies/save/", {"title": "Merci", "body": "Merci {member_name} !", "language": ""}, follow=True
    ).content.decode()
    assert "Réponse enregistrée sauvegardée." in page and "mise à jour" not in page
