"""Typed domain events: what happened, said once, after the change is committed.

Actions call `emit(workspace, "conversation.assigned", {...})` inside their transaction; the event
leaves only if the transaction commits (`on_commit`), so no receiver ever hears of a change that
was rolled back. Each type is declared once in `EVENT_TYPES`, with its version and the JSON
schema of its `data`: the API documents them (/api/events/types) and tests check every emitted
event against its schema.

Who listens is configuration, not an import (core sits below every app): the sinks named in the
`EVENT_SINKS` setting receive each committed event; the events app's webhooks are one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from animateur.core.audit_verbs import AuditVerb

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from animateur.core.models import Workspace


@dataclass(frozen=True)
class EventType:
    name: str
    version: int
    summary: Promise
    data_schema: dict[str, Any]


@dataclass(frozen=True)
class Event:
    """One committed event, as every sink receives it."""

    type: EventType
    workspace_id: int
    workspace_slug: str
    data: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: datetime = field(default_factory=timezone.now)

    def envelope(self) -> dict[str, Any]:
        """The JSON document receivers get (webhooks' body)."""
        return {
            "id": self.id,
            "type": self.type.name,
            "version": self.type.version,
            "workspace": self.workspace_slug,
            "occurred_at": self.occurred_at.isoformat(),
            "data": self.data,
        }


def _object(properties: dict[str, Any], required: tuple[str, ...] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required if required is not None else properties),
        "additionalProperties": False,
    }


_ID = {"type": "integer"}
_TEXT = {"type": "string"}
_OPTIONAL_TEXT = {"type": ["string", "null"]}
_OPTIONAL_ID = {"type": ["integer", "null"]}
_MESSAGE = _object(
    {
        "id": _ID,
        "channel": _object({"id": _ID, "kind": _TEXT, "name": _TEXT}),
        "external_id": _TEXT,
        "kind": _TEXT,
        "url": _TEXT,
        "language": _TEXT,
        "visibility": _TEXT,
        "created_at": _TEXT,
        "excerpt": _TEXT,
        "author": _object({"handle": _TEXT, "name": _TEXT, "member_id": _OPTIONAL_ID}),
    }
)
_CONVERSATION = {
    "conversation_id": _ID,
    "subject": _TEXT,
    "url": _TEXT,
}

