"""The pipeline's stages: each takes the batch and returns it, deciding but not writing (but `store`)."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Count, Q
from django.utils import timezone

from animateur.core.html import render_markdown, sanitize, text_of
from animateur.stream.items import Incoming, Reason
from animateur.stream.models import Identity, Member, Message, Visibility

MAX_TEXT_LENGTH = 100_000
MAX_TITLE_LENGTH = 500

# Hooks that later features register (AppConfig.ready): each sees the whole batch.
ENRICHERS: list[Callable[[list[Incoming]], None]] = []
MODERATORS: list[Callable[[list[Incoming]], None]] = []

# When several reasons disagree, the most restrictive wins: hide beats approve.
VISIBILITY_PRECEDENCE = [
    Visibility.DELETED, Visibility.TRASH, Visibility.SPAM, Visibility.HIDDEN, Visibility.PENDING, Visibility.VISIBLE,
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
            item.html = sanitize(item.html, comment=item.kind != "post")
            if not item.text:
                item.text = text_of(item.html)
        else:
            item.html = render_markdown(item.text, comment=item.kind != "post")
        if not item.error and not item.text and not item.title and not item.deleted_at_source:
            item.error = "empty message"
    return batch


def dedupe(batch: list[Incoming]) -> list[Incoming]:
    """Find each item's existing row; an identical fetch is marked unchanged, an edit keeps history."""
    by_channel: dict[int, list[Incoming]] = {}
    for item in batch:
        by_channel.setdefault(item.channel.pk, []).append(item)
    seen: set[tuple[int, str]] = set()
    for channel_id, items in by_channel.items():
        existing = {
            m.external_id: m
            for m in Message.objects.filter(channel_id=channel_id, external_id__in=[i.external_id for i in items])
        }
        for item in items:
            key = (channel_id, item.external_id)
            if key in seen:
                item.error = "duplicate in the same batch"
                continue
            seen.add(key)
            item.existing = existing.get(item.external_id)
            if item.existing is not None:
                item.unchanged = (
                    item.existing.text == item.text
                    and item.existing.title == item.title
                    and not item.deleted_at_source
                    and (item.source_visibility is None or item.source_visibility == item.existing.visibility)
                )
    return batch


def identify(batch: list[Incoming]) -> list[Incoming]:
    """Link each author to its identity and member; new ones are created by `store`."""
    keys = {(i.channel.pk, i.author.external_id) for i in batch if i.author is not None}
    if not keys:
        return batch
    query = Q()
    for channel_id, external_id in keys:
        query |= Q(channel_id=channel_id, external_id=external_id)
    identities = {
        (ident.channel_id, ident.external_id): ident for ident in Identity.objects.filter(query).select_related("member")
    }
    with_visible = set(
        Message.objects.filter(author__in=list(identities.values()), visibility=Visibility.VISIBLE)
        .values("author_id")
        .annotate(n=Count("id"))
        .values_list("author_id", flat=True)
    )
    for item in batch:
        if item.author is None:
            continue
        item.identity = identities.get((item.channel.pk, item.author.external_id))
        item.member = item.identity.member if item.identity else None
        item.first_from_author = item.identity is None or item.identity.pk not in with_visible
    return batch


def enrich(batch: list[Incoming]) -> list[Incoming]:
    fresh = [item for item in batch if not item.unchanged]
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


MODERATORS.append(hold_first_comments)


def store(batch: list[Incoming]) -> list[Incoming]:
    """The only stage that writes; runs inside the batch's transaction."""
    now = timezone.now()
    _create_identities(batch, now)
    by_key: dict[tuple[int, str], Message] = {}
    parent_keys = {(i.channel.pk, i.parent_external_id) for i in batch if i.parent_external_id}
    if parent_keys:
        query = Q()
        for channel_id, external_id in parent_keys:
            query |= Q(channel_id=channel_id, external_id=external_id)
        by_key.update({(m.channel_id, m.external_id): m for m in Message.objects.filter(query)})
    for item in batch:
        if item.unchanged:
            item.message = item.existing
            continue
        message = item.existing or Message(
            workspace_id=item.channel.workspace_id, channel=item.channel, external_id=item.external_id
        )
        if item.existing is not None and item.existing.text != item.text and item.text:
            message.previous_versions = [
                *message.previous_versions,
                {"text": message.text, "title": message.title, "replaced_at": now.isoformat()},
            ]
            message.edited_at = now
        _fill(message, item)
        parent = by_key.get((item.channel.pk, item.parent_external_id or ""))
        if item.parent_external_id and parent is None:
            message.raw = {**message.raw, "unresolved_parent": item.parent_external_id}
        message.parent = parent
        message.thread_root_id = (parent.thread_root_id or parent.pk) if parent else message.pk
        message.save()
        if message.thread_root_id is None:
            message.thread_root_id = message.pk
            Message.objects.filter(pk=message.pk).update(thread_root_id=message.pk)
        by_key[(item.channel.pk, item.external_id)] = message
        item.message = message
    return batch


def _fill(message: Message, item: Incoming) -> None:
    if item.text or not item.deleted_at_source:
        message.text = item.text
        message.html = item.html or ""
        message.title = item.title
    message.kind = item.kind
    message.url = item.url or message.url
    message.created_at = item.created_at
    message.visibility = item.visibility or Visibility.VISIBLE
    message.author = item.identity
    message.language = item.language or message.language
    message.sentiment = item.sentiment or message.sentiment
    message.scores = {**message.scores, **item.scores}
    if item.reasons:
        message.scores["reasons"] = [r.__dict__ for r in item.reasons]
    message.raw = item.raw or message.raw
    message.from_organisation = item.from_organisation
    message.sent_by_id = item.sent_by_id
    message.remote_addr = item.remote_addr
    message.user_agent = item.user_agent[:300]


def _create_identities(batch: list[Incoming], now: object) -> None:
    created: dict[tuple[int, str], Identity] = {}
    for item in batch:
        if item.author is None or item.identity is not None:
            continue
        key = (item.channel.pk, item.author.external_id)
        if key not in created:
            author = item.author
            name = author.display_name or author.handle or author.external_id
            member = Member.objects.create(
                workspace_id=item.channel.workspace_id, display_name=name[:200], email=author.email
            )
            created[key] = Identity.objects.create(
                workspace_id=item.channel.workspace_id,
                channel=item.channel,
                member=member,
                origin=item.channel.kind,
                external_id=author.external_id,
                handle=author.handle[:255],
                display_name=author.display_name[:200],
                email=author.email,
                url=author.url[:500],
                user_id=author.user_id,
            )
        item.identity = created[key]
        item.member = item.identity.member


def bump_site_version(batch: list[Incoming]) -> None:
    """Public pages show site comments: expire their cache when one changes."""
    workspaces = {item.channel.workspace for item in batch if item.channel.kind == "site"}
    for workspace in workspaces:
        workspace.bump_content_version()
