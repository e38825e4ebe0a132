"""An action's refusal reaches a French page in French: its own reason, never the source's or the
code's English words.

Found reading the settings page: a target of 0 minutes was answered « The target must be a number
of minutes » (an ActionError is a ValueError, and the view caught ValueError first), and business
hours ending before they start were refused with « mon: 18:00–09:00 ends before it starts ».
"""

from __future__ import annotations

import pytest
from django.utils.translation import override

from animateur.channels.actions import do_create_channel, do_reply_to_message
from animateur.core.actions import ActionError
from animateur.core.roles import Role
from animateur.inbox.actions.expectations import do_set_business_hours
from animateur.inbox.models import Conversation, ResponseTarget
from tests.channels.test_walkthrough_labels import visible_text
from tests.inbox.factories import inbound


def _shown(client, response) -> str:
    assert response.status_code == 302
    return visible_text(client.get(response["Location"]).content.decode())


def test_a_target_out_of_bounds_is_refused_with_the_actions_reason_in_french(workspace, client_as):
    client = client_as(workspace, Role.MANAGER)
    shown = _shown(client, client.post("/app/inbox/settings/targets/", {"minutes": "0", "channel_kind": "site"}))
    assert "Un délai cible est compris entre 1 minute et 60 jours." in shown
    assert not ResponseTarget.objects.exists()
    shown = _shown(client, client.post("/app/inbox/settings/targets/", {"minutes": "beaucoup"}))
    assert "nombre de minutes" in shown


def test_business_hours_that_end_before_they_start_are_refused_in_french_naming_the_day(workspace, client_as):
    client = client_as(workspace, Role.MANAGER)
    shown = _shown(client, client.post("/app/inbox/settings/hours/", {"hours_mon": "18:00-09:00"}))
    assert "lundi : 18:00–09:00 se termine avant de commencer." in shown
    assert "ends before" not in shown and "mon:" not in shown
    shown = _shown(client, client.post("/app/inbox/settings/hours/", {"hours_tue": "9h-12:00"}))
    assert "mardi : « 9h » n’est pas une heure ; écrivez-la comme 09:00." in shown
    workspace.refresh_from_db()
    assert not workspace.business_hours


def test_overlapping_hours_are_refused_in_the_readers_language(workspace, make_user):
    manager = make_user("m@example.org", workspace, Role.MANAGER)
    hours = {"wed": [["09:00", "12:00"], ["11:00", "14:00"]]}
    with override("fr"), pytest.raises(ActionError) as french:
        do_set_business_hours(workspace, hours, actor=manager)
    with override("en"), pytest.raises(ActionError) as english:
        do_set_business_hours(workspace, hours, actor=manager)
    assert str(french.value) == "mercredi : les plages se chevauchent."
    assert str(english.value) == "Wednesday: the intervals overlap."


def test_a_channel_refused_by_its_action_says_why_in_french(workspace, make_user):
    owner = make_user("o@example.org", workspace, Role.OWNER)
    feed = {"url": "https://example.org/feed.xml"}
    with override("fr"):
        with pytest.raises(ActionError, match="L’intervalle de relève doit être d’au moins 60 secondes."):
            do_create_channel(workspace, "rss", "Blog", feed, {}, poll_interval_seconds=5, actor=owner)
        with pytest.raises(ActionError, match="Un canal a besoin d’un nom."):
            do_create_channel(workspace, "rss", " ", feed, {}, actor=owner)
        with pytest.raises(ActionError, match="Type de canal inconnu : pigeon."):
            do_create_channel(workspace, "pigeon", "Pigeon", {}, {}, actor=owner)


def test_a_reply_the_source_refuses_shows_the_cause_in_french_on_the_conversation_page(workspace, client_as, replay):
    """The source's own words (English, from its API) stay in the log; the page says the cause in French."""
    from tests.channels.factories import mastodon_channel

    replay.add("POST", "/api/v1/statuses", 422, {"error": "Validation failed: Text too long"})
    channel = mastodon_channel(workspace, replay.base)
    mention = inbound(workspace, "@acme Bonjour ?", channel=channel, kind="mention")
    conversation = Conversation.objects.get(root=mention)
    client = client_as(workspace, Role.MANAGER)
    page = client.post(f"/app/inbox/c/{conversation.pk}/reply/", {"text": "Bonjour !"})
    shown = visible_text(page.content.decode())
    assert "La réponse n’a pas pu être envoyée" in shown
    assert "Validation failed" not in shown and "Text too long" not in shown
    with override("en"), pytest.raises(ActionError, match="The reply could not be sent"):
        do_reply_to_message(mention, "Hello", actor=client.user)
