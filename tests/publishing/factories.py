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


def live_coverage(workspace: Any, owner: Any, base: str = "https://mastodon.example", channel: Any = None) -> Any:
    """A live coverage on a Mastodon channel (a new one at `base`, or `channel`), with one update that failed
    there (made without the network)."""
    from animateur.publishing.live import do_start_live_coverage
    from animateur.publishing.models import LivePost, LiveUpdate, PublicationState, TargetState

    channel = channel or mastodon_channel(workspace, base)
    coverage = do_start_live_coverage(workspace, "Rencontres", [channel.pk], hashtag="#rsCCI", actor=owner)
    update = LiveUpdate.objects.create(coverage=coverage, text="Ça commence", state=PublicationState.FAILED)
    LivePost.objects.create(update=update, channel=channel, state=TargetState.FAILED, text=update.text, attempts=1)
    return coverage


def png() -> bytes:
    """A small PNG, as an image a publication carries."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 6), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def with_image(publication: Publication, owner: Any) -> Any:
    """The publication's first image, added (with its alt text) through the action."""
    from animateur.publishing.images import ImageIn

    channels = list(publication.targets.values_list("channel_id", flat=True))
    picture = ImageIn(data=png(), name="carte.png", alt="Une carte")
    do_save_publication(
        publication.workspace, publication.text, channels, publication=publication, pictures=[picture], actor=owner
    )
    return publication.images.get()


def publishing_objects(workspace: Any, owner: Any) -> dict[str, int]:
    publication = draft(workspace, owner)
    # On the publication's channel: a second « @acme » would make the API's channel names ambiguous.
    coverage = live_coverage(workspace, owner, channel=publication.targets.get().channel)
    return {
        "publication_id": publication.pk,
        "image_id": with_image(publication, owner).pk,
        "coverage_id": coverage.pk,
        "update_id": coverage.updates.get().pk,
    }
