"""Ready-made lists of watched words: a new French community is guarded from its first day."""

from __future__ import annotations

import pytest

from animateur.core.actions import ActionError
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.moderation.actions.settings import do_update_moderation_settings
from animateur.moderation.actions.words import do_add_starter_list, do_add_watched_word
from animateur.moderation.matching import Matcher
from animateur.moderation.models import WatchedWord
from animateur.moderation.starter_words import STARTER_LISTS
from animateur.stream.models import Visibility

from .factories import SYSTEM, post

ORDINARY_FR = [
    "Merci pour le conseil, la Mongolie est un beau pays",
    "Une conversation constructive, enfin !",
    "Votre service client est nul, j'attends depuis trois semaines",
    "Je suis allé voir Guignol à Lyon avec mon chien",
]


@pytest.mark.parametrize("key", list(STARTER_LISTS))
def test_the_lists_find_insults_and_leave_ordinary_messages_alone(key):
    matcher = Matcher.build((pattern, "flag", "") for pattern in STARTER_LISTS[key].patterns)
    insult = {"insults_fr": "Franchement vous êtes des ABRUTIS, espèce de cr3tin", "insults_en": "you m0r0n, stfu"}[key]
    assert len(matcher.find(insult)) == 2
    assert not any(matcher.find(text) for text in ORDINARY_FR)


def test_a_manager_adds_the_french_list_and_an_insult_is_then_held(workspace, client_as):
    do_update_moderation_settings(workspace, site_hold_below="new", actor=SYSTEM)
    workspace.hold_first_comments = False
    workspace.save()
    do_add_watched_word(workspace, "débile*", "require_approval", actor=SYSTEM)
    client = client_as(workspace, Role.MANAGER)
    form = {"starter_list": "insults_fr", "starter_action": "require_approval"}

    page = client.post("/app/moderation/words/starter/", form, follow=True).content.decode()

    total = len(STARTER_LISTS["insults_fr"].patterns)
    assert f"{total - 1} mots surveillés ajoutés. 1 était déjà surveillé avec cette action." in page
    assert WatchedWord.objects.filter(workspace=workspace, action="require_approval").count() == total
    # One change, one audit event: the list, with the words it brought.
    (event,) = AuditEvent.objects.filter(workspace=workspace, verb="moderation.word.add", data__list="insults_fr")
    assert len(event.data["patterns"]) == total - 1 and event.data["already_watched"] == 1

    held = post(workspace, "Franchement c'est bête, vous êtes des abrutis", email="marc@example.org")
    assert held.visibility == Visibility.PENDING
    assert held.review_item.reasons.filter(kind="watched-word", detail__contains="abrutis").exists()
    assert post(workspace, "Merci pour le conseil", email="lea@example.org").visibility == Visibility.VISIBLE

    again = client.post("/app/moderation/words/starter/", form, follow=True).content.decode()
    assert f"0 mot surveillé ajouté. {total} étaient déjà surveillés avec cette action." in again


def test_lists_are_added_by_those_who_edit_rules_and_only_with_actions_that_need_no_value(workspace, client_as):
    form = {"starter_list": "insults_en", "starter_action": "flag"}
    assert client_as(workspace, Role.MODERATOR).post("/app/moderation/words/starter/", form).status_code == 403
    refused = client_as(workspace, Role.MANAGER).post(
        "/app/moderation/words/starter/", {**form, "starter_action": "replace"}, follow=True
    )
    assert "replace" in refused.content.decode() and not WatchedWord.objects.exists()
    with pytest.raises(ActionError, match="« insults_de »"):
        do_add_starter_list(workspace, "insults_de", "flag", actor=SYSTEM)
    assert not WatchedWord.objects.exists()
