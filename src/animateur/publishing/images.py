"""A publication's images: checked by their content when uploaded, and each network's own rules for them.

An image is accepted as JPEG, PNG, WebP or GIF, told by its bytes (never by its name or the type the
browser claims), opened by Pillow (a dependency of WeasyPrint) within a size and pixel limit. JPEG, PNG and
WebP are redrawn, turned as their EXIF says: what is kept carries none of the file's metadata (a phone
photo's place included). A GIF is kept as sent (its frames), once Pillow has read it through.

The networks' rules come from the networks where they say them: a Mastodon server's supported types,
image size, pixels, attachments and alt text length from its instance API (read where its post length is
read, channels/connectors/mastodon.py); Bluesky's four images of at most 1 MB each (app.bsky.embed.images).
Reddit is sent no image: its API takes an image only as a post of its own kind, with no alt text, so a
publication with images is refused for a Reddit channel, with a rule that says so.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from animateur.channels.models import Channel
from animateur.core.actions import ActionError
from animateur.core.models import Workspace

MAX_IMAGES = 4  # Mastodon's default and Bluesky's: a publication carries at most this many
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # beyond, a decompression bomb rather than a photo
MAX_ALT = 1500  # Mastodon's own default alt text length, the smallest a network says
# The workspace setting (Workspace.settings): every image of a publication must have its alt text.
ALT_REQUIRED_SETTING = "publishing_alt_required"
TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
BLUESKY_IMAGES = 4
BLUESKY_IMAGE_BYTES = 1_000_000  # app.bsky.embed.images: an image blob's maxSize
# Used only for a Mastodon server that has not said its media rules (an old version, a Pleroma).
MASTODON_FALLBACK = {
    "max_attachments": 4,
    "image_size_limit": 8 * 1024 * 1024,
    "image_matrix_limit": 16_777_216,
    "description_limit": 1500,
    "mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
}


class ImageLike(Protocol):
    """What the rules read of an image, stored (PublicationImage) or just checked (CheckedImage)."""

    name: str
    content_type: str
    size: int
    width: int
    height: int
    alt: str


@dataclass
class CheckedImage:
    data: bytes
    name: str
    content_type: str
    size: int
    width: int
    height: int
    alt: str = ""


@dataclass(frozen=True)
class ImageIn:
    """One image of a publication as its author gives it: a stored one (`image_id`) or a new file (`data`)."""

    alt: str = ""
    image_id: int | None = None
    data: bytes | None = None
    name: str = ""


def _kind_of(data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return ""


def clean_name(name: str) -> str:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(ch for ch in name if ch.isprintable())[:200] or _("image")


def checked_image(data: bytes, name: str, alt: str = "") -> CheckedImage:
    """The image as it will be kept, or ActionError naming the file and saying why it is refused."""
    name = clean_name(name)
    if not data:
        raise ActionError(_("« %(image)s » is empty.") % {"image": name})
    if len(data) > MAX_IMAGE_BYTES:
        raise ActionError(
            _("« %(image)s » weighs %(size)s; an image may weigh at most %(max)s.")
            % {"image": name, "size": filesizeformat(len(data)), "max": filesizeformat(MAX_IMAGE_BYTES)}
        )
    kind = _kind_of(data)
    not_an_image = _("« %(image)s » is not a JPEG, PNG, WebP or GIF image.") % {"image": name}
    if not kind:
        raise ActionError(not_an_image)
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != kind:
                raise ActionError(not_an_image)
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ActionError(
                    _("« %(image)s » has %(n)d pixels; an image may have at most %(max)d.")
                    % {"image": name, "n": width * height, "max": MAX_PIXELS}
                )
            if kind == "GIF":
                for frame in range(getattr(image, "n_frames", 1)):  # read through: a broken file is refused
                    image.seek(frame)
                    image.load()
                kept = data
            else:
                image.load()
                drawn = ImageOps.exif_transpose(image) or image
                width, height = drawn.size
                out = io.BytesIO()
                if kind == "JPEG":
                    drawn.convert("RGB").save(out, format="JPEG", quality=90, optimize=True)
                elif kind == "PNG":
                    drawn.save(out, format="PNG", optimize=True)
                else:
                    drawn.save(out, format="WEBP", quality=90)
                kept = out.getvalue()
    except ActionError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError):
        raise ActionError(not_an_image) from None
    return CheckedImage(kept, name, TYPES[kind], len(kept), width, height, checked_alt(alt, name))


def checked_alt(alt: str, name: str) -> str:
    alt = " ".join((alt or "").split())
    if len(alt) > MAX_ALT:
        raise ActionError(
            _("The alt text of « %(image)s » has more than %(max)d characters.") % {"image": name, "max": MAX_ALT}
        )
    return alt


def alt_required(workspace: Workspace) -> bool:
    return bool((workspace.settings or {}).get(ALT_REQUIRED_SETTING, False))


def missing_alt(workspace: Workspace, images: Sequence[ImageLike]) -> str | None:
    """Why the images cannot go out when the workspace asks for alt text on each: the first without one."""
    if not alt_required(workspace):
        return None
    for number, image in enumerate(images, 1):
        if not image.alt.strip():
            return _(
                "« %(image)s » (image %(n)d) has no alt text: this workspace asks for one on every image, "
                "for the people who cannot see it."
            ) % {"image": image.name, "n": number}
    return None


def mastodon_rules(channel: Channel) -> tuple[dict[str, Any], bool]:
    """The server's media rules as its instance API said them, and whether it did (else the fallback)."""
    said = (channel.config or {}).get("media_rules")
    if isinstance(said, dict) and said:
        return {**MASTODON_FALLBACK, **said}, True
    return dict(MASTODON_FALLBACK), False


