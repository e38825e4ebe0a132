"""The workspace's own site is a channel like any other: its comments enter the one stream."""

from __future__ import annotations

from animateur.channels.models import Channel
from animateur.core.models import Workspace


def ensure_site_channel(workspace: Workspace) -> Channel:
    channel, _ = Channel.objects.get_or_create(
        workspace=workspace, kind=Channel.SITE, defaults={"name": workspace.name, "poll_interval_seconds": 0}
    )
    return channel


def site_channel(workspace: Workspace) -> Channel:
    channel = Channel.objects.filter(workspace=workspace, kind=Channel.SITE).first()
    if channel is None:
        channel = ensure_site_channel(workspace)
    channel.workspace = workspace
    return channel
