"""Tracked links for tests, and one per workspace for the walks over every URL."""

from __future__ import annotations

from typing import Any

from animateur.links.actions import do_create_tracked_link
from animateur.links.models import TrackedLink


def tracked_link(workspace: Any, owner: Any, url: str = "https://example.org/page") -> TrackedLink:
    return do_create_tracked_link(workspace, url, actor=owner)


def links_objects(workspace: Any, owner: Any) -> dict[str, int]:
    return {"link_id": tracked_link(workspace, owner).pk}
