"""Notifications of the team: written (and emailed at once, or later in the digest) by the actions
and the pipeline, read and chosen by each person."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import User, Workspace
from animateur.inbox.models import (
    Conversation,
    Notification,
    NotificationPreference,
)


def notify(user: User, conversation: Conversation, kind: str, text: str) -> Notification:
    """An in-app notification; its email goes out at once after commit, or in the digest."""
    notification = notify_many([(user.pk, conversation.workspace_id, conversation.pk, kind, text)])[0]
    notification.user = user
    return notification


def notify_many(notices: Iterable[tuple[int, int, int | None, str, str]]) -> list[Notification]:
    """Notifications (user, workspace, conversation ids, kind, text) in one insert; each emailed as `notify` does."""
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                workspace_id=workspace_id, user_id=user_id, conversation_id=conversation_id, kind=kind, text=text[:300]
            )
            for user_id, workspace_id, conversation_id, kind, text in notices
        ]
    )
    if not notifications:
        return notifications
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in={n.user_id for n in notifications}).values_list(
            "user_id", "email"
        )
    )
    immediate = [
        n.pk
        for n in notifications
        if chosen.get(n.user_id, NotificationPreference.Email.IMMEDIATE) == NotificationPreference.Email.IMMEDIATE
    ]
    if immediate:
        from animateur.inbox.tasks import send_notification_email

        def send() -> None:
            for pk in immediate:
                send_notification_email(pk)

        transaction.on_commit(send)
    return notifications


def do_set_notification_preference(user: User, workspace: Workspace, email: str, *, actor: User) -> None:
    """A person's choice of notification emails, theirs in every workspace: recorded once, in the
    workspace where they made it."""
    require(actor, workspace, "inbox.view")
    if actor != user:
        raise ActionError(_("You can only change your own notifications."))
    if email not in NotificationPreference.Email.values:
        raise ActionError(_("Unknown choice."))
    with transaction.atomic(durable=True):
        NotificationPreference.objects.update_or_create(user=user, defaults={"email": email})
        record(workspace, actor, AuditVerb.INBOX_NOTIFICATION_PREFERENCE, user, {"email": email})


def do_mark_notifications_read(user: User, workspace: Workspace, ids: list[int] | None = None, *, actor: User) -> int:
    """Marks one's unread notifications (all, or those named) read; when none was unread, nothing changed
    and no event is written. Returns how many were."""
    require(actor, workspace, "inbox.view")
    if actor != user:
        raise ActionError(_("You can only read your own notifications."))
    qs = Notification.objects.filter(user=user, workspace=workspace, read_at=None)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    with transaction.atomic(durable=True):
        n = qs.update(read_at=timezone.now())
        if n:
            record(workspace, actor, AuditVerb.INBOX_NOTIFICATIONS_READ, user, {"count": n})
    return n
