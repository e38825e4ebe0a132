"""A conversation's history as the team reads it: who did what, with the values in words.

The audit events keep codes and ids (`{"to": "high"}`, a user id, label names as a list); each
line here says « Camille Martin · a changé la priorité → Haute ».
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from animateur.core.audit_labels import actor_label, verb_label
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import AuditEvent, User
from animateur.inbox.models import Priority, State


@dataclass(frozen=True)
class Entry:
    at: datetime
    verb: str
    actor: str
    text: str


def state_label(code: Any) -> str:
    return str(dict(State.choices).get(str(code), code))


def priority_label(code: Any) -> str:
    return str(dict(Priority.choices).get(str(code), code))


def _names(events: list[AuditEvent]) -> dict[int, str]:
    ids: set[int] = set()
    for e in events:
        data = e.data or {}
        if e.verb == AuditVerb.INBOX_CONVERSATION_ASSIGN and isinstance(data.get("to"), int):
            ids.add(data["to"])
        assignee = (data.get("changes") or {}).get("assignee") if isinstance(data.get("changes"), dict) else None
        if isinstance(assignee, dict) and isinstance(assignee.get("to"), int):
            ids.add(assignee["to"])
    return {u.pk: u.name for u in User.objects.filter(pk__in=ids)}


def _assignee(value: Any, names: dict[int, str]) -> str:
    if value is None:
        return pgettext("assignee", "nobody")
    return names.get(value, pgettext("assignee", "a former teammate"))


def _labels(value: Any) -> str:
    if not value:
        return pgettext("labels", "none")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _changes(changes: dict[str, Any], names: dict[int, str]) -> str:
    parts = []
    # In the form's order: PostgreSQL's jsonb does not keep the order the keys were written in.
    for field in ("assignee", "state", "priority"):
        if field not in changes:
            continue
        change = changes[field]
        to = change.get("to") if isinstance(change, dict) else change
        if field == "assignee":
            parts.append(_("assignee → %(value)s") % {"value": _assignee(to, names)})
        elif field == "state":
            parts.append(_("state → %(value)s") % {"value": state_label(to)})
        elif field == "priority":
            parts.append(_("priority → %(value)s") % {"value": priority_label(to)})
    return ", ".join(parts)


def _bulk_operation(operation: Any, label: Any) -> str:
    words = {
        "assign_me": pgettext("bulk action", "taken"),
        "unassign": pgettext("bulk action", "unassigned"),
        "close": state_label("closed"),
        "open": state_label("open"),
        "waiting": state_label("waiting"),
    }
    if operation == "label":
        return _("label %(name)s") % {"name": label}
    return str(words.get(str(operation), operation))


def _text(event: AuditEvent, names: dict[int, str]) -> str:
    words = verb_label(event.verb)
    data = event.data or {}
    detail = ""
    if event.verb == AuditVerb.INBOX_CONVERSATION_ASSIGN:
        detail = _assignee(data.get("to"), names)
    elif event.verb == AuditVerb.INBOX_CONVERSATION_STATE:
        detail = state_label(data.get("to"))
    elif event.verb == AuditVerb.INBOX_CONVERSATION_PRIORITY:
        detail = priority_label(data.get("to"))
    elif event.verb == AuditVerb.INBOX_CONVERSATION_LABELS:
        detail = _labels(data.get("to"))
    elif event.verb == AuditVerb.INBOX_CONVERSATIONS_BULK:
        detail = _bulk_operation(data.get("operation"), data.get("label"))
    elif event.verb == AuditVerb.INBOX_CONVERSATION_UPDATE and isinstance(data.get("changes"), dict):
        return _("%(what)s: %(changes)s") % {"what": words, "changes": _changes(data["changes"], names)}
    return f"{words} → {detail}" if detail else words


def entries(events: Iterable[AuditEvent]) -> list[Entry]:
    events = list(events)
    names = _names(events)
    return [Entry(e.created_at, e.verb, actor_label(e), _text(e, names)) for e in events]
