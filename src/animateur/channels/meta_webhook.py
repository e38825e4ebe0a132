"""Meta's webhooks for the workspace's Meta app: Instagram mentions, and news of a Page's feed.

Instagram's Graph API lists the media an account is tagged in, but an @mention in the caption or a
comment of another account's media reaches it only through the app's webhooks (`instagram` object,
`mentions` field): Meta sends the media's id (a caption) or the comment's and its media's ids, and the
account's node is then asked for them (`mentioned_media`, `mentioned_comment`, see the Instagram
connector). A Page's `feed` field tells of a new post or comment: the page's channel is polled at once
rather than at its next turn, so a comment arrives within a minute; the poll reads it as it reads any.

One callback address per Meta app (`/app/channels/meta/<app id>/webhook/`): Meta sends all of an app's
notifications to one address, and an agency's app may serve several workspaces, each having registered
the same app; each workspace whose app secret signs the body gets its own copy.

- Subscribing: Meta asks `GET ?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...` and expects
  the challenge back. The verify token is derived from the app's id and secret (`verify_token`): shown
  on the channel's page, nothing more to keep, and changed with the secret.
- Receiving: the body, at most MAX_BODY bytes, signed by Meta with the app secret (X-Hub-Signature-256,
  an HMAC-SHA256 compared in constant time); a bad or missing signature is refused (403) and nothing is
  kept. A signed JSON object is kept as received (MetaNotification) before the answer, then read by a
  task (`process`); the same body sent again (Meta retries what was not answered quickly) is the same row.
- Reading: each notification alone, so one that cannot be read (kept with its reason) stops none of the
  others; a lookup Meta refuses for a time (rate limit, an unreachable Graph, a refused token), or a
  channel being polled, leaves it pending, read again later with backoff, MAX_ATTEMPTS times. What is
  looked up goes through the channel's own path (`runner.store_batch`, under the channel's lease): the
  stream, moderation and the inbox take it as they take a poll's items, and the message key makes a
  mention told twice one message.

Storing what arrives is ingestion, as a poll's items are: no audit event per notification; the channel's
page shows when the last one came (`Channel.last_notified_at`) and the workspace's notifications that
could not be read, kept with their reason. Those read without trouble are let go after KEEP_READ.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from animateur.channels import lease, runner
from animateur.channels.connectors import connector_for
from animateur.channels.connectors.base import RawItem, unreadable
from animateur.channels.errors import AuthError, ConnectorError, TransientError
from animateur.channels.models import Channel, MetaNotification, OAuthApp

log = logging.getLogger(__name__)

NETWORK = "facebook"  # the workspace's Meta app, registered for « Connect with Facebook »
MAX_BODY = 1024 * 1024
MAX_ATTEMPTS = 10
MAX_BACKOFF = timedelta(hours=6)
SWEEP_AFTER = timedelta(minutes=2)  # a pending notification no task has read by then is read by the sweep
KEEP_READ = timedelta(days=30)  # a notification read without trouble is kept this long, then let go
APP_ID = re.compile(r"^[0-9]{1,30}$")
# What each object's fields lead to: a lookup of what it names, or a poll of the channel now.
LOOKED_UP = {("instagram", "mentions")}
POLLED = {("instagram", "comments"), ("instagram", "live_comments"), ("page", "feed")}
CHANNEL_KIND = {"instagram": ("instagram", "ig_user_id"), "page": ("facebook", "page_id")}


# -- the address and its secrets ------------------------------------------------------------------------
def apps_for(app_id: str) -> list[OAuthApp]:
    """The workspaces' registrations of the Meta app with this id."""
    if not APP_ID.match(app_id or ""):
        return []
    return list(OAuthApp.objects.filter(network=NETWORK, client_id=app_id).select_related("workspace"))


def verify_token(app: OAuthApp) -> str:
    """The token Meta sends back when the callback is subscribed: derived from the app's id and secret."""
    key = str(app.client_secret or "").encode()
    return hmac.new(key, f"animateur meta webhook {app.client_id}".encode(), hashlib.sha256).hexdigest()[:40]


