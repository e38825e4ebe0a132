"""The pipeline's hooks of listening (named in stream/pipeline.py's HOOKS).

`match_items` runs in the batch's transaction once it is stored: every new or edited message is
tested against the workspace's saved searches at once (standing.StandingIndex), so a search's
results never wait for a worker; an edited message is matched again, and loses the matches it no
longer earns. `after_matching` runs once the batch is committed and asks for a spike check of the
workspaces that received fresh (not historical) messages or edits.
"""

from __future__ import annotations

from collections import Counter
from threading import Lock

from django.db.models import F

from animateur.listening.matcher import Cost, Doc, frequency_cost
from animateur.listening.models import SavedSearch, SearchMatch
from animateur.listening.query import text_words
from animateur.listening.scan import LEFT_OUT
from animateur.listening.standing import StandingIndex
from animateur.stream.items import Incoming
from animateur.stream.models import Message

_indexes: dict[int, tuple[tuple[tuple[int, str], ...], StandingIndex]] = {}
_lock = Lock()


def index_for(workspace_id: int) -> StandingIndex:
    """The workspace's saved searches compiled, kept while they stay the same (one query a batch)."""
    signature = tuple(SavedSearch.objects.filter(workspace_id=workspace_id).order_by("pk").values_list("pk", "query"))
    with _lock:
        cached = _indexes.get(workspace_id)
        if cached is not None and cached[0] == signature:
            return cached[1]
    index = StandingIndex.build(signature, _word_frequencies(workspace_id))
    with _lock:
        _indexes[workspace_id] = (signature, index)
    return index


SAMPLE = 500


def _word_frequencies(workspace_id: int) -> Cost:
    """How common words are in the workspace's latest messages: each search is filed under its rarest."""
    texts = Message.objects.filter(workspace_id=workspace_id).order_by("-pk").values_list("text", flat=True)[:SAMPLE]
    seen: Counter[str] = Counter()
    for text in texts:
        seen.update(set(text_words(text or "")))
    return frequency_cost(seen, max(1, len(texts)))


def doc_of_item(item: Incoming) -> Doc:
    message = item.message
    assert message is not None
    identity = item.identity
    return Doc.of(
        message.text or "",
        title=message.title or "",
        author=f"{identity.handle} {identity.display_name}" if identity is not None else "",
        channel_kind=item.channel.kind,
        channel_name=item.channel.name,
        language=message.language,
        sentiment=message.sentiment,
        kind=message.kind,
        url=message.url or "",
        html=message.html or "",
    )


def match_items(items: list[Incoming]) -> None:
    """Match the batch's new and edited messages. An edit is matched again from scratch: a search
    it no longer matches loses it (and its count), one it starts matching gains it; an edit that
    leaves the message spam, trashed or deleted at the source removes its matches."""
    by_workspace: dict[int, list[Incoming]] = {}
    for item in items:
        if item.message is not None and (item.existing is not None or item.message.visibility not in LEFT_OUT):
            by_workspace.setdefault(item.channel.workspace_id, []).append(item)
    for workspace_id, batch in by_workspace.items():
        index = index_for(workspace_id)
        if not len(index):
            continue
        found: list[tuple[int, Message]] = []
        edited: dict[int, set[int]] = {}  # an edited message -> the searches it matches now
        for item in batch:
            message = item.message
            assert message is not None
            keys = index.matching(doc_of_item(item)) if message.visibility not in LEFT_OUT else []
            found.extend((search_id, message) for search_id in keys)
            if item.existing is not None:
                edited[message.pk] = set(keys)
        _store_matches(workspace_id, found, edited)


def _store_matches(workspace_id: int, found: list[tuple[int, Message]], edited: dict[int, set[int]]) -> None:
    change: Counter[int] = Counter()
    had: set[tuple[int, int]] = set()
    if edited:
        before = list(
            SearchMatch.objects.filter(message_id__in=list(edited), search__workspace_id=workspace_id).values_list(
                "pk", "search_id", "message_id"
            )
        )
        had = {(search_id, message_id) for _pk, search_id, message_id in before}
        gone = [(pk, search_id) for pk, search_id, message_id in before if search_id not in edited[message_id]]
        if gone:
            SearchMatch.objects.filter(pk__in=[pk for pk, _search_id in gone]).delete()
            for _pk, search_id in gone:
                change[search_id] -= 1
    fresh = [(search_id, message) for search_id, message in found if (search_id, message.pk) not in had]
    if fresh:
        SearchMatch.objects.bulk_create(
            [SearchMatch(search_id=s, message_id=m.pk, created_at=m.created_at) for s, m in fresh],
            ignore_conflicts=True,
        )
        for search_id, _message in fresh:
            change[search_id] += 1
    for search_id, count in change.items():
        if count:
            SavedSearch.objects.filter(pk=search_id).update(match_count=F("match_count") + count)


def after_matching(items: list[Incoming]) -> None:
    from animateur.listening.tasks import request_spike_check

    # An edit may add or remove matches: the spike check reads the matches as they are now.
    workspaces = {item.channel.workspace_id for item in items if not item.historical}
    for workspace_id in workspaces:
        if len(index_for(workspace_id)):
            request_spike_check(workspace_id)