EVENT_TYPES: dict[str, EventType] = {
    t.name: t
    for t in (
        EventType("message.received", 1, _("A message came in on a channel"), _object({"message": _MESSAGE})),
        EventType(
            "message.engagement_changed",
            1,
            _("A message's reactions and shares at the source passed a milestone (10, 25, 50, 100 ...)"),
            _object(
                {
                    "message": _MESSAGE,
                    "milestone": _ID,
                    "previous_total": _ID,
                    "reactions": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "reaction_count": _OPTIONAL_ID,
                    "share_count": _OPTIONAL_ID,
                }
            ),
        ),
        EventType(
            "message.moderated",
            1,
            _("A moderator or a rule changed a message's visibility"),
            _object({"message": _MESSAGE, "visibility": _TEXT, "previous_visibility": _TEXT, "by": _TEXT}),
        ),
        EventType(
            "moderation.rule_matched",
            1,
            _("A moderation rule that calls a webhook matched a message"),
            _object(
                {
                    "rule": _object({"id": _ID, "name": _TEXT}),
                    "message": _MESSAGE,
                    "review_url": _TEXT,
                    "reasons": {"type": "array", "items": {"type": "object"}},
                    "scores": _object(
                        {
                            "spam": {"type": ["number", "null"]},
                            "toxicity": {"type": ["number", "null"]},
                            "trust": _OPTIONAL_TEXT,
                            "sentiment": _OPTIONAL_TEXT,
                        }
                    ),
                }
            ),
        ),
        EventType(
            "conversation.opened",
            1,
            _("A conversation was opened by a new message"),
            _object({**_CONVERSATION, "message_id": _ID}),
        ),
        EventType(
            "conversation.assigned",
            1,
            _("A conversation was assigned or unassigned"),
            _object({**_CONVERSATION, "assignee": _OPTIONAL_TEXT, "by": _TEXT}),
        ),
        EventType(
            "conversation.answered",
            1,
            _("The team answered a conversation"),
            _object({**_CONVERSATION, "by": _TEXT, "elsewhere": {"type": "boolean"}}),
        ),
        EventType(
            "conversation.closed",
            1,
            _("A conversation was closed"),
            _object({**_CONVERSATION, "by": _TEXT}),
        ),
        EventType(
            "channel.failed",
            1,
            _("A channel failed to be read"),
            _object({"channel": _object({"id": _ID, "kind": _TEXT, "name": _TEXT}), "cause": _TEXT, "error": _TEXT}),
        ),
        EventType(
            "channel.recovered",
            1,
            _("A failing channel works again"),
            _object({"channel": _object({"id": _ID, "kind": _TEXT, "name": _TEXT})}),
        ),
        EventType(
            "member.merged",
            1,
            _("Two members were merged into one person"),
            _object(
                {
                    "merge_id": _ID,
                    "member_id": _ID,
                    "merged_member_id": _ID,
                    "identities": {"type": "array", "items": _ID},
                    "automatic": {"type": "boolean"},
                    "by": _TEXT,
                }
            ),
        ),
        EventType(
            "member.merge_reverted",
            1,
            _("A merge of members was undone"),
            _object(
                {
                    "merge_id": _ID,
                    "member_id": _ID,
                    "restored_member_id": _ID,
                    "identities": {"type": "array", "items": _ID},
                    "by": _TEXT,
                }
            ),
        ),
        EventType(
            "member.split",
            1,
            _("An identity was split out of a member"),
            _object({"member_id": _ID, "new_member_id": _ID, "identity_id": _ID, "by": _TEXT}),
        ),
        EventType(
            "member.suggestion_decided",
            1,
            _("A merge suggestion was accepted, rejected or snoozed"),
            _object({"suggestion_id": _ID, "decision": _TEXT, "merge_id": _OPTIONAL_ID, "by": _TEXT}),
        ),
        EventType(
            "member.noted",
            1,
            _("A note was written on a member"),
            _object({"member_id": _ID, "note_id": _ID, "by": _TEXT}),
        ),
        EventType(
            "member.tagged",
            1,
            _("A member's tags changed"),
            _object({"member_id": _ID, "tags": {"type": "array", "items": _TEXT}, "by": _TEXT}),
        ),
        EventType(
            "member.ambassador_changed",
            1,
            _("A member was marked as an ambassador, or no longer"),
            _object({"member_id": _ID, "ambassador": {"type": "boolean"}, "by": _TEXT}),
        ),
        EventType(
            "member.exported",
            1,
            _("A member's data was exported (GDPR)"),
            _object({"member_id": _ID, "identities": _ID, "messages": _ID, "by": _TEXT}),
        ),
        EventType(
            "member.erased",
            1,
            _("A member was erased with everything they wrote (GDPR); no personal data"),
            _object({"members": _ID, "identities": _ID, "messages": _ID, "by": _TEXT}),
        ),
        EventType(
            "members.settings_changed",
            1,
            _("How members' engagement is weighed changed"),
            _object(
                {
                    "auto_merge_certain": {"type": "boolean"},
                    "weights": {"type": "object"},
                    "half_life_days": _ID,
                    "by": _TEXT,
                }
            ),
        ),
        EventType(
            "members.exported",
            1,
            _("The list of members was exported"),
            _object({"members": _ID, "by": _TEXT}),
        ),
        EventType(
            "members.segment_saved",
            1,
            _("A segment of members was saved"),
            _object({"segment_id": _ID, "name": _TEXT, "query": _TEXT, "by": _TEXT}),
        ),
        EventType(
            "members.segment_deleted",
            1,
            _("A segment of members was deleted"),
            _object({"segment_id": _ID, "by": _TEXT}),
        ),
        EventType(
            "members.recomputed",
            1,
            _("Members' identities, engagement and levels were recomputed"),
            _object(
                {
                    "members": _ID,
                    "candidates": _ID,
                    "bridges": _ID,
                    "messages": _ID,
                    "suggestions": _ID,
                    "new_suggestions": _ID,
                    "merged": _ID,
                    "links": _ID,
                    "merges": {"type": "array", "items": _ID},
                    "by": _TEXT,
                }
            ),
        ),
        EventType(
            "members.links_verified",
            1,
            _("Members' profile links were checked for a rel=me link back to the profile"),
            _object({"checked": _ID, "verified": _ID, "by": _TEXT}),
        ),
        EventType(
            "members.field_saved",
            1,
            _("A custom field of members was created or changed"),
            _object(
                {
                    "field_id": _ID,
                    "name": _TEXT,
                    "kind": _TEXT,
                    "choices": {"type": "array", "items": _TEXT},
                    "by": _TEXT,
                }
            ),
        ),
        EventType(
            "members.field_deleted",
            1,
            _("A custom field of members was deleted, with its values"),
            _object({"field_id": _ID, "by": _TEXT}),
        ),
        EventType(
            "member.fields_changed",
            1,
            _("A member's custom fields changed"),
            _object({"member_id": _ID, "custom_fields": {"type": "object"}, "by": _TEXT}),
        ),
        EventType(
            "members.alert_changed",
            1,
            _("The alert of a cohort or a saved segment of members was turned on or off"),
            _object({"cohort": _TEXT, "segment_id": _OPTIONAL_ID, "enabled": {"type": "boolean"}, "by": _TEXT}),
        ),
        EventType(
            "members.segment_entered",
            1,
            _("Members entered a cohort or a saved segment that has an alert (each member told of once)"),
            _object(
                {
                    "alerts": {
                        "type": "array",
                        "items": _object(
                            {
                                "alert_id": _ID,
                                "cohort": _TEXT,
                                "segment_id": _OPTIONAL_ID,
                                "member_ids": {"type": "array", "items": _ID},
                            }
                        ),
                    },
                    "by": _TEXT,
                }
            ),
        ),
        EventType(
            "member.introduction_dismissed",
            1,
            _("A suggested introduction between two members was dismissed (not proposed again)"),
            _object({"member_id": _ID, "other_member_id": _ID, "by": _TEXT}),
        ),
        EventType(
            "listening.search.saved",
            1,
            _("A listening search was saved (created or edited)"),
            _object({"search_id": _ID, "name": _TEXT, "query": _TEXT, "created": {"type": "boolean"}, "by": _TEXT}),
        ),
        EventType(
            "listening.search.deleted",
            1,
            _("A listening search was deleted"),
            _object({"search_id": _ID, "name": _TEXT, "by": _TEXT}),
        ),
        EventType(
            "listening.spike",
            1,
            _("A listening search matched far more than its baseline"),
            _object(
                {
                    "spike_id": _ID,
                    "search_id": _ID,
                    "search": _TEXT,
                    "starts_at": _TEXT,
                    "ends_at": _TEXT,
                    "count": _ID,
                    "expected": {"type": "number"},
                    "drivers": {"type": "array", "items": _TEXT},
                    "url": _TEXT,
                }
            ),
        ),
        EventType(
            "listening.crisis.opened",
            1,
            _("A spike was turned into a crisis room"),
            _object({"crisis_id": _ID, "spike_id": _ID, "search": _TEXT, "url": _TEXT, "by": _TEXT}),
        ),
        EventType(
            "publishing.publication.saved",
            1,
            _("A publication was saved as a draft (created or edited)"),
            _object(
                {
                    "publication_id": _ID,
                    "channels": {"type": "array", "items": _ID},
                    "created": {"type": "boolean"},
                    "thread": {"type": "boolean"},
                    # each channel's own text, by channel id (those without one send the publication's)
                    "variants": {"type": "object", "additionalProperties": _TEXT},
                    "images": {
                        "type": "array",
                        "items": _object({"image_id": _ID, "name": _TEXT, "alt": _TEXT}, ("image_id", "alt")),
                    },
                    "by": _TEXT,
                },
                ("publication_id", "channels", "created", "by"),
            ),
        ),
        EventType(
            "publishing.publication.scheduled",
            1,
            _("A publication was scheduled"),
            _object({"publication_id": _ID, "scheduled_at": _TEXT, "by": _TEXT}),
        ),
        EventType(
            "publishing.publication.published",
            1,
            _("A publication was sent to its channels: each channel's outcome, its address or the network's error"),
            _object(
                {
                    "publication_id": _ID,
                    "state": {"type": "string", "enum": ["published", "failed"]},
                    "targets": {
                        "type": "array",
                        "items": _object(
                            {
                                "channel_id": _ID,
                                "state": _TEXT,
                                "url": _TEXT,
                                "error": _TEXT,
                                "parts": {"type": "array", "items": _TEXT},
                            },
                            ("channel_id", "state", "url", "error"),
                        ),
                    },
                    "by": _TEXT,
                }
            ),
        ),
        EventType(
            "publishing.publication.approval_requested",
            1,
            _("A publication was sent for approval (to a role, or to the client through a signed link)"),
            _object({"publication_id": _ID, "approval": _TEXT, "by": _TEXT}),
        ),
        EventType(
            "publishing.publication.approved",
            1,
            _("A publication was approved: it will be published at its time"),
            _object({"publication_id": _ID, "scheduled_at": _TEXT, "by": _TEXT, "name": _TEXT}),
        ),
        EventType(
            "publishing.publication.commented",
            1,
            _("Someone commented on a publication awaiting approval"),
            _object({"publication_id": _ID, "text": _TEXT, "by": _TEXT, "name": _TEXT}),
        ),
        EventType(
            "publishing.settings.changed",
            1,
            _("The publishing settings (the approval new publications need) or a channel's queue changed"),
            _object(
                {
                    "approval": _TEXT,
                    "track_links": {"type": "boolean"},
                    "alt_required": {"type": "boolean"},
                    "channel_id": {"type": ["integer", "null"]},
                    "by": _TEXT,
                },
                ("approval", "channel_id", "by"),
            ),
        ),
        EventType(
            "publishing.live.started",
            1,
            _("A live coverage of an event started: its networks, its hashtag or saved search"),
            _object(
                {
                    "coverage_id": _ID,
                    "title": _TEXT,
                    "hashtag": _TEXT,
                    "search_id": {"type": ["integer", "null"]},
                    "channels": {"type": "array", "items": _ID},
                    "by": _TEXT,
                }
            ),
        ),
        EventType(
            "publishing.live.ended",
            1,
            _("A live coverage ended"),
            _object({"coverage_id": _ID, "updates": _ID, "by": _TEXT}),
        ),
        EventType(
            "publishing.live.update_posted",
            1,
            _("A live update was sent to its networks (or again where it failed): each network's outcome"),
            _object(
                {
                    "coverage_id": _ID,
                    "update_id": _ID,
                    "state": {"type": "string", "enum": ["published", "failed"]},
                    "posts": {
                        "type": "array",
                        "items": _object(
                            {"channel_id": _ID, "state": _TEXT, "url": _TEXT, "error": _TEXT},
                            ("channel_id", "state", "url", "error"),
                        ),
                    },
                    "by": _TEXT,
                }
            ),
        ),
        EventType(
            "link.created",
            1,
            _("A tracked link was created (on the workspace's own domain, with its channel's UTM parameters)"),
            _object(
                {
                    "link_id": _ID,
                    "code": _TEXT,
                    "url": _TEXT,
                    "target": _TEXT,
                    "channel_id": _OPTIONAL_ID,
                    "campaign": _TEXT,
                    "by": _TEXT,
                }
            ),
        ),
        EventType(
            "audit.recorded",
            1,
            _("Any action of the team or of animateur, as the audit trail records it"),
            _object(
                {
                    "verb": {"type": "string", "enum": sorted(AuditVerb)},
                    "actor": _TEXT,
                    "target": _object({"type": _TEXT, "id": _TEXT}),
                    "data": {"type": "object"},
                }
            ),
        ),
        EventType(
            "webhook.test",
            1,
            _("A test sent from the webhook's page"),
            _object({"subscription_id": _ID, "by": _TEXT}),
        ),
    )
}


