"""Writes on the stream's messages made by the team (moderation decisions)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache

from django.db import transaction
from django.utils.module_loading import import_string

from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import Workspace
from animateur.stream.models import Message, Visibility

SETTABLE = (Visibility.VISIBLE, Visibility.PENDING, Visibility.HIDDEN, Visibility.SPAM, Visibility.TRASH)

# Called in the change's transaction with the messages whose visibility changed. Named, not
# imported: the apps that keep counts of visible messages sit above the stream.
ON_VISIBILITY_CHANGE = ("animateur.space.threads.refresh_counts_after_visibility",)


@cache
def _visibility_hooks() -> tuple[Callable[[list[Message]], None], ...]:
    return tuple(import_string(path) for path in ON_VISIBILITY_CHANGE)


def do_set_message_visibility(messages: Iterable[Message], visibility: str, *, actor: Actor) -> int:
    """Approve, hold, hide, mark as spam or trash messages of one workspace; returns how many changed.

    Site comments need "space.comment.moderate", other messages "moderation.review". One audit
    event per changed message; the posts' visible comment counts and the public pages follow.
    """
    with transaction.atomic():
        workspace, changed = change_visibility(messages, visibility, actor=actor)
        for message, previous in changed:
            assert workspace is not None  # a message changed, so there was a workspace
            record(
                workspace, actor, AuditVerb.STREAM_MESSAGE_SET_VISIBILITY, message, {"from": previous, "to": visibility}
            )
    return len(changed)


def change_visibility(
    messages: Iterable[Message], visibility: str, *, actor: Actor
) -> tuple[Workspace | None, list[tuple[Message, str]]]:
    """The change itself, shared by the actions that record it in their own words (a moderation
    decision is one audit event, not two): checks the permission, sets the visibility in the
    caller's transaction, refreshes comment counts and public pages; writes no audit event.

    Returns the workspace and each changed message with its previous visibility.
    """
    if visibility not in SETTABLE:
        raise ActionError(f"unknown visibility {visibility!r}: use one of {', '.join(SETTABLE)}")
    batch = list(messages)
    if not batch:
        return None, []
    workspace_ids = {m.workspace_id for m in batch}
    if len(workspace_ids) != 1:
        raise ActionError("messages of several workspaces cannot be moderated together")
    workspace = Workspace.objects.get(pk=workspace_ids.pop())
    rows = list(Message.objects.filter(pk__in=[m.pk for m in batch], workspace=workspace).select_related("channel"))
    site_rows = [m for m in rows if m.channel.kind == "site"]
    if site_rows:
        require(actor, workspace, "space.comment.moderate")
    if len(site_rows) != len(rows):
        require(actor, workspace, "moderation.review")
    changed = [m for m in rows if m.visibility != visibility]
    # Only what visitors see expires the public pages: a comment made visible or taken down does;
    # a held comment marked as spam (or trashed) does not, however many there are.
    seen_by_visitors = any(
        m.channel.kind == "site" and Visibility.VISIBLE in (m.visibility, visibility) for m in changed
    )
    done: list[tuple[Message, str]] = []
    with transaction.atomic():
        for message in changed:
            done.append((message, message.visibility))
            Message.objects.filter(pk=message.pk).update(visibility=visibility)
            message.visibility = visibility
        for hook in _visibility_hooks():
            hook(changed)
        if seen_by_visitors:
            # In the same transaction: readers see the new version and the new visibility together.
            workspace.bump_content_version()
    for original in batch:
        original.visibility = visibility
    return workspace, done
