"""Polling one channel: fetch from its cursor, run the pipeline batch by batch, keep its health.

Each batch is stored in one transaction with the channel's new cursor, so the cursor never moves
ahead of what is committed: a worker killed anywhere resumes from the last committed batch, and
the (channel, external id) key absorbs what it fetches again. Items that cannot be read are kept
as RejectedItem with their reason and never stop the channel.

A channel's past is not the team's work: a first poll brings back a feed's archive or an account's
old mentions. Items written before the channel was connected, less a margin (HISTORY_MARGIN_HOURS,
24 hours by default, ANIMATEUR_CHANNEL_HISTORY_HOURS), are stored as history (`Incoming.historical`):
kept, moderated and searchable, but they open no inbox conversation and alert no one. The margin
keeps this morning's unanswered mention, sent before the account was connected, as work to do.
A source added later to a channel (a hashtag, a search, a subreddit, a feed's new address: the connector's
`source_fields`, each item naming its own in `RawItem.extra["source"]`) has its own past: judged from when it
was added.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

from animateur.channels import lease
from animateur.channels.connectors.base import (
    UNREADABLE,
    Connector,
    RawItem,
    connector_for,
    jsonable,
    unreadable_reason,
)
from animateur.channels.errors import AuthError, ConnectorError, PermanentError
from animateur.channels.models import Channel, ChannelRun, RejectedItem
from animateur.config.env import env_int, env_str
from animateur.core.events import emit
from animateur.stream.counts import update_counts
from animateur.stream.items import Incoming
from animateur.stream.models import Message
from animateur.stream.pipeline import PipelineResult, run_pipeline

log = logging.getLogger(__name__)

BATCH_SIZE = 500
HISTORY_MARGIN_HOURS = 24
MAX_BACKOFF_SECONDS = 6 * 3600
ALERT_AFTER_FAILURES = 5
COUNTS_DAYS = 7  # the organisation's posts whose reactions and shares are read again, by age
COUNTS_EVERY = 30  # minutes between two readings of one post's counts
COUNTS_AT_MOST = 20  # posts whose counts one run reads again


def batch_size() -> int:
    return env_int("ANIMATEUR_CHANNEL_BATCH_SIZE", BATCH_SIZE)


def history_margin() -> timedelta:
    return timedelta(hours=env_int("ANIMATEUR_CHANNEL_HISTORY_HOURS", HISTORY_MARGIN_HOURS))


def history_before(channel: Channel) -> datetime:
    """Items written before this moment are the channel's history, not work for the team."""
    return channel.created_at - history_margin()


def sources_history_before(channel: Channel) -> dict[str, datetime]:
    """Per source added after the channel was connected (and still read): the moment before which what it
    brings is history. A source changed since (the time records another value) is not one of them."""
    found: dict[str, datetime] = {}
    config = channel.config or {}
    for name, added in (channel.source_times or {}).items():
        when = parse_datetime(str((added or {}).get("added_at") or ""))
        if when is None or added.get("value") != config.get(name):
            continue
        found[name] = max(channel.created_at, when) - history_margin()
    return found


def _is_history(item: Incoming, before: datetime) -> bool:
    created = item.created_at
    if timezone.is_naive(created):
        created = timezone.make_aware(created, timezone.get_default_timezone())
    return created < before


@dataclass
class BatchOutcome:
    items: int = 0
    created: int = 0
    updated: int = 0
    rejected: int = 0


def poll_channel(channel_id: int) -> ChannelRun | None:
    """Poll once if nobody else is; returns the run, or None when the channel was busy or not pollable."""
    token = lease.acquire(channel_id)
    if token is None:
        return None
    try:
        channel = Channel.objects.select_related("workspace").get(pk=channel_id)
        if channel.paused or channel.kind == Channel.SITE:
            return None
        # What the run writes for people (errors, reasons items were refused) is in the workspace's language.
        with translation.override(channel.workspace.language or settings.LANGUAGE_CODE):
            return _run(channel, token)
    finally:
        lease.release(channel_id, token)


