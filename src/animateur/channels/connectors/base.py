"""The connector contract (after GrimoireLab Perceval's backends) and the registry of kinds.

A connector reads one channel: `fetch(since=cursor)` yields `RawItem`s oldest-first, each carrying
the cursor that is valid once it and every item before it are stored, so a run interrupted anywhere
resumes without holes or duplicates; `normalize(raw)` turns one into the pipeline's `Incoming`
(the message and its author's identity). Where capable, it answers back: reply, publish, hide, delete.
A connector that reads past its last yielded item (entries it does not keep, a gap found empty) sets
`final_cursor` when `fetch` ends: the runner stores it with the last batch.
Reactions and shares (stream/counts.py) come on the `Incoming` where the item carries them; counts change
after a message is stored, so a connector that `reads_counts` answers `read_counts(external ids)` for the
organisation's recent posts, which the runner asks after each run and writes on the stored rows alone.

What goes wrong is said in one way (failures.py): every connector hands its library's HTTP status and
headers, or its network error, to the one table that names the failure (credentials refused, source
down or rate-limiting, request refused) in the manager's words and carries the wait a Retry-After
asked for; the runner and moderation at the source wait that long. Connectors over a JSON REST API
share one HTTP base (http.RestConnector): the guarded client, its limits, decoding and paging.

One item a connector cannot read must never stop the others: `fetch` reads each item inside
`read_item(...)`, which gives `unreadable(...)` for one it could not read, with the cursor that moves past
it. The runner keeps that item as a RejectedItem with its reason (as it does for an item `normalize`
refuses) and goes on. A generator that raises is over, so the reading of one item is guarded where
it happens, in `fetch`.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from django import forms
    from django.utils.functional import Promise

    from animateur.channels.models import Channel
    from animateur.stream.counts import Counts
    from animateur.stream.items import Incoming
    from animateur.stream.models import Message


class Capability(StrEnum):
    READ = "read"
    REPLY = "reply"
    PUBLISH = "publish"
    HIDE = "hide"
    DELETE = "delete"
    # A status set at the source beyond hiding: spam, approved again (the `moderate` call).
    MODERATE = "moderate"
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


UNREADABLE = "unreadable"  # RawItem.kind of an item `fetch` could not read: extra["reason"] says why


def read_item(
    external_id: str, payload: Any, cursor: dict[str, Any] | None, build: Callable[..., RawItem], *args: Any
) -> RawItem:
    """`build(*args)`, the reading of one item; if its content cannot be read, `unreadable(...)` with the
    reason, keeping `payload` for inspection and the cursor that moves past the item.

    The source's own failures (a ConnectorError but MalformedItem: unreachable, credentials refused)
    still stop the run: they are not this item's.
    """
    from animateur.channels.errors import ConnectorError, MalformedItem

    try:
        return build(*args)
    except MalformedItem as exc:
        return unreadable(external_id, str(exc), payload, cursor)
    except ConnectorError:
        raise
    except Exception as exc:  # whatever is wrong with one item's content is that item's problem alone
        return unreadable(external_id, unreadable_reason(exc), payload, cursor)


def unreadable_reason(exc: BaseException) -> str:
    """Why an item could not be read, in words for the channel page; the error's own text follows."""
    from django.utils.translation import gettext

    detail = str(exc) if str(exc) else type(exc).__name__
    return gettext("this item could not be read (%(detail)s)") % {"detail": f"{type(exc).__name__}: {detail}"}


def incomplete(source: str, exc: Exception) -> str:
    """Why an item of `source` (a proper name: Mastodon, Reddit...) lacks what it needs, in words."""
    from django.utils.translation import gettext

    detail = f"{exc} missing" if isinstance(exc, KeyError) else f"{type(exc).__name__}: {exc}"
    return gettext("this %(source)s item is incomplete (%(detail)s)") % {"source": source, "detail": detail}


