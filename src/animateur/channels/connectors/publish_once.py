"""The publishing contract of the networks that take a title and a body (Reddit, Discourse, WordPress):
publish a post once, and find it again after an answer lost on the network.

None of these networks takes an idempotency key, so never twice is kept in two steps: `publish_once`
sends what the network takes to recognise the post (Discourse's topic `external_id`; the exact title and
body elsewhere), and before a retry the publisher asks `find_published`, which reads the account's
recent posts back and returns the one already made, or None. Both raise the connector's classified
errors (failures.py), with the network's own message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class Published:
    remote_id: str  # the external id the connector's own reading gives the same post
    url: str
    created_at: datetime | None
    payload: dict[str, Any]


@runtime_checkable
class PublishesOnce(Protocol):
    def publish_once(self, *, title: str, body: str, key: str) -> Published:
        """Make the post; `key` names this intent (the same on every attempt)."""
        ...

    def find_published(self, *, title: str, body: str, key: str, since: datetime) -> Published | None:
        """The post this intent made, if the network has it (made at `since` or after), else None."""
        ...


@runtime_checkable
class UploadsImages(Protocol):
    """The titled networks that take images in a post's body (Discourse, WordPress): upload one, then
    write it in the body. An upload made twice is harmless (an unused file); the publisher keeps what
    the network answered before it sends the post, so that the body is the same on every attempt."""

    def upload_image(self, *, data: bytes, content_type: str, name: str, alt: str) -> dict[str, Any]:
        """Upload the image (with its alt text where the network keeps one); what the markup needs."""
        ...

    def image_markup(self, media: dict[str, Any], alt: str) -> str:
        """The image written in a post's body, with its alt text."""
        ...
