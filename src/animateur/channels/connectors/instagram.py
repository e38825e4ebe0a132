"""An Instagram professional account, over the Instagram Graph API (graph.facebook.com): the account's
media and the comments and replies under them, the media it is tagged in (mentions); with the access
token of the Facebook Page the account is linked to, answering, hiding and showing again, and deleting
comments.

The media list (`/{ig-user-id}/media`) is newest first and carries each media's `comments_count`
(replies included). Each run reads it down to the newest media it already has (its time, with the ids
seen at that second), stores what is new oldest first, and then reads again the comments of the
WATCHED newest media whose count changed since the last run (`/{media-id}/comments`, each comment with
its `replies`): the message key absorbs what was stored already, a comment hidden or shown again at the
source updates its row, and a run stopped anywhere reads that media again (its count is kept only once
all its comments were read). Instagram threads have one level: an answer to a reply goes under the
comment it replies to.

Mentions: `/{ig-user-id}/tags` lists the media the account is tagged in, newest first, read as the
feed is. An @mention in the caption or a comment of another account's media reaches the Graph API only
through the app's webhooks (`mentions` field, see channels/meta_webhook.py), which name the media or the
comment: `mentioned` looks it up on the account's node (`mentioned_media.media_id(...)`,
`mentioned_comment.comment_id(...)`), and it is stored as a mention, a comment's thread being its media.
Answering one comments the media (a caption) or answers the comment (`POST /{ig-user-id}/mentions`).

Direct messages, when the channel reads them: the Conversations API with `platform=instagram`, through
the Facebook Page the account is linked to, answered through its Send API (see meta_messages.py).

Errors are the Graph API's (codes 4, 17, 32, 613 rate limits; 190 an expired token; 10 and 200-299 a
missing permission), named as the Facebook Page connector names them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from django import forms
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from animateur.channels.connectors import meta_messages
from animateur.channels.connectors.base import Capability, RawItem, incomplete, read_item, register, unreadable
from animateur.channels.connectors.facebook import GRAPH_URL, FacebookConnector, graph_counts
from animateur.channels.errors import MalformedItem, PermanentError
from animateur.core.html import text_of
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Kind, Message

log = logging.getLogger(__name__)

MAX_PAGES_PER_RUN = 10
WATCHED = 20  # the newest media whose comments each run reads again when their count changed
MEDIA_FIELDS = "id,caption,timestamp,permalink,username,media_type,comments_count,like_count"
REPLY_FIELDS = "id,text,timestamp,username,from,hidden,parent_id,like_count"
COMMENT_FIELDS = f"{REPLY_FIELDS},replies{{{REPLY_FIELDS}}}"
MENTIONED_MEDIA_FIELDS = "caption,media_type,permalink,timestamp,username,comments_count,like_count"
MENTIONED_COMMENT_FIELDS = "text,timestamp,username,media{id,permalink}"
MENTIONED = ("mentioned_media", "mentioned_comment")  # RawItem kinds of what a `mentions` webhook names
GRAPH_ID = re.compile(r"^[0-9]{1,30}$")


class InstagramForm(forms.Form):
    ig_user_id = forms.RegexField(
        label=_("Instagram account id"),
        regex=r"^[0-9]{5,25}$",
        help_text=_(
            "The professional account's number in the Graph API (the instagram_business_account of its "
            "Facebook Page); « Connect with Facebook » fills it in for you."
        ),
        error_messages={"invalid": _("An Instagram account id is a number.")},
    )
    access_token = forms.CharField(
        label=_("Access token"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "The token of the Facebook Page the account is linked to, with instagram_basic, "
            "instagram_manage_comments and pages_show_list."
        ),
    )
    read_messages = forms.BooleanField(
        label=_("Read the account's direct messages"),
        required=False,
        help_text=_("Needs instagram_manage_messages; answers are allowed within 24 hours."),
    )
    page_id = forms.RegexField(
        label=_("Linked Facebook Page id"),
        regex=r"^[0-9]{5,20}$",
        required=False,
        help_text=_("Direct messages are read through the Facebook Page the account is linked to."),
        error_messages={"invalid": _("A page id is a number.")},
    )


MEDIA_TYPES = {"IMAGE": _("A photo"), "VIDEO": _("A video"), "CAROUSEL_ALBUM": _("An album"), "REELS": _("A reel")}


def _uncaptioned(entry: dict[str, Any]) -> str:
    """What a media without a caption is, in words: its comments still need it as their thread."""
    kind = MEDIA_TYPES.get(str(entry.get("media_type") or "").upper(), _("A media"))
    return gettext("%(kind)s without caption") % {"kind": kind}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list_of(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _time(value: Any) -> str:
    parsed = parse_datetime(str(value or ""))
    return parsed.isoformat() if parsed else ""


def _raw(external_id: str, entry: dict[str, Any], kind: str, cursor: dict[str, Any], media: str) -> RawItem:
    if not entry.get("id"):
        raise MalformedItem(gettext("this Instagram item has no id"))
    when = parse_datetime(str(entry.get("timestamp") or ""))
    return RawItem(external_id, when, kind, entry, cursor, extra={"media_id": media})


@register
class InstagramConnector(FacebookConnector):
    kind = "instagram"
    label = _("Instagram professional account")
    capabilities = frozenset(
        {Capability.READ, Capability.REPLY, Capability.HIDE, Capability.DELETE, Capability.MODERATE}
    )
    form_class = InstagramForm  # type: ignore[assignment]  # each kind its own form
    secret_fields = ("access_token",)
    source_name = "Instagram"
    credentials_words = _("the access token")
    # Which account we are (its username): our own answers, read back, are the organisation's.
    learned_keys = ("ig_username",)
    messaging = "instagram"
    # A media's likes, read again for the account's recent media (facebook.py's `read_counts`); Instagram
    # counts no shares through its API, and no like of a media whose owner hid its counts.
    count_fields = "like_count"

    def fetch_more(self, since: dict[str, Any], base: dict[str, Any], carry: dict[str, Any]) -> Iterator[RawItem]:
        """After the media, their comments and the tags: the direct messages, when the channel reads them."""
        if self.config.get("read_messages"):
            yield from self.read_messages(since, base, carry)

    def messaging_node(self) -> str:
        # With Facebook Login, Instagram Messaging goes through the linked Page; without it, the account.
        return str(self.config.get("page_id") or self.config.get("ig_user_id") or "")

    def ours(self) -> set[str]:
        return {str(self.config.get("ig_user_id") or ""), str(self.config.get("ig_username") or "")} - {""}

    def base_url(self) -> str:
        return str(self.config.get("graph_url") or GRAPH_URL)

    def auth_headers(self) -> dict[str, str]:
        token = self.secrets.get("access_token")
        return {"Authorization": f"Bearer {token}"} if token else {}

    @property
    def authenticated(self) -> bool:
        return bool(self.secrets.get("access_token"))

    # -- reading ------------------------------------------------------------------------------------
    def _newest_first(self, path: str, fields: str, state: dict[str, Any]) -> tuple[list[Any], dict[str, int]]:
        """The entries of a newest-first list not yet read (down to `state`'s time and ids), and the
        comment counts of every media seen on the way."""
        newest, seen = str(state.get("time") or ""), set(state.get("ids") or [])
        fresh: list[Any] = []
        counts: dict[str, int] = {}
        after: str | None = None
        for _page in range(MAX_PAGES_PER_RUN if newest else 1):  # first run: the latest page only
            entries, after, more = self._list(path, {"fields": fields}, after)
            reached = False
            for entry in entries:
                if isinstance(entry, dict) and entry.get("id"):
                    counts[str(entry["id"])] = int(entry.get("comments_count") or 0)
                when = _time(entry.get("timestamp")) if isinstance(entry, dict) else ""
                if newest and when and (when < newest or (when == newest and str(entry.get("id")) in seen)):
                    reached = True
                    continue  # still counted: an older media's new comments are found by its count
                if not reached:
                    fresh.append(entry)
            if reached or not more or not after:
                break
        else:
            if newest:
                log.warning("channel %s: more new media than one run reads; the oldest are skipped", self.channel.pk)
        return fresh, counts

    def _feed(self, since: dict[str, Any]) -> Iterator[RawItem]:
        user_id = str(self.config.get("ig_user_id") or "")
        state: dict[str, Any] = {
            "media": dict(since.get("media") or {}),
            "tags": dict(since.get("tags") or {}),
            "watch": {k: dict(v) for k, v in (since.get("watch") or {}).items()},
        }
        fresh, counts = self._newest_first(f"{user_id}/media", MEDIA_FIELDS, state["media"])
        yield from self._newest_items(fresh, "media", "post", state)
        watch: dict[str, dict[str, Any]] = state["watch"]
        for media_id in list(watch):
            if media_id in counts:
                watch[media_id]["now"] = counts[media_id]
            elif watch[media_id].get("read") is not None:
                del watch[media_id]  # no longer listed (deleted at the source): nothing more to read under it
        tagged, _counts = self._newest_first(f"{user_id}/tags", MEDIA_FIELDS, state["tags"])
        yield from self._newest_items(tagged, "tags", "mention", state)
        for media_id in sorted(watch, key=lambda m: watch[m].get("created") or ""):
            entry = watch[media_id]
            if entry.get("now") is not None and entry.get("now") == (entry.get("read") or 0):
                entry["read"] = entry.get("now")
                continue  # nothing new under it since it was last read (or nothing at all yet)
            yield from self._media_comments(media_id, state)
            entry["read"] = entry.get("now")
        self.final_cursor = self._state_cursor(state)

    def _state_cursor(self, state: dict[str, Any]) -> dict[str, Any]:
        return {
            "media": {"time": state["media"].get("time", ""), "ids": sorted(state["media"].get("ids") or [])},
            "tags": {"time": state["tags"].get("time", ""), "ids": sorted(state["tags"].get("ids") or [])},
            "watch": {k: {n: v for n, v in w.items() if n != "now"} for k, w in state["watch"].items()},
        }

    def _newest_items(self, fresh: list[Any], which: str, kind: str, state: dict[str, Any]) -> Iterator[RawItem]:
        mark = state[which]
        for entry in reversed(fresh):
            if not isinstance(entry, dict) or not entry.get("id"):
                yield unreadable(
                    f"{kind}:?", gettext("this Instagram item has no id"), entry, self._state_cursor(state)
                )
                continue
            media_id, when = str(entry["id"]), _time(entry.get("timestamp"))
            if when > str(mark.get("time") or ""):
                mark["time"], mark["ids"] = when, []
            mark["ids"] = sorted({*(mark.get("ids") or []), media_id})
            if kind == "post":
                watch = state["watch"]
                watch[media_id] = {"created": when, "read": None, "now": int(entry.get("comments_count") or 0)}
                for old in sorted(watch, key=lambda m: watch[m].get("created") or "")[:-WATCHED]:
                    del watch[old]
            cursor = self._state_cursor(state)
            yield read_item(media_id, entry, cursor, _raw, media_id, entry, kind, cursor, media_id)

    def _media_comments(self, media_id: str, state: dict[str, Any]) -> Iterator[RawItem]:
        cursor = self._state_cursor(state)  # this media read again if the run stops inside it
        entries: list[Any] = []
        after: str | None = None
        for _page in range(MAX_PAGES_PER_RUN):
            page, following, more = self._list(f"{media_id}/comments", {"fields": COMMENT_FIELDS}, after)
            entries.extend(page)
            if not more or not following or following == after:  # a cursor that does not move would loop
                break
            after = following
        for entry in reversed(entries):  # Instagram lists comments newest first: stored oldest first
            named = str(entry.get("id") if isinstance(entry, dict) else "") or "comment:?"
            if not isinstance(entry, dict) or not entry.get("id"):
                yield unreadable(named, gettext("this Instagram item has no id"), entry, cursor)
                continue
            yield read_item(named, entry, cursor, _raw, named, entry, "comment", cursor, media_id)
            replies: dict[str, Any] = _dict(entry.get("replies"))
            for reply in reversed(list(replies.get("data") or [])):
                key = str(reply.get("id") if isinstance(reply, dict) else "") or "reply:?"
                if not isinstance(reply, dict) or not reply.get("id"):
                    yield unreadable(key, gettext("this Instagram item has no id"), reply, cursor)
                    continue
                reply = {**reply, "parent_id": reply.get("parent_id") or entry["id"]}
                yield read_item(key, reply, cursor, _raw, key, reply, "comment", cursor, media_id)

    # -- mentions told by the webhooks ---------------------------------------------------------------
    def mentioned(self, value: dict[str, Any]) -> list[RawItem]:
        """The caption or comment a `mentions` webhook notification names ({media_id} or {comment_id,
        media_id}), looked up on the account's node; MalformedItem when it names neither."""
        user_id = str(self.config.get("ig_user_id") or "")
        media_id, comment_id = str(value.get("media_id") or ""), str(value.get("comment_id") or "")
        if comment_id:
            which, named, fields = "mentioned_comment", comment_id, MENTIONED_COMMENT_FIELDS
        else:
            which, named, fields = "mentioned_media", media_id, MENTIONED_MEDIA_FIELDS
        if not GRAPH_ID.match(named) or (media_id and not GRAPH_ID.match(media_id)):
            raise MalformedItem(gettext("this Instagram mention names no media or comment"))
        arg = "comment_id" if which == "mentioned_comment" else "media_id"
        data = self.request("GET", user_id, {"fields": f"{which}.{arg}({named}){{{fields}}}"})
        if not isinstance(data, dict):
            raise self.not_understood()
        found = data.get(which)
        if not isinstance(found, dict) or not found:
            return [unreadable(named, gettext("Instagram no longer shows this mention"), data, None)]
        entry = {"id": named, **found, "mention": {"media_id": media_id, "comment_id": comment_id}}
        return [read_item(named, entry, None, _raw, named, entry, which, None, media_id)]

    def _normalize_mentioned(self, raw: RawItem) -> Incoming:
        entry = raw.payload
        created = parse_datetime(str(entry["timestamp"]))
        if created is None:
            raise MalformedItem(gettext("its date “%(date)s” is not a date") % {"date": entry["timestamp"]})
        username = str(entry.get("username") or "")
        author = (
            AuthorInfo(
                external_id=f"instagram:{username}",
                display_name=username,
                handle=username,
                url=f"https://www.instagram.com/{username}/",
            )
            if username
            else None  # Meta names no author: nobody to name
        )
        ours = str(self.config.get("ig_username") or "")
        media = _dict(entry.get("media"))
        in_comment = raw.kind == "mentioned_comment"
        text = str(entry.get("text") or "") if in_comment else str(entry.get("caption") or "").strip()
        return Incoming(
            channel=self.channel,
            external_id=raw.external_id,
            text=text or _uncaptioned(entry),
            url=str((media if in_comment else entry).get("permalink") or ""),
            created_at=created,
            author=author,
            kind=Kind.MENTION,
            # A comment's thread is its media: linked to it when the media is stored too (a caption mention).
            parent_external_id=(str(media.get("id") or raw.extra.get("media_id") or "") or None)
            if in_comment
            else None,
            from_organisation=bool(ours) and username == ours,
            raw=entry,
        )

    def normalize(self, raw: RawItem) -> Incoming:
        if raw.kind == meta_messages.DM:
            return self.normalize_message(raw)
        if raw.kind in MENTIONED:
            try:
                return self._normalize_mentioned(raw)
            except (KeyError, TypeError, AttributeError) as exc:
                raise MalformedItem(incomplete("Instagram", exc)) from exc
        entry = raw.payload
        try:
            created = parse_datetime(str(entry["timestamp"]))
            if created is None:
                raise MalformedItem(gettext("its date “%(date)s” is not a date") % {"date": entry["timestamp"]})
            who: dict[str, Any] = _dict(entry.get("from"))
            username = str(entry.get("username") or who.get("username") or "")
            user_key = str(who.get("id") or username)
            ours = str(self.config.get("ig_username") or "")
            author = (
                AuthorInfo(
                    external_id=f"instagram:{user_key}",
                    display_name=username,
                    handle=username,
                    url=f"https://www.instagram.com/{username}/" if username else "",
                )
                if user_key
                else None  # recorded without `username`: nobody to name
            )
            if raw.kind in ("post", "mention"):
                return Incoming(
                    channel=self.channel,
                    external_id=raw.external_id,
                    text=str(entry.get("caption") or "").strip() or _uncaptioned(entry),
                    url=str(entry.get("permalink") or ""),
                    created_at=created,
                    author=author,
                    kind=Kind.POST if raw.kind == "post" else Kind.MENTION,
                    from_organisation=raw.kind == "post",
                    raw=entry,
                    counts=graph_counts(entry),
                )
            parent = str(entry.get("parent_id") or "")
            return Incoming(
                channel=self.channel,
                external_id=raw.external_id,
                text=str(entry.get("text") or ""),
                created_at=created,
                author=author,
                kind=Kind.REPLY if parent else Kind.COMMENT,
                parent_external_id=parent or str(raw.extra.get("media_id") or "") or None,
                source_visibility="hidden" if entry.get("hidden") else None,
                from_organisation=bool(ours) and username == ours,
                raw=entry,
                counts=graph_counts(entry),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise MalformedItem(incomplete("Instagram", exc)) from exc

    def test_connection(self) -> str:
        user_id = str(self.config.get("ig_user_id") or "")
        account = self.request("GET", user_id, {"fields": "id,username,name"})
        if not isinstance(account, dict) or not account.get("id"):
            raise self.not_understood()
        if account.get("username"):
            self.config["ig_username"] = str(account["username"])
        name = text_of(str(account.get("username") or account.get("name") or account["id"]))
        return gettext("Instagram account “%(name)s”") % {"name": name}

    # -- answering and moderating -------------------------------------------------------------------
    def reply(self, message: Message, text: str) -> str:
        if message.kind == Kind.DIRECT:
            return self.reply_privately(message, text)
        mention = _dict((message.raw or {}).get("mention"))
        if message.kind == Kind.MENTION and mention.get("media_id"):  # told by the webhooks: on another's media
            answer = {"media_id": mention["media_id"], "message": text}
            if mention.get("comment_id"):
                answer["comment_id"] = mention["comment_id"]
            created = self.request("POST", f"{self.config.get('ig_user_id') or ''}/mentions", body=answer)
            if not isinstance(created, dict) or not created.get("id"):
                raise self.not_understood()
            return str(created["id"])
        if message.kind == Kind.POST:
            path = f"{message.external_id}/comments"
        else:  # one level: an answer to a reply goes under the comment it replies to
            parent = (message.raw or {}).get("parent_id") if message.kind == Kind.REPLY else None
            path = f"{parent or message.external_id}/replies"
        created = self.request("POST", path, body={"message": text})
        if not isinstance(created, dict) or not created.get("id"):
            raise self.not_understood()
        return str(created["id"])

    def _comment_id(self, message: Message) -> str:
        if message.kind not in (Kind.COMMENT, Kind.REPLY):
            raise PermanentError(gettext("only comments can be hidden on Instagram"), cause="http_error")
        return message.external_id

    def hide(self, message: Message) -> None:
        self.request("POST", self._comment_id(message), body={"hide": True})

    def moderate(self, message: Message, status: str) -> None:
        """Instagram has no spam folder for comments: held or spam is hidden; approved, shown."""
        if status not in ("approved", "hold", "spam"):
            raise ValueError(f"unknown moderation status {status!r}")
        self.request("POST", self._comment_id(message), body={"hide": status != "approved"})

    def delete(self, message: Message) -> None:
        self.request("DELETE", self._comment_id(message), empty=True)
