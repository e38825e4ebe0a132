"""Comments on the public site: a visitor's comment, and the team's reply as the organisation.

A comment is a Message of the workspace's site channel replying to the post's message;
it enters the one stream through the pipeline (which holds first-time commenters).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.channels.site import site_channel
from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.attempts import attempts, count_attempt
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import User, Workspace
from animateur.space.forms import DEFAULT_TEXT_MAX, CommentForm
from animateur.space.models import Post
from animateur.space.threads import COMMENT_KINDS, refresh_comment_counts, sync_post_message
from animateur.stream.items import AuthorInfo, Incoming, Reason
from animateur.stream.models import Kind, Message, Visibility
from animateur.stream.pipeline import ingest_one

log = logging.getLogger(__name__)

DEFAULT_RATE_LIMIT = {"count": 5, "seconds": 600}


class CommentRefused(ActionError):
    """The comment was not accepted; `code` says why (closed, rate_limited, parent, rejected)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class CommentResult:
    form: CommentForm
    message: Message | None = None

    @property
    def ok(self) -> bool:
        return self.message is not None

    @property
    def held(self) -> bool:
        return self.message is not None and self.message.visibility == Visibility.PENDING

    @property
    def dropped(self) -> bool:
        return self.message is not None and self.message.visibility == Visibility.SPAM


def rate_limit(workspace: Workspace) -> tuple[int, int]:
    """(comments, seconds) allowed per address: settings["comment_rate_limit"], or 5 per 10 minutes."""
    conf = {**DEFAULT_RATE_LIMIT, **((workspace.settings or {}).get("comment_rate_limit") or {})}
    return max(1, int(conf["count"])), max(1, int(conf["seconds"]))


def max_comment_length(workspace: Workspace) -> int:
    return int((workspace.settings or {}).get("comment_max_length") or DEFAULT_TEXT_MAX)


def _rate_key(workspace: Workspace, remote_addr: str | None) -> str:
    return f"comment-rate:{workspace.pk}:{remote_addr or 'unknown'}"


def _over_rate_limit(workspace: Workspace, remote_addr: str | None) -> bool:
    count, _seconds = rate_limit(workspace)
    key = _rate_key(workspace, remote_addr)
    return attempts([key])[key] >= count


def _count_attempt(workspace: Workspace, remote_addr: str | None) -> None:
    # Counted where every web process and a restart see it (core.attempts), not in a process's memory.
    _count, seconds = rate_limit(workspace)
    count_attempt(_rate_key(workspace, remote_addr), seconds)


def comments_open(post: Post) -> bool:
    return post.comments_open and post.is_public


