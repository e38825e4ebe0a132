"""The pipeline's stages: each takes the batch and returns it, deciding but not writing (but `store`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from django.db import IntegrityError, connection, transaction
from django.db.models import Field, Model, signals
from django.db.models.base import ModelState
from django.utils import timezone

from animateur.core import bulk
from animateur.core.html import render_markdown, sanitize, text_of
from animateur.stream.items import Incoming, Reason
from animateur.stream.models import AwaitedParent, Identity, Member, Message, Visibility

M = TypeVar("M", bound=Model)

MAX_TEXT_LENGTH = 100_000
MAX_TITLE_LENGTH = 500

# The enrich and moderate stages' hooks, each seeing the whole batch: declared in order in
# stream/pipeline.py (HOOKS), filled in once every app is loaded.
ENRICHERS: list[Callable[[list[Incoming]], None]] = []
MODERATORS: list[Callable[[list[Incoming]], None]] = []

# When several reasons disagree, the most restrictive wins: hide beats approve.
VISIBILITY_PRECEDENCE = [
    Visibility.DELETED,
    Visibility.TRASH,
    Visibility.SPAM,
    Visibility.HIDDEN,
    Visibility.PENDING,
    Visibility.VISIBLE,
]
ACTION_VISIBILITY = {
    "delete": Visibility.TRASH,
    "spam": Visibility.SPAM,
    "hide": Visibility.HIDDEN,
    "hold": Visibility.PENDING,
    "approve": Visibility.VISIBLE,
}


def normalize(batch: list[Incoming]) -> list[Incoming]:
    for item in batch:
        item.text = (item.text or "").replace("\r\n", "\n").replace("\x00", "").strip()
        item.title = (item.title or "").strip()[:MAX_TITLE_LENGTH]
        item.external_id = str(item.external_id).strip()
        if not item.external_id:
            item.error = "missing external id"
        elif len(item.text) > MAX_TEXT_LENGTH:
            item.error = f"text longer than {MAX_TEXT_LENGTH} characters"
        elif item.html is not None:
            if not item.text:
                # Read before sanitizing: a comment keeps no <div> or <h1>, whose text would then run together.
                item.text = text_of(item.html)
            item.html = sanitize(item.html, comment=item.kind != "post")
        else:
            item.html = plain_html(item.text) or render_markdown(item.text, comment=item.kind != "post")
        if not item.error and not item.text and not item.title and not item.deleted_at_source:
            item.error = "empty message"
    return batch


# Text that Markdown and HTML read as plain paragraphs: lines that start with a letter and hold only
# word characters, spaces and punctuation without a meaning in Markdown (no * _ ` [ ] < > & \ # | ~,
# no trailing space). Most comments are such text; rendering them with markdown-it and nh3 costs
# a quarter of a millisecond each, for the same result (tests/stream/test_plain_html.py).
_PUNCT = r"""[.,;:?!'’"()\-«»…/%+=@€$°]"""
_LINE = rf"[^\W\d_](?:(?:[^\W_]|{_PUNCT}| )*(?:[^\W_]|{_PUNCT}))?"
_PLAIN_TEXT = re.compile(rf"{_LINE}(?:\n+{_LINE})*")
_PARAGRAPHS = re.compile(r"\n\n+")
_PLAIN_MAX = 4000  # longer texts are rarely plain: leave them to the renderer at once


def plain_html(text: str) -> str | None:
    """What `render_markdown` gives for plain text (comment or not: paragraphs only), or None."""
    if len(text) > _PLAIN_MAX or not _PLAIN_TEXT.fullmatch(text):
        return None
    return "".join(f"<p>{paragraph}</p>\n" for paragraph in _PARAGRAPHS.split(text))


def dedupe(batch: list[Incoming]) -> list[Incoming]:
    """Find each item's existing row; an identical fetch is marked unchanged, an edit keeps history.

    An item met twice in the batch is one message, stored once (see `_one_copy_each`).
    """
    batch = _one_copy_each(batch)
    by_channel: dict[int, list[Incoming]] = {}
    for item in batch:
        by_channel.setdefault(item.channel.id, []).append(item)
    for channel_id, items in by_channel.items():
        existing = {
            m.external_id: m
            for m in Message.objects.filter(channel_id=channel_id, external_id__in=[i.external_id for i in items])
        }
        for item in items:
            item.existing = existing.get(item.external_id)
            if item.existing is not None:
                item.unchanged = (
                    item.existing.text == item.text
                    and item.existing.title == item.title
                    and not item.deleted_at_source
                    and (item.source_visibility is None or item.source_visibility == item.existing.visibility)
                )
    return batch


# Kinds that say the message is addressed to us: a copy of that kind keeps it when two copies meet.
_ADDRESSED = ("mention", "direct")


def _one_copy_each(batch: list[Incoming]) -> list[Incoming]:
    """One item per (channel, external id): a mention also read in a followed hashtag, a mail delivered twice.

    The copy edited last at the source is kept (the later one in the batch when neither says);
    it stays where the first copy was. It is work if either copy is, and addressed to us if either is.
    """
    kept: dict[tuple[int, str], Incoming] = {}
    for item in batch:
        key = (item.channel.id, item.external_id)
        earlier = kept.get(key)
        kept[key] = item if earlier is None else _later_copy(earlier, item)
    if len(kept) == len(batch):
        return batch
    return list(kept.values())


def _later_copy(earlier: Incoming, later: Incoming) -> Incoming:
    if earlier.edited_at is not None and (later.edited_at is None or earlier.edited_at > later.edited_at):
        kept, dropped = earlier, later
    else:
        kept, dropped = later, earlier
    kept.historical = kept.historical and dropped.historical
    if dropped.kind in _ADDRESSED and kept.kind not in _ADDRESSED:
        kept.kind = dropped.kind
    if not kept.parent_external_id:
        kept.parent_external_id, kept.ancestor_external_ids = dropped.parent_external_id, dropped.ancestor_external_ids
    return kept


def identify(batch: list[Incoming]) -> list[Incoming]:
    """Link each author to its identity and member; new ones are created by `store`.

    An author seen for the first time on a channel whose email is a known member's in the
    workspace becomes another identity of that member rather than a new person.
    """
    keys = {(i.channel.id, i.author.external_id) for i in batch if i.author is not None}
    if not keys:
        return batch
    identities: dict[tuple[int, str], Identity] = {}
    by_channel: dict[int, list[str]] = {}
    for channel_id, external_id in keys:
        by_channel.setdefault(channel_id, []).append(external_id)
    for channel_id, external_ids in by_channel.items():
        for ident in Identity.objects.filter(channel_id=channel_id, external_id__in=external_ids).select_related(
            "member"
        ):
            identities[(ident.channel_id, ident.external_id)] = ident
    with_visible = (
        set(
            Message.objects.filter(author__in=list(identities.values()), visibility=Visibility.VISIBLE)
            .values_list("author_id", flat=True)
            .distinct()
        )
        if identities
        else set()
    )
    emails = {
        (i.channel.workspace_id, i.author.email.lower())
        for i in batch
        if i.author is not None and i.author.email and (i.channel.id, i.author.external_id) not in identities
    }
    members_by_email: dict[tuple[int, str], Member] = {}
    for workspace_id in {w for w, _ in emails}:
        wanted = [e for w, e in emails if w == workspace_id]
        for member in Member.objects.filter(workspace_id=workspace_id, email__in=wanted, merged_into=None):
            members_by_email.setdefault((workspace_id, member.email.lower()), member)
    for item in batch:
        if item.author is None:
            continue
        item.identity = identities.get((item.channel.id, item.author.external_id))
        if item.identity is not None:
            item.member = item.identity.member
        elif item.author.email:
            item.member = members_by_email.get((item.channel.workspace_id, item.author.email.lower()))
        item.first_from_author = item.identity is None or item.identity.pk not in with_visible
    return batch


def detect_languages(batch: list[Incoming]) -> None:
    """Each new or edited text's language, among the workspace's (French and English by default).

    A language the source states is kept (no detection); the same text met again (a spam wave,
    shares of one post) is answered from a small cache. The others go to the detector together,
    one call per language set.
    """
    cache = _LANGUAGE_CACHE
    todo: dict[tuple[str, ...], list[Incoming]] = {}
    for item in batch:
        if item.language or not item.text:
            continue
        configured = tuple((item.channel.workspace.settings or {}).get("languages") or DEFAULT_LANGUAGES)
        found = cache.get((item.text[:2000], configured))
        if found is None:
            todo.setdefault(configured, []).append(item)
        else:
            item.language = found
            item.undetected_among = () if found else configured
    if not todo:
        return
    detect = _language_detector()
    for configured, items in todo.items():
        texts = [item.text[:2000] for item in items]
        for item, text, found in zip(items, texts, detect(texts, configured), strict=True):
            if len(cache) >= _LANGUAGE_CACHE_SIZE:
                cache.pop(next(iter(cache)))  # the oldest entry
            item.language = cache[(text, configured)] = found or ""
            item.undetected_among = () if found else configured


_LANGUAGE_CACHE: dict[tuple[str, tuple[str, ...]], str] = {}
_LANGUAGE_CACHE_SIZE = 2048


DEFAULT_LANGUAGES = ("fr", "en")


def _language_detector() -> Callable[[list[str], tuple[str, ...]], list[str | None]]:
    try:
        from animateur.nlp.language import detect_languages

        return detect_languages
    except ImportError:  # the nlp app is optional at this layer: fall back to lingua directly
        return _lingua_detect


def _lingua_detect(texts: list[str], languages: tuple[str, ...]) -> list[str | None]:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    key = tuple(sorted(languages))
    detector = _LINGUA.get(key)
    if detector is None:
        wanted = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in key]
        detector = _LINGUA[key] = LanguageDetectorBuilder.from_languages(*wanted).with_low_accuracy_mode().build()
    found = [detector.detect_language_of(text) for text in texts]
    return [f.iso_code_639_1.name.lower() if f is not None else None for f in found]


