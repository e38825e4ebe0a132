"""Moderation endpoints for what moderators set up: rules (and what one would have matched) and watched words.

Mounted beside animateur.api.moderation under /api/moderation; writes go through moderation's actions.
"""

# No `from __future__ import annotations`: ninja reads the body schema through `needs` (see api.moderation).

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from ninja import Router, Schema

from animateur.api.inbox import needs
from animateur.api.moderation import Errors, RecentOut, _excerpt, _found
from animateur.api.typing import TokenRequest
from animateur.core.actions import ActionError
from animateur.core.models import Workspace
from animateur.moderation import selectors
from animateur.moderation.actions.rules import clean_rule, do_delete_rule, do_renew_webhook_secret, do_save_rule
from animateur.moderation.actions.words import do_add_starter_list, do_add_watched_word, do_remove_watched_word
from animateur.moderation.matching import matcher_for, rewrite
from animateur.moderation.models import Rule, WatchedWord, WordAction
from animateur.moderation.starter_words import STARTER_LISTS

router = Router(tags=["moderation"])


# ------------------------------------------------------------------ rules


class ConditionIn(Schema):
    field: str
    op: str
    value: str | float | int | bool | list[str] | None = None


class ActionIn(Schema):
    type: str
    value: str | None = None


class RuleIn(Schema):
    name: str
    match: str = "all"
    conditions: list[ConditionIn]
    actions: list[ActionIn]
    position: int = 100
    enabled: bool = True


class RuleOut(Schema):
    id: int
    name: str
    enabled: bool
    position: int
    match: str
    conditions: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    hits: int
    reversed: int  # hits a moderator's decision went against
    reversal_rate: float | None
    created_at: datetime
    updated_at: datetime
    # Only in the answer that made it: the secret that signs the rule's webhook calls, shown once.
    webhook_secret: str = ""


def _rule(workspace: Workspace, rule: Rule, secret: str = "") -> dict[str, Any]:
    figures = next((f for f in selectors.rules_with_figures(workspace) if f.rule.pk == rule.pk), None)
    return {
        "id": rule.pk,
        "name": rule.name,
        "enabled": rule.enabled,
        "position": rule.position,
        "match": rule.match,
        "conditions": rule.conditions,
        "actions": rule.actions,
        "hits": figures.hits if figures else 0,
        "reversed": figures.reversed if figures else 0,
        "reversal_rate": figures.reversal_rate if figures else None,
        "created_at": rule.created_at,
        "updated_at": rule.updated_at,
        "webhook_secret": secret,
    }


def _save_rule(request: TokenRequest, body: RuleIn, rule: Rule | None) -> tuple[int, dict[str, Any]]:
    workspace = request.auth.workspace
    data = body.dict()
    data["actions"] = [{k: v for k, v in a.items() if v is not None} for a in data["actions"]]
    try:
        saved = do_save_rule(workspace, data, rule, actor=request.auth.user)
    except ActionError as exc:
        return 400, {"detail": str(exc), "code": "refused"}
    return (201 if rule is None else 200), _rule(workspace, saved, saved.revealed_secret)


@router.get("/rules", response=list[RuleOut])
@needs("moderation.review")
def rules(request: TokenRequest) -> list[dict[str, Any]]:
    """The rules in their order, each with how often it matched and how often a moderator reversed it."""
    workspace = request.auth.workspace
    return [
        {**_rule(workspace, f.rule), "hits": f.hits, "reversed": f.reversed, "reversal_rate": f.reversal_rate}
        for f in selectors.rules_with_figures(workspace)
    ]


@router.post("/rules", response={201: RuleOut, 400: Errors})
@needs("moderation.rules.edit")
def rule_create(request: TokenRequest, body: RuleIn) -> tuple[int, dict[str, Any]]:
    return _save_rule(request, body, None)


@router.get("/rules/{int:rule_id}", response=RuleOut)
@needs("moderation.rules.edit")
def rule_detail(request: TokenRequest, rule_id: int) -> dict[str, Any]:
    workspace = request.auth.workspace
    return _rule(workspace, _found(Rule, workspace, rule_id))


@router.put("/rules/{int:rule_id}", response={200: RuleOut, 400: Errors})
@needs("moderation.rules.edit")
def rule_update(request: TokenRequest, rule_id: int, body: RuleIn) -> tuple[int, dict[str, Any]]:
    return _save_rule(request, body, _found(Rule, request.auth.workspace, rule_id, "workspace"))


@router.delete("/rules/{int:rule_id}", response={204: None})
@needs("moderation.rules.edit")
def rule_delete(request: TokenRequest, rule_id: int) -> tuple[int, None]:
    do_delete_rule(_found(Rule, request.auth.workspace, rule_id, "workspace"), actor=request.auth.user)
    return 204, None


# ------------------------------------------------------------------ watched words


class WordOut(Schema):
    id: int
    pattern: str
    action: str
    action_label: str
    value: str
    created_at: datetime


class WordsOut(Schema):
    words: list[WordOut]
    actions: list[str]
    starter_lists: dict[str, str]  # key: its name in the reader's language


class WordIn(Schema):
    pattern: str
    action: str
    value: str = ""  # the label for « label », the replacement for « replace »


class StarterIn(Schema):
    list: str
    action: str


class StarterOut(Schema):
    added: int
    already_watched: int


class TryIn(Schema):
    text: str


class FoundOut(Schema):
    action: str
    pattern: str
    found: str
    start: int
    end: int


class TriedOut(Schema):
    matches: list[FoundOut]
    result: str  # the text as it would be published (censored, replaced)


