"""Reads of channels shared by the views and the API, always within one workspace."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from animateur.channels.models import Channel, ChannelRun, RejectedItem
from animateur.core.models import Workspace
from animateur.stream import selectors as stream_selectors
from animateur.stream.models import Message, Visibility
from animateur.stream.selectors import history_margin


def channels_of(workspace: Workspace) -> QuerySet[Channel]:
    return Channel.objects.filter(workspace=workspace).exclude(kind=Channel.SITE).order_by("name")


def channel_of(workspace: Workspace, pk: int) -> Channel:
    return get_object_or_404(channels_of(workspace), pk=pk)


def recent_runs(channel: Channel, limit: int = 20) -> QuerySet[ChannelRun]:
    return ChannelRun.objects.filter(channel=channel).order_by("-started_at")[:limit]


def rejected_items(channel: Channel, limit: int = 50) -> QuerySet[RejectedItem]:
    return RejectedItem.objects.filter(channel=channel).order_by("-created_at")[:limit]


@dataclass
class RunFigures:
    """A run and what its new messages led to: the « New » count told honestly."""

    run: ChannelRun
    opened: int = 0
    joined: int = 0
    history: int = 0
    other: int = 0


def runs_with_outcomes(channel: Channel, limit: int = 20) -> list[RunFigures]:
    """The recent runs, each new message counted by what it led to (a conversation, history, neither).

    A message's arrival time is the run's: one count per run that stored something, each read through
    the (workspace, visibility, -received_at) index, whatever the channel's size.
    """
    cut = channel.created_at - history_margin()
    figures = []
    for run in recent_runs(channel, limit):
        row = RunFigures(run)
        if run.created:
            counts = Message.objects.filter(
                workspace_id=channel.workspace_id,
                visibility__in=Visibility.values,
                received_at__gte=run.started_at,
                received_at__lte=run.finished_at or timezone.now(),
                channel=channel,
            ).aggregate(
                total=Count("pk"),
                opened=Count("pk", filter=Q(conversation__isnull=False)),
                joined=Count("pk", filter=Q(conversation__isnull=True, conversation_item__isnull=False)),
                history=Count(
                    "pk", filter=Q(conversation_item__isnull=True, from_organisation=False, created_at__lt=cut)
                ),
            )
            row.opened, row.joined, row.history = counts["opened"], counts["joined"], counts["history"]
            row.other = max(counts["total"] - row.opened - row.joined - row.history, 0)
        figures.append(row)
    return figures


def latest_messages(channel: Channel, limit: int = 10) -> list[stream_selectors.Row]:
    """The messages the channel's latest run that stored any brought, each with what it led to."""
    last = ChannelRun.objects.filter(channel=channel, created__gt=0).order_by("-started_at").first()
    if last is None:
        return []
    return stream_selectors.latest_of_channel(channel.workspace, channel.pk, last.started_at, limit)