def receive_comment(
    post: Post, data: Mapping[str, Any], remote_addr: str | None, user_agent: str = ""
) -> CommentResult:
    """A visitor's comment (or reply to a comment) on a public post: the site's intake of the stream.

    Not a team action (no actor, no permission): the twin of a channel's poll. The comment enters
    the stream through the pipeline, and what is decided about it is recorded by whoever decides
    (the inbox opens its conversation, moderation its verdict), as for a message read from a source.

    Raises CommentRefused when comments are closed, the address posted too often or the
    parent comment is not one of this post's; returns the bound form with its errors when
    the input is invalid. A filled honeypot is stored as spam, which the visitor is not told.
    """
    workspace = post.workspace
    if not comments_open(post):
        raise CommentRefused(_("Comments are closed on this post."), "closed")
    if _over_rate_limit(workspace, remote_addr):
        _count, seconds = rate_limit(workspace)
        raise CommentRefused(
            _("You have posted several comments in a short time. Please wait %(minutes)d minutes and try again.")
            % {"minutes": max(1, seconds // 60)},
            "rate_limited",
        )
    form = CommentForm(data, max_length=max_comment_length(workspace))
    if not form.is_valid():
        return CommentResult(form)
    _count_attempt(workspace, remote_addr)
    clean = form.cleaned_data
    channel = site_channel(workspace)
    post_message = post.message if post.message is not None else sync_post_message(post, channel)
    parent_external_id, kind = post_message.external_id, Kind.COMMENT
    if clean.get("parent"):
        parent = Message.objects.filter(
            pk=clean["parent"],
            thread_root_id=post_message.pk,
            kind__in=COMMENT_KINDS,
            visibility=Visibility.VISIBLE,
        ).first()
        if parent is None:
            raise CommentRefused(_("The comment you reply to is not available."), "parent")
        parent_external_id, kind = parent.external_id, Kind.REPLY
    email = clean["email"].strip().lower()
    item = Incoming(
        channel=channel,
        external_id=f"c:{uuid.uuid4().hex}",
        text=clean["text"],
        created_at=timezone.now(),
        author=AuthorInfo(external_id=email, display_name=clean["name"], email=email, url=clean.get("url") or ""),
        kind=kind,
        parent_external_id=parent_external_id,
        remote_addr=remote_addr or None,
        user_agent=(user_agent or "")[:300],
        raw={"source": "site", "post_id": post.pk},
    )
    if form.is_bot:
        item.reasons.append(Reason(source="honeypot", detail="hidden field filled", action="spam"))
    message, decided = ingest_one(item)
    if message is None:
        # The pipeline's reason is a developer's words (in English): the visitor reads what to do.
        log.info("site comment refused by the pipeline: %s", decided.error)
        raise CommentRefused(_("Your comment could not be accepted. Check its text and try again."), "rejected")
    if message.visibility == Visibility.TRASH:
        # Kept for the moderators' record, but the poster is told plainly it will not appear.
        raise CommentRefused(_refusal_for(decided), "rejected")
    return CommentResult(form, message)


def _refusal_for(decided: Incoming) -> str:
    sources = {reason.source for reason in decided.reasons if reason.action == "delete"}
    if "sanction" in sources:
        return _("You can no longer comment on this site.")
    if "watched-word" in sources:
        return _("Your comment contains words that are not accepted here; it will not be published.")
    return _("Your comment was refused by the site's moderation rules; it will not be published.")


def signature_for(user: User, workspace: Workspace) -> str:
    if workspace.comment_signature == Workspace.CommentSignature.ORGANISATION:
        return workspace.name
    return user.name


def reply_as_organisation(parent_message: Message, text: str, *, actor: Actor) -> Message:
    """The team's answer to a site comment (or a post), as the organisation, visible at once; with no
    permission check nor audit event: shared by do_reply_as_organisation, the inbox's reply and a
    moderation rule's automatic reply, each of which checks and records its own."""
    workspace = parent_message.workspace
    text = (text or "").strip()
    if not text:
        raise ActionError(_("The reply is empty."))
    if len(text) > max_comment_length(workspace) * 4:
        raise ActionError(_("The reply is too long."))
    channel = site_channel(workspace)
    if parent_message.channel_id != channel.pk:
        raise ActionError(_("Only messages of the site can be answered here."))
    if parent_message.kind != Kind.POST and parent_message.kind not in COMMENT_KINDS:
        raise ActionError(_("This message cannot be answered on the site."))
    if isinstance(actor, User):
        signature, author_key, user_id = signature_for(actor, workspace), f"team:{actor.pk}", actor.pk
    else:
        signature, author_key, user_id = workspace.name, "team:organisation", None
    item = Incoming(
        channel=channel,
        external_id=f"c:{uuid.uuid4().hex}",
        text=text,
        created_at=timezone.now(),
        author=AuthorInfo(external_id=author_key, display_name=signature, user_id=user_id),
        kind=Kind.COMMENT if parent_message.kind == Kind.POST else Kind.REPLY,
        parent_external_id=parent_message.external_id,
        source_visibility=Visibility.VISIBLE,
        from_organisation=True,
        sent_by_id=user_id,
        raw={"source": "team", "signature": signature},
    )
    with transaction.atomic():
        message, decided = ingest_one(item)
        if message is None:
            # What the pipeline says is for the logs (in English): the team reads that nothing was sent.
            log.warning("organisation reply refused by the pipeline: %s", decided.error)
            raise ActionError(_("The reply could not be published. Nothing was sent; try again."))
        if message.visibility != Visibility.VISIBLE:
            # The team's own words are published at once, whatever an automatic moderator thought.
            Message.objects.filter(pk=message.pk).update(visibility=Visibility.VISIBLE)
            message.visibility = Visibility.VISIBLE
            if message.thread_root_id is not None:
                refresh_comment_counts(
                    Post.objects.filter(message_id=message.thread_root_id).values_list("pk", flat=True)
                )
        workspace.bump_content_version()
    return message


def do_reply_as_organisation(parent_message: Message, text: str, *, actor: Actor) -> Message:
    """The team answers a site comment (or a post) as the organisation; visible at once."""
    workspace = parent_message.workspace
    require(actor, workspace, "space.comment.reply")
    with transaction.atomic(durable=True):
        message = reply_as_organisation(parent_message, text, actor=actor)
        record(workspace, actor, AuditVerb.SPACE_COMMENT_REPLY_AS_ORGANISATION, message, {"parent": parent_message.pk})
    return message
