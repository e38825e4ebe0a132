"""The store stage: the only one that writes, in a few bulk statements inside the batch's transaction.

Every other stage decides (stream/stages.py); this one turns the batch's decisions into rows:
new messages and their identities, edits of stored ones, parents linked (now or when they arrive).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from django.db import IntegrityError, connection, transaction
from django.db.models import Field, Model, signals
from django.db.models.base import ModelState
from django.utils import timezone

from animateur.core import bulk
from animateur.stream import counts
from animateur.stream.items import Incoming
from animateur.stream.models import AwaitedParent, Identity, Member, Message, Visibility

M = TypeVar("M", bound=Model)


def store(batch: list[Incoming]) -> list[Incoming]:
    """The only stage that writes; runs inside the batch's transaction, in a few bulk statements.

    New members and identities are created in bulk; new messages are keyed, linked to their parents
    and thread roots in memory, and inserted in bulk (core.bulk); edits are one bulk update.
    """
    now = timezone.now()
    _create_identities(batch, now)
    by_key = _known_parents(batch)
    pending: list[Incoming] = []
    updates: list[Message] = []
    recounted: list[Incoming] = []  # stored, unchanged but for their reactions and shares
    for item in batch:
        if item.unchanged:
            item.message = item.existing
            if item.existing is not None:
                by_key[(item.channel.id, item.external_id)] = item.existing
                if item.counts is not None:
                    recounted.append(item)
            continue
        if item.existing is not None:
            message = item.existing
            if message.text != item.text and item.text:
                message.previous_versions = [
                    *message.previous_versions,
                    {"text": message.text, "title": message.title, "replaced_at": now.isoformat()},
                ]
                message.edited_at = item.edited_at or now  # the source's time of the edit when it says
            _fill(message, item)
            item.message = message
            by_key[(item.channel.id, item.external_id)] = message
            updates.append(message)
        else:
            item.message = _new_message(item, now)
            by_key[(item.channel.id, item.external_id)] = item.message
            pending.append(item)
    awaiting: list[AwaitedParent] = []
    _insert_new(pending, by_key, awaiting)
    # Edits last: their parent may be a message of this same batch, now with its key.
    edits = [i for i in batch if not i.unchanged and i.existing is not None]
    _link_parents(edits, by_key, awaiting)
    _recount(recounted, now)
    if updates:
        Message.objects.bulk_update(updates, UPDATE_FIELDS, batch_size=500)
        AwaitedParent.objects.filter(reply_id__in=[m.id for m in updates]).delete()  # awaited anew below
    if pending:
        linked: dict[int, list[Message]] = {}
        for reply in _link_waiting_replies([item.message for item in pending]):  # type: ignore[misc]
            linked.setdefault(reply.parent_id, []).append(reply)  # type: ignore[arg-type]
        for item in pending if linked else ():
            item.linked_replies = linked.get(item.message.id, [])  # type: ignore[union-attr]
    bulk.insert_objects(awaiting)
    return batch


UPDATE_FIELDS = [
    "text",
    "html",
    "title",
    "kind",
    "url",
    "created_at",
    "visibility",
    "author",
    "language",
    "sentiment",
    "scores",
    "raw",
    "from_organisation",
    "sent_by",
    "remote_addr",
    "user_agent",
    "previous_versions",
    "edited_at",
    "parent",
    "thread_root",
    *counts.COUNT_FIELDS,
]


def _recount(items: list[Incoming], now: datetime) -> None:
    """New readings of stored messages that are otherwise unchanged: their counts alone are written
    (one bulk update of those that changed), and a milestone passed is announced; nothing is judged again."""
    changed: list[Message] = []
    passed: dict[int, list[tuple[Message, int, int]]] = {}
    for item in items:
        message = item.existing
        assert message is not None and item.counts is not None
        known = message.reaction_count is not None or message.share_count is not None
        before = counts.engagement_of(message.reaction_count, message.share_count)
        if counts.apply(message, item.counts, now):
            changed.append(message)
            after = counts.engagement_of(message.reaction_count, message.share_count)
            milestone = counts.milestone_passed(before if known else None, after)
            if milestone is not None:
                passed.setdefault(item.channel.id, []).append((message, milestone, before))
    if changed:
        Message.objects.bulk_update(changed, counts.COUNT_FIELDS, batch_size=500)
    channels = {item.channel.id: item.channel for item in items}
    for channel_id, reached in passed.items():
        counts.announce(channels[channel_id], reached)


def _known_parents(batch: list[Incoming]) -> dict[tuple[int, str], Message]:
    by_channel: dict[int, set[str]] = {}
    for item in batch:
        if item.parent_external_id:
            wanted = by_channel.setdefault(item.channel.id, set())
            wanted.add(item.parent_external_id)
            wanted.update(item.ancestor_external_ids)
    found: dict[tuple[int, str], Message] = {}
    for channel_id, external_ids in by_channel.items():
        for m in Message.objects.filter(channel_id=channel_id, external_id__in=external_ids).only(
            "id", "channel_id", "external_id", "thread_root_id"
        ):
            found[(m.channel_id, m.external_id)] = m
    return found


def _nearest(item: Incoming, by_key: dict[tuple[int, str], Message]) -> tuple[Message | None, int]:
    """The item's parent if known (stored or in the batch), else its nearest known ancestor; and how far.

    When none is known, the distance is one past the farthest: every one of them is awaited.
    """
    if not item.parent_external_id:
        return None, 0
    channel_id = item.channel.id
    parent = by_key.get((channel_id, item.parent_external_id))
    if parent is not None and parent is not item.message:
        return parent, 0
    for distance, external_id in enumerate(item.ancestor_external_ids, 1):
        ancestor = by_key.get((channel_id, external_id))
        if ancestor is not None and ancestor is not item.message:
            return ancestor, distance
    return None, len(item.ancestor_external_ids) + 1


def _link_parents(items: list[Incoming], by_key: dict[tuple[int, str], Message], awaiting: list[AwaitedParent]) -> None:
    """Link each message to its nearest known ancestor; what is nearer and not known yet is awaited."""
    # The keys written straight into the instances, the parent cached as `message.parent = parent`
    # would: that descriptor costs more than the rest of the loop.
    for item in items:
        message = item.message
        assert message is not None
        state = message.__dict__
        parent, distance = _nearest(item, by_key)
        if parent is not None and parent.id is not None:
            state["parent_id"] = parent.id
            state["thread_root_id"] = parent.thread_root_id or parent.id
        else:
            state["parent_id"] = None
            state["thread_root_id"] = message.id
            parent = None
        if distance:
            awaited = [item.parent_external_id, *item.ancestor_external_ids][:distance]
            awaiting.extend(
                _instance(
                    AwaitedParent,
                    {
                        "channel_id": item.channel.id,
                        "external_id": external_id[:255],
                        "reply_id": message.id,
                        "distance": nearness,
                    },
                )
                for nearness, external_id in enumerate(awaited)
                if external_id
            )
        _cache_related(message, "parent", parent)


def _insert_new(pending: list[Incoming], by_key: dict[tuple[int, str], Message], awaiting: list[AwaitedParent]) -> None:
    """Key and link new messages parents first, then insert them all in one go.

    Keys are reserved up front and handed out parents first (a reply's key is greater than its
    parent's, as when each wave was inserted in turn), so a root's thread_root is its own key and a
    reply's its parent's root, known before the INSERT: no UPDATE of the roots afterwards.
    """
    if not pending:
        return
    keys = iter(bulk.reserve_ids(Message, len(pending)))
    ordered: list[Message] = []
    while pending:
        ready, waiting = [], []
        unlinked = {id(p.message) for p in pending}
        for item in pending:
            parent = _nearest(item, by_key)[0] if item.parent_external_id else None
            if parent is not None and id(parent) in unlinked:
                waiting.append(item)
            else:
                ready.append(item)
        if not ready:  # a cycle of parents inside the batch: break it rather than loop
            ready, waiting = waiting, []
            for item in ready:
                item.parent_external_id = None
                item.ancestor_external_ids = []
        for item in ready:
            item.message.pk = next(keys)  # type: ignore[union-attr]
            ordered.append(item.message)  # type: ignore[arg-type]
        _link_parents(ready, by_key, awaiting)
        pending = waiting
    bulk.insert_objects(ordered)


def _link_waiting_replies(created: list[Message]) -> list[Message]:
    """Replies stored earlier that waited for one of the messages just created, now linked to it.

    A reply takes the nearest of its awaited ancestors that arrived, and the thread root that comes
    with it, as do its descendants; what it awaited from there on is no longer awaited. One indexed
    lookup per channel of the batch finds them. Returns the replies linked.
    """
    arrived: dict[tuple[int, str], Message] = {(m.channel_id, m.external_id): m for m in created}
    by_channel: dict[int, list[str]] = {}
    for channel_id, external_id in arrived:
        by_channel.setdefault(channel_id, []).append(external_id)
    best: dict[int, tuple[int, Message]] = {}  # reply id → (distance, the arrived ancestor)
    for channel_id, external_ids in by_channel.items():
        sql, params = awaiting_query(channel_id, external_ids)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        for reply_id, distance, external_id in rows:
            ancestor = arrived[(channel_id, external_id)]
            if reply_id != ancestor.id and (reply_id not in best or distance < best[reply_id][0]):
                best[reply_id] = (distance, ancestor)
    if not best:
        return []
    linked: list[Message] = []
    done: dict[int, list[int]] = {}  # distance → replies that await nothing from there on
    for reply in Message.objects.filter(pk__in=list(best)).order_by("pk"):
        distance, ancestor = best[reply.id]
        root = ancestor.thread_root_id or ancestor.id
        if reply.thread_root_id == reply.id:  # the root of its own thread: all of it moves
            if root == reply.id:
                continue  # the arrived message is under this reply: linking would close a loop
            Message.objects.filter(thread_root_id=reply.id).exclude(pk=reply.id).update(thread_root_id=root)
        else:  # linked to a farther ancestor: only what is under it moves, if the root changes at all
            under = _descendants(reply.id)
            if ancestor.id in under:
                continue
            if root != reply.thread_root_id and under:
                Message.objects.filter(pk__in=under).update(thread_root_id=root)
        reply.parent_id, reply.thread_root_id = ancestor.id, root
        _cache_related(reply, "parent", ancestor)
        linked.append(reply)
        done.setdefault(distance, []).append(reply.id)
    if linked:
        Message.objects.bulk_update(linked, ["parent", "thread_root"], batch_size=500)
    for distance, reply_ids in done.items():
        AwaitedParent.objects.filter(reply_id__in=reply_ids, distance__gte=distance).delete()
    return linked


def awaiting_query(channel_id: int, external_ids: list[str]) -> tuple[str, list[Any]]:
    """The awaited rows of a channel for these external ids: (reply id, distance, external id).

    Written by hand: it runs for every batch, and the ORM's preparation of each of a batch's
    thousand parameters cost several times the lookup itself (through the (channel, external id)
    index either way).
    """
    table = connection.ops.quote_name(AwaitedParent._meta.db_table)
    head = f"SELECT reply_id, distance, external_id FROM {table} WHERE channel_id = %s AND "  # noqa: S608
    if connection.vendor == "postgresql":
        return head + "external_id = ANY(%s)", [channel_id, external_ids]
    return head + f"external_id IN ({', '.join(['%s'] * len(external_ids))})", [channel_id, *external_ids]


def _descendants(message_id: int) -> list[int]:
    """The ids under a message, walked down by parent (for a reply that is not its thread's root)."""
    found: list[int] = []
    level = [message_id]
    while level:
        level = list(Message.objects.filter(parent_id__in=level).exclude(pk__in=found).values_list("pk", flat=True))
        level = [pk for pk in level if pk != message_id]
        found.extend(level)
    return found


def _filled(item: Incoming, current: dict[str, Any]) -> dict[str, Any]:
    """The fields an item sets on its message, given the message's `current` values (by attname)."""
    values: dict[str, Any] = {}
    if item.text or not item.deleted_at_source:
        values.update(text=item.text, html=item.html or "", title=item.title)
    values.update(
        kind=item.kind,
        url=item.url or current["url"],
        created_at=item.created_at,
        visibility=item.visibility or Visibility.VISIBLE,
        author_id=item.identity.pk if item.identity is not None else None,
        language=item.language or current["language"],
        sentiment=item.sentiment or current["sentiment"],
        scores={**current["scores"], **item.scores},
        raw=item.raw or current["raw"],
        from_organisation=item.from_organisation,
        sent_by_id=item.sent_by_id,
        remote_addr=item.remote_addr,
        user_agent=item.user_agent[:300],
    )
    if item.reasons:
        values["scores"]["reasons"] = [r.__dict__ for r in item.reasons]
    return values


def _fill(message: Message, item: Incoming) -> None:
    for name, value in _filled(item, message.__dict__).items():
        setattr(message, name, value)
    message.author = item.identity  # loaded on the message, as on a new one
    if item.counts is not None:
        counts.apply(message, item.counts, timezone.now())


def _new_message(item: Incoming, now: datetime) -> Message:
    """A new, unsaved message: what `_filled` gives over the defaults, in one dict (this runs per message)."""
    channel = item.channel
    identity = item.identity
    keeps_text = bool(item.text) or not item.deleted_at_source
    scores = dict(item.scores)
    if item.reasons:
        scores["reasons"] = [r.__dict__ for r in item.reasons]
    message = _instance(
        Message,
        {
            "id": None,
            "workspace_id": channel.workspace_id,
            "channel_id": channel.id,
            "external_id": item.external_id,
            "url": item.url or "",
            "kind": item.kind,
            "author_id": identity.id if identity is not None else None,
            "parent_id": None,
            "thread_root_id": None,
            "title": item.title if keeps_text else "",
            "text": item.text if keeps_text else "",
            "html": (item.html or "") if keeps_text else "",
            "language": item.language or "",
            "created_at": item.created_at,
            "received_at": now,
            "edited_at": item.edited_at,  # first read after an edit at the source
            "previous_versions": [],
            "visibility": item.visibility or Visibility.VISIBLE,
            "from_organisation": item.from_organisation,
            "sent_by_id": item.sent_by_id,
            "sentiment": item.sentiment or "",
            "scores": scores,
            "raw": item.raw or {},
            "remote_addr": item.remote_addr,
            "user_agent": item.user_agent[:300],
        },
    )
    if item.counts is not None:
        counts.apply(message, item.counts, now)
    fields_cache = message._state.fields_cache
    fields_cache["channel"] = channel
    if identity is not None:
        fields_cache["author"] = identity
    return message


def _instance(model: type[M], values: dict[str, Any]) -> M:
    """A new instance from values by attname (defaults for the others; no other key is allowed).

    What Model.__init__ leaves, written straight into the instance: its call sets each field
    through a descriptor and costs as much as the rest of a message's store. Models with
    pre_init or post_init receivers still go through it.
    """
    if (signals.pre_init.receivers or signals.post_init.receivers) and (
        signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)
    ):
        return model(*[values[f.attname] if f.attname in values else f.get_default() for f in _fields(model)])
    constant, fresh = _defaults(model)
    instance = model.__new__(model)
    instance._state = ModelState()
    state = instance.__dict__
    state.update(constant)
    for attname, default in fresh:
        if attname not in values:
            state[attname] = default()
    state.update(values)
    return instance


@functools.cache
def _fields(model: type[Model]) -> tuple[Field, ...]:
    return tuple(model._meta.concrete_fields)


@functools.cache
def _defaults(model: type[Model]) -> tuple[dict[str, Any], tuple[tuple[str, Callable[[], Any]], ...]]:
    """The model's defaults that are the same value every time, and those made anew (a dict, a list)."""
    fields = _fields(model)
    fresh = tuple((f.attname, f.get_default) for f in fields if f.has_default() and callable(f.default))
    made = {attname for attname, _ in fresh}
    return {f.attname: f.get_default() for f in fields if f.attname not in made}, fresh


def _cache_related(instance: Model, name: str, value: Model | None) -> None:
    """What `instance.<name> = value` caches, without the descriptor (the key is set by the caller)."""
    instance._state.fields_cache[name] = value


def _create_identities(batch: list[Incoming], now: datetime) -> None:
    """Members and identities first seen in this batch, created in two bulk inserts."""
    new: dict[tuple[int, str], Incoming] = {}
    for item in batch:
        if item.author is not None and item.identity is None:
            new.setdefault((item.channel.id, item.author.external_id), item)
    if not new:
        return
    members: list[Member] = []
    identities: list[Identity] = []
    owners: list[Member] = []
    for item in new.values():
        author = item.author
        assert author is not None
        member = item.member
        if member is None:
            name = author.display_name or author.handle or author.external_id
            member = _instance(
                Member,
                {
                    "workspace_id": item.channel.workspace_id,
                    "display_name": name[:200],
                    "email": author.email,
                    "first_seen_at": now,  # the batch's time, one for all (rather than a clock read per row)
                    "last_seen_at": now,
                },
            )
            members.append(member)
        owners.append(member)
        identity = _instance(
            Identity,
            {
                "workspace_id": item.channel.workspace_id,
                "channel_id": item.channel.id,
                "origin": item.channel.kind,
                "external_id": author.external_id,
                "handle": author.handle[:255],
                "display_name": author.display_name[:200],
                "email": author.email,
                "url": author.url[:500],
                "user_id": author.user_id,
                "created_at": now,
            },
        )
        _cache_related(identity, "channel", item.channel)
        _cache_related(identity, "member", member)  # keyed below, with the new members
        identities.append(identity)
    try:
        with transaction.atomic():
            bulk.insert_objects(members)
            for identity, member in zip(identities, owners, strict=True):
                identity.__dict__["member_id"] = member.id  # now that it has its key (cached above)
            bulk.insert_objects(identities)
        created = {(i.channel_id, i.external_id): i for i in identities}
    except IntegrityError:
        # Another process met the same author at the same moment: take the identities it made.
        created = {}
        for identity in identities:
            found = Identity.objects.filter(channel_id=identity.channel.pk, external_id=identity.external_id).first()
            if found is None:
                identity.member.pk = None
                identity.member.save()
                identity.member_id = identity.member.pk
                identity.pk = None
                identity.save()
                found = identity
            created[(found.channel_id, found.external_id)] = found
    for item in batch:
        if item.author is not None and item.identity is None:
            identity = item.identity = created[(item.channel.id, item.author.external_id)]
            # The member cached on the identity above, or loaded by the fallback's query.
            cache = identity._state.fields_cache
            item.member = cache.get("member") or identity.member