def unreadable(external_id: str, reason: str, payload: Any, cursor: dict[str, Any] | None) -> RawItem:
    """An item `fetch` could not read: kept by the runner as a RejectedItem with `reason`, never stored."""
    try:
        kept = jsonable(payload)
    except (TypeError, ValueError):
        kept = repr(payload)[:5000]
    return RawItem(
        str(external_id or "")[:255],
        None,
        UNREADABLE,
        kept if isinstance(kept, dict) else {"item": kept},
        cursor,
        extra={"reason": reason},
    )


class Connector:
    kind: ClassVar[str] = ""
    label: ClassVar[str | Promise] = ""  # a lazy translation, shown in the team's language
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.READ})
    # The setup form: its fields named in `secret_fields` go to the encrypted credentials, the rest to config.
    form_class: ClassVar[type[forms.Form] | None] = None
    secret_fields: ClassVar[tuple[str, ...]] = ()
    default_poll_interval: ClassVar[int] = 300
    # Settings the connector finds out itself (which account the token is), kept in the channel's config.
    learned_keys: ClassVar[tuple[str, ...]] = ()
    # Config fields naming what to read (a hashtag, a search): one added later brings its past as history.
    source_fields: ClassVar[tuple[str, ...]] = ()
    # Secrets the setup form does not require (an account needed only to moderate).
    optional_secrets: ClassVar[tuple[str, ...]] = ()
    # Capabilities the source grants for the organisation's own posts only (delete, on Mastodon).
    own_posts_only: ClassVar[frozenset[Capability]] = frozenset()
    # Where the connector read past its last yielded item: the runner stores it with the last batch.
    final_cursor: dict[str, Any] | None = None
    # Whether `read_counts` reads again the reactions and shares of stored messages (the runner asks it
    # for the organisation's recent posts after each run, a few at a time).
    reads_counts: ClassVar[bool] = False

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.config: dict[str, Any] = dict(channel.config or {})
        self.secrets: dict[str, Any] = json.loads(channel.credentials) if channel.credentials else {}

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities

    @property
    def authenticated(self) -> bool:
        """Whether the channel holds the credentials that acting at the source needs."""
        return True

    @classmethod
    def health(cls, config: dict[str, Any]) -> list[str]:
        """What the channel's page says of the source's own limits (a daily quota), from its config."""
        return []

    def fetch(self, since: dict[str, Any]) -> Iterator[RawItem]:
        raise NotImplementedError

    def normalize(self, raw: RawItem) -> Incoming:
        raise NotImplementedError

    def test_connection(self) -> str:
        """Reach the source once; returns what was found, or raises a ConnectorError naming the cause."""
        for _item in self.fetch(since={}):
            break
        return ""

    def read_counts(self, external_ids: list[str]) -> dict[str, Counts]:
        """The reactions and shares at the source of these stored messages now, by external id (those the
        source no longer has or does not count are left out). As few requests as the source allows: the
        runner asks for a handful of posts, each at most every COUNTS_EVERY minutes (channels/runner.py)."""
        return {}

    def reply(self, message: Message, text: str) -> str:
        """Answer `message` at the source; returns the answer's external id."""
        raise NotImplementedError(f"{self.kind} cannot reply")

    def publish(self, text: str, *, title: str = "") -> str:
        raise NotImplementedError(f"{self.kind} cannot publish")

    def hide(self, message: Message) -> None:
        raise NotImplementedError(f"{self.kind} cannot hide at the source")

    def delete(self, message: Message) -> None:
        raise NotImplementedError(f"{self.kind} cannot delete at the source")

    def moderate(self, message: Message, status: str) -> None:
        """Set the message's status at the source: "spam", "hold" or "approved" (Capability.MODERATE)."""
        raise NotImplementedError(f"{self.kind} cannot set a status at the source")


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
    "animateur.channels.connectors.youtube",
    "animateur.channels.connectors.facebook",
    "animateur.channels.connectors.listen",
    "animateur.channels.connectors.instagram",
    "animateur.channels.connectors.linkedin",
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