def _run(channel: Channel, token: str) -> ChannelRun:
    run = ChannelRun.objects.create(channel=channel)
    totals = BatchOutcome()
    connector: Connector | None = None
    try:
        connector = connector_for(channel)
        pending: list[RawItem] = []
        for raw in connector.fetch(since=dict(channel.cursor or {})):
            pending.append(raw)
            if len(pending) >= batch_size():
                _add(totals, store_batch(channel, connector, pending))
                pending = []
                lease.renew(channel.pk, token)
        # Where the connector read past its last item (entries it skips, a gap found empty): valid
        # once everything it yielded is stored, so it goes with the last batch.
        final = connector.final_cursor
        if final == (channel.cursor or {}):
            final = None
        if pending or final is not None:
            _add(totals, store_batch(channel, connector, pending, cursor_after=final))
    except ConnectorError as exc:
        _failed(channel, run, totals, exc)
    except Exception as exc:  # a bug must show on the health page, not kill the worker
        log.exception("channel %s failed", channel.pk)
        _failed(channel, run, totals, PermanentError(f"internal error: {type(exc).__name__}: {exc}"))
    else:
        _succeeded(channel, run, totals)
        if connector is not None:
            refresh_counts(channel, connector)
    if connector is not None:
        remember_learned(channel, connector)
    return run


def refresh_counts(channel: Channel, connector: Connector) -> int:
    """Read again the reactions and shares of the organisation's recent posts on the channel: those of
    the last COUNTS_DAYS days (ANIMATEUR_COUNTS_DAYS, 7), newest first, COUNTS_AT_MOST (20) at a time,
    each at most every COUNTS_EVERY minutes (ANIMATEUR_COUNTS_EVERY_MINUTES, 30), so a channel polled
    every two minutes asks its network for a few posts' counts only. Only the counts of the stored rows
    change (stream/counts.py). A failure here is logged and leaves the run as it was: the messages are
    stored, and a source that limits or refuses says so again at the next poll's reading."""
    if not connector.reads_counts:
        return 0
    now = timezone.now()
    since = now - timedelta(days=env_int("ANIMATEUR_COUNTS_DAYS", COUNTS_DAYS))
    stale = now - timedelta(minutes=env_int("ANIMATEUR_COUNTS_EVERY_MINUTES", COUNTS_EVERY))
    # By the partial index of the organisation's messages (channel, -created_at).
    due = list(
        Message.objects.filter(channel_id=channel.pk, from_organisation=True, created_at__gte=since, kind="post")
        .exclude(visibility="deleted")
        .filter(Q(counts_read_at__isnull=True) | Q(counts_read_at__lt=stale))
        .order_by("-created_at")
        .values_list("external_id", flat=True)[:COUNTS_AT_MOST]
    )
    if not due:
        return 0
    try:
        found = connector.read_counts(due)
        return len(update_counts(channel, found))
    except ConnectorError as exc:
        log.warning("channel %s: the posts' reactions could not be read again: %s", channel.pk, exc)
    except Exception:  # a bug here must not undo a good run
        log.exception("channel %s: reading the posts' reactions again failed", channel.pk)
    return 0


def remember_learned(channel: Channel, connector: Connector) -> None:
    """Keep in the channel's config what the connector found out while fetching (who we are there)."""
    keys = connector.learned_keys
    learned = {
        k: connector.config[k]
        for k in keys
        if k in connector.config and (channel.config or {}).get(k) != connector.config[k]
    }
    if not learned:
        return
    with transaction.atomic():
        # Merged into the config as stored now: a teammate may have changed it during the run.
        current = Channel.objects.select_for_update().filter(pk=channel.pk).values_list("config", flat=True).first()
        if current is None:
            return
        channel.config = {**current, **learned}
        Channel.objects.filter(pk=channel.pk).update(config=channel.config)


def _add(totals: BatchOutcome, outcome: BatchOutcome) -> None:
    totals.items += outcome.items
    totals.created += outcome.created
    totals.updated += outcome.updated
    totals.rejected += outcome.rejected


