"""Watched words: one by one, or a ready-made list at once."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import Workspace
from animateur.moderation import matching
from animateur.moderation.actions.shared import user_of
from animateur.moderation.models import (
    ModerationSettings,
    WatchedWord,
    WordAction,
    new_token,
)
from animateur.moderation.prefs import (
    settings_for,
)
from animateur.moderation.starter_words import STARTER_ACTIONS, STARTER_LISTS


def do_add_watched_word(
    workspace: Workspace, pattern: str, action: str, value: str = "", *, actor: Actor
) -> WatchedWord:
    require(actor, workspace, "moderation.rules.edit")
    if action not in WordAction.values:
        raise ActionError(_("Unknown action « %(action)s ».") % {"action": action})
    try:
        pattern = matching.validate_pattern(pattern)
    except ValueError as exc:
        raise ActionError(str(exc)) from None
    value = (value or "").strip()
    if action in (WordAction.LABEL, WordAction.REPLACE) and not value and action == WordAction.LABEL:
        raise ActionError(_("the label action needs a label"))
    if matching.fold(pattern) in _watched_folds(workspace, action):
        raise ActionError(_("« %(pattern)s » is already watched with this action") % {"pattern": pattern})
    with transaction.atomic(durable=True):
        word = _create_word(workspace, pattern, action, value, actor)
        _bump_words(workspace)
    return word


def do_add_starter_list(workspace: Workspace, key: str, action: str, *, actor: Actor) -> tuple[int, int]:
    """Watch the words of a ready-made list with ``action``: (added, already watched with it)."""
    require(actor, workspace, "moderation.rules.edit")
    starter = STARTER_LISTS.get(key)
    if starter is None:
        raise ActionError(_("Unknown list « %(list)s ».") % {"list": key})
    if action not in STARTER_ACTIONS:
        raise ActionError(
            _("A list is added to hold, flag, censor or block its words, not « %(action)s ».") % {"action": action}
        )
    watched = _watched_folds(workspace, action)
    new = []
    for pattern in starter.patterns:
        folded = matching.fold(pattern)
        if folded not in watched:
            watched.add(folded)
            new.append(pattern)
    with transaction.atomic(durable=True):
        WatchedWord.objects.bulk_create(
            WatchedWord(workspace=workspace, pattern=pattern, action=action, created_by=user_of(actor))
            for pattern in new
        )
        if new:
            _bump_words(workspace)
        # One change, one audit event: the list and the words it brought.
        record(
            workspace,
            actor,
            AuditVerb.MODERATION_WORD_ADD,
            settings_for(workspace),
            {"list": key, "action": action, "patterns": new, "already_watched": len(starter.patterns) - len(new)},
        )
    return len(new), len(starter.patterns) - len(new)


def _watched_folds(workspace: Workspace, action: str) -> set[str]:
    """The workspace's words watched with ``action`` as matching sees them: « DÉBILE » is « debile »."""
    patterns = WatchedWord.objects.filter(workspace=workspace, action=action).values_list("pattern", flat=True)
    return {matching.fold(pattern) for pattern in patterns}


def _create_word(workspace: Workspace, pattern: str, action: str, value: str, actor: Actor) -> WatchedWord:
    word = WatchedWord.objects.create(
        workspace=workspace, pattern=pattern, action=action, value=value[:200], created_by=user_of(actor)
    )
    record(
        workspace, actor, AuditVerb.MODERATION_WORD_ADD, word, {"pattern": pattern, "action": action, "value": value}
    )
    return word


def do_remove_watched_word(word: WatchedWord, *, actor: Actor) -> None:
    workspace = word.workspace
    require(actor, workspace, "moderation.rules.edit")
    with transaction.atomic(durable=True):
        record(
            workspace, actor, AuditVerb.MODERATION_WORD_REMOVE, word, {"pattern": word.pattern, "action": word.action}
        )
        word.delete()
        _bump_words(workspace)


def _bump_words(workspace: Workspace) -> None:
    settings_for(workspace)
    ModerationSettings.objects.filter(workspace=workspace).update(words_version=new_token())
