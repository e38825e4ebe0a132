"""A LinkedIn organisation page, over LinkedIn's Community Management API (the versioned REST API,
api.linkedin.com/rest): the page's posts, the comments under them and the replies to those; with an
administrator's access token (scopes r_organization_social, w_organization_social), answering and
deleting comments as the organisation.

Posts: `GET /rest/posts?author=urn:li:organization:{id}&q=author&sortBy=CREATED`, newest first, paged
with `start` and `count`. Each run reads down to the newest post it already has (its creation time,
with the URNs seen at that millisecond) and stores what is new oldest first. The comments of the
WATCHED newest posts are read at each run (`GET /rest/socialActions/{post urn}/comments`), stored
oldest first (the message key absorbs those already stored); a comment's replies
(`/rest/socialActions/{comment urn}/comments`) are read when its count of replies changed since the
last run (kept per comment in the cursor). Commenters are named through `/rest/people/(id:..)` and
`/rest/organizations/{id}`, once per run each; where LinkedIn refuses to name one, the comment keeps
its member's URN and no name.

LinkedIn offers no way to hide a comment through its API: a comment rejected here is hidden here only
(moderation says so); deleting it at the source is offered.

Mentions of the organisation, where the channel reads them (`read_mentions`, with rw_organization_admin):
`GET /rest/organizationalEntityNotifications?q=criteria&actions=List(SHARE_MENTION,COMMENT_MENTION)`
over the time since the last one read (LinkedIn keeps them 60 days; a first run looks back a week),
oldest first; each names the post (`GET /rest/posts/{urn}`) or the comment
(`GET /rest/socialActions/{post}/comments/{id}`) that mentions the page, read and stored as a mention,
answered by a comment under it. One LinkedIn will not let the page read (a member's post shared with
their connections only) is rejected with that reason, and the others go on.
Reactions are counted, not stored as messages (a reaction has no words to answer): a post's, by type,
from the Social Metadata API (`GET /rest/socialMetadata?ids=List({urn},..)`, its `reactionSummaries`:
LIKE, PRAISE « Celebrate », EMPATHY « Love », APPRECIATION « Support », INTEREST « Insightful »,
ENTERTAINMENT « Funny »), read for the organisation's recent posts after each run, a few at a time
(`read_counts`, channels/runner.py); a comment's total from its `likesSummary`, read with it. LinkedIn
says nothing of a post's reshares to a page's administrator here (they are in the share statistics of
the Marketing API, not read): shares stay unknown.

Errors: 401 is a token refused (reconnect); 403 a permission the token lacks, named; 429 LinkedIn's
daily application or member limit, renewed at midnight UTC, waited out.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from animateur.channels import safe_http
from animateur.channels.connectors import failures
from animateur.channels.connectors.base import Capability, RawItem, incomplete, read_item, register, unreadable
from animateur.channels.connectors.http import RestConnector, error_detail
from animateur.channels.errors import ConnectorError, MalformedItem, PermanentError
from animateur.core.html import text_of
from animateur.stream.counts import Counts, count
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Kind, Message

log = logging.getLogger(__name__)

API_URL = "https://api.linkedin.com/rest"
API_VERSION = "202411"  # the LinkedIn-Version header: the API's monthly version this connector was written to
PAGE = 50
MAX_PAGES_PER_RUN = 10
WATCHED = 10  # the newest posts whose comments each run reads
MENTION_ACTIONS = "List(SHARE_MENTION,COMMENT_MENTION)"
MENTIONS_LOOK_BACK_MS = 7 * 24 * 3600 * 1000  # a first run's mentions: the last week
# LinkedIn's reaction types (Reactions API), as the kinds the stream keeps (stream/counts.py).
REACTION_KINDS = {
    "LIKE": "like",
    "PRAISE": "celebrate",
    "EMPATHY": "love",
    "APPRECIATION": "support",
    "INTEREST": "insightful",
    "ENTERTAINMENT": "funny",
    "MAYBE": "curious",
}
COUNTS_AT_ONCE = 20  # URNs in one batch request of social metadata
COMMENT_IN_ACTIVITY = re.compile(r"^urn:li:comment:\((urn:li:[a-zA-Z]+:[^,]+),([^)]+)\)$")


class LinkedInForm(forms.Form):
    organization_id = forms.RegexField(
        label=_("Organisation id"),
        regex=r"^[0-9]{1,20}$",
        help_text=_("The number in the page's admin address: linkedin.com/company/<number>/admin/."),
        error_messages={"invalid": _("An organisation id is a number.")},
    )
    access_token = forms.CharField(
        label=_("Access token"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "A page administrator's token with r_organization_social and w_organization_social "
            "(Community Management API); « Connect with LinkedIn » gets it for you."
        ),
    )
    read_mentions = forms.BooleanField(
        label=_("Read the mentions of the page"),
        required=False,
        help_text=_("Posts and comments that name the page; needs rw_organization_admin."),
    )


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list_of(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _urn_key(urn: str) -> str:
    """A URN as one path segment of the Rest.li API (its colons, commas and brackets encoded)."""
    return quote(urn, safe="")


def _ms_time(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


LITTLE_TEXT_MENTION = re.compile(r"@\[([^\]]*)\]\(urn:li:[^)]*\)")
LITTLE_TEXT_ESCAPE = re.compile(r"\\([\\|{}@\[\]()<>#*_~])")


def plain_commentary(text: str) -> str:
    """A post's commentary (LinkedIn's « little text »: @[Name](urn) mentions, reserved characters
    escaped with a backslash) as the words people read."""
    return LITTLE_TEXT_ESCAPE.sub(r"\1", LITTLE_TEXT_MENTION.sub(r"@\1", text))


def _raw(external_id: str, entry: dict[str, Any], kind: str, cursor: dict[str, Any], post: str) -> RawItem:
    if not external_id or external_id.endswith(":?"):
        raise MalformedItem(gettext("this LinkedIn item has no URN"))
    stamp = entry.get("createdAt") if kind in ("post", "mention") else (entry.get("created") or {}).get("time")
    return RawItem(external_id, _ms_time(stamp), kind, entry, cursor, extra={"post": post})


def reaction_counts(metadata: Any) -> Counts | None:
    """A post's reactions by kind from its social metadata (`reactionSummaries`); None if it says none."""
    summaries = _dict(_dict(metadata).get("reactionSummaries"))
    kinds: dict[str, Any] = {}
    for key, summary in summaries.items():
        summary = _dict(summary)
        kind = str(summary.get("reactionType") or key)
        name = REACTION_KINDS.get(kind, kind.lower())
        kinds[name] = (count(kinds.get(name)) or 0) + (count(summary.get("count")) or 0)
    return Counts.of(kinds) if summaries else (Counts.of(total=0) if "reactionSummaries" in _dict(metadata) else None)


