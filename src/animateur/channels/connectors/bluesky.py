"""Bluesky, with atproto: the account's mentions, replies and quotes, and a search; reply, post, delete.

Both lists come newest first and page toward older items with an opaque `cursor`. Each run reads
down until it meets the newest item it already has (by `indexedAt`, with the uris seen at that
instant), then stores what is new oldest first. A first run takes the latest page only. A run reads
at most MAX_PAGES_PER_RUN pages per list; when that budget ends before the run meets what it has,
the rest is remembered as a gap (the paging token to read on from, and the item it must stop at),
read by the next runs, newest first, like the Discourse connector's: however many items arrive
between two polls, none falls in a hole. The gap's token is the page's, so a run cut inside a gap
reads that page again (the message key absorbs it). A search's token is an offset: posts arriving
meanwhile shift it toward newer ones, so a gap is read with some overlap, never with a hole.

atproto's HTTP goes through httpx with our guarded transport (safe_http), so a server given in the
form cannot reach our own network. The app password is only sent to `createSession`, once a run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from django import forms
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError

from animateur.channels import safe_http
from animateur.channels.connectors import failures
from animateur.channels.connectors.base import (
    Capability,
    Connector,
    RawItem,
    incomplete,
    jsonable,
    register,
    unreadable,
    unreadable_reason,
)
from animateur.channels.errors import MalformedItem, PermanentError
from animateur.stream.counts import Counts
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Kind, Message

if TYPE_CHECKING:  # atproto (26 MB with its models) is imported when Bluesky is spoken to, not by a web
    from atproto import Client  # worker that serves pages

PAGE = 50
MAX_PAGES_PER_RUN = 20
READ_REASONS = {"mention": Kind.MENTION, "reply": Kind.REPLY, "quote": Kind.MENTION}
DEFAULT_SERVICE = "https://bsky.social"


class BlueskyForm(forms.Form):
    service = forms.URLField(
        label=_("Server"),
        assume_scheme="https",
        initial=DEFAULT_SERVICE,
        help_text=_("https://bsky.social, or your own PDS."),
    )
    handle = forms.CharField(label=_("Handle"), max_length=253, help_text=_("For example acme.bsky.social"))
    app_password = forms.CharField(
        label=_("App password"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_("From Settings › Privacy and security › App passwords; never your main password."),
    )
    search = forms.CharField(label=_("Search to follow"), required=False, max_length=200)

    def clean_handle(self) -> str:
        return str(self.cleaned_data["handle"]).strip().lstrip("@")


SOURCE = "Bluesky"
CREDENTIALS = _("the handle or the app password")
# Errors Bluesky answers with 400 that mean the session or the account is refused.
REFUSED_ERRORS = ("AuthenticationRequired", "InvalidToken", "ExpiredToken", "AccountTakedown")


@contextmanager
def classified() -> Iterator[None]:
    """atproto's errors, classified for the scheduler (failures.py); their text never holds the password."""
    try:
        yield
    except Exception as exc:
        from atproto_client import exceptions as atx

        _classify(exc, atx)
        raise


def _classify(exc: Exception, atx: Any) -> None:
    """Raise the scheduler's failure for one of atproto's errors (classified); return for any other."""
    if isinstance(exc, atx.NetworkError):  # InvokeTimeoutError included
        raise failures.for_network(SOURCE, exc) from exc
    if isinstance(exc, httpx.TransportError):  # atproto passes a connection closed before the answer unwrapped
        raise failures.for_network(SOURCE, exc) from exc
    if isinstance(exc, (atx.UnauthorizedError, atx.BadRequestError, atx.RequestException)):
        status = getattr(exc.response, "status_code", 0) or 0
        headers = getattr(exc.response, "headers", None)
        refused = isinstance(exc, atx.UnauthorizedError) or _xrpc(exc) in REFUSED_ERRORS
        kind = failures.REFUSED if refused else None
        wait = _seconds_until((headers or {}).get("ratelimit-reset")) if status == 429 else None
        error = failures.for_status(
            SOURCE, status or 400, headers, detail=_xrpc(exc), kind=kind, credentials=CREDENTIALS
        )
        if wait is not None and error.retry_after is None:  # Bluesky says when its window resets instead
            error.retry_after = wait
        raise error from exc
    if isinstance(exc, atx.ModelError):
        raise PermanentError(
            gettext("this server does not answer like Bluesky: %(e)s") % {"e": exc}, cause="not_bluesky"
        ) from exc


