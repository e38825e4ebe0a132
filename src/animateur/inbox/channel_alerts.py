"""A channel's alert, delivered to its managers as the inbox's notifications (named in settings'
CHANNEL_ALERT_DELIVERY, for channels/alerts.py, which is below the inbox and cannot import it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.utils import timezone

from animateur.channels.alerts import Alert
from animateur.channels.models import Channel
from animateur.core.models import User
from animateur.inbox.models import Notification, NotificationPreference


def deliver_channel_alert(
    channel: Channel, alerts: Sequence[tuple[User, Alert]], send: Callable[[Channel, Alert, User], None]
) -> None:
    """An in-app notification for each manager, and their email at once unless they chose the digest or none."""
    now = timezone.now()
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=[user.pk for user, _alert in alerts]).values_list(
            "user_id", "email"
        )
    )
    for user, alert in alerts:
        at_once = chosen.get(user.pk, NotificationPreference.Email.IMMEDIATE) == NotificationPreference.Email.IMMEDIATE
        # Emailed now, the alert is marked so the digest skips it; otherwise the digest (if chosen) takes it.
        Notification.objects.create(
            workspace=channel.workspace,
            user=user,
            channel=channel,
            kind=Notification.Kind.CHANNEL_ALERT,
            text=alert.subject[:300],
            emailed_at=now if at_once else None,
        )
        if at_once:
            send(channel, alert, user)
