"""Rule conditions: pure functions over a `Subject`, the same for an incoming item and a stored message.

A condition is ``{"field": ..., "op": ..., "value": ...}``; a rule combines its conditions
with ``all`` or ``any``. Unknown fields or operators never match (and forms refuse them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from animateur.moderation.matching import fold, pattern_regex
from animateur.moderation.trust import rank

LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


@dataclass
class Subject:
    text: str
    language: str
    channel_id: int
    channel_kind: str
    kind: str
    trust: str
    first_message: bool
    labels: set[str] = field(default_factory=set)
    spam: float | None = None
    toxicity: float | None = None
    sentiment: str = ""
    created_at: datetime | None = None  # in the workspace's time zone
    _folded: tuple[str, str] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def links(self) -> int:
        return len(LINK.findall(self.text))

    @property
    def folded_text(self) -> str:
        """The text folded as watched words are, once for every rule that reads it."""
        if self._folded is None or self._folded[0] is not self.text:
            self._folded = (self.text, fold(self.text))
        return self._folded[1]


# field -> (label, operators, value kind)
FIELDS: dict[str, tuple[Any, tuple[str, ...], str]] = {
    "text": (_("text"), ("contains", "not_contains", "matches"), "text"),
    "language": (_("language"), ("in", "not_in"), "list"),
    "channel": (_("channel"), ("in", "not_in"), "list"),
    "channel_kind": (_("channel kind"), ("in", "not_in"), "list"),
    "kind": (_("message kind"), ("in", "not_in"), "list"),
    "trust": (_("author's trust level"), ("below", "at_least"), "level"),
    "first_message": (_("first message of the author"), ("is",), "bool"),
    "labels": (_("labels"), ("has", "has_not"), "list"),
    "links": (_("number of links"), ("gte", "lte"), "number"),
    "spam": (_("spam score"), ("gte", "lte"), "number"),
    "toxicity": (_("toxicity score"), ("gte", "lte"), "number"),
    "sentiment": (_("sentiment"), ("in", "not_in"), "list"),
    "hour": (_("hour of the day"), ("between",), "range"),
    "weekday": (_("day of the week (1 = Monday)"), ("in", "not_in"), "list"),
}
OPERATORS: dict[str, Any] = {
    "contains": _("contains"),
    "not_contains": _("does not contain"),
    "matches": _("matches the regex"),
    "in": _("is one of"),
    "not_in": _("is none of"),
    "below": _("is below"),
    "at_least": _("is at least"),
    "is": _("is"),
    "has": _("has one of"),
    "has_not": _("has none of"),
    "gte": _("≥"),
    "lte": _("≤"),
    "between": _("is between (from-to)"),
}


class ConditionError(ValueError):
    pass


def operators_of(name: str) -> list[tuple[str, Any]]:
    """The operators the field takes, with their labels, as the rule form offers them."""
    return [(op, OPERATORS[op]) for op in FIELDS[name][1]] if name in FIELDS else []


def operators_expected(name: str) -> str:
    """What to say of an operator the field does not take, with the words of the form's menus."""
    label, ops, _kind = FIELDS[name]
    choices = ", ".join(f"« {OPERATORS[o]} »" for o in ops)
    return ngettext(
        "the field « %(field)s » takes the operator %(ops)s",
        "the field « %(field)s » takes the operators %(ops)s",
        len(ops),
    ) % {"field": label, "ops": choices}


def catalogue() -> dict[str, dict[str, Any]]:
    """Each field's label, value kind and operators, in the reader's language, for the form's script."""
    return {
        name: {"label": str(label), "kind": kind, "ops": [[op, str(text)] for op, text in operators_of(name)]}
        for name, (label, _ops, kind) in FIELDS.items()
    }


