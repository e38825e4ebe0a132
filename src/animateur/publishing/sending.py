"""Sending one publication to one network, with the target's idempotency key: the network call alone.
Called outside any transaction; what it returns or raises is stored by the action.

Never twice, per network:
- Mastodon takes an Idempotency-Key header: the same key sent again answers the status made the first time.
- Bluesky takes no key, but the record key (rkey) is ours to choose: it is made once from the target's
  intent (its time and its key), and an attempt after a lost answer first reads the account's latest
  records back (com.atproto.repo.listRecords) and takes the one with that key instead of posting again.
- Reddit, Discourse and WordPress take a title and a body, and no key: they are sent through the
  connectors' one publishing contract (channels/connectors/publish_once.py); an attempt after a lost
  answer first asks the network for the post this intent made (Discourse by the topic's external id, the
  others by the account's latest posts with this exact title and body), and sends only if it has none.
The workspace's own blog is written in the database by the action itself, in its transaction.

Images go with the first part, each with its alt text. Mastodon, Discourse and WordPress take an image by
an upload of its own (`upload`: POST /api/v2/media with its description, /uploads.json, /wp/v2/media with
alt_text) before the post names it; the action commits what each upload answered before the post is sent,
so a retry never uploads a kept image again, and posts the very same body (which the read-back finds). An
upload repeated after a crash is harmless: only a post must never be. Bluesky's images are blobs uploaded
with its post, after its read-back (com.atproto.repo.uploadBlob; a blob is named by its content).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from animateur.channels.connectors import bluesky, connector_for, failures
from animateur.channels.connectors.base import jsonable
from animateur.channels.connectors.mastodon import SOURCE, MastodonConnector, classified
from animateur.channels.connectors.publish_once import Published, PublishesOnce, UploadsImages
from animateur.channels.errors import PermanentError
from animateur.channels.models import Channel
from animateur.publishing import previews
from animateur.publishing.titles import first_line, shortened

if TYPE_CHECKING:  # atproto's models are imported when a post goes to Bluesky, not by a web worker at start
    from atproto import models as at

# The kinds a publication can go to: the workspace's own blog, Mastodon, Bluesky, and the networks whose
# posts have a title (the text's first line): Reddit, Discourse, WordPress.
SITE = "site"
TITLED_KINDS = ("reddit", "discourse", "wordpress")
PUBLISHABLE_KINDS = (SITE, "mastodon", "bluesky", *TITLED_KINDS)
# How many of the account's latest records are read back before a Bluesky retry.
READ_BACK = 50
POST_COLLECTION = "app.bsky.feed.post"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_LINK = re.compile(r"https?://[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]")


# The networks that take an image by an upload of its own before the post names it (Bluesky's blobs go
# with its post; Reddit is sent none: images.py).
UPLOADING_KINDS = ("mastodon", "discourse", "wordpress")


@dataclass(frozen=True)
class Picture:
    """An image as it goes out; `media`: what the network answered its upload (the target's media)."""

    data: bytes
    content_type: str
    name: str
    alt: str
    width: int
    height: int
    media: dict[str, Any] = field(default_factory=dict)


def upload(channel: Channel, picture: Picture) -> dict[str, Any]:
    """One image uploaded to the network with its alt text: what the post then names it by."""
    connector = connector_for(channel)
    if isinstance(connector, MastodonConnector):
        api = connector.api()
        media_id = connector.upload_image(api, picture.data, picture.content_type, picture.name, picture.alt)
        return {"media_id": media_id}
    if isinstance(connector, UploadsImages):
        return connector.upload_image(
            data=picture.data, content_type=picture.content_type, name=picture.name, alt=picture.alt
        )
    raise PermanentError(_("%(channel)s cannot publish images.") % {"channel": channel.name}, cause="http_error")


@dataclass(frozen=True)
class Sent:
    remote_id: str
    url: str
    created_at: datetime | None
    payload: dict[str, Any]
    cid: str = ""  # Bluesky's content id, which a reply's reference names with the uri

    def as_part(self) -> dict[str, Any]:
        """What a thread's part keeps of it, so that a retry goes on from it."""
        created = self.created_at.isoformat() if self.created_at else None
        return {"remote_id": self.remote_id, "url": self.url, "cid": self.cid, "created_at": created}

    @classmethod
    def of_part(cls, part: dict[str, Any]) -> Sent:
        created = parse_datetime(str(part.get("created_at") or ""))
        payload = part.get("payload")
        return cls(
            str(part["remote_id"]),
            str(part.get("url") or ""),
            created,
            payload if isinstance(payload, dict) else {},
            str(part.get("cid") or ""),
        )


def send(
    channel: Channel,
    text: str,
    idempotency_key: str,
    *,
    prepared_at: datetime,
    retry: bool,
    reply_to: Sent | None = None,
    root: Sent | None = None,
    pictures: Sequence[Picture] = (),
) -> Sent:
    """Post `text` on `channel`; the same key and intent sent twice make one post. A thread's later part
    answers `reply_to` (the part before it), in the thread begun by `root` (its first part). `pictures`:
    its images, those of an uploading network already uploaded (their `media`).
    Raises the connector's error, whose words come from the failure table with the network's own message."""
    if channel.kind == "bluesky":
        return _send_bluesky(channel, text, idempotency_key, prepared_at, retry, reply_to, root, pictures)
    connector = connector_for(channel)
    if channel.kind in TITLED_KINDS and isinstance(connector, PublishesOnce):
        return _send_once(connector, channel, text, idempotency_key, prepared_at, retry, pictures)
    if not isinstance(connector, MastodonConnector):
        raise PermanentError(_("This channel cannot publish."), cause="http_error")
    api = connector.api()
    with classified(lambda: connector.last_headers):
        status = api.status_post(
            text,
            in_reply_to_id=reply_to.remote_id if reply_to is not None else None,
            media_ids=[str(picture.media["media_id"]) for picture in pictures] or None,
            visibility="public",
            idempotency_key=idempotency_key,
        )
    payload = jsonable(status)
    if not isinstance(payload, dict) or not payload.get("id"):
        raise failures.failure(failures.NOT_UNDERSTOOD, SOURCE, detail=str(payload)[:200])
    created = parse_datetime(str(payload.get("created_at") or ""))
    return Sent(str(payload["id"]), str(payload.get("url") or payload.get("uri") or ""), created, payload)


def record_key(prepared_at: datetime, idempotency_key: str) -> str:
    """A TID (atproto's record key for posts: 53 bits of microseconds, 10 of clock id, base32-sortable),
    made from the target's intent alone, so that every attempt names the same record."""
    micros = int(prepared_at.timestamp() * 1_000_000) & ((1 << 53) - 1)
    clock = int(idempotency_key[:4], 16) & 0x3FF if re.fullmatch(r"[0-9a-f]{4}.*", idempotency_key) else 0
    value = (micros << 10) | clock
    return "".join(_TID_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def link_facets(text: str) -> list[at.AppBskyRichtextFacet.Main]:
    """Links made clickable: Bluesky wants their byte offsets in UTF-8."""
    from atproto import models as at

    facets = []
    for match in _LINK.finditer(text):
        start = len(text[: match.start()].encode())
        end = start + len(match.group(0).encode())
        facets.append(
            at.AppBskyRichtextFacet.Main(
                index=at.AppBskyRichtextFacet.ByteSlice(byte_start=start, byte_end=end),
                features=[at.AppBskyRichtextFacet.Link(uri=match.group(0))],
            )
        )
    return facets


def _bluesky_sent(uri: str, value: Any, handle: str, cid: str) -> Sent:
    rkey = uri.rsplit("/", 1)[-1]
    created = parse_datetime(str(getattr(value, "created_at", "") or ""))
    return Sent(
        uri,
        f"https://bsky.app/profile/{handle}/post/{rkey}",
        created,
        {"uri": uri, "cid": cid, "record": jsonable(value)},
        cid,
    )


def _reply_ref(reply_to: Sent | None, root: Sent | None) -> at.AppBskyFeedPost.ReplyRef | None:
    from atproto import models as at

    if reply_to is None:
        return None
    first = root or reply_to
    return at.AppBskyFeedPost.ReplyRef(
        root=at.ComAtprotoRepoStrongRef.Main(uri=first.remote_id, cid=first.cid),
        parent=at.ComAtprotoRepoStrongRef.Main(uri=reply_to.remote_id, cid=reply_to.cid),
    )


def _send_bluesky(
    channel: Channel,
    text: str,
    key: str,
    prepared_at: datetime,
    retry: bool,
    reply_to: Sent | None = None,
    root: Sent | None = None,
    pictures: Sequence[Picture] = (),
) -> Sent:
    from atproto import models as at

    connector = connector_for(channel)
    if not isinstance(connector, bluesky.BlueskyConnector):
        raise PermanentError(_("This channel cannot publish."), cause="http_error")
    client = connector.client()
    did = str(getattr(client._session, "did", "") or "")
    handle = str(getattr(client._session, "handle", "") or channel.config.get("handle", ""))
    rkey = record_key(prepared_at, key)
    with bluesky.classified():  # a connection lost before the answer included: retried with the same key
        if retry:  # an earlier attempt may have made the post and lost the answer: read it back first
            page = client.com.atproto.repo.list_records(
                at.ComAtprotoRepoListRecords.Params(repo=did, collection=POST_COLLECTION, limit=READ_BACK)
            )
            for found in page.records:
                if str(found.uri).rsplit("/", 1)[-1] == rkey:
                    return _bluesky_sent(str(found.uri), found.value, handle, str(found.cid or ""))
        language = (getattr(channel.workspace, "language", "") or "en")[:2]
        images_embed = _bluesky_images(client, pictures)
        record = at.AppBskyFeedPost.Record(
            text=text,
            created_at=prepared_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            langs=[language],
            facets=link_facets(text) or None,
            reply=_reply_ref(reply_to, root),
            # Bluesky shows a link's card only when the post carries it (previews.py).
            # One embed per post: the images, else the link's card.
            embed=images_embed or previews.bluesky_external(client, channel.workspace, text),
        )
        created = client.com.atproto.repo.create_record(
            at.ComAtprotoRepoCreateRecord.Data(repo=did, collection=POST_COLLECTION, rkey=rkey, record=record)
        )
    if not getattr(created, "uri", None):
        raise failures.failure(failures.NOT_UNDERSTOOD, bluesky.SOURCE, detail=str(created)[:200])
    return _bluesky_sent(str(created.uri), record, handle, str(getattr(created, "cid", "") or ""))


def _bluesky_images(client: Any, pictures: Sequence[Picture]) -> at.AppBskyEmbedImages.Main | None:
    """The images as blobs (com.atproto.repo.uploadBlob: one uploaded again is the same blob, named by its
    content) in app.bsky.embed.images, each with its alt text and its aspect ratio."""
    from atproto import models as at

    if not pictures:
        return None
    shown = []
    for picture in pictures:
        blob = client.com.atproto.repo.upload_blob(picture.data).blob
        ratio = (
            at.AppBskyEmbedDefs.AspectRatio(width=picture.width, height=picture.height)
            if picture.width and picture.height
            else None
        )
        shown.append(at.AppBskyEmbedImages.Image(alt=picture.alt, image=blob, aspect_ratio=ratio))
    return at.AppBskyEmbedImages.Main(images=shown)


def title_and_body(kind: str, text: str) -> tuple[str, str]:
    """A titled network's title, the text's first line, and its body, the rest. Reddit takes the whole
    line (its own limit of 300 is checked before); elsewhere a long line is shortened at a word, and a
    text of one line is its body too."""
    title, rest = first_line(text)
    if kind == "reddit":
        return title, rest
    return shortened(title), rest or text.strip()


def _sent(found: Published) -> Sent:
    return Sent(found.remote_id, found.url, found.created_at, found.payload)


def _send_once(
    connector: PublishesOnce,
    channel: Channel,
    text: str,
    key: str,
    prepared_at: datetime,
    retry: bool,
    pictures: Sequence[Picture] = (),
) -> Sent:
    title, body = title_and_body(channel.kind, text)
    if pictures:  # in the body, after the text, as the network writes an image, each with its alt text
        if not isinstance(connector, UploadsImages):
            refused = _("%(channel)s cannot publish images.") % {"channel": channel.name}
            raise PermanentError(refused, cause="http_error")
        body = "\n\n".join([body, *(connector.image_markup(p.media, p.alt) for p in pictures)])
    if retry:  # an earlier attempt may have made the post and lost the answer: ask the network first
        found = connector.find_published(title=title, body=body, key=key, since=prepared_at)
        if found is not None:
            return _sent(found)
    return _sent(connector.publish_once(title=title, body=body, key=key))