def _word(word: WatchedWord) -> dict[str, Any]:
    return {
        "id": word.pk,
        "pattern": word.pattern,
        "action": word.action,
        "action_label": str(word.get_action_display()),
        "value": word.value,
        "created_at": word.created_at,
    }


@router.get("/words", response=WordsOut)
@needs("moderation.review")
def words(request: TokenRequest) -> dict[str, Any]:
    return {
        "words": [_word(w) for w in WatchedWord.objects.filter(workspace=request.auth.workspace)],
        "actions": list(WordAction.values),
        "starter_lists": {key: str(starter.label) for key, starter in STARTER_LISTS.items()},
    }


@router.post("/words", response={201: WordOut, 400: Errors})
@needs("moderation.rules.edit")
def word_add(request: TokenRequest, body: WordIn) -> tuple[int, dict[str, Any]]:
    if len(body.value) > 200:
        return 400, {"detail": _("A label or a replacement is at most 200 characters long."), "code": "value"}
    try:
        word = do_add_watched_word(
            request.auth.workspace, body.pattern, body.action, body.value, actor=request.auth.user
        )
    except ActionError as exc:
        return 400, {"detail": str(exc), "code": "refused"}
    return 201, _word(word)


@router.post("/words/starter", response={200: StarterOut, 400: Errors})
@needs("moderation.rules.edit")
def words_starter(request: TokenRequest, body: StarterIn) -> tuple[int, dict[str, Any]]:
    """Watch a ready-made list's words (to hold, flag, censor or block them)."""
    try:
        added, known = do_add_starter_list(request.auth.workspace, body.list, body.action, actor=request.auth.user)
    except ActionError as exc:
        return 400, {"detail": str(exc), "code": "refused"}
    return 200, {"added": added, "already_watched": known}


@router.post("/words/try", response=TriedOut)
@needs("moderation.review")
def words_try(request: TokenRequest, body: TryIn) -> dict[str, Any]:
    """What the watched words find in a text, and the text as it would be published: nothing is saved."""
    text = body.text[:5000]  # as the page
    found = matcher_for(request.auth.workspace.pk).find(text)
    return {
        "matches": [
            {"action": m.action, "pattern": m.pattern, "found": m.found, "start": m.start, "end": m.end} for m in found
        ],
        "result": rewrite(text, found),
    }


@router.delete("/words/{int:word_id}", response={204: None})
@needs("moderation.rules.edit")
def word_remove(request: TokenRequest, word_id: int) -> tuple[int, None]:
    do_remove_watched_word(_found(WatchedWord, request.auth.workspace, word_id, "workspace"), actor=request.auth.user)
    return 204, None


# ------------------------------------------------------------------ a rule's dry run, its webhook secret


class DryRunIn(RuleIn):
    days: int = 7


class DryRunOut(Schema):
    days: int
    examined: int
    matched: int
    by_action: dict[str, int]
    by_visibility: dict[str, int]
    would_change: int
    by_day: list[tuple[str, int]]
    samples: list[RecentOut]


class SecretOut(Schema):
    webhook_secret: str


def _dry_run(workspace: Workspace, data: dict[str, Any], days: int) -> tuple[int, dict[str, Any]]:
    """The page's preview of a rule's conditions and actions (`data`, as cleaned or stored)."""
    if not 0 < days <= 365:
        return 400, {"detail": _("The days looked back are a number from 1 to 365."), "code": "days"}
    found = selectors.dry_run(workspace, data, days)
    return 200, {
        "days": found.days,
        "examined": found.examined,
        "matched": found.matched,
        "by_action": found.by_action,
        "by_visibility": found.by_visibility,
        "would_change": found.would_change,
        "by_day": found.by_day,
        "samples": [
            {"id": m.pk, "excerpt": _excerpt(m), "visibility": m.visibility, "created_at": m.created_at}
            for m in found.samples
        ],
    }


@router.post("/rules/dry-run", response={200: DryRunOut, 400: Errors})
@needs("moderation.rules.edit")
def rule_try(request: TokenRequest, body: DryRunIn) -> tuple[int, dict[str, Any]]:
    """What a rule not yet saved would have matched in the last `days`: nothing is saved."""
    data = body.dict()
    days = data.pop("days")
    data["actions"] = [{k: v for k, v in a.items() if v is not None} for a in data["actions"]]
    try:
        data = clean_rule(data)
    except ActionError as exc:
        return 400, {"detail": str(exc), "code": "refused"}
    return _dry_run(request.auth.workspace, data, days)


@router.get("/rules/{int:rule_id}/dry-run", response={200: DryRunOut, 400: Errors})
@needs("moderation.review")
def rule_dry_run(request: TokenRequest, rule_id: int, days: int = 7) -> tuple[int, dict[str, Any]]:
    """What a saved rule would have matched in the last `days` (1 to 365)."""
    workspace = request.auth.workspace
    rule = _found(Rule, workspace, rule_id)
    return _dry_run(workspace, {"conditions": rule.conditions, "match": rule.match, "actions": rule.actions}, days)


@router.post("/rules/{int:rule_id}/webhook-secret", response=SecretOut)
@needs("moderation.rules.edit")
def rule_webhook_secret(request: TokenRequest, rule_id: int) -> dict[str, Any]:
    """A new secret for the rule's webhook calls, given this once; the previous one stops signing at once."""
    rule = _found(Rule, request.auth.workspace, rule_id, "workspace")
    return {"webhook_secret": do_renew_webhook_secret(rule, actor=request.auth.user)}