def as_list(value: Any) -> list[str]:
    if isinstance(value, list | tuple | set):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def clean_condition(cond: dict[str, Any]) -> dict[str, Any]:
    """The condition with its value parsed, or ConditionError naming the problem."""
    name, op, value = cond.get("field"), cond.get("op"), cond.get("value")
    if name not in FIELDS:
        raise ConditionError(gettext("unknown condition field %(name)r") % {"name": name})
    label, ops, kind = FIELDS[name]
    if op not in ops:
        raise ConditionError(operators_expected(name))
    if kind == "text":
        text = str(value or "").strip()
        if not text:
            raise ConditionError(gettext("%(field)s: a value is needed") % {"field": label})
        if op == "matches":
            try:
                re.compile(text)
            except re.error as exc:
                raise ConditionError(gettext("invalid regular expression: %(error)s") % {"error": exc}) from exc
        return {"field": name, "op": op, "value": text}
    if kind == "list":
        items = as_list(value)
        if not items:
            raise ConditionError(gettext("%(field)s: give at least one value (comma-separated)") % {"field": label})
        return {"field": name, "op": op, "value": items}
    if kind == "level":
        from animateur.moderation.prefs import TRUST_LEVELS

        if value not in TRUST_LEVELS:
            raise ConditionError(gettext("the trust level is one of %(levels)s") % {"levels": ", ".join(TRUST_LEVELS)})
        return {"field": name, "op": op, "value": value}
    if kind == "bool":
        text = str(value).strip().lower()
        if text not in ("true", "false", "yes", "no", "oui", "non", "1", "0"):
            raise ConditionError(gettext("%(field)s: answer yes or no") % {"field": label})
        return {"field": name, "op": op, "value": text in ("true", "yes", "oui", "1")}
    if kind == "number":
        try:
            number = float(str(value).replace(",", "."))
        except ValueError:
            raise ConditionError(
                gettext("%(field)s: « %(value)s » is not a number") % {"field": label, "value": value}
            ) from None
        return {"field": name, "op": op, "value": number}
    if kind == "range":
        parts = as_list(str(value).replace("-", ","))
        try:
            start, end = (int(p) for p in parts)
        except ValueError:
            raise ConditionError(gettext("%(field)s: give two hours like 22-6") % {"field": label}) from None
        if not (0 <= start <= 24 and 0 <= end <= 24):
            raise ConditionError(gettext("%(field)s: hours go from 0 to 24") % {"field": label})
        return {"field": name, "op": op, "value": [start, end]}
    raise ConditionError(f"unknown value kind for {name}")  # pragma: no cover


@lru_cache(maxsize=1024)
def _contains_regex(value: str) -> re.Pattern[str]:
    alternatives = [pattern_regex(v) for v in as_list(value)] or [pattern_regex(value)]
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


@lru_cache(maxsize=1024)
def _user_regex(value: str) -> re.Pattern[str]:
    return re.compile(value, re.IGNORECASE)


def _in(actual: str, values: list[str]) -> bool:
    return actual.lower() in {v.lower() for v in values}


def _score(actual: float | None, op: str, value: float) -> bool:
    if actual is None:
        return False
    return actual >= value if op == "gte" else actual <= value


def _hour(subject: Subject, value: list[int]) -> bool:
    if subject.created_at is None:
        return False
    start, end = value
    hour = subject.created_at.hour
    return start <= hour < end if start <= end else (hour >= start or hour < end)


CHECKS: dict[str, Callable[[Subject, str, Any], bool]] = {
    "text": lambda s, op, v: (
        bool(_user_regex(v).search(s.text))
        if op == "matches"
        else bool(_contains_regex(v).search(s.folded_text)) == (op == "contains")
    ),
    "language": lambda s, op, v: _in(s.language or "", v) == (op == "in"),
    "channel": lambda s, op, v: (str(s.channel_id) in v) == (op == "in"),
    "channel_kind": lambda s, op, v: _in(s.channel_kind, v) == (op == "in"),
    "kind": lambda s, op, v: _in(s.kind, v) == (op == "in"),
    "trust": lambda s, op, v: (rank(s.trust) < rank(v)) == (op == "below"),
    "first_message": lambda s, op, v: s.first_message == v,
    "labels": lambda s, op, v: bool({x.lower() for x in s.labels} & {x.lower() for x in v}) == (op == "has"),
    "links": lambda s, op, v: _score(float(s.links), op, v),
    "spam": lambda s, op, v: _score(s.spam, op, v),
    "toxicity": lambda s, op, v: _score(s.toxicity, op, v),
    "sentiment": lambda s, op, v: _in(s.sentiment or "", v) == (op == "in"),
    "hour": lambda s, op, v: _hour(s, v),
    "weekday": lambda s, op, v: s.created_at is not None and (str(s.created_at.isoweekday()) in v) == (op == "in"),
}


def check(subject: Subject, cond: dict[str, Any]) -> bool:
    fn = CHECKS.get(cond.get("field", ""))
    if fn is None:
        return False
    try:
        return bool(fn(subject, cond.get("op", ""), cond.get("value")))
    except (TypeError, ValueError, re.error):
        return False


def matches(subject: Subject, conditions: list[dict[str, Any]], mode: str) -> bool:
    if not conditions:
        return False  # a rule without conditions would catch everything: refuse that silently
    results = (check(subject, c) for c in conditions)
    return all(results) if mode == "all" else any(results)
