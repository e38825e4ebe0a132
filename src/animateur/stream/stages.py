"""The pipeline's stages: each takes the batch and returns it, deciding but not writing (but `store`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model

from animateur.core.html import render_markdown, sanitize, text_of
from animateur.stream.items import Incoming, Reason
from animateur.stream.models import Identity, Member, Message, Visibility

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
