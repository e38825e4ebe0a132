"""The pipeline every contribution passes through, one batch at a time.

    normalize → dedupe → identify → enrich → moderate → store → (after commit) notify

Stages are plain functions over batches (list in, list out), composed in `STAGES`.
Enrichment and moderation decide; only `store` writes, in one transaction per batch.
The same pipeline takes one comment posted on the site (synchronously) and a
connector's batch (in a worker). Later features add a stage or a hook; they do
not rewrite this file's flow.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.module_loading import import_string

from animateur.core.events import emit_many, listened, message_data
from animateur.stream import stages, store
from animateur.stream.items import Incoming
from animateur.stream.models import Message

log = logging.getLogger(__name__)

Stage = Callable[[list[Incoming]], list[Incoming]]

STAGES: list[Stage] = [
    stages.normalize,
    stages.dedupe,
    stages.identify,
    stages.enrich,
    stages.moderate,
]

# Called inside the batch's transaction once it is stored (denormalized counts of other apps).
ON_STORE: list[Callable[[list[Incoming]], None]] = []

# Called after the batch's transaction commits, with the stored items (inbox, alerts, cache).
AFTER_COMMIT: list[Callable[[list[Incoming]], None]] = []

# Every hook of the pipeline, in the order they run, by where it lives. Named rather than
# imported: the stream sits below the apps that provide them (DESIGN.md's layers), so the names
# are resolved once every app is loaded (stream/apps.py), and no app adds hooks of its own.
HOOKS: dict[str, tuple[list[Callable[[list[Incoming]], None]], tuple[str, ...]]] = {
    "enrich": (stages.ENRICHERS, ("animateur.moderation.hooks.score_items",)),
    "moderate": (
        stages.MODERATORS,
        ("animateur.stream.stages.hold_first_comments", "animateur.moderation.hooks.moderate_items"),
    ),
    "on store": (
        ON_STORE,
        (
            "animateur.space.threads.refresh_counts_for_messages",
            "animateur.inbox.hooks.on_store",
            "animateur.moderation.hooks.store_moderation",
            "animateur.listening.wordindex.index_items",
            "animateur.listening.hooks.match_items",
            "animateur.reports.rollup.forget_stored_days",
        ),
    ),
    "after commit": (
        AFTER_COMMIT,
        (
            "animateur.stream.stages.bump_site_version",
            "animateur.moderation.hooks.after_moderation",
            "animateur.listening.hooks.after_matching",
        ),
    ),
}


def install_hooks() -> None:
    """Fill the hook lists from HOOKS (again from scratch: ready() may run more than once)."""
    for hooks, paths in HOOKS.values():
        hooks[:] = [import_string(path) for path in paths]


@dataclass
class PipelineResult:
    created: list[Message] = field(default_factory=list)
    updated: list[Message] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[Incoming] = field(default_factory=list)

    @property
    def messages(self) -> list[Message]:
        return self.created + self.updated


def run_pipeline(items: Iterable[Incoming]) -> PipelineResult:
    batch = list(items)
    result = PipelineResult()
    for stage in STAGES:
        batch = stage(batch)
        result.rejected.extend(item for item in batch if item.error)
        batch = [item for item in batch if not item.error]
    with transaction.atomic():
        stored = store.store(batch)
        for item in stored:
            if item.unchanged:
                result.unchanged += 1
            elif item.existing is not None:
                result.updated.append(item.message)  # type: ignore[arg-type]
            else:
                result.created.append(item.message)  # type: ignore[arg-type]
        changed = [item for item in stored if not item.unchanged]
        for hook in ON_STORE:
            hook(changed)
        if changed:
            transaction.on_commit(lambda: _after_commit(changed))
    return result


def _after_commit(items: list[Incoming]) -> None:
    for hook in AFTER_COMMIT:
        try:
            hook(items)
        except Exception:  # a failing notification must not lose the stored batch
            log.exception("after-commit hook %s failed", getattr(hook, "__name__", hook))
    try:
        announce_received(items)
    except Exception:
        log.exception("announcing the batch's messages failed")


def announce_received(items: list[Incoming]) -> None:
    """`message.received` for each new message that is not history, once the batch is committed."""
    by_channel: dict[int, list[Incoming]] = {}
    for item in items:
        if item.existing is None and not item.historical and item.message is not None:
            by_channel.setdefault(item.channel.pk, []).append(item)
    for fresh in by_channel.values():
        workspace = fresh[0].channel.workspace
        if listened(workspace, "message.received"):
            emit_many(workspace, [("message.received", {"message": message_data(i.message)}) for i in fresh])


def ingest_one(item: Incoming) -> tuple[Message | None, Incoming]:
    """Run one contribution through the pipeline; returns its message and what stages decided."""
    result = run_pipeline([item])
    if result.rejected:
        return None, result.rejected[0]
    return (result.messages[0] if result.messages else item.existing), item


def prepare_worker() -> None:
    """Before a long-lived process takes batches: load the detectors, then set start-up's objects aside.

    What start-up made (modules, models, URL patterns, the language and scoring models) lives as
    long as the process; frozen, the collector stops walking it again at every full collection,
    which otherwise took about 5 % of a batch.
    """
    try:
        from animateur.nlp import score_messages
        from animateur.nlp.language import warm_up

        warm_up()
        score_messages(["Bonjour à tous", "Hello everyone"], ["fr", "en"])
    except ImportError:  # the nlp app is optional at this layer
        pass
    except Exception:  # only a head start: the first batch meets (and logs) the same problem
        log.exception("warming up the language and scoring models failed")
    gc.collect()
    gc.freeze()
