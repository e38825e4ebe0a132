"""Background work of the inbox: notification emails, the daily digest, warnings before a target is missed."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from animateur.core.links import absolute_url
from animateur.inbox.models import Conversation, Notification, NotificationPreference, State

WARN_BEFORE = timedelta(minutes=30)


def _language(user: object) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


@db_task()
def send_notification_email(notification_id: int) -> None:
    notification = (
        Notification.objects.select_related("user", "conversation").filter(pk=notification_id, emailed_at=None).first()
    )
    if notification is None:
        return
    with override(_language(notification.user)):
        send_mail(
            _("animateur: %(text)s") % {"text": notification.text},
            _email_body([notification]),
            settings.DEFAULT_FROM_EMAIL,
            [notification.user.email],
        )
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())


def _email_body(notifications: list[Notification]) -> str:
    lines = []
    for n in notifications:
        if n.conversation_id:
            url = absolute_url(n.workspace, "inbox:conversation", (n.conversation_id,))
        elif n.channel_id:  # a channel's alert leads to the channel's health, as in the app
            url = absolute_url(n.workspace, "channels:detail", (n.channel_id,))
        elif n.kind == Notification.Kind.SEGMENT_ALERT:
            url = absolute_url(n.workspace, "members:alerts", ())
        else:
            url = settings.BASE_URL
        lines.append(f"- {n.text}\n  {url}")
    return "\n".join(lines) + "\n"


@db_periodic_task(crontab(hour="8", minute="0"))
def send_digests() -> int:
    """One email per digest user with what they did not read yet and were not emailed about."""
    sent = 0
    digest_users = NotificationPreference.objects.filter(email=NotificationPreference.Email.DIGEST).values_list(
        "user_id", flat=True
    )
    pending = (
        Notification.objects.filter(user_id__in=digest_users, emailed_at=None, read_at=None)
        .select_related("user")
        .order_by("user_id", "created_at")
    )
    by_user: dict[int, list[Notification]] = {}
    for n in pending:
        by_user.setdefault(n.user_id, []).append(n)
    for items in by_user.values():
        user = items[0].user
        with override(_language(user)):
            send_mail(
                _("animateur: %(count)d notifications") % {"count": len(items)},
                _email_body(items),
                settings.DEFAULT_FROM_EMAIL,
                [user.email],
            )
        Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=timezone.now())
        sent += 1
    return sent


def due_for_warning(now: datetime) -> list[Conversation]:
    """Assigned conversations about to miss their first-response target whose assignee was not warned yet."""
    return list(
        Conversation.objects.filter(
            first_response_at=None,
            warned_at=None,
            assignee__isnull=False,
            due_at__lte=now + WARN_BEFORE,
        )
        .exclude(state=State.CLOSED)
        .select_related("assignee", "workspace")[:500]
    )


def warn_assignee(conversation: Conversation, now: datetime) -> bool:
    """Warn the assignee read with `conversation`, only if the row still has that assignee and state and no
    answer: one unassigned, reassigned, closed or answered since is left for the next run to judge again."""
    from animateur.inbox.actions.notifications import notify

    # The selection asked for both: a due date, and an assignee to warn.
    assert conversation.due_at is not None and conversation.assignee is not None
    with transaction.atomic():
        updated = Conversation.objects.filter(
            pk=conversation.pk,
            warned_at=None,
            first_response_at=None,
            assignee_id=conversation.assignee_id,
            state=conversation.state,
        ).update(warned_at=now)
        if not updated:
            return False
        late = conversation.due_at <= now
        text = (_("Late: conversation with %(name)s") if late else _("Due soon: conversation with %(name)s")) % {
            "name": conversation.author_name
        }
        notify(conversation.assignee, conversation, Notification.Kind.DUE_SOON, text)
    return True


@db_periodic_task(crontab(minute="*/5"))
def warn_due_soon() -> int:
    """Assignees hear of their conversations about to miss the first-response target, once each."""
    now = timezone.now()
    return sum(warn_assignee(conversation, now) for conversation in due_for_warning(now))
