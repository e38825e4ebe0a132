"""« Aujourd'hui »: what needs the team's attention now, each with where to act on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from animateur.channels.models import Channel
from animateur.core.models import User, Workspace
from animateur.core.permissions import has_permission
from animateur.inbox.models import Conversation
from animateur.listening.models import Spike, SpikeState
from animateur.members.models import Profile
from animateur.moderation.models import ReviewItem
from animateur.reports.periods import last_days
from animateur.space.models import Post, PostStatus

SOON = timedelta(hours=1)


@dataclass(frozen=True)
class Attention:
    key: str
    count: int
    text: str
    url: str
    urgent: bool


def attention(workspace: Workspace, user: User, *, now: datetime | None = None) -> list[Attention]:
    """Each thing waiting, counted, in the order a community manager deals with them; only what
    this user may act on or see, and nothing that is at zero."""
    now = now or timezone.now()
    items: list[Attention] = []

    def can(permission: str) -> bool:
        return has_permission(user, workspace, permission)

    if can("inbox.view"):
        # due_sort is the due time while unanswered (else far ahead): a range of the inbox's own index.
        open_ = Conversation.objects.filter(workspace=workspace, is_open=1)
        overdue = open_.filter(due_sort__lt=now).count()
        soon = open_.filter(due_sort__gte=now, due_sort__lt=now + SOON).count()
        inbox = reverse("inbox:index")
        if overdue:
            text = ngettext("%(count)d conversation is overdue", "%(count)d conversations are overdue", overdue) % {
                "count": overdue
            }
            items.append(Attention("overdue", overdue, text, inbox, True))
        if soon:
            text = ngettext(
                "%(count)d conversation is due within the hour", "%(count)d conversations are due within the hour", soon
            ) % {"count": soon}
            items.append(Attention("due_soon", soon, text, inbox, False))
    if can("moderation.review"):
        held = ReviewItem.objects.filter(workspace=workspace, status=ReviewItem.Status.PENDING).count()
        if held:
            text = ngettext("%(count)d message is held for review", "%(count)d messages are held for review", held) % {
                "count": held
            }
            items.append(Attention("held", held, text, reverse("moderation:queue"), held >= 20))
    if can("listening.view"):
        spikes = Spike.objects.filter(workspace=workspace, state=SpikeState.NEW).count()
        if spikes:
            text = ngettext("%(count)d listening spike to look at", "%(count)d listening spikes to look at", spikes) % {
                "count": spikes
            }
            items.append(Attention("spikes", spikes, text, reverse("listening:searches"), True))
    if can("channel.view"):
        failing = Channel.objects.filter(workspace=workspace, paused=False).filter(
            Q(needs_reconnection=True) | Q(consecutive_failures__gt=0)
        )
        count = failing.count()
        if count:
            text = ngettext("%(count)d channel is failing", "%(count)d channels are failing", count) % {"count": count}
            items.append(Attention("failing_channels", count, text, reverse("channels:list"), True))
    if can("space.post.view_drafts"):
        today = last_days(workspace, 1, now=now)
        scheduled = Post.objects.filter(
            workspace=workspace, status=PostStatus.SCHEDULED, published_at__gte=today.start, published_at__lt=today.end
        ).count()
        if scheduled:
            text = ngettext("%(count)d post is scheduled today", "%(count)d posts are scheduled today", scheduled) % {
                "count": scheduled
            }
            items.append(Attention("scheduled", scheduled, text, reverse("space_staff:home"), False))
    if can("members.view"):
        quiet_since = now - timedelta(days=30)
        slipping = Profile.objects.filter(workspace=workspace, ambassador=True, last_seen_at__lt=quiet_since).count()
        if slipping:
            text = ngettext(
                "%(count)d ambassador has been quiet for a month",
                "%(count)d ambassadors have been quiet for a month",
                slipping,
            ) % {"count": slipping}
            items.append(Attention("ambassadors_slipping", slipping, text, reverse("members:list"), False))
    return items