def token_matches(apps: list[OAuthApp], token: str) -> bool:
    found = False
    for app in apps:  # every one compared, in constant time each
        found = hmac.compare_digest(verify_token(app).encode(), token.encode("utf-8", "replace")) or found
    return found


def signed_for(apps: list[OAuthApp], body: bytes, header: str) -> list[OAuthApp]:
    """The registrations whose app secret signed the body (X-Hub-Signature-256: sha256=<hex>)."""
    scheme, _sep, given = (header or "").strip().partition("=")
    if scheme.lower() != "sha256" or not given:
        return []
    given_bytes = given.strip().lower().encode("ascii", "replace")
    signed = []
    for app in apps:
        expected = hmac.new(str(app.client_secret or "").encode(), body, hashlib.sha256).hexdigest().encode()
        if hmac.compare_digest(expected, given_bytes) and app.client_secret:
            signed.append(app)
    return signed


# -- receiving ------------------------------------------------------------------------------------------
def receive(apps: list[OAuthApp], body: str) -> list[MetaNotification]:
    """Keep a signed body for each workspace it is for (once: a retry's body is the same row), and have a
    task read the new ones once they are committed."""
    digest = hashlib.sha256(body.encode()).hexdigest()
    kept: list[MetaNotification] = []
    with transaction.atomic():
        for app in apps:
            note, created = MetaNotification.objects.get_or_create(
                workspace_id=app.workspace_id, digest=digest, defaults={"app_id": app.client_id, "body": body}
            )
            if created:
                kept.append(note)
        for note in kept:
            transaction.on_commit(_enqueuer(note.pk))
    return kept


def _enqueuer(pk: int) -> Callable[[], None]:
    def enqueue() -> None:
        from animateur.channels.tasks import process_meta_notification_task

        try:
            process_meta_notification_task(pk)
        except Exception:  # the queue down: the notification is kept, the sweep reads it
            log.exception("meta notification %s could not be queued; the sweep will read it", pk)

    return enqueue


# -- reading --------------------------------------------------------------------------------------------
class Unreadable(ValueError):
    """A notification whose body is not Meta's: kept with this reason, never read again."""


@dataclass
class Change:
    obj: str  # "instagram" or "page"
    account: str  # the entry's id: the Instagram account or the Page
    field: str
    value: dict[str, Any]


@dataclass
class Pass:
    """What one reading of a notification did, and why it must be read again if it must."""

    notes: list[str] = field(default_factory=list)
    again: str = ""
    retry_after: float | None = None


