"""The connector contract (after GrimoireLab Perceval's backends) and the registry of kinds.

A connector reads one channel: `fetch(since=cursor)` yields `RawItem`s oldest-first, each carrying
the cursor that is valid once it and every item before it are stored, so a run interrupted anywhere
resumes without holes or duplicates; `normalize(raw)` turns one into the pipeline's `Incoming`
(the message and its author's identity). Where capable, it answers back: reply, publish, hide, delete.
A connector that reads past its last yielded item (entries it does not keep, a gap found empty) sets
`final_cursor` when `fetch` ends: the runner stores it with the last batch.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from django import forms
    from django.utils.functional import Promise

    from animateur.channels.models import Channel
    from animateur.stream.items import Incoming
    from animateur.stream.models import Message


class Capability(StrEnum):
    READ = "read"
    REPLY = "reply"
    PUBLISH = "publish"
    HIDE = "hide"
    DELETE = "delete"
    DIRECT = "direct"


@dataclass
class RawItem:
    """One item as the source gave it: enough to normalize it again later and to inspect it if malformed."""

    external_id: str
    updated_at: datetime | None
    kind: str
    payload: dict[str, Any]
    cursor: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Connector:
    kind: ClassVar[str] = ""
    label: ClassVar[str | Promise] = ""  # a lazy translation, shown in the team's language
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.READ})
    # The setup form: its fields named in `secret_fields` go to the encrypted credentials, the rest to config.
    form_class: ClassVar[type[forms.Form] | None] = None
    secret_fields: ClassVar[tuple[str, ...]] = ()
    default_poll_interval: ClassVar[int] = 300
    final_cursor: dict[str, Any] | None = None

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.config: dict[str, Any] = dict(channel.config or {})
        self.secrets: dict[str, Any] = json.loads(channel.credentials) if channel.credentials else {}

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def fetch(self, since: dict[str, Any]) -> Iterator[RawItem]:
        raise NotImplementedError

    def normalize(self, raw: RawItem) -> Incoming:
        raise NotImplementedError

    def test_connection(self) -> str:
        """Reach the source once; returns what was found, or raises a ConnectorError naming the cause."""
        for _item in self.fetch(since={}):
            break
        return ""

    def reply(self, message: Message, text: str) -> str:
        """Answer `message` at the source; returns the answer's external id."""
        raise NotImplementedError(f"{self.kind} cannot reply")

    def publish(self, text: str, *, title: str = "") -> str:
        raise NotImplementedError(f"{self.kind} cannot publish")

    def hide(self, message: Message) -> None:
        raise NotImplementedError(f"{self.kind} cannot hide at the source")

    def delete(self, message: Message) -> None:
        raise NotImplementedError(f"{self.kind} cannot delete at the source")


def jsonable(value: Any) -> Any:
    """A payload made of JSON types only (datetimes and the like become strings)."""
    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, default=str))


_REGISTRY: dict[str, type[Connector]] = {}
# Kind modules, imported on first use of the registry so that adding a kind is adding one line here.
KIND_MODULES = (
    "animateur.channels.connectors.files",
    "animateur.channels.connectors.rss",
    "animateur.channels.connectors.mastodon",
    "animateur.channels.connectors.email",
    "animateur.channels.connectors.mbox",
    "animateur.channels.connectors.wordpress",
    "animateur.channels.connectors.discourse",
    "animateur.channels.connectors.bluesky",
    "animateur.channels.connectors.reddit",
)
_loaded = False


def register(cls: type[Connector]) -> type[Connector]:
    if not cls.kind:
        raise ValueError(f"{cls.__name__} declares no kind")
    _REGISTRY[cls.kind] = cls
    return cls


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in KIND_MODULES:
            importlib.import_module(module)
        _loaded = True


def kinds() -> dict[str, type[Connector]]:
    _load()
    return dict(_REGISTRY)


def get_kind(kind: str) -> type[Connector]:
    _load()
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise KeyError(f"no connector for channel kind {kind!r}") from None


def connector_for(channel: Channel) -> Connector:
    return get_kind(channel.kind)(channel)