def store_batch(
    channel: Channel, connector: Connector, raws: list[RawItem], cursor_after: dict[str, Any] | None = None
) -> BatchOutcome:
    """Normalize and store one batch, and move the cursor (to `cursor_after` if given), in one transaction.

    An item that cannot be read (by `fetch` or `normalize`) or stored is kept as a RejectedItem with its
    reason, and the rest of the batch is stored: if storing the batch fails, its items are stored one at
    a time, so that the one the database refuses is the only one left out, and the cursor moves past it.
    """
    rejected: list[RejectedItem] = []
    readable: list[tuple[RawItem, Incoming]] = []
    cuts = History(history_before(channel), sources_history_before(channel))
    for raw in raws:
        item = _incoming(channel, connector, raw, cuts, rejected)
        if item is not None:
            readable.append((raw, item))
    items = [item for _raw, item in readable]
    cursor = cursor_after or next((raw.cursor for raw in reversed(raws) if raw.cursor is not None), None)
    with transaction.atomic():
        try:
            with transaction.atomic():
                result = run_pipeline(items) if items else PipelineResult()
        except Exception:  # one item the database or a stage refuses: find it, store the others
            log.exception("channel %s: a batch could not be stored; storing its items one at a time", channel.pk)
            result, items = _store_one_by_one(channel, connector, [raw for raw, _item in readable], cuts, rejected)
        rejected.extend(_rejected(channel, i.external_id, i.error or "", i.raw) for i in result.rejected)
        RejectedItem.objects.bulk_create(_not_kept_yet(channel, rejected))
        if result.created and any(i.from_organisation for i in items):
            _drop_recovered_replies(channel, [m.external_id for m in result.created if m.from_organisation])
        _test_pause()
        if cursor is not None:
            Channel.objects.filter(pk=channel.pk).update(cursor=cursor)
    if cursor is not None:
        channel.cursor = cursor
    return BatchOutcome(len(raws), len(result.created), len(result.updated), len(rejected))


@dataclass
class History:
    """The moments before which a channel's items (and each later source's) are history."""

    before: datetime
    by_source: dict[str, datetime]


def _incoming(
    channel: Channel, connector: Connector, raw: RawItem, cuts: History, rejected: list[RejectedItem]
) -> Incoming | None:
    """The raw item as the pipeline takes it, or None when it cannot be read (kept in `rejected`)."""
    if raw.kind == UNREADABLE:
        rejected.append(_rejected(channel, raw.external_id, str(raw.extra.get("reason") or ""), raw.payload))
        return None
    try:
        item = connector.normalize(raw)
    except Exception as exc:  # malformed at the source: keep it for inspection, go on
        reason = str(exc) if isinstance(exc, ConnectorError) else unreadable_reason(exc)
        rejected.append(_rejected(channel, raw.external_id, reason, raw.payload))
        return None
    item.channel = channel
    cut = cuts.by_source.get(str(raw.extra.get("source") or ""), cuts.before)
    item.historical = item.historical or _is_history(item, cut)
    return item


def _store_one_by_one(
    channel: Channel, connector: Connector, raws: list[RawItem], cuts: History, rejected: list[RejectedItem]
) -> tuple[PipelineResult, list[Incoming]]:
    """Each item through the pipeline alone, normalized afresh (the failed attempt left its marks on the
    items); one that fails is rejected with the database's or the stage's words."""
    result = PipelineResult()
    stored: list[Incoming] = []
    for raw in raws:
        item = _incoming(channel, connector, raw, cuts, rejected)
        if item is None:
            continue
        try:
            with transaction.atomic():
                alone = run_pipeline([item])
        except Exception as exc:
            reason = gettext("this item could not be stored (%(detail)s)") % {
                "detail": f"{type(exc).__name__}: {str(exc)[:500]}"
            }
            rejected.append(_rejected(channel, raw.external_id, reason, raw.payload))
            continue
        stored.append(item)
        result.created += alone.created
        result.updated += alone.updated
        result.unchanged += alone.unchanged
        result.rejected += alone.rejected
    return result, stored


def _not_kept_yet(channel: Channel, rejected: list[RejectedItem]) -> list[RejectedItem]:
    """The rejected items not already kept for the same reason: a feed read whole at each change, or a
    page read again, gives its unreadable item again, and the channel page lists it once."""
    named = {r.external_id for r in rejected if r.external_id}
    kept = set(RejectedItem.objects.filter(channel=channel, external_id__in=named).values_list("external_id", "reason"))
    fresh, seen = [], set(kept)
    for item in rejected:
        key = (item.external_id, item.reason)
        if item.external_id and key in seen:
            continue
        seen.add(key)
        fresh.append(item)
    return fresh