class UnknownEvent(LookupError):
    pass


@cache
def _sinks() -> tuple[Callable[[list[Event]], None], ...]:
    return tuple(import_string(path) for path in getattr(settings, "EVENT_SINKS", ()))


@cache
def _listening_checks() -> tuple[Callable[[int, str], bool], ...]:
    return tuple(import_string(path) for path in getattr(settings, "EVENT_LISTENERS", ()))


def listened(workspace: Workspace, name: str) -> bool:
    """Whether anyone would receive `name` in this workspace now: frequent events (every message
    received) are not even built when nobody listens. Each sink that can tell says so in
    EVENT_LISTENERS; with a sink that cannot, the answer is always yes."""
    checks = _listening_checks()
    if len(checks) < len(_sinks()):
        return True
    return any(check(workspace.pk, name) for check in checks)


def emit(workspace: Workspace, name: str, data: dict[str, Any]) -> Event:
    """Announce `name` once the current transaction commits (at once outside of one)."""
    return emit_many(workspace, [(name, data)])[0]


def emit_many(workspace: Workspace, events: list[tuple[str, dict[str, Any]]]) -> list[Event]:
    """Several events of one workspace, handed to the sinks together (a pipeline batch's messages)."""
    made = []
    for name, data in events:
        try:
            event_type = EVENT_TYPES[name]
        except KeyError:
            raise UnknownEvent(f"no event type {name!r} is declared in core/events.py") from None
        if getattr(settings, "TESTING", False):
            _check_shape(event_type, data)
        made.append(Event(event_type, workspace.pk, workspace.slug, data))
    if made:
        transaction.on_commit(lambda: _deliver(made))
    return made


