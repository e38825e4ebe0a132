"""Reads of channels shared by the views and the API, always within one workspace."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from animateur.channels.models import Channel, ChannelRun, RejectedItem
from animateur.core.models import Workspace


def channels_of(workspace: Workspace) -> QuerySet[Channel]:
    return Channel.objects.filter(workspace=workspace).exclude(kind=Channel.SITE).order_by("name")


def channel_of(workspace: Workspace, pk: int) -> Channel:
    return get_object_or_404(channels_of(workspace), pk=pk)


def recent_runs(channel: Channel, limit: int = 20) -> QuerySet[ChannelRun]:
    return ChannelRun.objects.filter(channel=channel).order_by("-started_at")[:limit]


def rejected_items(channel: Channel, limit: int = 50) -> QuerySet[RejectedItem]:
    return RejectedItem.objects.filter(channel=channel).order_by("-created_at")[:limit]
