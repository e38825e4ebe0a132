"""A YouTube channel, over the YouTube Data API v3: the comment threads on the channel's videos and
their replies; with the owner's access token, answering, and holding for review, publishing again or
rejecting through the API's moderation call (comments.setModerationStatus). YouTube no longer supports
comments.markAsSpam (deprecated in its reference): a comment marked as spam here is held for review
there, out of public sight and still reversible; a rejected one cannot be published again (YouTube's
rule), which is why rejecting is what deleting means on this channel.

`commentThreads.list?allThreadsRelatedToChannelId=` lists the threads newest first, paged with an
opaque `pageToken`. Each run reads down until it meets the newest thread it already has (its time,
with the ids seen at that instant), then stores what is new oldest first; a first run takes the
latest page only. When a run's page budget ends before it meets what it has, the rest is remembered as
a gap (the page token to read on from, and the thread it must stop at) and read by the next runs, as
the Bluesky and Discourse connectors do: however many comments arrive between two polls, none falls
in a hole. A thread brings its replies: those the thread includes, or all of them through
`comments.list?parentId=` when it has more. Limit: a new reply to a thread older than the cursor is
not listed again by YouTube's thread list, so it is read only when that thread is read again.

Acting needs the owner's OAuth access: an access token pasted (Google's last an hour: to try it), or
better the OAuth client's id and secret with the owner's refresh token, from which each run asks Google
for a fresh access token; a revoked refresh token asks for reconnection. Connecting « in one click »
(the consent screen in the browser) is not built: it needs the network to be tried.

Every call costs quota units (1 a list, 50 a write) out of a daily quota (10,000 units unless Google
granted more) renewed at midnight Pacific time. The connector counts what it spends in the channel's
config (`quota_day`, `quota_used`, shown on the channel's page), never starts a call the quota cannot
pay for, and when YouTube says the quota is used up, waits until it is renewed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from animateur.channels import safe_http
from animateur.channels.connectors import failures
from animateur.channels.connectors.base import Capability, RawItem, incomplete, read_item, register, unreadable
from animateur.channels.connectors.http import RestConnector, error_detail
from animateur.channels.errors import AuthError, ConnectorError, MalformedItem, PermanentError, TransientError
from animateur.core.html import text_of
from animateur.stream.counts import Counts
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Kind, Message

API_URL = "https://www.googleapis.com/youtube/v3"
TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 - an address, not a secret
PAGE = 100
MAX_PAGES_PER_RUN = 20
DAILY_QUOTA = 10_000
QUOTA_ZONE = ZoneInfo("America/Los_Angeles")  # YouTube renews its quotas at midnight Pacific time
# Units each call costs (developers.google.com/youtube/v3/determine_quota_cost).
COST = {"list": 1, "insert": 50, "moderate": 50}
QUOTA_REASONS = ("quotaExceeded", "dailyLimitExceeded")
RATE_REASONS = ("rateLimitExceeded", "userRateLimitExceeded")
# What moderate() asks for → the API's moderation status (markAsSpam is no longer supported by YouTube).
STATUSES = {"hold": "heldForReview", "spam": "heldForReview", "approved": "published", "rejected": "rejected"}


class YouTubeForm(forms.Form):
    channel_id = forms.RegexField(
        label=_("YouTube channel id"),
        regex=r"^UC[A-Za-z0-9_-]{22}$",
        help_text=_("It starts with UC: YouTube Studio › Settings › Channel › Advanced settings."),
        error_messages={"invalid": _("A channel id is UC followed by 22 letters, digits, - or _.")},
    )
    api_key = forms.CharField(
        label=_("API key"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_("From a Google Cloud project with the YouTube Data API enabled: enough to read."),
    )
    access_token = forms.CharField(
        label=_("Access token of the channel's owner"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("To try answering and moderating (scope youtube.force-ssl): Google's access tokens last an hour."),
    )
    client_id = forms.CharField(
        label=_("OAuth client id"),
        required=False,
        max_length=200,
        help_text=_("Of the Google Cloud project's OAuth client: with its secret and a refresh token, access lasts."),
    )
    client_secret = forms.CharField(
        label=_("OAuth client secret"), required=False, widget=forms.PasswordInput(render_value=False)
    )
    refresh_token = forms.CharField(
        label=_("Refresh token of the channel's owner"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Given once by Google's consent screen (scope youtube.force-ssl, offline access)."),
    )
    daily_quota = forms.IntegerField(
        label=_("Daily quota (units)"),
        min_value=100,
        initial=DAILY_QUOTA,
        help_text=_("10,000 unless Google granted your project more."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("refresh_token") and not data.get("client_id"):
            self.add_error("client_id", _("A refresh token needs the OAuth client it was given to."))
        return data


def quota_day(now: datetime | None = None) -> str:
    return (now or timezone.now()).astimezone(QUOTA_ZONE).date().isoformat()


def quota_of(config: dict[str, Any]) -> tuple[int, int]:
    """The units used today (Pacific time) and the daily quota, from a channel's config: the page's and the API's."""
    used = int(config.get("quota_used") or 0) if config.get("quota_day") == quota_day() else 0
    return used, int(config.get("daily_quota") or DAILY_QUOTA)


