"""Tracked links in the API: list, create (with a channel's UTM parameters and a campaign), delete, and
one link with its clicks by day."""

from datetime import date, datetime
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from animateur.api.inbox import needs
from animateur.api.typing import TokenRequest
from animateur.channels.models import Channel
from animateur.core.actions import ActionError
from animateur.links import actions
from animateur.links.models import TrackedLink

router = Router(tags=["links"])
MAX_LIMIT = 200


class LinkIn(Schema):
    url: str
    channel_id: int | None = None
    campaign: str = ""


class LinkOut(Schema):
    id: int
    code: str
    url: str
    target: str
    channel_id: int | None
    campaign: str
    created_at: datetime
    clicks: int
    last_clicked_at: datetime | None


class DayOut(Schema):
    day: date
    clicks: int


class LinkDetail(LinkOut):
    days: list[DayOut]


class Refused(Schema):
    detail: str


def _out(link: TrackedLink) -> dict[str, Any]:
    return {
        "id": link.pk,
        "code": link.code,
        "url": actions.short_url(link),
        "target": link.target,
        "channel_id": link.channel_id,
        "campaign": link.campaign,
        "created_at": link.created_at,
        "clicks": link.clicks,
        "last_clicked_at": link.last_clicked_at,
    }


def _link(request: TokenRequest, link_id: int) -> TrackedLink:
    return get_object_or_404(TrackedLink, pk=link_id, workspace=request.auth.workspace)


@router.get("", response=list[LinkOut])
@needs("links.view")
def list_links(request: TokenRequest, limit: int = 50) -> Any:
    qs = TrackedLink.objects.filter(workspace=request.auth.workspace).select_related("workspace")
    return [_out(link) for link in qs.order_by("-created_at", "-pk")[: max(1, min(limit, MAX_LIMIT))]]


@router.post("", response={201: LinkOut, 400: Refused})
@needs("links.manage")
def create_link(request: TokenRequest, payload: LinkIn) -> Any:
    """A tracked link to `url`; with a channel, its UTM parameters (utm_source: the channel's kind,
    utm_medium: social, utm_campaign: the campaign) unless the address already has them."""
    workspace = request.auth.workspace
    channel = None
    if payload.channel_id is not None:
        channel = Channel.objects.filter(pk=payload.channel_id, workspace=workspace).first()
        if channel is None:
            return 400, {"detail": "unknown channel"}
    try:
        link = actions.do_create_tracked_link(
            workspace, payload.url, channel=channel, campaign=payload.campaign, actor=request.auth.user
        )
    except ActionError as error:
        return 400, {"detail": str(error)}
    return 201, _out(link)


@router.get("/{link_id}", response=LinkDetail)
@needs("links.view")
def get_link(request: TokenRequest, link_id: int) -> Any:
    """The link with its clicks by day (days with clicks only, oldest first, UTC)."""
    link = _link(request, link_id)
    days = [{"day": d.day, "clicks": d.count} for d in link.days.order_by("day")]
    return {**_out(link), "days": days}


@router.delete("/{link_id}", response={204: None})
@needs("links.manage")
def delete_link(request: TokenRequest, link_id: int) -> Any:
    actions.do_delete_tracked_link(_link(request, link_id), actor=request.auth.user)
    return 204, None