def _check_shape(event_type: EventType, data: dict[str, Any]) -> None:
    """Under tests, every emitted event has exactly the fields its schema declares (the documented
    contract with receivers), at the top level and in nested objects."""

    def check(schema: dict[str, Any], value: Any, where: str) -> None:
        if schema.get("type") != "object" or "properties" not in schema:  # a free object: any fields
            return
        assert isinstance(value, dict), f"{event_type.name}: {where} is not an object"
        assert set(value) == set(schema["properties"]), (
            f"{event_type.name}: {where} has {sorted(value)}, its schema declares {sorted(schema['properties'])}"
        )
        for key, sub_schema in schema["properties"].items():
            check(sub_schema, value[key], f"{where}.{key}")

    check(event_type.data_schema, data, "data")


def _deliver(events: list[Event]) -> None:
    for sink in _sinks():
        sink(events)


def message_data(message: Any) -> dict[str, Any]:
    """A message as events describe it (the `message` object of their schemas)."""
    author = message.author
    return {
        "id": message.pk,
        "channel": {"id": message.channel_id, "kind": message.channel.kind, "name": message.channel.name},
        "external_id": message.external_id,
        "kind": message.kind,
        "url": message.url,
        "language": message.language,
        "visibility": message.visibility,
        "created_at": message.created_at.isoformat(),
        "excerpt": (message.text or "")[:500],
        "author": {
            "handle": author.handle if author else "",
            "name": author.display_name if author else "",
            "member_id": author.member_id if author else None,
        },
    }
