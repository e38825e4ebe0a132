"""A Facebook Page, over the Graph API: the page's feed (its posts and visitors' posts) and the
comments and replies under them, and, where the channel reads them, the page's Messenger
conversations (meta_messages.py) and its ratings and recommendations; with a page access token,
answering comments, messages and reviews, hiding and unhiding, and deleting comments.

The feed is listed newest first: each run reads it down to the newest post it already has (its time,
with the ids seen at that second), within a page budget, and stores what is new oldest first. The
comments of the newest WATCHED posts are read in chronological order (`order=chronological`,
`filter=stream`: replies included, each naming its `parent`), from the paging cursor after the last
one read, kept per post in the channel's cursor: a run stopped anywhere reads its last page again
(the message key absorbs it) and nothing falls in a hole. Limit: comments on a post older than the
WATCHED newest ones are not read any more; a feed busier than the page budget between two polls
loses its oldest posts (logged).

Rate limits: Graph answers error codes 4, 17, 32, 613 and 80001 when a limit is reached, and its
X-Business-Use-Case-Usage header says in how many minutes access comes back: the channel waits that
long. Token errors (code 190) ask for reconnection; missing permissions (10, 200-299) name the
permission the page token lacks.

Ratings (`/{page-id}/ratings`, newest first, needing pages_read_user_content): each recommendation or
review is read as a visitor's post on the page, keyed by its `open_graph_story` (the object Graph lets
the page comment on, so answering it is commenting it); the list is read down to the newest one already
stored, as the feed is. A rating without a story (an old star rating) has nothing to answer: rejected,
with its reason.

Reactions and shares (stream/counts.py): a post is read with its reactions' summary, in all and by type
(like, love, care, haha, wow, sad, angry, each `reactions.type(..).summary(total_count)` under its alias)
and its `shares`; a comment with its `like_count`. Counts move after a post is stored: the page's posts
of the last week are read again after each run (`read_counts`: `GET /?ids=..&fields=..`, 50 at a time,
each post every half hour at most; channels/runner.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Generator, Iterator
from typing import Any

from django import forms
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from animateur.channels import safe_http
from animateur.channels.connectors import failures, meta_messages
from animateur.channels.connectors.base import Capability, RawItem, incomplete, read_item, register, unreadable
from animateur.channels.connectors.http import RestConnector
from animateur.channels.errors import ConnectorError, MalformedItem, PermanentError
from animateur.core.html import text_of
from animateur.stream.counts import Counts
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Kind, Message

log = logging.getLogger(__name__)

GRAPH_URL = "https://graph.facebook.com/v21.0"
PAGE = 100
MAX_PAGES_PER_RUN = 10
WATCHED = 25  # the newest posts whose comments each run reads
# A post's reactions, in all and by type (each type's summary under its alias, as the Graph API shows
# them: reactions.type(LIKE).limit(0).summary(total_count).as(like)), and its shares.
REACTION_TYPES = ("like", "love", "care", "haha", "wow", "sad", "angry")
POST_COUNT_FIELDS = ",".join(
    [
        "reactions.limit(0).summary(total_count)",
        *(f"reactions.type({t.upper()}).limit(0).summary(total_count).as({t})" for t in REACTION_TYPES),
        "shares",
    ]
)
POST_FIELDS = f"id,message,created_time,updated_time,permalink_url,from,{POST_COUNT_FIELDS}"
COMMENT_FIELDS = "id,message,created_time,from,parent{id},permalink_url,is_hidden,like_count"
COUNTS_AT_ONCE = 50  # ids in one `?ids=` request, the Graph API's limit
RATING_FIELDS = "created_time,recommendation_type,review_text,rating,reviewer{id,name},open_graph_story{id}"
RATE_CODES = (4, 17, 32, 613, 80001)
TOKEN_CODES = (102, 190, 463, 467)


class FacebookForm(forms.Form):
    page_id = forms.RegexField(
        label=_("Page id"),
        regex=r"^[0-9]{5,20}$",
        help_text=_("The page's number: Page › About › Page transparency, or Meta Business Suite › Settings."),
        error_messages={"invalid": _("A page id is a number.")},
    )
    page_access_token = forms.CharField(
        label=_("Page access token"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "A page token with pages_read_engagement, pages_read_user_content and pages_manage_engagement "
            "(from the Graph API Explorer or your Meta app)."
        ),
    )
    read_messages = forms.BooleanField(
        label=_("Read the page's Messenger conversations"),
        required=False,
        help_text=_("Needs pages_messaging and pages_manage_metadata; answers are allowed within 24 hours."),
    )
    read_ratings = forms.BooleanField(
        label=_("Read the page's ratings and recommendations"),
        required=False,
        help_text=_("Each review arrives in the inbox; answering it comments it on the page."),
    )


def graph_counts(entry: dict[str, Any]) -> Counts | None:
    """What a Graph object says of its reactions and shares: a Facebook post's reactions summary, by
    type under its alias, and `shares.count` (absent when nobody shared it); a comment's, or an Instagram
    media's or comment's, `like_count`. None when it says nothing."""
    summary = entry.get("reactions")
    if isinstance(summary, dict):
        total = (summary.get("summary") or {}).get("total_count") if isinstance(summary.get("summary"), dict) else None
        kinds = {}
        for kind in REACTION_TYPES:
            by_type = entry.get(kind)
            if isinstance(by_type, dict) and isinstance(by_type.get("summary"), dict):
                kinds[kind] = by_type["summary"].get("total_count")
        shares = entry.get("shares")
        return Counts.of(kinds, total=total, shares=shares.get("count") if isinstance(shares, dict) else 0)
    if "like_count" in entry:
        return Counts.of({"like": entry.get("like_count")})
    return None


def _graph_time(value: Any) -> str:
    """A Graph time (2021-07-04T19:50:58+0000) as ISO 8601 in UTC, comparable as text."""
    parsed = parse_datetime(str(value or ""))
    return parsed.isoformat() if parsed else ""


def _raw(external_id: str, entry: dict[str, Any], kind: str, cursor: dict[str, Any], post: str) -> RawItem:
    if not entry.get("id"):
        raise MalformedItem(gettext("this Facebook item has no id"))
    when = parse_datetime(str(entry.get("updated_time") or entry.get("created_time") or ""))
    return RawItem(external_id, when, kind, entry, cursor, extra={"post_id": post})


@register
class FacebookConnector(RestConnector):
    kind = "facebook"
    label = _("Facebook Page")
    capabilities = frozenset(
        {Capability.READ, Capability.REPLY, Capability.HIDE, Capability.DELETE, Capability.MODERATE}
    )
    form_class = FacebookForm
    secret_fields = ("page_access_token",)
    default_poll_interval = 300
    source_name = "Facebook"
    credentials_words = _("the page access token")
    messaging = "messenger"  # the Conversations API's platform of this kind
    # Parts a manager turns on later: what they bring from before is history (channels/runner.py).
    source_fields = ("read_messages", "read_ratings")
    # The page's recent posts' reactions and shares are read again (`read_counts`), with these fields.
    reads_counts = True
    count_fields = POST_COUNT_FIELDS

    def __init__(self, channel: Any) -> None:
        super().__init__(channel)
        if self.config.get("read_messages"):  # per channel: private messages are read only when asked
            self.capabilities = self.capabilities | {Capability.DIRECT}  # type: ignore[misc]

    # -- HTTP ---------------------------------------------------------------------------------------
    def base_url(self) -> str:
        return str(self.config.get("graph_url") or GRAPH_URL)

    def auth_headers(self) -> dict[str, str]:
        # In a header: Graph's own `next` links carry the token in the URL, so they are never followed.
        token = self.secrets.get("page_access_token")
        return {"Authorization": f"Bearer {token}"} if token else {}

    @property
    def authenticated(self) -> bool:
        return bool(self.secrets.get("page_access_token"))

    def failure_for(self, response: safe_http.Fetched) -> ConnectorError:
        error = _graph_error(response)
        code = int(error.get("code") or 0) if str(error.get("code") or "").isdigit() else 0
        detail = f"HTTP {response.status} (#{code}) {error.get('message') or ''}".strip()
        if code in RATE_CODES:
            wait = failures.retry_after(response.headers) or _regained_in(response) or 300.0
            return failures.failure(failures.RATE_LIMITED, self.source_name, detail=detail, retry_after_seconds=wait)
        if code in TOKEN_CODES or error.get("type") == "OAuthException" and response.status == 401:
            return failures.failure(
                failures.REFUSED, self.source_name, detail=detail, credentials=self.credentials_words
            )
        if meta_messages.window_closed(error):
            words = gettext("the 24 hours allowed to answer this private message are over: answer it in %(app)s")
            return failures.failure(failures.FORBIDDEN, self.source_name, detail=words % {"app": self.source_name})
        if code == 10 or 200 <= code <= 299:
            return failures.failure(failures.FORBIDDEN, self.source_name, detail=detail)
        if code == 100 and error.get("error_subcode") == 33:
            return failures.failure(failures.NOT_FOUND, self.source_name, detail=detail)
        if code:  # Graph answers most refusals with HTTP 400 and its own code
            kind = failures.FAILING if response.status >= 500 or code in (1, 2) else failures.REQUEST_REFUSED
            return failures.failure(kind, self.source_name, detail=detail)
        return super().failure_for(response)

    # -- reading ------------------------------------------------------------------------------------
    def _list(self, path: str, params: dict[str, Any], after: str | None) -> tuple[list[Any], str | None, bool]:
        """One page of a Graph list: its entries, the cursor after its last one, and whether more follow."""
        query = {**params, "limit": PAGE, **({"after": after} if after else {})}
        data = self.request("GET", path, query)
        if not isinstance(data, dict) or not isinstance(data.get("data", []), list):
            raise self.not_understood()
        paging: dict[str, Any] = data["paging"] if isinstance(data.get("paging"), dict) else {}
        cursors: dict[str, Any] = paging["cursors"] if isinstance(paging.get("cursors"), dict) else {}
        following = cursors.get("after")
        return list(data.get("data") or []), str(following) if following else None, bool(paging.get("next"))

    def fetch(self, since: dict[str, Any]) -> Iterator[RawItem]:
        # The feed and its comments, then the private messages and the ratings when the channel reads
        # them: each part keeps its own key of the cursor, and every item carries the others' as they are.
        carry: dict[str, Any] = {k: since[k] for k in ("messages", "ratings") if k in since}
        for raw in self._feed(since):
            if raw.cursor is not None:
                raw.cursor = {**carry, **raw.cursor}
            yield raw
        base = dict(self.final_cursor or {})
        self.final_cursor = {**base, **carry}
        yield from self.fetch_more(since, base, carry)
        self.final_cursor = {**base, **carry}

    def fetch_more(self, since: dict[str, Any], base: dict[str, Any], carry: dict[str, Any]) -> Iterator[RawItem]:
        """The parts read after the page's own (`base` its cursor): messages and ratings; `carry` is updated."""
        if self.config.get("read_messages"):
            yield from self.read_messages(since, base, carry)
        if self.config.get("read_ratings"):
            carry["ratings"] = yield from meta_messages.merged(
                self._ratings(dict(since.get("ratings") or {})),
                lambda part: {**base, **carry, "ratings": part},
                "read_ratings",
            )

    def read_messages(
        self, since: dict[str, Any], base: dict[str, Any], carry: dict[str, Any]
    ) -> Generator[RawItem, None, None]:
        node = self.messaging_node()
        carry["messages"] = yield from meta_messages.merged(
            meta_messages.read_conversations(
                self._list, node, self.messaging, dict(since.get("messages") or {}), str(self.source_name)
            ),
            lambda part: {**base, **carry, "messages": part},
            "read_messages",
        )

    def messaging_node(self) -> str:
        """The node whose conversations are read and that sends the answers: the page."""
        return str(self.config.get("page_id") or "")

    def _ratings(self, state: dict[str, Any]) -> Generator[RawItem, None, dict[str, Any]]:
        page_id = str(self.config.get("page_id") or "")
        newest, seen = str(state.get("time") or ""), set(state.get("ids") or [])
        fresh, _whole = meta_messages.newer(
            self._list, f"{page_id}/ratings", {"fields": RATING_FIELDS}, newest, seen, key=_story
        )
        no_story = gettext("this Facebook rating has no review to answer (no open_graph_story)")
        for entry in reversed(fresh):
            key = _story(entry)
            if not key:
                yield unreadable("rating:?", no_story, entry, {"time": newest, "ids": sorted(seen)})
                continue
            when = _graph_time(entry.get("created_time"))
            if when > newest:
                newest, seen = when, set()
            seen.add(key)
            cursor = {"time": newest, "ids": sorted(seen)}
            yield read_item(key, entry, cursor, _raw_rating, key, entry, cursor)
        return {"time": newest, "ids": sorted(seen)}

    def _feed(self, since: dict[str, Any]) -> Iterator[RawItem]:
        page_id = str(self.config.get("page_id") or "")
        state = dict(since.get("posts") or {})
        newest, seen = str(state.get("time") or ""), set(state.get("ids") or [])
        watch: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (since.get("watch") or {}).items()}
        fresh, whole = meta_messages.newer(self._list, f"{page_id}/feed", {"fields": POST_FIELDS}, newest, seen)
        if not whole and newest:
            log.warning("channel %s: more new posts than one run reads; the oldest are skipped", self.channel.pk)
        cursor: dict[str, Any] = {"posts": {"time": newest, "ids": sorted(seen)}, "watch": watch}
        for entry in reversed(fresh):
            if not isinstance(entry, dict) or not entry.get("id"):
                yield unreadable("post:?", gettext("this Facebook item has no id"), entry, cursor)
                continue
            post_id, when = str(entry["id"]), _graph_time(entry.get("created_time"))
            if when > newest:
                newest, seen = when, set()
            seen.add(post_id)
            watch[post_id] = {"created": when, "after": None}
            for old in sorted(watch, key=lambda p: watch[p].get("created") or "")[:-WATCHED]:
                del watch[old]
            cursor = self._cursor(newest, seen, watch)
            yield read_item(post_id, entry, cursor, _raw, post_id, entry, "post", cursor, post_id)
        for post_id in sorted(watch, key=lambda p: watch[p].get("created") or ""):
            yield from self._comments(post_id, newest, seen, watch)
        self.final_cursor = self._cursor(newest, seen, watch)

    def _cursor(self, newest: str, seen: set[str], watch: dict[str, dict[str, Any]]) -> dict[str, Any]:
        return {"posts": {"time": newest, "ids": sorted(seen)}, "watch": {k: dict(v) for k, v in watch.items()}}

    def _comments(
        self, post_id: str, newest: str, seen: set[str], watch: dict[str, dict[str, Any]]
    ) -> Iterator[RawItem]:
        params = {"fields": COMMENT_FIELDS, "filter": "stream", "order": "chronological"}
        for _page in range(MAX_PAGES_PER_RUN):
            start = watch[post_id].get("after")
            entries, after, more = self._list(f"{post_id}/comments", params, start)
            cursor = self._cursor(newest, seen, watch)  # this page read again if the run stops inside it
            for entry in entries:
                named = str(entry.get("id") if isinstance(entry, dict) else "") or "comment:?"
                if not isinstance(entry, dict) or not entry.get("id"):
                    yield unreadable(named, gettext("this Facebook item has no id"), entry, cursor)
                    continue
                yield read_item(named, entry, cursor, _raw, named, entry, "comment", cursor, post_id)
            if after:
                watch[post_id]["after"] = after
            if not more or not after or after == start:  # a cursor that does not move would loop
                return

    def normalize(self, raw: RawItem) -> Incoming:
        if raw.kind == meta_messages.DM:
            return self.normalize_message(raw)
        if raw.kind == "rating":
            return self._normalize_rating(raw)
        entry = raw.payload
        try:
            created = parse_datetime(str(entry["created_time"]))
            if created is None:
                raise MalformedItem(gettext("its date “%(date)s” is not a date") % {"date": entry["created_time"]})
            who = entry.get("from") if isinstance(entry.get("from"), dict) else None
            page_id = str(self.config.get("page_id") or "")
            author = (
                AuthorInfo(
                    external_id=f"facebook:{who['id']}",
                    display_name=str(who.get("name") or ""),
                    url=f"https://www.facebook.com/{who['id']}",
                )
                if who and who.get("id")
                else None  # Graph names people only with pages_read_user_content
            )
            text = str(entry.get("message") or "")
            if raw.kind == "post":
                return Incoming(
                    channel=self.channel,
                    external_id=raw.external_id,
                    text=text,
                    html=None,
                    url=str(entry.get("permalink_url") or ""),
                    created_at=created,
                    author=author,
                    kind=Kind.POST,
                    from_organisation=who is None or str(who.get("id")) == page_id,
                    raw=entry,
                    counts=graph_counts(entry),
                )
            parent = (entry.get("parent") or {}).get("id") if isinstance(entry.get("parent"), dict) else None
            return Incoming(
                channel=self.channel,
                external_id=raw.external_id,
                text=text,
                url=str(entry.get("permalink_url") or ""),
                created_at=created,
                author=author,
                kind=Kind.REPLY if parent else Kind.COMMENT,
                parent_external_id=str(parent or raw.extra.get("post_id") or "") or None,
                source_visibility="hidden" if entry.get("is_hidden") else None,
                from_organisation=bool(who) and str((who or {}).get("id")) == page_id,
                raw=entry,
                counts=graph_counts(entry),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise MalformedItem(incomplete("Facebook", exc)) from exc

    def ours(self) -> set[str]:
        """Who we are in private messages: the page's id."""
        return {str(self.config.get("page_id") or "")} - {""}

    def normalize_message(self, raw: RawItem) -> Incoming:
        """A private message: from the person, or one of ours (sent from Messenger or from the inbox)."""
        entry = raw.payload
        try:
            created = parse_datetime(str(entry["created_time"]))
            if created is None:
                raise MalformedItem(gettext("its date “%(date)s” is not a date") % {"date": entry["created_time"]})
            who = entry["from"]
            ours = str(who.get("id") or "") in self.ours() or str(who.get("username") or "") in self.ours()
            username = str(who.get("username") or "")
            author = AuthorInfo(
                external_id=f"{self.kind}:{who['id']}",
                display_name=str(who.get("name") or username),
                handle=username,
                url=f"https://www.instagram.com/{username}/" if username else "",
            )
            before = [str(b) for b in raw.extra.get("before") or []]
            return Incoming(
                channel=self.channel,
                external_id=raw.external_id,
                text=meta_messages.text_of_message(entry),
                created_at=created,
                author=author,
                kind=Kind.DIRECT,
                parent_external_id=before[0] if before else None,
                ancestor_external_ids=before[1:],
                from_organisation=ours,
                raw=entry,
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise MalformedItem(incomplete(str(self.source_name), exc)) from exc

    def _normalize_rating(self, raw: RawItem) -> Incoming:
        entry = raw.payload
        try:
            created = parse_datetime(str(entry["created_time"]))
            if created is None:
                raise MalformedItem(gettext("its date “%(date)s” is not a date") % {"date": entry["created_time"]})
            who = entry.get("reviewer") if isinstance(entry.get("reviewer"), dict) else None
            kind = str(entry.get("recommendation_type") or "").lower()
            if kind == "positive":
                title = gettext("Recommends the page")
            elif kind == "negative":
                title = gettext("Does not recommend the page")
            else:
                title = gettext("Rated the page %(stars)s/5") % {"stars": entry.get("rating") or "?"}
            return Incoming(
                channel=self.channel,
                external_id=raw.external_id,
                title=title,
                text=str(entry.get("review_text") or "").strip() or title,
                created_at=created,
                author=AuthorInfo(
                    external_id=f"facebook:{who['id']}",
                    display_name=str(who.get("name") or ""),
                    url=f"https://www.facebook.com/{who['id']}",
                )
                if who and who.get("id")
                else None,
                kind=Kind.POST,
                raw=entry,
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise MalformedItem(incomplete("Facebook", exc)) from exc

    def read_counts(self, external_ids: list[str]) -> dict[str, Counts]:
        """The posts' reactions and shares now: `GET /?ids=..&fields=..`, 50 ids a request."""
        found: dict[str, Counts] = {}
        for at in range(0, len(external_ids), COUNTS_AT_ONCE):
            ids = external_ids[at : at + COUNTS_AT_ONCE]
            answer = self.request("GET", "", {"ids": ",".join(ids), "fields": self.count_fields})
            for key, entry in (answer if isinstance(answer, dict) else {}).items():
                counts = graph_counts(entry) if isinstance(entry, dict) and key in ids else None
                if counts is not None:
                    found[key] = counts
        return found

    def test_connection(self) -> str:
        page = self.request("GET", str(self.config.get("page_id") or ""), {"fields": "id,name"})
        if not isinstance(page, dict) or not page.get("id"):
            raise self.not_understood()
        return gettext("Facebook Page “%(name)s”") % {"name": text_of(str(page.get("name") or page["id"]))}

    # -- answering and moderating -------------------------------------------------------------------
    def reply_privately(self, message: Message, text: str) -> str:
        """Answer a private message through the Send API, as the page."""
        recipient = meta_messages.other_party(message.raw or {}, self.ours())
        body = meta_messages.send_body(recipient, text)
        sent = self.request("POST", f"{self.messaging_node()}/messages", body=body)
        if not isinstance(sent, dict) or not sent.get("message_id"):
            raise self.not_understood()
        return str(sent["message_id"])

    def reply(self, message: Message, text: str) -> str:
        if message.kind == Kind.DIRECT:
            return self.reply_privately(message, text)
        # Facebook threads have two levels: an answer to a reply goes under the comment it replies to.
        parent = ((message.raw or {}).get("parent") or {}).get("id") if message.kind == Kind.REPLY else None
        created = self.request("POST", f"{parent or message.external_id}/comments", body={"message": text})
        if not isinstance(created, dict) or not created.get("id"):
            raise self.not_understood()
        return str(created["id"])

    def _comment_id(self, message: Message) -> str:
        if message.kind not in (Kind.COMMENT, Kind.REPLY):
            raise PermanentError(gettext("only comments can be hidden on a Facebook Page"), cause="http_error")
        return message.external_id

    def hide(self, message: Message) -> None:
        self.request("POST", self._comment_id(message), body={"is_hidden": True})

    def moderate(self, message: Message, status: str) -> None:
        """Facebook has no spam folder nor review queue for comments: held or spam is hidden; approved, shown."""
        if status not in ("approved", "hold", "spam"):
            raise ValueError(f"unknown moderation status {status!r}")
        self.request("POST", self._comment_id(message), body={"is_hidden": status != "approved"})

    def delete(self, message: Message) -> None:
        self.request("DELETE", self._comment_id(message), empty=True)


def _story(entry: Any) -> str:
    story = entry.get("open_graph_story") if isinstance(entry, dict) else None
    return str(story.get("id") or "") if isinstance(story, dict) else ""


def _raw_rating(external_id: str, entry: dict[str, Any], cursor: dict[str, Any]) -> RawItem:
    return RawItem(external_id, parse_datetime(str(entry.get("created_time") or "")), "rating", entry, cursor)


def _graph_error(response: safe_http.Fetched) -> dict[str, Any]:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return {}
    return error if isinstance(error, dict) else {}


def _regained_in(response: safe_http.Fetched) -> float | None:
    """Seconds until access comes back, from X-Business-Use-Case-Usage (minutes, per business id)."""
    try:
        usage = json.loads(response.headers.get("x-business-use-case-usage") or "{}")
        minutes = [
            float(entry.get("estimated_time_to_regain_access") or 0)
            for entries in usage.values()
            for entry in entries
            if isinstance(entry, dict)
        ]
    except (ValueError, AttributeError, TypeError):
        return None
    return max(minutes) * 60 if minutes and max(minutes) > 0 else None
