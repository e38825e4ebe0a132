"""Writes on the stream's messages made by the team (moderation decisions)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache

from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

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
    batch = list(messages)
    workspace, rows = messages_of_one_workspace(batch, visibility)
    if workspace is None:
        return 0
    for permission in permissions_to_change(rows):
        require(actor, workspace, permission)
    with transaction.atomic(durable=True):
        changed = apply_visibility(workspace, rows, visibility)
        for message, previous in changed:
            record(
                workspace, actor, AuditVerb.STREAM_MESSAGE_SET_VISIBILITY, message, {"from": previous, "to": visibility}
            )
    for original in batch:  # the caller's own objects show the change too
        original.visibility = visibility
    return len(changed)


def messages_of_one_workspace(messages: Iterable[Message], visibility: str) -> tuple[Workspace | None, list[Message]]:
    """The messages as stored (with their channel), checked to be of one workspace and the
    visibility to be one a person may set; (None, []) when there are none."""
    if visibility not in SETTABLE:
        raise ActionError(_("Unknown visibility « %(visibility)s ».") % {"visibility": visibility})
    batch = list(messages)
    if not batch:
        return None, []
    workspace_ids = {m.workspace_id for m in batch}
    if len(workspace_ids) != 1:
        raise ActionError(_("Messages of several workspaces cannot be moderated together."))
    workspace = Workspace.objects.get(pk=workspace_ids.pop())
    rows = list(
        Message.objects.filter(pk__in=[m.pk for m in batch], workspace=workspace).select_related(
            "channel", "workspace", "author"
        )
    )
    return workspace, rows


def permissions_to_change(rows: Iterable[Message]) -> set[str]:
    """What changing these messages' visibility takes: a site comment is the space's to moderate."""
    return {"space.comment.moderate" if m.channel.kind == "site" else "moderation.review" for m in rows}


def apply_visibility(workspace: Workspace, rows: list[Message], visibility: str) -> list[tuple[Message, str]]:
    """The change itself, shared by the actions that check and record it in their own words (a
    moderation decision, a flag that holds a message): sets the visibility in the caller's
    transaction, refreshes comment counts and public pages. Checks no permission and writes no
    audit event: the caller has done the one and does the other.

    Returns each changed message with its previous visibility.
    """
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
    return done
