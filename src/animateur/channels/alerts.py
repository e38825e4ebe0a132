"""Telling a channel's managers when it needs them: an audit event the inbox shows, and an email."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from animateur.channels.models import Channel
from animateur.core.actions import SystemActor, record
from animateur.core.models import Membership
from animateur.core.permissions import roles_for

log = logging.getLogger(__name__)
SCHEDULER = SystemActor("channels")


def managers_emails(channel: Channel) -> list[str]:
    return list(
        Membership.objects.filter(
            workspace_id=channel.workspace_id, role__in=roles_for("channel.manage")
        ).values_list("user__email", flat=True)
    )


def _notify(channel: Channel, verb: str, subject: str, body: str, cause: str) -> None:
    record(
        channel.workspace,
        SCHEDULER,
        verb,
        channel,
        {"cause": cause, "kind": channel.kind, "name": channel.name},
    )
    Channel.objects.filter(pk=channel.pk).update(alerted_at=timezone.now())
    recipients = managers_emails(channel)
    if recipients:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
        except Exception:  # the audit event stays; mail trouble must not hide the channel's state
            log.exception("could not email the managers of channel %s", channel.pk)


def alert_needs_reconnection(channel: Channel, cause: str) -> None:
    with translation.override(channel.workspace.language):
        _notify(
            channel,
            "channel.needs_reconnection",
            _("The channel “%(name)s” needs reconnecting") % {"name": channel.name},
            _(
                "The source refused the channel's credentials: %(cause)s\n"
                "Open the channel's settings in animateur to connect it again."
            )
            % {"cause": cause},
            cause,
        )


def alert_failing(channel: Channel, cause: str) -> None:
    with translation.override(channel.workspace.language):
        _notify(
            channel,
            "channel.failing",
            _("The channel “%(name)s” keeps failing") % {"name": channel.name},
            _("%(count)d polls in a row failed. Last error: %(cause)s")
            % {"count": channel.consecutive_failures, "cause": cause},
            cause,
        )
