"""Publications for tests, and one per workspace for the walks over every URL."""

from __future__ import annotations

from typing import Any

from animateur.publishing.actions import do_save_publication
from animateur.publishing.models import Publication
from tests.channels.factories import mastodon_channel


def draft(
    workspace: Any, owner: Any, text: str = "Bonjour Mastodon", base: str = "https://mastodon.example"
) -> Publication:
    channel = mastodon_channel(workspace, base)
    return do_save_publication(workspace, text, [channel.pk], actor=owner)


def publishing_objects(workspace: Any, owner: Any) -> dict[str, int]:
    return {"publication_id": draft(workspace, owner).pk}
