"""Live coverage of an event (the live-tweeting of a conference): the team posts quick updates to one running
thread on each chosen network, with the event's hashtag stream beside it.

The first update starts a thread on each network; each next one answers the last post of that thread on
that network (Mastodon's in_reply_to_id; Bluesky's reply with the thread's root and the parent). Only the
networks that thread take part: Mastodon and Bluesky. The blog is not offered: an article updated at each
line would be a different thing (a live blog), and the networks that take a title make a new topic of
each post.

Each update is sent never twice, as a publication is (actions.py, sending.py): the intent is committed
first (the update and one post per network, each with its idempotency key, its text with its tracked
links, and the post it answers, all fixed then), the networks are called outside any transaction, and
what they answered is stored with the one audit event. A retry sends the same keys: Mastodon answers the
status made the first time, Bluesky's record is read back. Updates go one after the other: while one is
being sent, the next waits (else two would answer the same post and fork the thread).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.channels.errors import ConnectorError
from animateur.channels.models import Channel
from animateur.core.actions import ActionError, Actor, actor_label, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.events import emit
from animateur.core.models import User, Workspace
from animateur.links.actions import URL_IN_TEXT, short_url, track_links_in_text
from animateur.links.models import CODE_LENGTH, TrackedLink
from animateur.listening.models import SavedSearch
from animateur.publishing import actions as publishing_actions
from animateur.publishing import sending
from animateur.publishing.actions import STALE_SENDING, tracks_links
from animateur.publishing.limits import broken_rule
from animateur.publishing.models import LiveCoverage, LivePost, LiveUpdate, PublicationState, TargetState
from animateur.stream.models import Message, Visibility

log = logging.getLogger(__name__)

# The networks a live coverage can go to: those that thread.
LIVE_KINDS = ("mastodon", "bluesky")
MAX_TITLE = 200
MAX_HASHTAG = 100
MAX_UPDATE = 5000
HASHTAG = re.compile(r"#?(\w{1,99})")
# How many messages the stream beside the thread shows.
STREAM_SIZE = 50


def live_channels(workspace: Workspace) -> QuerySet[Channel]:
    return Channel.objects.filter(workspace=workspace, kind__in=LIVE_KINDS).order_by("name")


def channels_named(workspace: Workspace, names: Sequence[str]) -> list[int]:
    """The ids of the workspace's Mastodon and Bluesky channels with these names (as the API names them)."""
    return publishing_actions.channels_named(workspace, names, among=live_channels(workspace))


def clean_hashtag(value: str) -> str:
    """« rsCCI », « #rsCCI » → « #rsCCI »; "" stays ""; anything else is refused."""
    value = (value or "").strip()
    if not value:
        return ""
    found = HASHTAG.fullmatch(value)
    if found is None or len(value) > MAX_HASHTAG:
        raise ActionError(_("A hashtag is one word, letters, digits or _, as « #rsCCI »."))
    return "#" + found.group(1)


