"""Reddit, with praw: the new posts and comments of a subreddit, and/or a search's newest posts, read
with the app alone (application OAuth); with the app's account, when it moderates the subreddit,
removing (as spam or not) and approving there too. Whether it moderates is asked of Reddit (the
subreddit's `user_is_moderator`) by the connection test or the first poll: only then does the channel
declare it can hide at the source; a moderator who loses the role meets Reddit's 403, recorded as a
permanent failure saying so. Reddit lets moderators remove, not delete, others' posts: deleting is here only.

Reddit's listings come newest first (praw pages them with `after`, the fullname of the last item
read). Each run reads down until it meets an item not newer than the cursor (its `created_utc`, with
the fullnames seen at that second), then stores what is new oldest first; a first run takes the latest
page only. A run reads at most MAX_ITEMS_PER_RUN items per listing; when that budget ends before the
run meets what it has, the rest is remembered as a gap (the fullname to read on `after`, and the item
to stop at) and read by the next runs, newest first, the gap shrinking from its top as each item is
stored. Limit: Reddit lists no more than about 1000 items of a listing, so when a listing ends before
its gap is closed the items in between cannot be read at all: that is logged and the gap dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from typing import Any

import praw
import prawcore
from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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
)
from animateur.channels.connectors.publish_once import Published
from animateur.channels.errors import AuthError, MalformedItem, PermanentError
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Kind

log = logging.getLogger(__name__)

PAGE = 100
# How many of the account's latest submissions are read back before publishing again.
READ_BACK = 25
REDDIT_WEB = "https://www.reddit.com"
MAX_ITEMS_PER_RUN = 1000
# Fields of praw's objects worth keeping: the rest are praw internals or huge (media, awards).
KEEP = (
    "id", "name", "title", "selftext", "selftext_html", "body", "body_html", "author", "author_fullname",
    "created_utc", "edited", "permalink", "url", "subreddit", "parent_id", "link_id", "link_title",
    "score", "num_comments", "over_18", "removed_by_category", "locked", "stickied", "lang",
)  # fmt: skip


class RedditForm(forms.Form):
    subreddit = forms.CharField(
        label=_("Subreddit"), required=False, max_length=100, help_text=_("Without r/, for example france")
    )
    search = forms.CharField(label=_("Search to follow"), required=False, max_length=200)
    client_id = forms.CharField(
        label=_("Client id"), max_length=100, help_text=_("Of a “script” app made at reddit.com/prefs/apps")
    )
    client_secret = forms.CharField(label=_("Client secret"), widget=forms.PasswordInput(render_value=False))
    username = forms.CharField(
        label=_("Reddit account"),
        required=False,
        max_length=100,
        help_text=_(
            "Needed only to remove and approve at the source: the account of the app, a moderator of the subreddit."
        ),
    )
    password = forms.CharField(
        label=_("Account password"), required=False, widget=forms.PasswordInput(render_value=False)
    )

    def clean_subreddit(self) -> str:
        value = str(self.cleaned_data.get("subreddit") or "").strip()
        return value.removeprefix("/").removeprefix("r/")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("subreddit") and not data.get("search"):
            raise forms.ValidationError(_("Name a subreddit, a search, or both."))
        if data.get("password") and not data.get("username"):
            self.add_error("username", _("A password needs the account it belongs to."))
        return data


SOURCE = "Reddit"
CREDENTIALS = _("the app's id or secret")


@contextmanager
def classified() -> Iterator[None]:
    """praw's and prawcore's errors, classified for the scheduler (failures.py)."""
    try:
        yield
    except (prawcore.exceptions.OAuthException, prawcore.exceptions.InvalidToken) as exc:
        raise failures.failure(failures.REFUSED, SOURCE, credentials=CREDENTIALS) from exc
    except prawcore.exceptions.RequestException as exc:  # no answer at all
        raise failures.for_network(SOURCE, exc.original_exception) from exc
    except (prawcore.exceptions.NotFound, prawcore.exceptions.Redirect) as exc:
        raise failures.failure(failures.NOT_FOUND, SOURCE, detail=gettext("no such subreddit")) from exc
    except prawcore.exceptions.Forbidden as exc:
        detail = gettext("this subreddit is private or banned")
        raise failures.failure(failures.FORBIDDEN, SOURCE, detail=detail) from exc
    except prawcore.exceptions.ResponseException as exc:  # TooManyRequests and ServerError included
        headers = exc.response.headers
        error = failures.for_status(SOURCE, exc.response.status_code, headers, credentials=CREDENTIALS)
        reset = str(headers.get("x-ratelimit-reset") or "")
        if error.cause == "rate_limited" and error.retry_after is None and reset.replace(".", "", 1).isdigit():
            error.retry_after = float(reset)  # Reddit's seconds until its window resets
        raise error from exc


Listing = Callable[[int, str | None], Iterable[Any]]


def _after(fullname: str | None) -> dict[str, str | int]:
    # A fresh dict each time: praw adds its own paging and search parameters to it.
    return {"after": fullname} if fullname else {}


def _no_time(exc: Exception) -> str:
    return gettext("this post or comment has no time or name (%(detail)s)") % {"detail": f"{type(exc).__name__}: {exc}"}


def _state(last: float, seen: set[str], gaps: list[dict[str, Any]]) -> dict[str, Any]:
    """A listing's cursor: the newest item stored (its second and the fullnames seen then) and the gaps left."""
    return {"created": last, "names": sorted(seen), "gaps": [dict(g) for g in gaps]}


