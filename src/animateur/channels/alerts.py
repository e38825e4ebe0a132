"""Telling a channel's managers when it needs them: an audit event, an in-app notification and an email.

The notification and the choice of email (at once, in a digest, never) belong to the inbox, above
this layer: it delivers the alerts written here through the handler that settings name
(CHANNEL_ALERT_DELIVERY), as core's events reach their sinks.

Each manager reads the alert in their own language (the one chosen in their account, else the
workspace's): the notification's text and the email are written for each of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.utils import formats, timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from animateur.channels.labels import cause_label
from animateur.channels.models import Channel
from animateur.core.actions import SystemActor, record
from animateur.core.audit_verbs import AuditVerb
from animateur.core.links import absolute_url
from animateur.core.models import Membership, User
from animateur.core.permissions import roles_for

log = logging.getLogger(__name__)
SCHEDULER = SystemActor("channels")


@dataclass(frozen=True)
class Alert:
    """What one reader is told, already in their language."""

    subject: str
    body: str


def managers(channel: Channel) -> list[User]:
    """The members who may repair the channel: they are the ones told."""
    return [
        m.user
        for m in Membership.objects.filter(
            workspace_id=channel.workspace_id, role__in=roles_for("channel.manage"), user__is_active=True
        ).select_related("user")
    ]


def health_url(channel: Channel) -> str:
    """The channel's page (its health: last error, runs), as an address to open from an email."""
    return absolute_url(channel.workspace, "channels:detail", (channel.pk,))


def _notify(channel: Channel, verb: AuditVerb, detail: str, write: Callable[[], Alert]) -> None:
    record(
        channel.workspace,
        SCHEDULER,
        verb,
        channel,
        {"cause": detail, "kind": channel.kind, "name": channel.name},
    )
    Channel.objects.filter(pk=channel.pk).update(alerted_at=timezone.now())
    alerts = []
    for user in managers(channel):
        with translation.override(user.language or channel.workspace.language or settings.LANGUAGE_CODE):
            alerts.append((user, write()))
    # How each manager hears of it (in the app, by email at once or in a digest) is the notifications'
    # owner's to say: the handlers named in settings (the inbox's); without one, an email to each.
    handlers = [import_string(path) for path in getattr(settings, "CHANNEL_ALERT_DELIVERY", ())]
    if not handlers:
        for user, alert in alerts:
            send_alert(channel, alert, user)
    for deliver in handlers:
        deliver(channel, alerts, send_alert)


def send_alert(channel: Channel, alert: Alert, user: User) -> None:
    """Email one manager their alert; trouble with mail is logged, never raised."""
    _send(channel, alert, user.email)


def _send(channel: Channel, alert: Alert, email: str) -> None:
    try:
        send_mail(alert.subject, alert.body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=False)
    except Exception:  # the audit event and the notification stay; mail trouble must not hide the channel's state
        log.exception("could not email a manager of channel %s", channel.pk)


def alert_needs_reconnection(channel: Channel, detail: str) -> None:
    def write() -> Alert:
        return Alert(
            _("The channel “%(name)s” needs reconnecting") % {"name": channel.name},
            _(
                "The source refused the channel's credentials.\n"
                "Open the channel in animateur to connect it again: %(url)s\n"
                "\n"
                "Technical detail: %(detail)s\n"
            )
            % {"url": health_url(channel), "detail": detail},
        )

    _notify(channel, AuditVerb.CHANNEL_NEEDS_RECONNECTION, detail, write)


def alert_failing(channel: Channel, detail: str) -> None:
    def write() -> Alert:
        return Alert(
            _("The channel “%(name)s” keeps failing") % {"name": channel.name},
            _(
                "%(count)d polls in a row failed: %(cause)s.\n"
                "The channel's health: %(url)s\n"
                "\n"
                "Technical detail: %(detail)s\n"
            )
            % {
                "count": channel.consecutive_failures,
                "cause": cause_label(channel.last_error_cause),
                "url": health_url(channel),
                "detail": detail,
            },
        )

    _notify(channel, AuditVerb.CHANNEL_FAILING, detail, write)


def alert_token_expiring(channel: Channel, expires_at: datetime, detail: str) -> None:
    """The channel's access will end on `expires_at` and cannot be renewed from here: told days ahead,
    once per expiry (the channel's config keeps which one was told)."""

    from animateur.channels.oauth import network as oauth_network

    network = oauth_network(str((channel.config or {}).get("oauth_network") or ""))

    def write() -> Alert:
        days = max((expires_at - timezone.now()).days, 0)
        return Alert(
            _("The channel “%(name)s” will be disconnected in %(days)d days") % {"name": channel.name, "days": days},
            _(
                "Its access to %(network)s ends on %(date)s and cannot be renewed automatically.\n"
                "Connect it again before then (Channels › Connect with %(network)s): %(url)s\n"
                "\n"
                "Technical detail: %(detail)s\n"
            )
            % {
                "network": network.label if network else channel.kind,
                "date": formats.date_format(timezone.localtime(expires_at), "DATE_FORMAT"),
                "url": absolute_url(channel.workspace, "channels:connect"),
                "detail": detail,
            },
        )

    config = {**(channel.config or {}), "token_expiry_alerted": channel.config.get("token_expires_at", "")}
    Channel.objects.filter(pk=channel.pk).update(config=config)
    channel.config = config
    _notify(channel, AuditVerb.CHANNEL_TOKEN_EXPIRING, detail, write)
