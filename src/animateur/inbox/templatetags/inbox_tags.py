from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.core import languages
from animateur.core.permissions import has_permission

register = template.Library()


@register.inclusion_tag("inbox/_nav_link.html", takes_context=True)
def inbox_nav(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    workspace = getattr(request, "workspace", None)
    user = getattr(request, "user", None)
    if workspace is None or not has_permission(user, workspace, "inbox.view"):
        return {"show": False}
    from animateur.inbox.models import Notification
    from animateur.inbox.selectors import new_count

    unread = Notification.objects.filter(user=user, workspace=workspace, read_at=None).count()
    return {"show": True, "new": new_count(workspace), "unread": unread}


def _duration(seconds: float) -> str:
    seconds = int(abs(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)dd %(h)dh") % {"d": days, "h": hours}
    if hours:
        return _("%(h)dh %(m)02dmin") % {"h": hours, "m": minutes}
    return _("%(m)dmin") % {"m": minutes}


@register.filter
def duration(seconds: float | None) -> str:
    return "" if seconds is None else _duration(seconds)


@register.inclusion_tag("inbox/_clock.html")
def clock(conversation: Any, now: datetime | None = None) -> dict[str, Any]:
    """Time left before the target, or how late; or how long the first response took."""
    now = now or timezone.now()
    if conversation.first_response_at:
        took = (conversation.first_response_at - conversation.started_at).total_seconds()
        met = conversation.due_at is None or conversation.first_response_at <= conversation.due_at
        return {"status": "answered", "text": _("answered in %(t)s") % {"t": _duration(took)}, "met": met}
    if conversation.due_at is None:
        return {"status": "none", "text": ""}
    left = (conversation.due_at - now).total_seconds()
    if left >= 0:
        return {"status": "left", "text": _("%(t)s left") % {"t": _duration(left)}}
    return {"status": "late", "text": _("%(t)s late") % {"t": _duration(left)}}


@register.filter
def language_name(code: str) -> str:
    """« Français » for fr, in the reader's language; an unknown code stays as it is."""
    return languages.language_name(code)