def _channels(workspace: Workspace, channel_ids: Sequence[int]) -> list[Channel]:
    try:
        wanted = {int(i) for i in channel_ids}
    except (TypeError, ValueError):
        raise ActionError(_("One of the chosen channels is not a channel this workspace can publish to.")) from None
    if not wanted:
        raise ActionError(_("Choose at least one channel."))
    found = list(live_channels(workspace).filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise ActionError(_("Live coverage goes to Mastodon and Bluesky channels of this workspace only."))
    return found


def do_start_live_coverage(
    workspace: Workspace,
    title: str,
    channel_ids: Sequence[int],
    *,
    hashtag: str = "",
    search: SavedSearch | None = None,
    actor: Actor,
) -> LiveCoverage:
    """Start covering an event live on the chosen networks (Mastodon, Bluesky), with its hashtag or a saved
    search for the stream shown beside the thread."""
    require(actor, workspace, "publishing.publish")
    title = (title or "").strip()
    if not title:
        raise ActionError(_("Give the live coverage a title."))
    if len(title) > MAX_TITLE:
        raise ActionError(_("The title has more than %(max)d characters.") % {"max": MAX_TITLE})
    hashtag = clean_hashtag(hashtag)
    if search is not None and search.workspace_id != workspace.pk:
        raise ActionError(_("This saved search is not one of this workspace."))
    if not hashtag and search is None:
        raise ActionError(_("Give the event's hashtag, or choose a saved search, for the stream beside the thread."))
    channels = _channels(workspace, channel_ids)
    with transaction.atomic(durable=True):
        coverage = LiveCoverage.objects.create(
            workspace=workspace,
            title=title,
            hashtag=hashtag,
            search=search,
            started_by=actor if isinstance(actor, User) else None,
        )
        coverage.channels.set(channels)
        ids = [c.pk for c in channels]
        data = {"title": title, "hashtag": hashtag, "search_id": search.pk if search else None, "channels": ids}
        record(workspace, actor, AuditVerb.PUBLISHING_LIVE_START, coverage, data)
        emit(workspace, "publishing.live.started", {"coverage_id": coverage.pk, **data, "by": actor_label(actor)})
    return coverage


def do_end_live_coverage(coverage: LiveCoverage, *, actor: Actor) -> LiveCoverage:
    """End a live coverage: no update is posted to it any more (one being sent still ends its send)."""
    workspace = coverage.workspace
    require(actor, workspace, "publishing.publish")
    with transaction.atomic(durable=True):
        locked = LiveCoverage.objects.select_for_update().get(pk=coverage.pk)
        if locked.ended_at is not None:
            raise ActionError(_("This live coverage has already ended."))
        locked.ended_at = timezone.now()
        locked.ended_by = actor if isinstance(actor, User) else None
        locked.save(update_fields=["ended_at", "ended_by"])
        coverage.ended_at, coverage.ended_by = locked.ended_at, locked.ended_by
        count = locked.updates.count()
        record(workspace, actor, AuditVerb.PUBLISHING_LIVE_END, coverage, {"updates": count})
        emit(
            workspace,
            "publishing.live.ended",
            {"coverage_id": coverage.pk, "updates": count, "by": actor_label(actor)},
        )
    return coverage


def _tracked(workspace: Workspace) -> bool:
    return tracks_links(workspace)


def _as_counted(workspace: Workspace, text: str) -> str:
    """The text as the network counts it: each link as long as the tracked link that replaces it."""
    if not _tracked(workspace):
        return text
    placeholder = short_url(TrackedLink(workspace=workspace, code="x" * CODE_LENGTH))
    return URL_IN_TEXT.sub(placeholder, text)


def _check_text(workspace: Workspace, text: str, channels: Sequence[Channel]) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ActionError(_("The text is empty."))
    if len(text) > MAX_UPDATE:
        raise ActionError(_("The text has more than %(max)d characters.") % {"max": MAX_UPDATE})
    counted = _as_counted(workspace, text)
    broken = [rule for channel in channels if (rule := broken_rule(channel, counted))]
    if broken:
        raise ActionError(" ".join(broken))
    return text


def _sent_of(post: LivePost) -> dict[str, Any]:
    created = post.created_at.isoformat() if post.created_at else None
    return {"remote_id": post.remote_id, "url": post.url, "cid": post.cid, "created_at": created}


def _thread_of(coverage: LiveCoverage, channel: Channel) -> dict[str, Any]:
    """What the next update answers on `channel`: the thread's last post there, and its first (its root)."""
    sent = LivePost.objects.filter(update__coverage=coverage, channel=channel, state=TargetState.SENT).exclude(
        remote_id=""
    )
    first, last = sent.order_by("sent_at", "pk").first(), sent.order_by("-sent_at", "-pk").first()
    if first is None or last is None:
        return {}
    return {"parent": _sent_of(last), "root": _sent_of(first)}


def _busy(coverage: LiveCoverage) -> bool:
    """Whether an update of the coverage is being sent now (one a crash left is not, after a while)."""
    since = timezone.now() - STALE_SENDING
    return coverage.updates.filter(state=PublicationState.SENDING, updated_at__gt=since).exists()


def _claim_new(coverage: LiveCoverage, text: str, actor: Actor) -> LiveUpdate:
    """Commit the intent of a new update: its post on each network, with its key, text and parent."""
    workspace = coverage.workspace
    with transaction.atomic(durable=True):
        locked = LiveCoverage.objects.select_for_update().get(pk=coverage.pk)
        if locked.ended_at is not None:
            raise ActionError(_("This live coverage has ended."))
        channels = list(locked.channels.select_related("workspace").order_by("name"))
        if not channels:
            raise ActionError(_("Choose at least one channel."))
        text = _check_text(workspace, text, channels)
        if _busy(locked):
            raise ActionError(_("The previous update is still being sent: post this one in a moment."))
        now = timezone.now()
        update = LiveUpdate.objects.create(
            coverage=locked, text=text, created_by=actor if isinstance(actor, User) else None
        )
        for channel in channels:
            sent_text = text
            if _tracked(workspace):
                sent_text = track_links_in_text(workspace, text, channel=channel, actor=actor)
            LivePost.objects.create(
                update=update,
                channel=channel,
                state=TargetState.SENDING,
                attempts=1,
                prepared_at=now,
                text=sent_text,
                reply_to=_thread_of(locked, channel),
            )
    return update


def _claim_again(update: LiveUpdate) -> list[LivePost]:
    """Commit the intent of a retry: the posts not yet made, with their keys, texts and parents as fixed."""
    with transaction.atomic(durable=True):
        locked = LiveUpdate.objects.select_for_update().get(pk=update.pk)
        stale = locked.state == PublicationState.SENDING and locked.updated_at > timezone.now() - STALE_SENDING
        if locked.state == PublicationState.PUBLISHED:
            raise ActionError(_("This update is already published."))
        if stale:
            raise ActionError(_("This update is being sent right now."))
        posts = list(locked.posts.exclude(state=TargetState.SENT))
        locked.state = PublicationState.SENDING
        locked.save(update_fields=["state", "updated_at"])
        LivePost.objects.filter(pk__in=[p.pk for p in posts]).update(
            state=TargetState.SENDING, attempts=F("attempts") + 1
        )
    return list(LivePost.objects.filter(pk__in=[p.pk for p in posts]).select_related("channel__workspace"))


def _send(post: LivePost) -> sending.Sent:
    thread = post.reply_to or {}
    parent, root = thread.get("parent"), thread.get("root")
    return sending.send(
        post.channel,
        post.text,
        post.idempotency_key,
        prepared_at=post.prepared_at or timezone.now(),
        retry=post.attempts > 1,
        reply_to=sending.Sent.of_part(parent) if parent else None,
        root=sending.Sent.of_part(root) if root else None,
    )


def _result(post: LivePost) -> dict[str, Any]:
    return {"channel_id": post.channel_id, "state": post.state, "url": post.url, "error": post.error}


def _send_and_store(update: LiveUpdate, posts: list[LivePost], verb: AuditVerb, actor: Actor) -> LiveUpdate:
    from animateur.publishing.actions import _store  # the published status in the stream, as a publication's

    workspace = update.coverage.workspace
    outcomes: list[tuple[LivePost, sending.Sent | None, str]] = []
    for post in posts:  # outside any transaction: the network may take its time
        try:
            outcomes.append((post, _send(post), ""))
        except ConnectorError as exc:
            log.warning("live update %s to channel %s failed: %s", update.pk, post.channel_id, exc)
            outcomes.append((post, None, str(exc)))
    sent_by = actor.pk if isinstance(actor, User) else None
    with transaction.atomic(durable=True):
        for post, sent, error in outcomes:
            if sent is not None:
                post.state = TargetState.SENT
                post.remote_id = sent.remote_id[:255]
                post.url = sent.url[:1000]
                post.cid = sent.cid[:255]
                post.created_at = sent.created_at
                post.error = ""
                post.sent_at = timezone.now()
                post.message = _store(post.channel, post.text, sent, sent_by)
            else:
                post.state = TargetState.FAILED
                post.error = error
            post.save(update_fields=["state", "remote_id", "url", "cid", "created_at", "error", "sent_at", "message"])
        states = set(update.posts.values_list("state", flat=True))
        update.state = PublicationState.PUBLISHED if states == {TargetState.SENT} else PublicationState.FAILED
        update.save(update_fields=["state", "updated_at"])
        results = [_result(post) for post, _s, _e in outcomes]
        record(workspace, actor, verb, update, {"coverage_id": update.coverage_id, "posts": results})
        emit(
            workspace,
            "publishing.live.update_posted",
            {
                "coverage_id": update.coverage_id,
                "update_id": update.pk,
                "state": update.state,
                "posts": results,
                "by": actor_label(actor),
            },
        )
    return update


def do_post_live_update(coverage: LiveCoverage, text: str, *, actor: Actor) -> LiveUpdate:
    """Post a quick update: on each of the coverage's networks, the first starts the thread and each next
    answers the thread's last post there. Each network's outcome is stored, a failure with its own words."""
    require(actor, coverage.workspace, "publishing.publish")
    update = _claim_new(coverage, text, actor)
    posts = list(update.posts.select_related("channel__workspace"))
    return _send_and_store(update, posts, AuditVerb.PUBLISHING_LIVE_POST, actor)


def do_retry_live_update(update: LiveUpdate, *, actor: Actor) -> LiveUpdate:
    """Send an update again where it failed (or where a crash left it): the same keys, the same texts, the
    same posts answered, so that a network that had made it answers with it and nothing is posted twice."""
    require(actor, update.coverage.workspace, "publishing.publish")
    posts = _claim_again(update)
    return _send_and_store(update, posts, AuditVerb.PUBLISHING_LIVE_RETRY, actor)


def hashtag_stream(coverage: LiveCoverage, *, after: int = 0, size: int = STREAM_SIZE) -> list[Message]:
    """The event's messages in the stream, newest first: those of the saved search when it has one, else
    those with the hashtag (a whole word: #rsCCI, not #rsCCI2). The team's own posts are the thread, and not
    repeated here. `after`: only messages newer than this id."""
    from animateur.listening.selectors import matched_messages

    if coverage.search_id is not None and coverage.search is not None:
        qs = matched_messages(coverage.search)
    elif coverage.hashtag:
        qs = Message.objects.filter(workspace_id=coverage.workspace_id, text__icontains=coverage.hashtag).filter(
            visibility=Visibility.VISIBLE
        )
    else:
        return []
    qs = qs.filter(~Q(from_organisation=True))
    if after:
        qs = qs.filter(pk__gt=after)
    qs = qs.select_related("author", "channel").order_by("-created_at", "-pk")
    if not coverage.hashtag or coverage.search_id is not None:
        return list(qs[:size])
    whole = re.compile(re.escape(coverage.hashtag) + r"(?!\w)", re.IGNORECASE)
    found: list[Message] = []
    for message in qs[: size * 4]:
        if whole.search(message.text):
            found.append(message)
            if len(found) == size:
                break
    return found