_LINGUA: dict[tuple[str, ...], Any] = {}


def enrich(batch: list[Incoming]) -> list[Incoming]:
    fresh = [item for item in batch if not item.unchanged]
    detect_languages(fresh)
    for enricher in ENRICHERS:
        enricher(fresh)
    return batch


def moderate(batch: list[Incoming]) -> list[Incoming]:
    fresh = [item for item in batch if not item.unchanged and item.existing is None]
    for moderator in MODERATORS:
        moderator(fresh)
    for item in batch:
        item.visibility = decide_visibility(item)
    return batch


def decide_visibility(item: Incoming) -> str:
    if item.deleted_at_source:
        return Visibility.DELETED
    if item.existing is not None and item.source_visibility is None:
        return item.existing.visibility  # an edit at the source keeps the team's decision
    candidates = [ACTION_VISIBILITY[r.action] for r in item.reasons if r.action in ACTION_VISIBILITY]
    if item.source_visibility:
        candidates.append(Visibility(item.source_visibility))
    if not candidates:
        return Visibility.VISIBLE
    return min(candidates, key=VISIBILITY_PRECEDENCE.index)


def hold_first_comments(batch: list[Incoming]) -> None:
    """On the site, a first-time commenter waits for a moderator when the workspace says so."""
    for item in batch:
        channel = item.channel
        if (
            channel.kind == "site"
            and not item.from_organisation
            and item.first_from_author
            and channel.workspace.hold_first_comments
            and item.source_visibility is None
        ):
            item.reasons.append(Reason(source="first-comment", detail="first comment from this author"))



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
    for item in batch:
        if item.unchanged:
            item.message = item.existing
            if item.existing is not None:
                by_key[(item.channel.id, item.external_id)] = item.existing
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
]


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


def bump_site_version(batch: list[Incoming]) -> None:
    """Public pages show site comments: expire their cache when visitors may see a change.

    A new comment held for moderation or classed as spam shows nowhere public: a flood of them
    must not keep every page uncached. A visible one, or any edit of a stored one (which may have
    been visible), expires the pages.
    """
    workspaces = {
        item.channel.workspace
        for item in batch
        if item.channel.kind == "site"
        and ((item.visibility or Visibility.VISIBLE) == Visibility.VISIBLE or item.existing is not None)
    }
    for workspace in workspaces:
        workspace.bump_content_version()
