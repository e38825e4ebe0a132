"""How to call the actions of moderation: watched words, rules, decisions, flags, sanctions, settings."""

from __future__ import annotations

from animateur.core.roles import Role
from animateur.moderation.actions.decisions import do_decide, do_escalate, do_moderate_messages
from animateur.moderation.actions.flags import do_flag_message
from animateur.moderation.actions.rules import do_delete_rule, do_renew_webhook_secret, do_save_rule
from animateur.moderation.actions.sanctions import do_lift_sanction, do_sanction_member
from animateur.moderation.actions.settings import do_update_moderation_settings
from animateur.moderation.actions.words import do_add_starter_list, do_add_watched_word, do_remove_watched_word
from animateur.moderation.models import ReviewItem, Rule
from animateur.stream.models import Member
from tests.action_walk.registry import Call, World, case

RULE = {
    "name": "Remboursements",
    "conditions": [{"field": "text", "op": "contains", "value": "remboursement"}],
    "actions": [{"type": "hold"}],
}


def _held_item(w: World) -> ReviewItem:
    """A message held for review by a watched word."""
    do_add_watched_word(w.workspace, "remboursement", "require_approval", actor=w.owner)
    message = w.message("Je demande un remboursement")
    item = ReviewItem.objects.filter(message=message).first()
    assert item is not None, "a word that requires approval holds the message for review"
    return item


def _member(w: World) -> Member:
    message = w.message()
    assert message.author is not None and message.author.member is not None
    return message.author.member


@case("do_add_watched_word")
def _add_word(w: World) -> Call:
    return lambda: do_add_watched_word(w.workspace, "arnaque", "flag", actor=w.owner)


@case("do_add_starter_list")
def _add_starter_list(w: World) -> Call:
    # One audit event for the list, however many words it brings.
    return lambda: do_add_starter_list(w.workspace, "insults_fr", "flag", actor=w.owner)


@case("do_remove_watched_word")
def _remove_word(w: World) -> Call:
    word = do_add_watched_word(w.workspace, "arnaque", "flag", actor=w.owner)
    return lambda: do_remove_watched_word(word, actor=w.owner)


@case("do_save_rule")
def _save_rule(w: World) -> Call:
    return lambda: do_save_rule(w.workspace, RULE, actor=w.owner)


@case("do_renew_webhook_secret")
def _renew_secret(w: World) -> Call:
    w.request.getfixturevalue("private_urls")
    data = {**RULE, "actions": [{"type": "webhook", "value": "http://127.0.0.1:9/hook"}]}
    rule: Rule = do_save_rule(w.workspace, data, actor=w.owner)
    return lambda: do_renew_webhook_secret(rule, actor=w.owner)


@case("do_delete_rule")
def _delete_rule(w: World) -> Call:
    rule = do_save_rule(w.workspace, RULE, actor=w.owner)
    return lambda: do_delete_rule(rule, actor=w.owner)


@case("do_moderate_messages")
def _moderate(w: World) -> Call:
    message = w.message()
    return lambda: do_moderate_messages([message], "reject", actor=w.owner)


@case("do_decide")
def _decide(w: World) -> Call:
    item = _held_item(w)
    return lambda: do_decide([item], "approve", actor=w.owner)


@case("do_escalate")
def _escalate(w: World) -> Call:
    item = _held_item(w)
    manager = w.make_user("manager@example.org", w.workspace, Role.MANAGER)
    return lambda: do_escalate([item], to=manager, note="À toi de voir", actor=w.owner)


@case("do_flag_message")
def _flag(w: World) -> Call:
    # A flag heavy enough to hold the message: the flag and the hold are one change, one audit event.
    do_update_moderation_settings(w.workspace, flag_hold_weight=1.0, actor=w.owner)
    message = w.message()
    message.visibility = "visible"
    message.save(update_fields=["visibility"])
    return lambda: do_flag_message(message, "insultant", actor=w.owner)


@case("do_sanction_member")
def _sanction(w: World) -> Call:
    # A ban rejects what the member still has in the queue: one audit event for the ban.
    member = _held_item(w).message.author.member
    return lambda: do_sanction_member(member, "ban", "insultes répétées", actor=w.owner)


@case("do_lift_sanction")
def _lift(w: World) -> Call:
    sanction = do_sanction_member(_member(w), "mute", "calme-toi", days=3, actor=w.owner)
    return lambda: do_lift_sanction(sanction, "excuses faites", actor=w.owner)


@case("do_update_moderation_settings")
def _settings(w: World) -> Call:
    return lambda: do_update_moderation_settings(w.workspace, flag_hold_weight=2.5, actor=w.owner)