def changes_of(body: str) -> list[Change]:
    """The changes a notification names, or Unreadable saying why there are none to read."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise Unreadable(gettext("the notification is not JSON")) from exc
    if not isinstance(data, dict) or not isinstance(data.get("entry"), list):
        raise Unreadable(gettext("the notification has no list of entries"))
    obj = str(data.get("object") or "")
    found = []
    for entry in data["entry"]:
        if not isinstance(entry, dict):
            continue
        account = str(entry.get("id") or "")
        for change in entry.get("changes") or []:
            if isinstance(change, dict) and account:
                value = change.get("value")
                found.append(
                    Change(obj, account, str(change.get("field") or ""), value if isinstance(value, dict) else {})
                )
    return found


def process(pk: int) -> str | None:
    """Read one pending notification; its state afterwards (None: not pending, nothing done)."""
    note = MetaNotification.objects.select_related("workspace").filter(pk=pk, state=MetaNotification.PENDING).first()
    if note is None:
        return None
    with translation.override(note.workspace.language or settings.LANGUAGE_CODE):
        try:
            done = _read(note)
        except Unreadable as exc:
            return _finish(note, MetaNotification.FAILED, str(exc))
        except Exception as exc:  # a bug: kept with its reason, and the other notifications go on
            log.exception("meta notification %s could not be read", note.pk)
            return _finish(note, MetaNotification.FAILED, f"{type(exc).__name__}: {exc}"[:2000])
    if done.again:
        return _later(note, done.again, done.retry_after)
    return _finish(note, MetaNotification.DONE, "; ".join(done.notes))


def process_pending(limit: int = 100) -> int:
    """The sweep: the pending notifications due (a failed reading's retry time, or never queued); those
    read without trouble long ago let go (what they told is in the stream)."""
    now = timezone.now()
    MetaNotification.objects.filter(state=MetaNotification.DONE, processed_at__lt=now - KEEP_READ).delete()
    due = (
        MetaNotification.objects.filter(state=MetaNotification.PENDING)
        .filter(Q(retry_at__lte=now) | Q(retry_at__isnull=True, received_at__lte=now - SWEEP_AFTER))
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    count = 0
    for pk in list(due):
        process(pk)
        count += 1
    return count


def _finish(note: MetaNotification, state: str, error: str) -> str:
    MetaNotification.objects.filter(pk=note.pk).update(
        state=state, error=error, processed_at=timezone.now(), attempts=note.attempts + 1, retry_at=None
    )
    return state


def _later(note: MetaNotification, why: str, retry_after: float | None) -> str:
    attempts = note.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        return _finish(note, MetaNotification.FAILED, why)
    wait = min(timedelta(minutes=2 ** (attempts - 1)), MAX_BACKOFF)
    if retry_after:
        wait = max(wait, timedelta(seconds=retry_after))
    MetaNotification.objects.filter(pk=note.pk).update(
        error=why, attempts=attempts, retry_at=timezone.now() + wait, processed_at=timezone.now()
    )
    return MetaNotification.PENDING


def _channels(note: MetaNotification, obj: str, account: str) -> list[Channel]:
    kind, key = CHANNEL_KIND.get(obj, ("", ""))
    if not kind:
        return []
    return [
        c
        for c in Channel.objects.filter(workspace=note.workspace, kind=kind)
        if str((c.config or {}).get(key) or "") == account
    ]


def _read(note: MetaNotification) -> Pass:
    done = Pass()
    by_channel: dict[int, tuple[Channel, list[Change]]] = {}
    for change in changes_of(note.body):
        channels = _channels(note, change.obj, change.account)
        if not channels:
            done.notes.append(gettext("no channel for the account %(id)s") % {"id": change.account[:40]})
        for channel in channels:
            by_channel.setdefault(channel.pk, (channel, []))[1].append(change)
    for channel, changes in by_channel.values():
        Channel.objects.filter(pk=channel.pk).filter(
            Q(last_notified_at__isnull=True) | Q(last_notified_at__lt=note.received_at)
        ).update(last_notified_at=note.received_at)
        if channel.paused:
            done.notes.append(gettext("channel %(id)s is paused") % {"id": channel.pk})
            continue
        if any((c.obj, c.field) in POLLED for c in changes):
            _poll_soon(channel)
        looked_up = [c for c in changes if (c.obj, c.field) in LOOKED_UP]
        if looked_up:
            _look_up(channel, looked_up, done)
    return done


def _poll_soon(channel: Channel) -> None:
    """The channel polled within a minute (the scheduler claims it: never twice at once)."""
    now = timezone.now()
    Channel.objects.filter(pk=channel.pk, paused=False, needs_reconnection=False).filter(
        Q(next_poll_at__isnull=True) | Q(next_poll_at__gt=now)
    ).update(next_poll_at=now)


def _look_up(channel: Channel, changes: list[Change], done: Pass) -> None:
    connector = connector_for(channel)
    lookup = getattr(connector, "mentioned", None)
    if lookup is None:
        return
    raws: list[RawItem] = []
    for change in changes:
        try:
            raws.extend(lookup(change.value))
        except (TransientError, AuthError) as exc:  # may pass: the whole notification is read again later
            done.again, done.retry_after = str(exc)[:2000], exc.retry_after
            return
        except ConnectorError as exc:  # this mention's own problem (deleted since, say): kept with its reason
            named = str(change.value.get("comment_id") or change.value.get("media_id") or "mention:?")
            raws.append(unreadable(named, str(exc), change.value, None))
    token = lease.acquire(channel.pk)
    if token is None:
        done.again = gettext("the channel was being polled")
        return
    try:
        outcome = runner.store_batch(channel, connector, raws)
    finally:
        lease.release(channel.pk, token)
    done.notes.append(
        gettext("channel %(id)s: %(created)d new, %(rejected)d rejected")
        % {"id": channel.pk, "created": outcome.created, "rejected": outcome.rejected}
    )