def _rejected(channel: Channel, external_id: str, reason: str, payload: Any) -> RejectedItem:
    # Without NUL characters or lone surrogates, which PostgreSQL refuses: one bad item must not fail the batch.
    return RejectedItem(
        channel=channel,
        external_id=_storable(str(external_id or ""))[:255],
        reason=_storable(reason) or gettext("refused"),
        payload=_storable(jsonable(payload)),
    )


def _storable(value: Any) -> Any:
    if isinstance(value, str):  # lone surrogates, which no database encodes, become "?"
        return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value


def _drop_recovered_replies(channel: Channel, external_ids: list[str]) -> None:
    """Replies sent but not stored when sent, now read back and stored: no longer anything to inspect."""
    from animateur.channels.actions import UNSTORED_REPLY

    RejectedItem.objects.filter(
        channel=channel, external_id__in=external_ids, reason__startswith=UNSTORED_REPLY
    ).delete()


def _test_pause() -> None:
    # Lets the crash test kill a worker while a batch is written but not committed.
    delay = env_str("ANIMATEUR_TEST_BATCH_DELAY")
    if delay:
        time.sleep(float(delay))


def next_poll(channel: Channel, failures: int = 0, retry_after: float | None = None) -> timedelta:
    """The wait before the next poll: the interval with ±10 % jitter, or exponential backoff on failures."""
    interval = max(channel.poll_interval_seconds, 30)
    if failures == 0:
        return timedelta(seconds=interval * random.uniform(0.9, 1.1))
    backoff = min(interval * 2 ** min(failures - 1, 16), MAX_BACKOFF_SECONDS)
    seconds = random.uniform(backoff / 2, backoff)  # "equal jitter": spread retries of many channels
    if retry_after:
        seconds = max(seconds, retry_after)
    return timedelta(seconds=seconds)


def _channel_data(channel: Channel) -> dict[str, Any]:
    return {"id": channel.pk, "kind": channel.kind, "name": channel.name}


def _succeeded(channel: Channel, run: ChannelRun, totals: BatchOutcome) -> None:
    now = timezone.now()
    run.finished_at, run.ok = now, True
    run.items, run.created, run.updated, run.rejected = (
        totals.items,
        totals.created,
        totals.updated,
        totals.rejected,
    )
    run.save()
    if channel.consecutive_failures:
        emit(channel.workspace, "channel.recovered", {"channel": _channel_data(channel)})
    Channel.objects.filter(pk=channel.pk).update(
        last_success_at=now,
        last_run_at=now,
        last_run_items=totals.items,
        consecutive_failures=0,
        needs_reconnection=False,
        alerted_at=None,
        next_poll_at=now + next_poll(channel),
    )


def _failed(channel: Channel, run: ChannelRun, totals: BatchOutcome, exc: ConnectorError) -> None:
    from animateur.channels.alerts import alert_failing, alert_needs_reconnection

    now = timezone.now()
    was_disconnected = channel.needs_reconnection
    failures = channel.consecutive_failures + 1
    run.finished_at, run.ok, run.error, run.cause = now, False, str(exc)[:2000], exc.cause
    run.items, run.created, run.updated, run.rejected = (
        totals.items,
        totals.created,
        totals.updated,
        totals.rejected,
    )
    run.save()
    fields: dict[str, Any] = {
        "last_error_at": now,
        "last_error": str(exc)[:2000],
        "last_error_cause": exc.cause,
        "last_run_at": now,
        "last_run_items": totals.items,
        "consecutive_failures": F("consecutive_failures") + 1,
        "next_poll_at": now + next_poll(channel, failures, exc.retry_after),
    }
    if isinstance(exc, AuthError):
        fields["needs_reconnection"] = True
    Channel.objects.filter(pk=channel.pk).update(**fields)
    if failures == 1:  # the streak starts: one event, not one per failed poll
        emit(
            channel.workspace,
            "channel.failed",
            {"channel": _channel_data(channel), "cause": exc.cause, "error": str(exc)[:500]},
        )
    channel.refresh_from_db()
    log.warning("channel %s (%s) failed: %s [%s]", channel.pk, channel.kind, exc, exc.cause)
    if isinstance(exc, AuthError):
        if not was_disconnected:
            alert_needs_reconnection(channel, str(exc))
    elif failures >= ALERT_AFTER_FAILURES and channel.alerted_at is None:
        alert_failing(channel, str(exc))