def broken_media_rule(channel: Channel, images: Sequence[ImageLike]) -> str | None:
    """Why these images cannot go to `channel`, naming the network's own limit; None when they can."""
    if not images or channel.kind in ("site", "discourse", "wordpress"):
        return None  # the blog takes them; a forum or a site says its own rules when it refuses one
    if channel.kind == "reddit":
        return _(
            "%(channel)s: Reddit is sent no image (its API takes an image only as a post of its own, without "
            "alt text); remove the images, or this channel."
        ) % {"channel": channel.name}
    if channel.kind == "bluesky":
        if len(images) > BLUESKY_IMAGES:
            return _("%(channel)s takes at most %(max)d images (Bluesky's limit); this publication has %(n)d.") % {
                "channel": channel.name,
                "max": BLUESKY_IMAGES,
                "n": len(images),
            }
        for image in images:
            if image.size > BLUESKY_IMAGE_BYTES:
                return _(
                    "%(channel)s takes images of at most %(max)s bytes (Bluesky's limit); « %(image)s » has %(size)s."
                ) % {
                    "channel": channel.name,
                    "max": number_format(BLUESKY_IMAGE_BYTES, force_grouping=True),
                    "image": image.name,
                    "size": number_format(image.size, force_grouping=True),
                }
        return None
    if channel.kind != "mastodon":
        return _("%(channel)s cannot publish images.") % {"channel": channel.name}
    rules, said = mastodon_rules(channel)
    origin = _("the limit of its server") if said else _("its server has not said its own")
    if len(images) > int(rules["max_attachments"]):
        return _("%(channel)s takes at most %(max)d images (%(origin)s); this publication has %(n)d.") % {
            "channel": channel.name,
            "max": int(rules["max_attachments"]),
            "origin": origin,
            "n": len(images),
        }
    for image in images:
        words = {"channel": channel.name, "image": image.name, "origin": origin}
        if image.content_type not in rules["mime_types"]:
            return _("%(channel)s does not take « %(image)s » (%(type)s): its server takes %(types)s.") % {
                **words,
                "type": image.content_type,
                "types": ", ".join(t for t in rules["mime_types"] if t.startswith("image/")),
            }
        if image.size > int(rules["image_size_limit"]):
            return _("%(channel)s takes images of at most %(max)s (%(origin)s); « %(image)s » weighs %(size)s.") % {
                **words,
                "max": filesizeformat(int(rules["image_size_limit"])),
                "size": filesizeformat(image.size),
            }
        if image.width * image.height > int(rules["image_matrix_limit"]):
            return _("%(channel)s takes images of at most %(max)d pixels (%(origin)s); « %(image)s » has %(n)d.") % {
                **words,
                "max": int(rules["image_matrix_limit"]),
                "n": image.width * image.height,
            }
        if len(image.alt) > int(rules["description_limit"]):
            return _(
                "%(channel)s takes an alt text of at most %(max)d characters (%(origin)s); that of « %(image)s » "
                "has %(n)d."
            ) % {**words, "max": int(rules["description_limit"]), "n": len(image.alt)}
    return None