def comment_counts(entry: dict[str, Any]) -> Counts | None:
    """A comment's reactions, all kinds together, from its `likesSummary`."""
    likes = _dict(entry.get("likesSummary"))
    return Counts.of(total=likes.get("aggregatedTotalLikes", likes.get("totalLikes")))


def comment_urn(entry: dict[str, Any]) -> str:
    return str(entry.get("commentUrn") or entry.get("$URN") or "")


@register
class LinkedInConnector(RestConnector):
    kind = "linkedin"
    label = _("LinkedIn page")
    capabilities = frozenset({Capability.READ, Capability.REPLY, Capability.DELETE})
    reads_counts = True
    form_class = LinkedInForm
    secret_fields = ("access_token",)
    default_poll_interval = 600
    source_name = "LinkedIn"
    credentials_words = _("the access token")
    # Mentions turned on later: what they bring from before is history (channels/runner.py).
    source_fields = ("read_mentions",)

    # -- HTTP ---------------------------------------------------------------------------------------
    def base_url(self) -> str:
        return str(self.config.get("api_url") or API_URL)

    def auth_headers(self) -> dict[str, str]:
        token = self.secrets.get("access_token")
        headers = {"LinkedIn-Version": str(self.config.get("api_version") or API_VERSION)}
        headers["X-Restli-Protocol-Version"] = "2.0.0"
        return {**headers, "Authorization": f"Bearer {token}"} if token else headers

    @property
    def authenticated(self) -> bool:
        return bool(self.secrets.get("access_token"))

    @property
    def organization(self) -> str:
        return f"urn:li:organization:{self.config.get('organization_id') or ''}"

    def failure_for(self, response: safe_http.Fetched) -> ConnectorError:
        detail = f"HTTP {response.status} {error_detail(response)}".strip()
        if response.status == 403:  # a permission the token lacks, or not an administrator of the page
            return failures.failure(failures.FORBIDDEN, self.source_name, detail=detail)
        if response.status == 429:  # daily limits, renewed at midnight UTC
            now = datetime.now(UTC)
            midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
            wait = failures.retry_after(response.headers) or max((midnight - now).total_seconds(), 60.0)
            return failures.failure(failures.RATE_LIMITED, self.source_name, detail=detail, retry_after_seconds=wait)
        return super().failure_for(response)

    # -- reading ------------------------------------------------------------------------------------
    def _elements(self, path: str, params: dict[str, Any], start: int) -> tuple[list[Any], bool]:
        """One page of a Rest.li collection: its elements, and whether another follows."""
        data = self.request("GET", path, {**params, "start": start, "count": PAGE})
        if not isinstance(data, dict) or not isinstance(data.get("elements", []), list):
            raise self.not_understood()
        elements = list(data.get("elements") or [])
        paging: dict[str, Any] = _dict(data.get("paging"))
        links: list[Any] = _list_of(paging.get("links"))
        total = paging.get("total")
        more = any(isinstance(link, dict) and link.get("rel") == "next" for link in links) or (
            isinstance(total, int) and start + len(elements) < total
        )
        return elements, more and bool(elements)

    def fetch(self, since: dict[str, Any]) -> Iterator[RawItem]:
        # The page's posts and their comments, then the mentions: each part keeps its key of the cursor.
        self._names: dict[str, str] = {}
        carry = {"mentions": since["mentions"]} if "mentions" in since else {}
        for raw in self._posts(since):
            if raw.cursor is not None:
                raw.cursor = {**carry, **raw.cursor}
            yield raw
        base = dict(self.final_cursor or {})
        self.final_cursor = {**base, **carry}
        if self.config.get("read_mentions"):
            for raw in self._mentions(dict(since.get("mentions") or {})):
                if raw.cursor is not None:
                    carry["mentions"] = raw.cursor
                    raw.cursor = {**base, "mentions": raw.cursor}
                raw.extra["source"] = "read_mentions"
                yield raw
            self.final_cursor = {**base, **carry}

    def _mentions(self, state: dict[str, Any]) -> Iterator[RawItem]:
        newest, seen = int(state.get("time") or 0), set(state.get("ids") or [])
        now = int(datetime.now(UTC).timestamp() * 1000)
        start_ms = newest or now - MENTIONS_LOOK_BACK_MS
        params = {
            "q": "criteria",
            "actions": MENTION_ACTIONS,
            "organizationalEntity": self.organization,
            "timeRange": f"(start:{start_ms},end:{now})",
        }
        found: list[Any] = []
        start = 0
        for _page in range(MAX_PAGES_PER_RUN):
            elements, more = self._elements("organizationalEntityNotifications", params, start)
            found.extend(elements)
            if not more:
                break
            start += len(elements)
        found.sort(key=lambda e: int(e.get("lastModifiedAt") or 0) if isinstance(e, dict) else 0)
        for entry in found:
            activity = str(entry.get("generatedActivity") or "") if isinstance(entry, dict) else ""
            when = int(entry.get("lastModifiedAt") or 0) if isinstance(entry, dict) else 0
            key = activity or f"?{when}"  # one without its URN is still passed, once
            if when < newest or (when == newest and key in seen):
                continue  # read by an earlier run (the time range starts at the last one read)
            if when > newest:
                newest, seen = when, set()
            seen.add(key)
            cursor = {"time": newest, "ids": sorted(seen)}
            if not activity:
                yield unreadable("mention:?", gettext("this LinkedIn item has no URN"), entry, cursor)
                continue
            yield self._mentioned(activity, entry, cursor)

    def _mentioned(self, activity: str, notice: dict[str, Any], cursor: dict[str, Any]) -> RawItem:
        """The post or comment a notification names, read; one the page may not read is rejected alone."""
        comment = COMMENT_IN_ACTIVITY.match(activity)
        if comment:
            post, ident = comment.group(1), comment.group(2)
            path = f"socialActions/{_urn_key(post)}/comments/{quote(ident, safe='')}"
        else:
            post, path = activity, f"posts/{_urn_key(activity)}"
        response = self.send("GET", path)
        if response.status in (403, 404):
            said = gettext("LinkedIn does not let the page read what mentions it (%(status)s)")
            return unreadable(activity, said % {"status": response.status}, notice, cursor)
        if response.status >= 400:
            raise self.failure_for(response)
        entry = self.decode(response)
        if not isinstance(entry, dict):
            return unreadable(activity, gettext("this LinkedIn item has no URN"), notice, cursor)
        if comment:
            actor = str(entry.get("actor") or "")
            entry = {**entry, "_post": post, "_actor_name": self._name_of(actor), "_mention": True}
            return read_item(activity, entry, cursor, _raw, activity, entry, "comment", cursor, post)
        author = str(entry.get("author") or "")
        entry = {**entry, "_author_name": self._name_of(author)}
        return read_item(activity, entry, cursor, _raw, activity, entry, "mention", cursor, post)

    def _posts(self, since: dict[str, Any]) -> Iterator[RawItem]:
        state = dict(since.get("posts") or {})
        newest, seen = int(state.get("time") or 0), set(state.get("ids") or [])
        watch: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (since.get("watch") or {}).items()}
        fresh: list[Any] = []
        params = {"author": self.organization, "q": "author", "sortBy": "CREATED"}
        start = 0
        for _page in range(MAX_PAGES_PER_RUN if newest else 1):  # first run: the latest page only
            elements, more = self._elements("posts", params, start)
            reached = False
            for entry in elements:
                when = int(entry.get("createdAt") or 0) if isinstance(entry, dict) else 0
                if newest and when and (when < newest or (when == newest and str(entry.get("id")) in seen)):
                    reached = True
                    break
                fresh.append(entry)
            if reached or not more:
                break
            start += len(elements)
        else:
            if newest:
                log.warning("channel %s: more new posts than one run reads; the oldest are skipped", self.channel.pk)
        cursor = self._cursor(newest, seen, watch)
        for entry in reversed(fresh):
            if not isinstance(entry, dict) or not entry.get("id"):
                yield unreadable("post:?", gettext("this LinkedIn item has no URN"), entry, cursor)
                continue
            urn, when = str(entry["id"]), int(entry.get("createdAt") or 0)
            if when > newest:
                newest, seen = when, set()
            seen.add(urn)
            watch[urn] = {"created": when, "replies": {}}
            for old in sorted(watch, key=lambda p: watch[p].get("created") or 0)[:-WATCHED]:
                del watch[old]
            cursor = self._cursor(newest, seen, watch)
            yield read_item(urn, entry, cursor, _raw, urn, entry, "post", cursor, urn)
        for urn in sorted(watch, key=lambda p: watch[p].get("created") or 0):
            yield from self._comments(urn, urn, newest, seen, watch)
        self.final_cursor = self._cursor(newest, seen, watch)

    def _cursor(self, newest: int, seen: set[str], watch: dict[str, dict[str, Any]]) -> dict[str, Any]:
        return {
            "posts": {"time": newest, "ids": sorted(seen)},
            "watch": {
                k: {"created": v.get("created"), "replies": dict(v.get("replies") or {})} for k, v in watch.items()
            },
        }

    def _comments(
        self, target: str, post: str, newest: int, seen: set[str], watch: dict[str, dict[str, Any]]
    ) -> Iterator[RawItem]:
        entries: list[Any] = []
        start = 0
        for _page in range(MAX_PAGES_PER_RUN):
            elements, more = self._elements(f"socialActions/{_urn_key(target)}/comments", {}, start)
            entries.extend(elements)
            if not more:
                break
            start += len(elements)
        entries.sort(key=lambda e: int((e.get("created") or {}).get("time") or 0) if isinstance(e, dict) else 0)
        cursor = self._cursor(newest, seen, watch)  # this post's comments read again if the run stops inside
        replies: dict[str, Any] = watch[post].setdefault("replies", {})
        for entry in entries:
            urn = comment_urn(entry) if isinstance(entry, dict) else ""
            if not urn:
                yield unreadable("comment:?", gettext("this LinkedIn item has no URN"), entry, cursor)
                continue
            entry = {**entry, "_post": post, "_actor_name": self._name_of(str(entry.get("actor") or ""))}
            if target != post:
                entry.setdefault("parentComment", target)
            yield read_item(urn, entry, cursor, _raw, urn, entry, "comment", cursor, post)
            summary: dict[str, Any] = _dict(entry.get("commentsSummary"))
            count = int(summary.get("aggregatedTotalComments") or summary.get("totalFirstLevelComments") or 0)
            if target == post and count and replies.get(urn) != count:
                yield from self._comments(urn, post, newest, seen, watch)
                replies[urn] = count

    def _name_of(self, actor: str) -> str:
        """The display name of a member or organisation URN, asked once per run; "" when LinkedIn will not say."""
        if not actor or actor == self.organization:
            return ""
        if actor not in self._names:
            kind, _sep, ident = actor.rpartition(":")
            path = (
                f"people/(id:{quote(ident, safe='')})"
                if kind == "urn:li:person"
                else f"organizations/{quote(ident, safe='')}"
                if kind == "urn:li:organization"
                else ""
            )
            name = ""
            if path:
                response = self.send("GET", path)
                if response.status in (401,):
                    raise self.failure_for(response)
                if response.status < 400:
                    try:
                        found = response.json()
                    except ValueError:
                        found = {}
                    if isinstance(found, dict):
                        first, last = found.get("localizedFirstName"), found.get("localizedLastName")
                        name = " ".join(str(p) for p in (first, last) if p) or str(found.get("localizedName") or "")
            self._names[actor] = name
        return self._names[actor]

    def normalize(self, raw: RawItem) -> Incoming:
        entry = raw.payload
        try:
            if raw.updated_at is None:
                raise MalformedItem(gettext("this LinkedIn item has no date"))
            created = raw.updated_at
            if raw.kind == "mention":  # somebody's post that names the page
                author_urn = str(entry["author"])
                return Incoming(
                    channel=self.channel,
                    external_id=raw.external_id,
                    text=plain_commentary(str(entry.get("commentary") or "")),
                    url=f"https://www.linkedin.com/feed/update/{raw.external_id}/",
                    created_at=created,
                    author=AuthorInfo(
                        external_id=f"linkedin:{author_urn}", display_name=str(entry.get("_author_name") or "")
                    ),
                    kind=Kind.MENTION,
                    from_organisation=author_urn == self.organization,
                    raw=entry,
                )
            if raw.kind == "post":
                return Incoming(
                    channel=self.channel,
                    external_id=raw.external_id,
                    text=plain_commentary(str(entry.get("commentary") or "")),
                    url=f"https://www.linkedin.com/feed/update/{raw.external_id}/",
                    created_at=created,
                    author=AuthorInfo(external_id=f"linkedin:{entry['author']}", display_name=""),
                    kind=Kind.POST,
                    from_organisation=str(entry["author"]) == self.organization,
                    raw=entry,
                )
            actor = str(entry["actor"])
            message: dict[str, Any] = _dict(entry.get("message"))
            parent = str(entry.get("parentComment") or "")
            author = None
            if actor:
                ident = actor.rpartition(":")[2]
                url = f"https://www.linkedin.com/company/{ident}/" if actor.startswith("urn:li:organization:") else ""
                author = AuthorInfo(
                    external_id=f"linkedin:{actor}", display_name=str(entry.get("_actor_name") or ""), url=url
                )
            if entry.get("_mention"):  # a comment under somebody's post that names the page: its own thread
                kind, parent_key = Kind.MENTION, None
            else:
                kind = Kind.REPLY if parent else Kind.COMMENT
                parent_key = parent or str(raw.extra.get("post") or "") or None
            return Incoming(
                counts=comment_counts(entry),
                channel=self.channel,
                external_id=raw.external_id,
                text=plain_commentary(str(message.get("text") or "")),
                created_at=created,
                author=author,
                kind=kind,
                parent_external_id=parent_key,
                from_organisation=actor == self.organization,
                url=f"https://www.linkedin.com/feed/update/{raw.extra.get('post')}/" if raw.extra.get("post") else "",
                raw=entry,
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise MalformedItem(incomplete("LinkedIn", exc)) from exc

    def read_counts(self, external_ids: list[str]) -> dict[str, Counts]:
        """The posts' reactions by type: `GET /rest/socialMetadata?ids=List(..)`, 20 URNs a request."""
        found: dict[str, Counts] = {}
        for at in range(0, len(external_ids), COUNTS_AT_ONCE):
            urns = external_ids[at : at + COUNTS_AT_ONCE]
            # Rest.li 2.0: the list's brackets and commas as they are, each URN encoded inside it.
            answer = self.request("GET", f"socialMetadata?ids=List({','.join(_urn_key(u) for u in urns)})")
            results = _dict(_dict(answer).get("results"))
            for urn in urns:
                counts = reaction_counts(results.get(urn))
                if counts is not None:
                    found[urn] = counts
        return found

    def test_connection(self) -> str:
        found = self.request("GET", f"organizations/{self.config.get('organization_id') or ''}")
        if not isinstance(found, dict) or not found.get("id"):
            raise self.not_understood()
        name = text_of(str(found.get("localizedName") or found["id"]))
        return gettext("LinkedIn page “%(name)s”") % {"name": name}

    # -- answering and deleting ---------------------------------------------------------------------
    def _thread(self, message: Message) -> tuple[str, str]:
        """The post a comment is under, and the comment an answer to it goes under (two levels)."""
        raw = message.raw or {}
        if message.kind == Kind.POST or (message.kind == Kind.MENTION and not raw.get("_mention")):
            return message.external_id, ""  # a post: the answer is a comment on it
        post = str(raw.get("object") or "")
        parent = str(raw.get("parentComment") or "") if message.kind == Kind.REPLY else ""
        return post, parent or message.external_id

    def reply(self, message: Message, text: str) -> str:
        post, parent = self._thread(message)
        body: dict[str, Any] = {"actor": self.organization, "object": post, "message": {"text": text}}
        if parent:
            body["parentComment"] = parent
        response = self.send("POST", f"socialActions/{_urn_key(parent or post)}/comments", body=body)
        if response.status >= 400:
            raise self.failure_for(response)
        created: Any = self.decode(response) if response.content.strip() else {}
        urn = comment_urn(created) if isinstance(created, dict) else ""
        urn = urn or str(response.headers.get("x-restli-id") or response.headers.get("x-linkedin-id") or "")
        if not urn:
            raise self.not_understood(response)
        return urn

    def delete(self, message: Message) -> None:
        if message.kind == Kind.POST or (message.kind == Kind.MENTION and not (message.raw or {}).get("_mention")):
            raise PermanentError(gettext("only comments can be deleted on a LinkedIn page"), cause="http_error")
        raw = message.raw or {}
        target = str(raw.get("parentComment") or raw.get("_post") or raw.get("object") or "")
        ident = str(raw.get("id") or message.external_id.rstrip(")").rpartition(",")[2])
        self.request(
            "DELETE",
            f"socialActions/{_urn_key(target)}/comments/{quote(ident, safe='')}",
            {"actor": self.organization},
            empty=True,
        )