def _xrpc(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    content = getattr(response, "content", None)
    error = getattr(content, "error", None) or getattr(content, "message", None)
    return str(error or getattr(response, "status_code", "") or type(exc).__name__)


def _seconds_until(reset: str | None) -> float | None:
    import time

    if reset and reset.isdigit():
        return max(float(reset) - time.time(), 1.0)
    return None


NOTIFICATIONS = "app.bsky.notification.listNotifications"
SEARCH = "app.bsky.feed.searchPosts"
GET_POSTS = "app.bsky.feed.getPosts"  # posts by URI, with their counts (25 at most a request)


# Each list's entries, and the model of one entry: a page is read entry by entry, so that one entry the
# model refuses (a profile without its handle, say) is rejected alone instead of failing the whole page.
@functools.cache
def lists() -> dict[str, tuple[str, type[Any], type[Any]]]:
    from atproto import models

    return {
        NOTIFICATIONS: (
            "notifications",
            models.AppBskyNotificationListNotifications.Params,
            models.AppBskyNotificationListNotifications.Notification,
        ),
        SEARCH: ("posts", models.AppBskyFeedSearchPosts.Params, models.AppBskyFeedDefs.PostView),
        GET_POSTS: ("posts", models.AppBskyFeedGetPosts.Params, models.AppBskyFeedDefs.PostView),
    }


def post_counts(view: dict[str, Any]) -> Counts | None:
    """A post view's likes and reposts (quotes are posts of their own, read as such); a notification
    carries none."""
    return Counts.of({"like": view.get("likeCount")}, shares=view.get("repostCount"))


@dataclass
class Unparsed:
    """An entry of a page that cannot be read as its model: rejected with `problem`."""

    raw: Any
    problem: str
    uri: str
    indexed_at: str
    reason: str


@dataclass
class Page:
    entries: list[Any]
    cursor: str | None


def _query(client: Client, nsid: str, params: dict[str, Any]) -> Page:
    """One page of a list, each entry read on its own (see lists)."""
    from atproto_client import exceptions as atx
    from atproto_client.models.utils import get_or_create

    key, params_model, entry_model = lists()[nsid]
    response = client.invoke_query(nsid, params=get_or_create(params, params_model), output_encoding="application/json")
    content = response.content
    if not isinstance(content, dict) or not isinstance(content.get(key), list):
        raise atx.ModelError(f"no {key} in the answer")
    entries: list[Any] = []
    for raw in content[key]:
        try:
            entries.append(get_or_create(raw, entry_model, strict=True))
        except Exception as exc:  # pydantic's or atproto's refusal of this entry alone
            fields = raw if isinstance(raw, dict) else {}
            neighbour = entries[-1].indexed_at if entries else ""
            entries.append(
                Unparsed(
                    raw=raw,
                    problem=_refusal(exc),
                    uri=str(fields.get("uri") or ""),
                    indexed_at=str(fields.get("indexedAt") or neighbour),
                    reason=str(fields.get("reason") or "mention"),
                )
            )
    cursor = content.get("cursor")
    return Page(entries, str(cursor) if cursor else None)


def _refusal(exc: Exception) -> str:
    """What is wrong with an entry: the fields pydantic's validation names, when it is the cause."""
    cause = exc.__cause__ if isinstance(exc.__cause__, ValidationError) else exc
    if isinstance(cause, ValidationError):
        fields = ", ".join(".".join(str(part) for part in error["loc"]) for error in cause.errors()[:3])
        return gettext("this item could not be read (fields missing or invalid: %(fields)s)") % {"fields": fields}
    return unreadable_reason(exc)


def _state(last: str, seen: set[str], gaps: list[dict[str, Any]]) -> dict[str, Any]:
    """A list's cursor: the newest item stored (its instant and the uris seen then) and the gaps left."""
    return {"indexed_at": last, "uris": sorted(seen), "gaps": [dict(g) for g in gaps]}


@register
class BlueskyConnector(Connector):
    kind = "bluesky"
    label = _("Bluesky")
    capabilities = frozenset({Capability.READ, Capability.REPLY, Capability.PUBLISH, Capability.DELETE})
    reads_counts = True  # likes and reposts of our recent posts, read again (`read_counts`)
    # The API deletes only the account's own posts: moderation does not ask it to delete anyone else's.
    own_posts_only = frozenset({Capability.DELETE})
    form_class = BlueskyForm
    secret_fields = ("app_password",)
    default_poll_interval = 600  # a login per run: createSession allows 300 a day
    # Our account's DID, found at login: kept so that our own posts count as the organisation's.
    learned_keys = ("did",)
    # Config fields that each name a source of their own (see channels/runner.py on history).
    source_fields = ("search",)

    def client(self) -> Client:
        from atproto import Client
        from atproto_client.request import Request

        service = safe_http.validate_url(str(self.config.get("service") or DEFAULT_SERVICE))
        request = Request(
            transport=safe_http.transport(),
            timeout=safe_http.TIMEOUT_SECONDS,
            headers={"User-Agent": safe_http.USER_AGENT},
            trust_env=False,
        )
        client = Client(base_url=service, request=request)
        with classified():
            client.login(self.config.get("handle", ""), self.secrets.get("app_password", ""), fetch_bsky_profile=False)
        return client

    def streams(self, client: Client) -> list[tuple[str, Callable[[str | None], Any], str]]:
        def notifications(cursor: str | None) -> Page:
            params = {"limit": PAGE, "cursor": cursor}
            return _query(client, NOTIFICATIONS, {k: v for k, v in params.items() if v is not None})

        found: list[tuple[str, Callable[[str | None], Any], str]] = [("notifications", notifications, "notification")]
        if query := str(self.config.get("search") or "").strip():

            def search(cursor: str | None) -> Page:
                params = {"q": query, "sort": "latest", "limit": PAGE, "cursor": cursor}
                return _query(client, SEARCH, {k: v for k, v in params.items() if v is not None})

            found.append((f"search:{query}", search, "post"))
        return found

    @staticmethod
    def _page(call: Callable[[str | None], Any], shape: str, token: str | None) -> tuple[list[Any], str | None]:
        with classified():
            page = call(token)
        return page.entries, page.cursor

    @staticmethod
    def _known(entry: Any, indexed_at: str, uris: set[str]) -> bool:
        if isinstance(entry, Unparsed):  # cannot be placed: one met while reading down is new
            return False
        return bool(entry.indexed_at < indexed_at or (entry.indexed_at == indexed_at and entry.uri in uris))

    def _down(
        self, call: Callable[[str | None], Any], shape: str, indexed_at: str, uris: set[str], budget: list[int]
    ) -> tuple[list[Any], str | None]:
        """Entries newer than (indexed_at, uris), newest first, within the page budget, and the token to
        read on from if the budget ended first (None when the known entries or the list's end were met)."""
        found: list[Any] = []
        token: str | None = None
        while budget[0] > 0:
            budget[0] -= 1
            entries, token = self._page(call, shape, token)
            for entry in entries:
                if self._known(entry, indexed_at, uris):
                    return found, None
                found.append(entry)
            if not entries or not token:
                return found, None
        return found, token

    def fetch(self, since: dict[str, Any]) -> Iterator[RawItem]:
        client = self.client()
        cursor = dict(since)
        for key, call, shape in self.streams(client):
            state = dict(cursor.get(key) or {})
            last, seen = str(state.get("indexed_at") or ""), set(state.get("uris") or [])
            gaps: list[dict[str, Any]] = [dict(g) for g in state.get("gaps") or []]
            budget = [MAX_PAGES_PER_RUN if last else 1]  # first run: the latest page only

            found, token = self._down(call, shape, last, seen, budget)
            if token and last:  # the budget ended before what we have: read the rest on later runs
                gaps.append({"token": token, "indexed_at": last, "uris": sorted(seen)})
            found.sort(key=lambda e: e.indexed_at)
            for entry in found:
                if isinstance(entry, Unparsed):  # rejected with the cursor as it stands: it cannot move it
                    yield self._raw(entry, shape, cursor)
                    continue
                if entry.indexed_at != last:
                    last, seen = entry.indexed_at, set()
                seen.add(entry.uri)
                cursor = {**cursor, key: _state(last, seen, gaps)}
                if self._wanted(entry, shape):
                    yield self._raw(entry, shape, cursor)
            while gaps and budget[0] > 0:
                gap = gaps[-1]  # the newest gap first: its items are the likeliest still to matter
                budget[0] -= 1
                entries, token = self._page(call, shape, gap["token"])
                done = not entries or not token
                for entry in entries:
                    if self._known(entry, gap["indexed_at"], set(gap["uris"])):
                        done = True
                        break
                    # Still this page's token: a run cut here reads the page again.
                    cursor = {**cursor, key: _state(last, seen, gaps)}
                    if self._wanted(entry, shape):
                        yield self._raw(entry, shape, cursor)
                if done:
                    gaps.pop()
                else:
                    gap["token"] = token
                cursor = {**cursor, key: _state(last, seen, gaps)}
            cursor = {**cursor, key: _state(last, seen, gaps)}
        self.final_cursor = cursor

    @staticmethod
    def _wanted(entry: Any, shape: str) -> bool:
        return shape != "notification" or entry.reason in READ_REASONS

    @staticmethod
    def _raw(entry: Any, shape: str, cursor: dict[str, Any]) -> RawItem:
        if isinstance(entry, Unparsed):
            return unreadable(entry.uri, entry.problem, entry.raw, cursor)
        from atproto_client.models.utils import get_model_as_dict

        extra = {"source": "search"} if shape == "post" else {}  # the search's posts: a source of their own
        return RawItem(
            entry.uri, parse_datetime(entry.indexed_at), shape, jsonable(get_model_as_dict(entry)), cursor, extra
        )

    def normalize(self, raw: RawItem) -> Incoming:
        entry = raw.payload
        try:
            record, author = entry["record"], entry["author"]
            created = parse_datetime(str(record.get("createdAt") or entry["indexedAt"]))
            if created is None:
                raise MalformedItem(gettext("its date “%(date)s” is not a date") % {"date": record.get("createdAt")})
            reply = record.get("reply") or {}
            parent = (reply.get("parent") or {}).get("uri")
            if raw.kind == "notification":
                kind = READ_REASONS.get(str(entry.get("reason")), Kind.MENTION)
            else:
                kind = Kind.REPLY if parent else Kind.POST
            handle = str(author["handle"])
            rkey = str(entry["uri"]).rsplit("/", 1)[-1]
            langs = record.get("langs") or []
            return Incoming(
                channel=self.channel,
                external_id=str(entry["uri"]),
                text=str(record.get("text") or ""),
                created_at=created,
                author=AuthorInfo(
                    external_id=str(author["did"]),
                    display_name=str(author.get("displayName") or ""),
                    handle="@" + handle,
                    url=f"https://bsky.app/profile/{handle}",
                ),
                kind=kind,
                url=f"https://bsky.app/profile/{handle}/post/{rkey}",
                parent_external_id=str(parent) if parent else None,
                language=(str(langs[0])[:8] if langs else None),
                from_organisation=str(author["did"]) == str(self.config.get("did") or ""),
                raw=entry,
                counts=post_counts(entry),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise MalformedItem(incomplete("Bluesky", exc)) from exc

    def read_counts(self, external_ids: list[str]) -> dict[str, Counts]:
        """Our posts' likes and reposts now: app.bsky.feed.getPosts, 25 URIs a request; one deleted since
        is absent from the answer and left out."""
        from atproto_client.models.utils import get_model_as_dict

        client = self.client()
        found: dict[str, Counts] = {}
        for at in range(0, len(external_ids), 25):
            with classified():
                page = _query(client, GET_POSTS, {"uris": external_ids[at : at + 25]})
            for entry in page.entries:
                if isinstance(entry, Unparsed):
                    continue
                counts = post_counts(get_model_as_dict(entry))
                if counts is not None and entry.uri in external_ids:
                    found[entry.uri] = counts
        return found

    def test_connection(self) -> str:
        client = self.client()
        session = client._session
        self.config["did"] = getattr(session, "did", "")
        return gettext("Connected to Bluesky as @%(handle)s") % {"handle": getattr(session, "handle", "?")}

    def reply(self, message: Message, text: str) -> str:
        from atproto import models

        raw = message.raw or {}
        try:
            parent = models.ComAtprotoRepoStrongRef.Main(uri=raw["uri"], cid=raw["cid"])
            root_ref = ((raw.get("record") or {}).get("reply") or {}).get("root")
            root = models.ComAtprotoRepoStrongRef.Main(**root_ref) if root_ref else parent
        except (KeyError, TypeError) as exc:
            raise PermanentError(gettext("this message lacks the Bluesky references needed to answer it")) from exc
        client = self.client()
        with classified():
            created = client.send_post(
                text, reply_to=models.AppBskyFeedPost.ReplyRef(parent=parent, root=root), **self._as_us(client)
            )
        return str(created.uri)

    def _as_us(self, client: Client) -> dict[str, Any]:
        # Posting needs our DID (the profile is not fetched at login) and the language we write in.
        language = getattr(self.channel.workspace, "language", "") or "en"
        return {"profile_identify": getattr(client._session, "did", None), "langs": [language[:2]]}

    def publish(self, text: str, *, title: str = "") -> str:
        client = self.client()
        with classified():
            created = client.send_post(text, **self._as_us(client))
        return str(created.uri)

    def delete(self, message: Message) -> None:
        client = self.client()
        with classified():
            client.delete_post(message.external_id)
