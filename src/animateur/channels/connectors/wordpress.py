"""Another WordPress site, over its REST API: its posts and their comments; with an application
password, the held comments too, and answering, holding and trashing comments at the source.

Posts and comments are read oldest first (`orderby=date&order=asc`) after the cursor's date, a
hundred a page, following `X-WP-TotalPages`. WordPress compares `after=` strictly and to the
second, in the site's own time: the cursor keeps the last date *and* the ids already taken at that
second, asks from one second earlier and skips those ids, so two comments of the same second on
either side of a batch boundary are both taken. External ids are `post:<id>` and `comment:<id>`:
a top-level comment answers its post, a reply answers its parent comment.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

from django import forms
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from animateur.channels import safe_http
from animateur.channels.connectors import failures, http
from animateur.channels.connectors.base import (
    Capability,
    RawItem,
    incomplete,
    read_item,
    register,
    unreadable,
)
from animateur.channels.connectors.http import RestConnector
from animateur.channels.connectors.publish_once import Published
from animateur.channels.errors import AuthError, ConnectorError, MalformedItem, PermanentError
from animateur.core.html import text_of
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Kind, Message

PER_PAGE = 100
MAX_PAGES_PER_RUN = 20
# hide = hold (back to moderation); delete = trash (WordPress keeps it 30 days).
HIDE_STATUS = "hold"


class WordPressForm(forms.Form):
    site_url = forms.URLField(
        label=_("Site address"),
        assume_scheme="https",
        max_length=500,
        help_text=_("For example https://blog.example.org"),
    )
    username = forms.CharField(
        label=_("User name"),
        required=False,
        max_length=200,
        help_text=_("Needed only to see held comments, answer and moderate."),
    )
    application_password = forms.CharField(
        label=_("Application password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("From the user's profile in WordPress › Application passwords."),
    )
    read_comments = forms.BooleanField(label=_("Read the comments"), required=False, initial=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("application_password") and not data.get("username"):
            self.add_error("username", _("An application password needs the user name it belongs to."))
        return data


def _site_time(value: str) -> datetime:
    # `date` is the site's local time without offset: kept as such for `after=`, only ordered here.
    parsed = parse_datetime(value)
    if parsed is None:
        raise MalformedItem(gettext("its date “%(date)s” is not a date") % {"date": value})
    return parsed


@register
class WordPressConnector(RestConnector):
    kind = "wordpress"
    label = _("WordPress site")
    capabilities = frozenset(
        {
            Capability.READ,
            Capability.REPLY,
            Capability.PUBLISH,
            Capability.HIDE,
            Capability.DELETE,
            Capability.MODERATE,
        }
    )
    form_class = WordPressForm
    secret_fields = ("application_password",)
    default_poll_interval = 600

    source_name = _("the WordPress site")
    credentials_words = _("the user name or the application password")

    # -- HTTP ---------------------------------------------------------------------------------------
    def base_url(self) -> str:
        return f"{str(self.config.get('site_url') or '').rstrip('/')}/wp-json/wp/v2"

    def auth_headers(self) -> dict[str, str]:
        user, password = self.config.get("username") or "", self.secrets.get("application_password") or ""
        if not (user and password):
            return {}
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    @property
    def authenticated(self) -> bool:
        return bool(self.auth_headers())

    def failure_for(self, response: safe_http.Fetched) -> ConnectorError:
        # WordPress names its errors with a code (incorrect_password, rest_forbidden): the detail says it.
        return failures.for_status(
            self.source_name,
            response.status,
            response.headers,
            detail=_error_code(response) or http.error_detail(response),
            credentials=self.credentials_words,
        )

    def not_understood(self, response: safe_http.Fetched | None = None) -> PermanentError:
        return PermanentError(
            gettext("this address does not answer like a WordPress site (no REST API)"), cause="not_wordpress"
        )

    # -- reading ------------------------------------------------------------------------------------
    def _stream(self, route: str, key: str, since: dict[str, Any], extra: dict[str, Any]) -> Iterator[RawItem]:
        """One collection oldest first from its cursor; each item carries the cursor valid after it
        (the whole cursor: `since` holds what the collections read before this one have reached)."""
        state = dict(since.get(key) or {})
        after, seen = state.get("date"), set(state.get("ids") or [])
        params: dict[str, Any] = {"per_page": PER_PAGE, "orderby": "date", "order": "asc", **extra}
        if after:
            params["after"] = (_site_time(after) - timedelta(seconds=1)).isoformat(timespec="seconds")
        cursor = dict(since)
        for page in range(1, MAX_PAGES_PER_RUN + 1):
            response = self.send("GET", route, {**params, "page": page})
            if response.status >= 400:
                raise self.failure_for(response)
            entries = self.decode(response)
            if not isinstance(entries, list):
                raise PermanentError(
                    gettext("this address does not answer like a WordPress site (no REST API)"),
                    cause="not_wordpress",
                )
            for entry in entries:
                if not isinstance(entry, dict) or not isinstance(entry.get("id"), int):
                    # One entry the site could not describe: kept aside, the others go on (the cursor stays).
                    reason = gettext("this post has no id") if key == "posts" else gettext("this comment has no id")
                    yield unreadable(f"{key[:-1]}:?", reason, entry, cursor)
                    continue
                if entry["id"] in seen:
                    continue
                date = str(entry.get("date") or "")
                if date and date == after:
                    seen.add(entry["id"])
                elif date:
                    after, seen = date, {entry["id"]}
                cursor = {**cursor, key: {"date": after, "ids": sorted(seen)}}
                self._reached = cursor
                named = f"{key[:-1]}:{entry['id']}"
                yield read_item(named, entry, cursor, _raw_entry, named, entry, key[:-1], cursor)
            total = response.headers.get("x-wp-totalpages", "1")
            if not entries or page >= (int(total) if total.isdigit() else 1):
                break

    def fetch(self, since: dict[str, Any]) -> Iterator[RawItem]:
        self._reached = dict(since)
        yield from self._stream("posts", "posts", self._reached, {})
        if self.config.get("read_comments", True):
            extra = {"status": "all", "context": "edit"} if self.authenticated else {}
            yield from self._stream("comments", "comments", self._reached, extra)

    def normalize(self, raw: RawItem) -> Incoming:
        entry = raw.payload
        try:
            created = _parsed_gmt(entry, "date_gmt")
            if created is None:
                raise MalformedItem(gettext("it has no date (date_gmt)"))
            if raw.kind == "post":
                return self._post(raw, entry, created)
            return self._comment(raw, entry, created)
        except (KeyError, TypeError) as exc:
            raise MalformedItem(incomplete("WordPress", exc)) from exc

    def _post(self, raw: RawItem, entry: dict[str, Any], created: datetime) -> Incoming:
        html = _rendered(entry.get("content"))
        author = None
        embedded = (entry.get("_embedded") or {}).get("author") or []
        if embedded and isinstance(embedded[0], dict) and embedded[0].get("id"):
            who = embedded[0]
            author = AuthorInfo(
                external_id=f"user:{who['id']}",
                display_name=who.get("name") or "",
                handle=who.get("slug") or "",
                url=who.get("link") or "",
            )
        elif entry.get("author"):
            author = AuthorInfo(external_id=f"user:{entry['author']}")
        return Incoming(
            channel=self.channel,
            external_id=raw.external_id,
            text=text_of(html),
            html=html,
            title=text_of(_rendered(entry.get("title"))),
            url=entry.get("link") or "",
            created_at=created,
            author=author,
            kind=Kind.POST,
            raw=entry,
        )

    def _comment(self, raw: RawItem, entry: dict[str, Any], created: datetime) -> Incoming:
        html = _rendered(entry.get("content"))
        parent = entry.get("parent") or 0
        parent_id = f"comment:{parent}" if parent else f"post:{entry['post']}"
        email = str(entry.get("author_email") or "").strip().lower()  # only given with context=edit
        if entry.get("author"):
            author_id = f"user:{entry['author']}"
        elif email:
            author_id = f"email:{email}"
        else:
            author_id = f"name:{entry.get('author_name') or ''}|{entry.get('author_url') or ''}"
        kinds = {"pingback": Kind.PINGBACK, "trackback": Kind.PINGBACK}
        status = entry.get("status")
        visibility = {"approved": "visible", "hold": "pending", "spam": "spam", "trash": "trash"}.get(status or "")
        return Incoming(
            channel=self.channel,
            external_id=raw.external_id,
            text=text_of(html),
            html=html,
            url=entry.get("link") or "",
            created_at=created,
            author=AuthorInfo(
                external_id=author_id,
                display_name=entry.get("author_name") or "",
                email=email,
                url=entry.get("author_url") or "",
            ),
            kind=kinds.get(entry.get("type") or "", Kind.REPLY if parent else Kind.COMMENT),
            parent_external_id=parent_id,
            source_visibility=visibility if visibility != "visible" else None,
            raw=entry,
        )

    def test_connection(self) -> str:
        base = str(self.config.get("site_url") or "").rstrip("/")
        index = self.request("GET", f"{base}/wp-json/")
        if not isinstance(index, dict) or "wp/v2" not in (index.get("namespaces") or []):
            raise PermanentError(
                gettext("this address does not answer like a WordPress site (no REST API)"), cause="not_wordpress"
            )
        name = index.get("name") or base
        if not self.authenticated:
            return gettext("WordPress site “%(name)s”, read without an account") % {"name": name}
        me = self.request("GET", "users/me", {"context": "edit"})
        if not isinstance(me, dict):
            raise self.not_understood()
        return gettext("WordPress site “%(name)s”, connected as %(user)s") % {
            "name": name,
            "user": me.get("name") or me.get("slug") or "?",
        }

    # -- answering and moderating -------------------------------------------------------------------
    def _need_credentials(self) -> None:
        if not self.authenticated:
            raise AuthError(gettext("answering and moderating need a user name and an application password"))

    def reply(self, message: Message, text: str) -> str:
        self._need_credentials()
        kind, _sep, ident = message.external_id.partition(":")
        if kind == "post":
            body = {"post": int(ident), "content": text}
        elif kind == "comment":
            post = (message.raw or {}).get("post")
            if not post:
                raise PermanentError(gettext("this comment's post is unknown"), cause="not_found")
            body = {"post": int(post), "parent": int(ident), "content": text}
        else:
            raise PermanentError(gettext("this message did not come from this WordPress site"), cause="not_found")
        created = self.request("POST", "comments", body=body)
        return f"comment:{created['id']}"

    def publish(self, text: str, *, title: str = "") -> str:
        self._need_credentials()
        created = self.request("POST", "posts", body={"title": title, "content": text, "status": "publish"})
        return f"post:{created['id']}"

    # -- publishing once (publish_once.py) -----------------------------------------------------------
    def _published(self, entry: Any) -> Published:
        if not isinstance(entry, dict) or not entry.get("id"):
            raise self.not_understood()
        return Published(f"post:{entry['id']}", str(entry.get("link") or ""), _parsed_gmt(entry, "date_gmt"), entry)

    def publish_once(self, *, title: str, body: str, key: str) -> Published:
        """POST /wp/v2/posts, published at once, as the application password's user."""
        self._need_credentials()
        return self._published(
            self.request("POST", "posts", body={"title": title, "content": body, "status": "publish"})
        )

    def upload_image(self, *, data: bytes, content_type: str, name: str, alt: str) -> dict[str, Any]:
        """POST /wp/v2/media with its alt text (alt_text): the library's image, its address and size."""
        self._need_credentials()
        response = self.send(
            "POST", "media", files={"file": (name, data, content_type)}, form={"alt_text": alt} if alt else {}
        )
        if response.status >= 400:
            raise self.failure_for(response)
        made = self.decode(response)
        if not isinstance(made, dict) or not made.get("id") or not made.get("source_url"):
            raise self.not_understood()
        details = made.get("media_details")
        details = details if isinstance(details, dict) else {}
        return {
            "media_id": str(made["id"]),
            "url": str(made["source_url"]),
            "width": details.get("width"),
            "height": details.get("height"),
        }

    def image_markup(self, media: dict[str, Any], alt: str) -> str:
        """The image block WordPress's editor writes, with its alt text."""
        size = (
            f' width="{int(media["width"])}" height="{int(media["height"])}"'
            if media.get("width") and media.get("height")
            else ""
        )
        return (
            f'<figure class="wp-block-image"><img src="{escape(media["url"])}" alt="{escape(alt)}"{size} '
            f'class="wp-image-{escape(media["media_id"])}"/></figure>'
        )

    def find_published(self, *, title: str, body: str, key: str, since: datetime) -> Published | None:
        """The user's posts since a day before `since` (the site's own clock and zone may differ), read in
        the edit context for their raw title and content: the one with exactly this title and body."""
        after = (since - timedelta(days=1)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        params = {"context": "edit", "after": after, "per_page": PER_PAGE, "orderby": "date", "order": "desc"}
        self._need_credentials()
        found = self.request("GET", "posts", params)
        if not isinstance(found, list):
            raise self.not_understood()
        for entry in found:
            if not isinstance(entry, dict):
                continue
            raw_title = (entry.get("title") or {}).get("raw") if isinstance(entry.get("title"), dict) else None
            raw_body = (entry.get("content") or {}).get("raw") if isinstance(entry.get("content"), dict) else None
            if raw_title == title and str(raw_body or "").strip() == body.strip():
                return self._published(entry)
        return None

    def _comment_id(self, message: Message) -> str:
        kind, _sep, ident = message.external_id.partition(":")
        if kind != "comment" or not ident.isdigit():
            raise PermanentError(gettext("only comments can be moderated on a WordPress site"), cause="http_error")
        return ident

    def hide(self, message: Message) -> None:
        self._need_credentials()
        self.request("POST", f"comments/{self._comment_id(message)}", body={"status": HIDE_STATUS})

    def moderate(self, message: Message, status: str) -> None:
        """Set a comment's status at the source: approved, hold, spam or trash."""
        if status not in ("approved", "hold", "spam", "trash"):
            raise ValueError(f"unknown comment status {status!r}")
        self._need_credentials()
        self.request("POST", f"comments/{self._comment_id(message)}", body={"status": status})

    def delete(self, message: Message) -> None:
        self._need_credentials()
        self.request("DELETE", f"comments/{self._comment_id(message)}", empty=True)


def _raw_entry(external_id: str, entry: dict[str, Any], kind: str, cursor: dict[str, Any]) -> RawItem:
    return RawItem(external_id, _parsed_gmt(entry, "modified_gmt"), kind, entry, cursor)


def _rendered(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("rendered") or "")
    return str(value or "")


def _parsed_gmt(entry: dict[str, Any], name: str) -> datetime | None:
    value = entry.get(name)
    if not value:
        return None
    parsed = parse_datetime(str(value))
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _error_code(response: safe_http.Fetched) -> str:
    try:
        return str(response.json().get("code") or "")
    except (ValueError, AttributeError):
        return ""
