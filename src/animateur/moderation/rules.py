"""Rule actions and how the actions of every matching rule combine.

Every enabled rule of the workspace is evaluated, in order (position, then creation),
and every rule that matches applies. Rules see the labels that watched words and
earlier rules gave, so a later rule can build on an earlier one. Conflicts resolve so:

- visibility: the most restrictive action wins, whatever the order
  (delete > spam > hide > hold > approve: "hide beats approve");
- labels and alerts add up (each target alerted once per message);
- assignment: the last matching rule that assigns wins;
- at the source (where the channel can): the most restrictive of hide, mark as spam and
  delete is asked, once, after the message is stored;
- auto-reply: only the first matching rule that replies answers, so an author never
  gets two automatic answers to one message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from animateur.moderation.conditions import Subject, matches

VISIBILITY_ACTIONS = ("approve", "hold", "hide", "delete", "spam")
RESTRICTIVE = ("hold", "hide", "delete", "spam")
ACTION_TYPES: dict[str, Any] = {
    "hold": _("hold for review"),
    "hide": _("hide (at the source where the channel can)"),
    "delete": _("delete"),
    "spam": _("mark as spam"),
    "approve": _("approve"),
    "label": _("label"),
    "assign": _("assign to a teammate (email)"),
    "reply": _("auto-reply (a saved reply or a text)"),
    "alert": _("alert a teammate (email)"),
    "webhook": _("call a webhook (URL)"),
}
NEEDS_VALUE = ("label", "assign", "reply", "alert", "webhook")
ORDER = ["delete", "spam", "hide", "hold", "approve"]


@dataclass
class Plan:
    """What moderation decided for one item beyond its visibility: done once it is stored."""

    hits: list[tuple[int, list[dict[str, Any]]]] = field(default_factory=list)
    assign: str | None = None
    reply: str | None = None
    reply_rule: int | None = None
    alerts: list[str] = field(default_factory=list)
    webhooks: list[tuple[int, str]] = field(default_factory=list)  # (rule, address): each rule signs its own
    hide_at_source: bool = False  # a rule's « hide » or a ban
    at_source: str | None = None  # a rule's « delete » or « mark as spam », which the source is asked too

    def source_action(self) -> str | None:
        """What the message's source is asked to do: the most restrictive of what was decided."""
        wanted = [w for w in (self.at_source, "hide" if self.hide_at_source else None) if w]
        return min(wanted, key=ORDER.index) if wanted else None


def strongest(actions: Iterable[str]) -> str | None:
    found = [a for a in actions if a in ORDER]
    return min(found, key=ORDER.index) if found else None


class RuleLike(Protocol):
    """What evaluating needs of a rule: the Rule model has it, so does a rule tried before it is saved."""

    pk: int
    name: str
    match: str
    conditions: list[dict[str, Any]]
    actions: list[dict[str, Any]]


def apply_rules(rules: Iterable[RuleLike], subject: Subject, plan: Plan) -> list[tuple[RuleLike, str | None]]:
    """Evaluate every rule in order; returns (rule, visibility action) for each that matched."""
    matched: list[tuple[RuleLike, str | None]] = []
    for rule in rules:
        if not matches(subject, rule.conditions, rule.match):
            continue
        plan.hits.append((rule.pk, rule.actions))
        for action in rule.actions:
            kind, value = action.get("type"), str(action.get("value") or "").strip()
            if kind == "label" and value:
                subject.labels.add(value)
            elif kind == "assign" and value:
                plan.assign = value
            elif kind == "reply" and value and plan.reply is None:
                plan.reply, plan.reply_rule = value, rule.pk
            elif kind == "alert" and value and value not in plan.alerts:
                plan.alerts.append(value)
            elif kind == "webhook" and value and (rule.pk, value) not in plan.webhooks:
                plan.webhooks.append((rule.pk, value))
            elif kind == "hide":
                plan.hide_at_source = True
            elif kind in ("delete", "spam"):
                plan.at_source = strongest([kind, plan.at_source or kind])
        matched.append((rule, strongest(a.get("type", "") for a in rule.actions)))
    return matched


def clean_actions(actions: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The actions with their values checked, or ValueError naming the problem."""
    cleaned = []
    for action in actions:
        kind = action.get("type")
        value = str(action.get("value") or "").strip()
        if kind not in ACTION_TYPES:
            raise ValueError(gettext("unknown action « %(action)s »") % {"action": kind})
        if kind in NEEDS_VALUE and not value:
            raise ValueError(gettext("the action « %(action)s » needs a value") % {"action": ACTION_TYPES[kind]})
        if kind == "webhook":
            from animateur.moderation.webhooks import check_url

            value = check_url(value)
        cleaned.append({"type": kind, "value": value} if kind in NEEDS_VALUE else {"type": kind})
    if not cleaned:
        raise ValueError(gettext("a rule needs at least one action"))
    return cleaned