def seconds_until_renewal(now: datetime | None = None) -> float:
    here = (now or timezone.now()).astimezone(QUOTA_ZONE)
    midnight = datetime.combine(here.date() + timedelta(days=1), datetime.min.time(), QUOTA_ZONE)
    return max((midnight - here).total_seconds(), 60.0)


def _comment_time(comment: Any) -> str:
    snippet = comment.get("snippet") if isinstance(comment, dict) else None
    return str((snippet or {}).get("publishedAt") or "")


def _thread_time(thread: Any) -> str:
    snippet = thread.get("snippet") if isinstance(thread, dict) else None
    return _comment_time((snippet or {}).get("topLevelComment"))


def _raw_comment(comment: dict[str, Any], video_id: str, cursor: dict[str, Any]) -> RawItem:
    if not isinstance(comment, dict) or not comment.get("id"):
        raise MalformedItem(gettext("this YouTube comment has no id"))
    snippet = comment["snippet"]
    updated = parse_datetime(str(snippet.get("updatedAt") or snippet["publishedAt"]))
    return RawItem(str(comment["id"]), updated, "comment", comment, cursor, extra={"video_id": video_id})


@register
class YouTubeConnector(RestConnector):
    kind = "youtube"
    label = _("YouTube channel")
    capabilities = frozenset(
        {Capability.READ, Capability.REPLY, Capability.HIDE, Capability.DELETE, Capability.MODERATE}
    )
    form_class = YouTubeForm
    secret_fields = ("api_key", "access_token", "client_secret", "refresh_token")
    optional_secrets = ("access_token", "client_secret", "refresh_token")
    default_poll_interval = 900  # 96 polls a day: a few hundred units of the 10,000
    learned_keys = ("quota_day", "quota_used")
    source_name = "YouTube"

    # -- HTTP ---------------------------------------------------------------------------------------
    def base_url(self) -> str:
        return str(self.config.get("api_url") or API_URL)

    def auth_headers(self) -> dict[str, str]:
        # Headers rather than ?key=: secrets stay out of URLs, and so out of logs.
        if token := self._access_token():
            return {"Authorization": f"Bearer {token}"}
        if self.secrets.get("api_key"):
            return {"X-Goog-Api-Key": str(self.secrets["api_key"])}
        return {}

    @property
    def authenticated(self) -> bool:
        return bool(self.secrets.get("access_token") or self.secrets.get("refresh_token"))

    def _access_token(self) -> str:
        """The owner's access token: with a refresh token, a fresh one asked of Google once per connector
        (a run, a reply), as Google's last an hour; else the one pasted, if any."""
        if self.secrets.get("refresh_token"):
            if not self._refreshed:
                self._refreshed = self._refresh()
            return self._refreshed
        return str(self.secrets.get("access_token") or "")

    def _refresh(self) -> str:
        fields = {
            "grant_type": "refresh_token",
            "refresh_token": str(self.secrets.get("refresh_token") or ""),
            "client_id": str(self.config.get("client_id") or ""),
            "client_secret": str(self.secrets.get("client_secret") or ""),
        }
        url = str(self.config.get("token_url") or TOKEN_URL)
        try:
            response = safe_http.fetch(url, method="POST", data=fields, http=self.client())
        except safe_http.BlockedAddress:
            raise
        except TransientError as exc:
            raise failures.failure(failures.UNREACHABLE, "Google", detail=str(exc)) from exc
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        answer = answer if isinstance(answer, dict) else {}
        if response.status >= 400 or not answer.get("access_token"):
            detail = f"HTTP {response.status} {answer.get('error') or ''} {answer.get('error_description') or ''}"
            if response.status in (400, 401):  # invalid_grant: revoked or expired; invalid_client
                raise failures.failure(
                    failures.REFUSED, "Google", detail=detail.strip(), credentials=_("the refresh token")
                )
            raise failures.for_status("Google", response.status, response.headers, detail=detail.strip())
        return str(answer["access_token"])

    @property
    def credentials_words(self) -> str:  # type: ignore[override]
        return str(_("the access token") if self.authenticated else _("the API key"))

    _refreshed: str = ""

    def failure_for(self, response: safe_http.Fetched) -> ConnectorError:
        reasons = _reasons(response)
        detail = f"HTTP {response.status} {error_detail(response)} ({', '.join(reasons)})".strip()
        if any(r in QUOTA_REASONS for r in reasons):
            self._spend(0, exhausted=True)
            return failures.failure(
                failures.QUOTA_EXCEEDED, self.source_name, detail=detail, retry_after_seconds=seconds_until_renewal()
            )
        if any(r in RATE_REASONS for r in reasons):
            wait = failures.retry_after(response.headers) or 60.0
            return failures.failure(failures.RATE_LIMITED, self.source_name, detail=detail, retry_after_seconds=wait)
        if "keyInvalid" in reasons:
            return failures.failure(failures.REFUSED, self.source_name, detail=detail, credentials=_("the API key"))
        if response.status == 403 and any(r in ("forbidden", "insufficientPermissions") for r in reasons):
            return failures.failure(failures.FORBIDDEN, self.source_name, detail=detail)
        return super().failure_for(response)

    def call(self, method: str, path: str, params: dict[str, Any], cost: str, body: Any = None) -> Any:
        """One API call, paid for from the day's quota before it is made."""
        self._spend(COST[cost])
        return self.request(method, path, params, body=body, empty=method != "GET")

    def _spend(self, units: int, *, exhausted: bool = False) -> None:
        today = quota_day()
        used = int(self.config.get("quota_used") or 0) if self.config.get("quota_day") == today else 0
        limit = int(self.config.get("daily_quota") or DAILY_QUOTA)
        if exhausted:
            used = limit
        elif used + units > limit:
            raise failures.failure(
                failures.QUOTA_EXCEEDED,
                self.source_name,
                detail=gettext("%(used)d of %(limit)d units used today") % {"used": used, "limit": limit},
                retry_after_seconds=seconds_until_renewal(),
            )
        self.config["quota_day"], self.config["quota_used"] = today, used + units

    @classmethod
    def health(cls, config: dict[str, Any]) -> list[str]:
        """What the channel's page says of the day's quota."""
        used, limit = quota_of(config)
        return [
            gettext("Daily quota: %(used)s of %(limit)s units used today (renewed at midnight Pacific time)")
            % {"used": f"{used:,}".replace(",", "\u202f"), "limit": f"{limit:,}".replace(",", "\u202f")}
        ]

    # -- reading ------------------------------------------------------------------------------------
    def _threads(self, token: str | None) -> tuple[list[Any], str | None]:
        params: dict[str, Any] = {
            "part": "snippet,replies",
            "allThreadsRelatedToChannelId": self.config.get("channel_id") or "",
            "maxResults": PAGE,
            "order": "time",
            "textFormat": "html",
        }
        if token:
            params["pageToken"] = token
        data = self.call("GET", "commentThreads", params, "list")
        if not isinstance(data, dict) or not isinstance(data.get("items", []), list):
            raise self.not_understood()
        following = data.get("nextPageToken")
        return list(data.get("items") or []), str(following) if following else None

    def _down(
        self, token: str | None, stop: str, stop_ids: set[str], budget: list[int]
    ) -> Iterator[tuple[Any, str | None, str | None, bool]]:
        """Threads newer than (stop, stop_ids), newest first, from `token`, within the page budget: each
        with the token of its page and of the next; the last flag says whether `stop` was reached."""
        while budget[0] > 0:
            budget[0] -= 1
            threads, following = self._threads(token)
            for thread in threads:
                when = _thread_time(thread)
                # A thread without its time cannot be placed: it is read (and kept aside if unreadable).
                if stop and when and (when < stop or (when == stop and str(thread.get("id")) in stop_ids)):
                    yield None, token, following, True
                    return
                yield thread, token, following, False
            if not following:
                yield None, token, None, True
                return
            token = following
        yield None, token, token, False

    def fetch(self, since: dict[str, Any]) -> Iterator[RawItem]:
        newest, ids = str(since.get("newest") or ""), set(since.get("ids") or [])
        gaps = [dict(g) for g in since.get("gaps") or []]
        budget = [MAX_PAGES_PER_RUN if newest else 1]  # first run: the latest page only
        fresh: list[Any] = []
        reached, resume = True, None
        for thread, _token, following, done in self._down(None, newest, ids, budget):
            if thread is not None:
                fresh.append(thread)
            elif not done and newest:
                reached, resume = False, following
        if not reached and resume:
            gaps.append({"token": resume, "stop": newest, "ids": sorted(ids)})
        top = newest
        for thread in reversed(fresh):  # oldest first, each stored with the cursor that covers it
            when = _thread_time(thread)
            if when > top:
                top, ids = when, set()
            if when == top:
                ids.add(str(thread.get("id")))
            yield from self._thread_items(thread, {"newest": top, "ids": sorted(ids), "gaps": gaps})
        budget = [MAX_PAGES_PER_RUN]  # a budget of their own: new threads never starve the gaps
        while gaps and budget[0] > 0:  # older threads a busy day left unread, newest first
            gap = gaps[-1]
            for thread, token, _following, done in self._down(gap["token"], gap["stop"], set(gap["ids"]), budget):
                if thread is None:
                    if done:
                        gaps.pop()
                    else:
                        gap["token"] = _following
                    break
                gap["token"] = token  # a run cut inside this page reads it again: the key absorbs it
                yield from self._thread_items(thread, {"newest": top, "ids": sorted(ids), "gaps": gaps})
            else:
                break
        self.final_cursor = {"newest": top, "ids": sorted(ids), "gaps": gaps}

    def _thread_items(self, thread: Any, cursor: dict[str, Any]) -> Iterator[RawItem]:
        """The thread's first comment and its replies, each read on its own."""
        cursor = {**cursor, "gaps": [dict(g) for g in cursor["gaps"]]}
        try:
            snippet = thread["snippet"]
            top = snippet["topLevelComment"]
            video = str(snippet.get("videoId") or top["snippet"].get("videoId") or "")
        except (KeyError, TypeError) as exc:
            named = str(thread.get("id") if isinstance(thread, dict) else "?")
            yield unreadable(named, incomplete("YouTube", exc), thread, cursor)
            return
        yield read_item(str(top.get("id") or thread.get("id") or "?"), top, cursor, _raw_comment, top, video, cursor)
        included = list((thread.get("replies") or {}).get("comments") or [])
        if int(snippet.get("totalReplyCount") or 0) > len(included):
            included = self._replies(str(thread.get("id")))
        for reply in sorted(included, key=_comment_time):
            named = str(reply.get("id") if isinstance(reply, dict) else "?")
            yield read_item(named, reply, cursor, _raw_comment, reply, video, cursor)

    def _replies(self, thread_id: str) -> list[Any]:
        found: list[Any] = []
        params: dict[str, Any] = {"part": "snippet", "parentId": thread_id, "maxResults": PAGE, "textFormat": "html"}
        for _page in range(MAX_PAGES_PER_RUN):
            data = self.call("GET", "comments", params, "list")
            if not isinstance(data, dict):
                raise self.not_understood()
            found.extend(data.get("items") or [])
            if not data.get("nextPageToken"):
                break
            params = {**params, "pageToken": data["nextPageToken"]}
        return found

    def normalize(self, raw: RawItem) -> Incoming:
        comment = raw.payload
        try:
            snippet = comment["snippet"]
            created = parse_datetime(str(snippet["publishedAt"]))
            if created is None:
                raise MalformedItem(gettext("its date “%(date)s” is not a date") % {"date": snippet["publishedAt"]})
            updated = parse_datetime(str(snippet.get("updatedAt") or ""))
            html = str(snippet.get("textDisplay") or "")
            author_channel = (snippet.get("authorChannelId") or {}).get("value") or ""
            parent = snippet.get("parentId")
            video = raw.extra.get("video_id") or snippet.get("videoId") or ""
            status = snippet.get("moderationStatus")
            return Incoming(
                channel=self.channel,
                external_id=raw.external_id,
                text=str(snippet.get("textOriginal") or text_of(html)),
                html=html,
                url=f"https://www.youtube.com/watch?v={video}&lc={raw.external_id}" if video else "",
                created_at=created,
                edited_at=updated if updated and updated != created else None,
                author=AuthorInfo(
                    external_id=str(author_channel or snippet.get("authorChannelUrl") or snippet["authorDisplayName"]),
                    display_name=str(snippet.get("authorDisplayName") or ""),
                    url=str(snippet.get("authorChannelUrl") or ""),
                ),
                kind=Kind.REPLY if parent else Kind.COMMENT,
                parent_external_id=str(parent) if parent else None,
                source_visibility={"heldForReview": "pending", "likelySpam": "spam", "rejected": "trash"}.get(
                    str(status or "")
                ),
                from_organisation=bool(author_channel) and author_channel == self.config.get("channel_id"),
                raw=comment,
                # A comment's likes (YouTube counts no other reaction, and shows no dislikes any more).
                counts=Counts.of({"like": snippet.get("likeCount")}),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise MalformedItem(incomplete("YouTube", exc)) from exc

    def test_connection(self) -> str:
        data = self.call("GET", "channels", {"part": "snippet", "id": self.config.get("channel_id") or ""}, "list")
        items = data.get("items") if isinstance(data, dict) else None
        if not items:
            raise PermanentError(gettext("YouTube knows no channel with this id"), cause="not_found")
        title = str((items[0].get("snippet") or {}).get("title") or "?")
        if self.authenticated:
            return gettext("YouTube channel “%(title)s”, connected to answer and moderate") % {"title": title}
        return gettext("YouTube channel “%(title)s”, read with an API key") % {"title": title}

    # -- answering and moderating -------------------------------------------------------------------
    def _need_token(self) -> None:
        if not self.authenticated:
            raise AuthError(gettext("answering and moderating on YouTube need the channel owner's access token"))

    def reply(self, message: Message, text: str) -> str:
        self._need_token()
        # YouTube threads have two levels: an answer to a reply goes under the thread's first comment.
        parent = str(((message.raw or {}).get("snippet") or {}).get("parentId") or message.external_id)
        body = {"snippet": {"parentId": parent, "textOriginal": text}}
        created = self.call("POST", "comments", {"part": "snippet"}, "insert", body=body)
        if not isinstance(created, dict) or not created.get("id"):
            raise self.not_understood()
        return str(created["id"])

    def moderate(self, message: Message, status: str) -> None:
        """Hold for review (spam too), publish again, or reject at the source."""
        self._need_token()
        if status not in STATUSES:
            raise ValueError(f"unknown moderation status {status!r}")
        params = {"id": message.external_id, "moderationStatus": STATUSES[status]}
        self.call("POST", "comments/setModerationStatus", params, "moderate")

    def hide(self, message: Message) -> None:
        self.moderate(message, "hold")

    def delete(self, message: Message) -> None:
        """Rejected: YouTube hides it from everyone; only its author could delete it."""
        self.moderate(message, "rejected")


def _reasons(response: safe_http.Fetched) -> list[str]:
    """The `reason`s of a Google API error body ({"error": {"errors": [{"reason": ...}]}})."""
    try:
        error = (response.json() or {}).get("error") or {}
        return [str(e.get("reason") or "") for e in error.get("errors") or [] if isinstance(e, dict)]
    except (ValueError, AttributeError, TypeError):
        return []