@register
class RedditConnector(Connector):
    kind = "reddit"
    label = _("Reddit")
    capabilities = frozenset({Capability.READ})
    form_class = RedditForm
    secret_fields = ("client_secret", "password")
    optional_secrets = ("password",)  # the account is needed only to moderate
    default_poll_interval = 600
    # Whether the account moderates the subreddit: asked of Reddit, kept while the settings stay the same.
    learned_keys = ("moderator",)
    # Config fields that each name a source of their own (see channels/runner.py on history).
    source_fields = ("subreddit", "search")

    # Class attributes, not config, so no form can aim them elsewhere; the tests aim them at a local server.
    oauth_url = "https://oauth.reddit.com"
    reddit_url = "https://www.reddit.com"

    def __init__(self, channel: Any) -> None:
        super().__init__(channel)
        if self.moderates:  # per channel: Reddit lets only the subreddit's moderators remove and approve
            self.capabilities = frozenset({Capability.READ, Capability.HIDE, Capability.MODERATE})  # type: ignore[misc]
        if self.account and self.config.get("subreddit"):  # the account may publish in the subreddit
            self.capabilities = self.capabilities | {Capability.PUBLISH}  # type: ignore[misc]

    @property
    def account(self) -> bool:
        # A "script" app's account and password, or the refresh token of « Connect with Reddit » (oauth.py).
        granted = self.secrets.get("password") or self.secrets.get("refresh_token")
        return bool(self.config.get("username") and granted)

    @property
    def moderates(self) -> bool:
        return self.account and bool(self.config.get("subreddit")) and self.config.get("moderator") is True

    def api(self) -> praw.Reddit:
        # With the account's name and password (a "script" app's password grant) praw acts as that
        # account; without, it reads with the app alone.
        # Connected with Reddit's installed-app flow, it acts with the refresh token, the app having no secret.
        account: dict[str, Any] = (
            {"username": self.config["username"], "password": self.secrets["password"]}
            if self.account and self.secrets.get("password")
            else {}
        )
        if self.secrets.get("refresh_token"):
            account = {"refresh_token": self.secrets["refresh_token"]}
        return praw.Reddit(
            **account,
            client_id=self.config.get("client_id", ""),
            client_secret=None if self.secrets.get("refresh_token") else self.secrets.get("client_secret", ""),
            user_agent=f"{safe_http.USER_AGENT} (channel {self.channel.pk or 'test'})",
            oauth_url=self.oauth_url,
            reddit_url=self.reddit_url,
            requestor_kwargs={"session": safe_http.requests_session(), "timeout": safe_http.TIMEOUT_SECONDS},
            check_for_updates=False,
            check_for_async=False,
        )

    def listings(self, api: praw.Reddit) -> list[tuple[str, Listing]]:
        # Each listing: (how many, the fullname to read after or None) → things, newest first.
        found: list[tuple[str, Listing]] = []
        if name := self.config.get("subreddit"):
            sub = api.subreddit(name)
            found.append((f"r/{name}/new", lambda n, after: sub.new(limit=n, params=_after(after))))
            found.append((f"r/{name}/comments", lambda n, after: sub.comments(limit=n, params=_after(after))))
        if query := str(self.config.get("search") or "").strip():
            where = api.subreddit(self.config.get("subreddit") or "all")
            found.append(
                (
                    f"search:{query}",
                    lambda n, after: where.search(query, sort="new", limit=n, params=_after(after)),
                )
            )
        return found

    def _down(
        self, key: str, listing: Listing, after: str | None, created: float, names: set[str], budget: list[int]
    ) -> tuple[list[dict[str, Any]], bool]:
        """Things newer than (created, names), newest first, from `after` down, within the item budget;
        and whether the run is done with this stretch (it met the known items, or the listing ended)."""
        found: list[dict[str, Any]] = []
        with classified():
            for thing in listing(budget[0], after):
                budget[0] -= 1
                kept = jsonable({k: getattr(thing, k, None) for k in KEEP if k in vars(thing)})
                try:
                    at, name = float(thing.created_utc), str(thing.name)
                except (AttributeError, TypeError, ValueError) as exc:  # this thing alone: rejected, not the run
                    self.unreadable_things.append(unreadable(str(kept.get("name") or ""), _no_time(exc), kept, None))
                    continue
                if at < created or (at == created and name in names):
                    return found, True
                found.append(kept)
        if budget[0] > 0 and created:
            log.warning(
                "channel %s: %s ended before the items already read: Reddit lists no further back, "
                "so what was posted in between cannot be read",
                self.channel.pk,
                key,
            )
        return found, budget[0] > 0

    def learn_moderator(self, api: praw.Reddit) -> None:
        """Ask Reddit whether the account moderates the subreddit; remembered in config as `moderator`."""
        if self.account and (name := self.config.get("subreddit")):
            with classified():
                self.config["moderator"] = bool(api.subreddit(name).user_is_moderator)

    def fetch(self, since: dict[str, Any]) -> Iterator[RawItem]:
        self.unreadable_things: list[RawItem] = []
        api = self.api()
        if self.account and "moderator" not in self.config:
            self.learn_moderator(api)
        cursor = dict(since)
        for key, listing in self.listings(api):
            state = dict(cursor.get(key) or {})
            last, seen = float(state.get("created") or 0), set(state.get("names") or [])
            gaps: list[dict[str, Any]] = [dict(g) for g in state.get("gaps") or []]
            budget = [MAX_ITEMS_PER_RUN if last else PAGE]  # first run: the latest page only
            found, done = self._down(key, listing, None, last, seen, budget)
            if not done and last and found:  # the budget ended before what we have: read on later
                gaps.append({"after": found[-1]["name"], "created": last, "names": sorted(seen)})
            found.sort(key=lambda item: float(item["created_utc"]))
            for item in found:
                if float(item["created_utc"]) != last:
                    last, seen = float(item["created_utc"]), set()
                seen.add(item["name"])
                cursor = {**cursor, key: _state(last, seen, gaps)}
                yield self._raw(item, cursor, key)
            yield from self.unreadable_things  # with no cursor: the things around them carry it
            self.unreadable_things = []
            while gaps and budget[0] > 0:
                gap = gaps[-1]  # the newest gap first
                older, done = self._down(key, listing, gap["after"], gap["created"], set(gap["names"]), budget)
                for item in older:  # newest first: the gap shrinks from its top as each is stored
                    gap["after"] = item["name"]
                    cursor = {**cursor, key: _state(last, seen, gaps)}
                    yield self._raw(item, cursor, key)
                if done:
                    gaps.pop()
                cursor = {**cursor, key: _state(last, seen, gaps)}
                yield from self.unreadable_things
                self.unreadable_things = []
            cursor = {**cursor, key: _state(last, seen, gaps)}
        self.final_cursor = cursor

    @staticmethod
    def _raw(item: dict[str, Any], cursor: dict[str, Any], key: str) -> RawItem:
        kind = "comment" if str(item["name"]).startswith("t1_") else "post"
        source = "search" if key.startswith("search:") else "subreddit"  # the config field naming the listing
        return RawItem(item["name"], None, kind, item, cursor, extra={"source": source})

    def normalize(self, raw: RawItem) -> Incoming:
        item = raw.payload
        try:
            created = datetime.fromtimestamp(float(item["created_utc"]), tz=UTC)
            author = str(item.get("author") or "")
            deleted = author in ("", "None", "[deleted]")
            if raw.kind == "comment":
                parent = str(item["parent_id"])
                text, html = str(item.get("body") or ""), item.get("body_html")
                kind = Kind.REPLY if parent.startswith("t1_") else Kind.COMMENT
            else:
                parent, kind = "", Kind.POST
                text, html = str(item.get("selftext") or ""), item.get("selftext_html")
            return Incoming(
                channel=self.channel,
                external_id=raw.external_id,
                text=text,
                html=html or None,
                title=str(item.get("title") or ""),
                url="https://www.reddit.com" + str(item.get("permalink") or ""),
                created_at=created,
                author=None
                if deleted
                else AuthorInfo(
                    external_id=str(item.get("author_fullname") or author),
                    display_name=author,
                    handle="u/" + author,
                    url=f"https://www.reddit.com/user/{author}",
                ),
                kind=kind,
                parent_external_id=parent or None,
                deleted_at_source=str(item.get("body") or item.get("selftext") or "") == "[deleted]",
                raw=item,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedItem(incomplete("Reddit", exc)) from exc

    def test_connection(self) -> str:
        api = self.api()
        with classified():
            if name := self.config.get("subreddit"):
                sub = api.subreddit(name)
                found = gettext("r/%(name)s, %(count)d members") % {
                    "name": sub.display_name,
                    "count": int(sub.subscribers or 0),
                }
                if not self.account:
                    return found
                self.config["moderator"] = bool(sub.user_is_moderator)
                if self.config["moderator"]:
                    return gettext("%(found)s; u/%(user)s moderates it") % {
                        "found": found,
                        "user": self.config["username"],
                    }
                return gettext("%(found)s; u/%(user)s does not moderate it: removing there is not possible") % {
                    "found": found,
                    "user": self.config["username"],
                }
            next(iter(api.subreddit("all").search(self.config.get("search", ""), sort="new", limit=1)), None)
        return gettext("Reddit search works")

    # -- moderating (as a moderator of the subreddit) -------------------------------------------------
    def _thing(self, api: praw.Reddit, message: Any) -> Any:
        kind, _sep, ident = str(message.external_id).partition("_")
        if kind == "t1" and ident:
            return api.comment(id=ident)
        if kind == "t3" and ident:
            return api.submission(id=ident)
        raise PermanentError(gettext("this message did not come from Reddit"), cause="not_found")

    def moderate(self, message: Any, status: str) -> None:
        """Remove (hold or spam: Reddit's spam filter learns from it) or approve a post or comment."""
        if status not in ("approved", "hold", "spam"):
            raise ValueError(f"unknown moderation status {status!r}")
        if not self.account:
            raise AuthError(gettext("moderating needs the Reddit account that moderates the subreddit"))
        api = self.api()
        thing = self._thing(api, message)
        with classified():
            try:
                if status == "approved":
                    thing.mod.approve()
                else:
                    thing.mod.remove(spam=status == "spam")
            except prawcore.exceptions.Forbidden as exc:  # before `classified`, which reads it as a private subreddit
                raise PermanentError(
                    gettext("Reddit refused: u/%(user)s does not moderate r/%(name)s")
                    % {"user": self.config.get("username"), "name": self.config.get("subreddit")},
                    cause="not_moderator",
                ) from exc

    def hide(self, message: Any) -> None:
        self.moderate(message, "hold")

    # -- publishing once (publish_once.py), as the account, in the subreddit --------------------------
    def _publishing(self) -> str:
        if not self.account:
            raise AuthError(gettext("publishing needs the Reddit account's name and password"))
        name = str(self.config.get("subreddit") or "")
        if not name:
            raise PermanentError(gettext("publishing needs the subreddit to publish in"), cause="not_found")
        return name

    @staticmethod
    def _published(name: str, ident: str, created: datetime | None, payload: dict[str, Any]) -> Published:
        return Published(f"t3_{ident}", f"{REDDIT_WEB}/r/{name}/comments/{ident}/", created, payload)

    def publish_once(self, *, title: str, body: str, key: str) -> Published:
        """A self post (POST /api/submit, kind « self ») with its title, in the channel's subreddit."""
        name = self._publishing()
        api = self.api()
        # prawcore sends a request again by itself after a lost answer or a 5xx: for a post, that may make
        # it twice. Publishing decides itself, after reading back (find_published), so no retry here.
        for core in (getattr(api, "_core", None), getattr(api, "_authorized_core", None)):
            if core is not None and hasattr(core, "_retry_strategy_class"):
                core._retry_strategy_class = partial(prawcore.sessions.FiniteRetryStrategy, retries=0)
        with classified():
            try:
                made = api.subreddit(name).submit(title, selftext=body, send_replies=True)
            except praw.exceptions.RedditAPIException as exc:  # Reddit's own words (SUBMIT_VALIDATION_…)
                raise PermanentError(
                    gettext("Reddit refused the post: %(detail)s") % {"detail": str(exc)[:300]}, cause="http_error"
                ) from exc
        if made is None or not getattr(made, "id", None):
            raise PermanentError(gettext("Reddit did not say which post it made"), cause="not_understood")
        return self._published(name, str(made.id), None, {"id": str(made.id), "title": title, "selftext": body})

    def find_published(self, *, title: str, body: str, key: str, since: datetime) -> Published | None:
        """The account's latest submissions (GET /user/<name>/submitted): the self post in this subreddit
        with exactly this title and text, made since a minute before `since`."""
        name = self._publishing()
        api = self.api()
        after = since.timestamp() - 60
        with classified():
            for found in api.redditor(self.config["username"]).submissions.new(limit=READ_BACK):
                # Only what the listing gave (vars): asking praw for more would fetch each post.
                data = jsonable({k: getattr(found, k, None) for k in KEEP if k in vars(found)})
                same_place = str(data.get("subreddit") or "").lower() == name.lower()
                if (
                    same_place
                    and data.get("title") == title
                    and str(data.get("selftext") or "").strip() == body.strip()
                    and float(data.get("created_utc") or 0) >= after
                ):
                    created = datetime.fromtimestamp(float(data["created_utc"]), tz=UTC)
                    return self._published(name, str(data.get("id") or found.id), created, data)
        return None
