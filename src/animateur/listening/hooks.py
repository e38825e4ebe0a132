"""The pipeline's hooks of listening (named in stream/pipeline.py's HOOKS).

`match_items` runs in the batch's transaction once it is stored: every new or edited message is
tested against the workspace's saved searches at once (standing.StandingIndex), so a search's
results never wait for a worker. `after_matching` runs once the batch is committed and asks for
a spike check of the workspaces that received fresh (not historical) messages.
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
    by_workspace: dict[int, list[Incoming]] = {}
    for item in items:
        if item.message is not None and item.message.visibility not in LEFT_OUT:
            by_workspace.setdefault(item.channel.workspace_id, []).append(item)
    for workspace_id, fresh in by_workspace.items():
        index = index_for(workspace_id)
        if not len(index):
            continue
        matches = []
        for item in fresh:
            message = item.message
            assert message is not None
            for search_id in index.matching(doc_of_item(item)):
                matches.append(SearchMatch(search_id=search_id, message_id=message.pk, created_at=message.created_at))
        if not matches:
            continue
        SearchMatch.objects.bulk_create(matches, ignore_conflicts=True)
        # An edited message matched before: only new messages add to the counts.
        new = {item.message.pk for item in fresh if item.existing is None and item.message is not None}
        per_search = Counter(m.search_id for m in matches if m.message_id in new)
        for search_id, count in per_search.items():
            SavedSearch.objects.filter(pk=search_id).update(match_count=F("match_count") + count)


def after_matching(items: list[Incoming]) -> None:
    from animateur.listening.tasks import request_spike_check

    workspaces = {item.channel.workspace_id for item in items if not item.historical and item.existing is None}
    for workspace_id in workspaces:
        if len(index_for(workspace_id)):
            request_spike_check(workspace_id)
