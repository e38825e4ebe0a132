"""What a refused moderation action says reaches people in their language, and nothing else does."""

from __future__ import annotations

import pytest
from django.utils import translation

from animateur.core.actions import ActionError
from animateur.core.roles import Role
from animateur.moderation.actions.decisions import do_moderate_messages
from animateur.moderation.actions.flags import do_flag_message
from animateur.moderation.actions.rules import do_save_rule
from animateur.moderation.actions.sanctions import do_lift_sanction, do_sanction_member
from animateur.moderation.actions.settings import do_update_moderation_settings
from animateur.moderation.actions.words import do_add_starter_list, do_add_watched_word

from .factories import SYSTEM, post


def refusal_in_french(call) -> str:
    with translation.override("fr"), pytest.raises(ActionError) as refused:
        call()
    return str(refused.value)


def test_refused_moderation_actions_explain_themselves_in_french(workspace):
    message = post(workspace, "Bonjour")
    member = message.author.member
    assert refusal_in_french(lambda: do_sanction_member(member, "ban", " ", actor=SYSTEM)) == (
        "Une sanction a besoin d’un motif."
    )
    assert "Sanction inconnue : « exile »" in refusal_in_french(
        lambda: do_sanction_member(member, "exile", "x", actor=SYSTEM)
    )
    sanction = do_sanction_member(member, "warn", "ton", actor=SYSTEM)
    do_lift_sanction(sanction, actor=SYSTEM)
    assert refusal_in_french(lambda: do_lift_sanction(sanction, actor=SYSTEM)) == "Cette sanction a déjà été levée."
    assert refusal_in_french(lambda: do_save_rule(workspace, {"name": ""}, actor=SYSTEM)) == (
        "Une règle a besoin d’un nom."
    )
    assert (
        refusal_in_french(
            lambda: do_save_rule(
                workspace,
                {
                    "name": "x",
                    "conditions": [{"field": "text", "op": "contains", "value": "a"}],
                    "actions": [{"type": "nuke"}],
                },
                actor=SYSTEM,
            )
        )
        == "action inconnue : « nuke »"
    )
    assert refusal_in_french(lambda: do_add_watched_word(workspace, "x", "explode", actor=SYSTEM)) == (
        "Action inconnue : « explode »."
    )
    assert refusal_in_french(lambda: do_add_starter_list(workspace, "insults_fr", "label", actor=SYSTEM)).startswith(
        "Une liste s’ajoute pour retenir"
    )
    assert refusal_in_french(lambda: do_moderate_messages([message], "burn", actor=SYSTEM)) == (
        "Décision inconnue : « burn »."
    )
    assert refusal_in_french(lambda: do_update_moderation_settings(workspace, flag_hold_weight=0, actor=SYSTEM)) == (
        "Le poids de signalements qui retient un message doit être positif."
    )
    assert refusal_in_french(
        lambda: do_update_moderation_settings(workspace, trusted_link_hosts=["pas un site !"], actor=SYSTEM)
    ) == ("« pas un site ! » n’est pas le nom d’hôte d’un site.")


def test_flagging_a_message_twice_says_so_on_the_page_in_french(workspace, client_as):
    message = post(workspace, "Un message à signaler", source_visibility="visible")
    client = client_as(workspace, Role.MODERATOR)
    do_flag_message(message, "hors sujet", actor=client.user)
    page = client.post(
        f"/app/moderation/messages/{message.pk}/flag/", {"reason": "encore"}, follow=True
    ).content.decode()
    assert "Vous avez déjà signalé ce message." in page


def test_a_dry_run_with_days_that_are_not_a_number_shows_no_python_error(workspace, manager_client):
    page = manager_client.post(
        "/app/moderation/rules/new/",
        {
            "name": "Essai",
            "match": "all",
            "position": 100,
            "c0_field": "text",
            "c0_op": "contains",
            "c0_value": "remboursement",
            "a0_type": "hold",
            "days": "beaucoup",
            "dry_run": "1",
        },
    )
    assert page.status_code == 200
    assert "invalid literal" not in page.content.decode()
