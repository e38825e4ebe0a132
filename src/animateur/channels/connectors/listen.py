"""Listening sources: channels that look outside the organisation's own, for e-reputation.

Each is a kind of its own, built on the network's connector (its client, cursors, paging, gaps,
failures and rate limits are that connector's), and listed in apps.LISTENING_KINDS. What they
bring is *heard elsewhere*: stored in the stream, matched by the saved searches, counted in
spikes, but not addressed to the team, so it opens no inbox conversation (inbox/hooks.py) unless a
crisis room pulls a message in (inbox.actions.conversations.do_pull_into_inbox).

Where a network searches, the terms come from the workspace's saved searches (listening/terms.py,
through listen_terms.py): each term is a stream of its own with its own cursor, so a search added
later is followed from then, one removed stops being asked for. A term's first page, read after the
channel's first poll (the term is new), is history: it is what was said before anybody listened, and
must not look like a spike.

- mastodon_listen: the hashtag timelines (`/api/v1/timelines/tag/:hashtag`) of the searches'
  hashtags, and, with an access token (Mastodon searches statuses only for an account), a search
  (`/api/v2/search?type=statuses`) per other term.
- bluesky_listen: `app.bsky.feed.searchPosts` per term (Bluesky searches for logged-in accounts).
- reddit_listen: Reddit's search (`/search`, newest first) per term, in all of Reddit or one subreddit.
- discourse_listen: a forum's `/search.json?q=<term> order:latest` per term; each post found is read
  whole with its topic's `/t/<id>/posts.json?post_ids[]=` (the search gives an excerpt only). A run
  reads a term down to the last post it has within MAX_SEARCH_PAGES pages (500 posts): a term that
  finds more than that between two polls keeps the rest as a gap in its cursor, which the next runs
  read (Discourse's search keeps no paging token to come back with: the gap is searched with
  `before:` the day after the oldest post read, and the post ids decide).
- instagram_listen: Instagram's hashtag search, for a professional account (the Instagram Graph API):
  each hashtag of the searches is looked up once (`ig_hashtag_search`, its id kept in the cursor), then
  its `/{hashtag-id}/recent_media` (the last 24 hours, newest first) is read down to the media already
  heard. Instagram names no author for these media, and allows 30 hashtags per account per 7 days:
  a search with more asks Instagram for more than it gives, and its refusal is named on the channel.
- feed_listen: an RSS or Atom feed of news or alerts (a Google Alert, a news search): the feed
  connector as it is, heard elsewhere.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

from django import forms
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from mastodon import Mastodon

from animateur.channels.connectors.base import (
    Capability,
    Connector,
    RawItem,
    incomplete,
    read_item,
    register,
    unreadable,
)
from animateur.channels.connectors.bluesky import DEFAULT_SERVICE, BlueskyConnector, Page, _query
from animateur.channels.connectors.bluesky import SEARCH as BLUESKY_SEARCH
from animateur.channels.connectors.discourse import DiscourseConnector, _post_id
from animateur.channels.connectors.instagram import InstagramConnector, InstagramForm
from animateur.channels.connectors.mastodon import MastodonConnector, classified
from animateur.channels.connectors.reddit import Listing, RedditConnector, _after
from animateur.channels.connectors.rss import FeedConnector, FeedForm
from animateur.channels.errors import ConnectorError, MalformedItem, TransientError
from animateur.channels.listen_terms import Terms, terms_for
from animateur.stream.items import Incoming
from animateur.stream.models import Kind

log = logging.getLogger(__name__)

TERMS_HELP = _("The terms searched for come from the saved searches of Listening.")


class ListeningSource:
    """What every listening source shares: its terms, and a new term's first page kept as history."""

    listening = True
    channel: Any
    _terms: Terms | None = None

    @property
    def terms(self) -> Terms:
        if self._terms is None:
            self._terms = terms_for(self.channel.workspace_id)
        return self._terms

    @staticmethod
    def marked(since: dict[str, Any], raws: Iterator[RawItem]) -> Iterator[RawItem]:
        """`raws`, those of a stream (a term) the channel had not read before, after its first poll, as history."""
        for raw in raws:
            stream = raw.extra.get("stream")
            if since and stream and stream not in since:
                raw.extra["first_read"] = True
            yield raw

    @staticmethod
    def heard(item: Incoming, raw: RawItem) -> Incoming:
        if raw.extra.get("first_read"):
            item.historical = True
        return item

    def terms_summary(self, searched: list[str]) -> str:
        terms = self.terms
        if not searched:
            return gettext("no saved search gives a term to search for yet: write one in Listening")
        said = ngettext("%(n)d term searched: %(terms)s", "%(n)d terms searched: %(terms)s", len(searched)) % {
            "n": len(searched),
            "terms": ", ".join(searched[:10]) + ("…" if len(searched) > 10 else ""),
        }
        if terms.unsearchable:
            said += "; " + gettext("searches without a term to ask for: %(names)s") % {
                "names": ", ".join(terms.unsearchable[:5])
            }
        return said


class ReadByItsConnector(ListeningSource, Connector):
    """A source whose network's connector reads its terms' streams as its own: what it reads is
    marked (a new term's first page) and then heard, before and after the connector's own steps."""

    def fetch(self, since: dict[str, Any]) -> Iterator[RawItem]:
        yield from self.marked(since, super().fetch(since))

    def normalize(self, raw: RawItem) -> Incoming:
        return self.heard(super().normalize(raw), raw)


# -- Mastodon -----------------------------------------------------------------------------------------


class MastodonListenForm(forms.Form):
    api_base_url = forms.URLField(
        label=_("Server"), assume_scheme="https", help_text=_("For example https://mastodon.social")
    )
    access_token = forms.CharField(
        label=_("Access token"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_(
            "Optional: hashtags are read without one; searching other words needs one (scope read). "
            "The terms come from the saved searches of Listening."
        ),
    )


@register
class MastodonListenConnector(ReadByItsConnector, MastodonConnector):
    kind = "mastodon_listen"
    label = _("Mastodon hashtags and search (listening)")
    capabilities = frozenset({Capability.READ})
    own_posts_only = frozenset()
    form_class = MastodonListenForm  # type: ignore[assignment]
    secret_fields = ("access_token",)
    optional_secrets = ("access_token",)
    default_poll_interval = 300
    learned_keys = ()  # type: ignore[assignment]
    source_fields = ()  # type: ignore[assignment]

    def _prepare(self, api: Mastodon) -> None:
        """Nothing to find out: the source answers nobody, and may be read without an account."""

    def streams(self, api: Mastodon) -> list[tuple[str, Callable[..., Any], str]]:
        found: list[tuple[str, Callable[..., Any], str]] = []
        for tag in self.terms.hashtags:
            found.append((f"tag:{tag}", lambda t=tag, **kw: api.timeline_hashtag(t, **kw), "status"))
        if self.secrets.get("access_token"):
            for term in self.terms.words:
                found.append(
                    (
                        f"search:{term}",
                        lambda q=term, **kw: (
                            api.search_v2(
                                q, result_type="statuses", resolve=False, exclude_unreviewed=False, **kw
                            ).statuses
                        ),
                        "status",
                    )
                )
        return found

    def searched(self) -> list[str]:
        tags = [f"#{t}" for t in self.terms.hashtags]
        return tags + (self.terms.words if self.secrets.get("access_token") else [])

    def fetch(self, since: dict[str, Any]) -> Iterator[RawItem]:
        self._reached = dict(since)
        yield from self.marked(since, self._fetch_streams(since))
        self.final_cursor = self._reached

    def test_connection(self) -> str:
        api = self.api()
        with classified(self._last_headers):
            instance = api.instance_v2()
        title = str((instance or {}).get("title") or (instance or {}).get("domain") or "?")
        said = gettext("Server “%(title)s”") % {"title": title}
        if not self.secrets.get("access_token") and self.terms.words:
            said += "; " + gettext("without an access token, only hashtags are read")
        return f"{said}; {self.terms_summary(self.searched())}"


# -- Bluesky ------------------------------------------------------------------------------------------


class BlueskyListenForm(forms.Form):
    service = forms.URLField(
        label=_("Server"),
        assume_scheme="https",
        initial=DEFAULT_SERVICE,
        help_text=_("https://bsky.social, or your own PDS."),
    )
    handle = forms.CharField(
        label=_("Handle"),
        max_length=253,
        help_text=_("Bluesky searches only for a logged-in account: any account will do, for example acme.bsky.social"),
    )
    app_password = forms.CharField(
        label=_("App password"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_("From Settings › Privacy and security › App passwords; never your main password."),
    )

    def clean_handle(self) -> str:
        return str(self.cleaned_data["handle"]).strip().lstrip("@")


@register
class BlueskyListenConnector(ReadByItsConnector, BlueskyConnector):
    kind = "bluesky_listen"
    label = _("Bluesky search (listening)")
    capabilities = frozenset({Capability.READ})
    own_posts_only = frozenset()
    form_class = BlueskyListenForm  # type: ignore[assignment]
    secret_fields = ("app_password",)
    learned_keys = ()  # type: ignore[assignment]
    source_fields = ()  # type: ignore[assignment]

    def streams(self, client: Any) -> list[tuple[str, Callable[[str | None], Any], str]]:
        found: list[tuple[str, Callable[[str | None], Any], str]] = []
        for term in self.terms.texts:

            def search(cursor: str | None, q: str = term) -> Page:
                params = {"q": q, "sort": "latest", "limit": 50, "cursor": cursor}
                return _query(client, BLUESKY_SEARCH, {k: v for k, v in params.items() if v is not None})

            # The shape carries the stream's key to `_raw`, which names it in the item (see `marked`).
            found.append((f"search:{term}", search, f"post|search:{term}"))
        return found

    @staticmethod
    def _raw(entry: Any, shape: str, cursor: dict[str, Any]) -> RawItem:
        raw = BlueskyConnector._raw(entry, "post", cursor)
        raw.extra["stream"] = shape.partition("|")[2]
        return raw

    def test_connection(self) -> str:
        client = self.client()
        said = gettext("Connected to Bluesky as @%(handle)s") % {"handle": getattr(client._session, "handle", "?")}
        return f"{said}; {self.terms_summary(self.terms.texts)}"


# -- Reddit -------------------------------------------------------------------------------------------


class RedditListenForm(forms.Form):
    client_id = forms.CharField(
        label=_("App id"),
        max_length=100,
        help_text=_("From reddit.com/prefs/apps: create an app of type « script »; its id is under its name."),
    )
    client_secret = forms.CharField(label=_("App secret"), widget=forms.PasswordInput(render_value=False))
    subreddit = forms.CharField(
        label=_("Only in this subreddit"),
        required=False,
        max_length=100,
        help_text=_("Leave empty to search all of Reddit."),
    )

    def clean_subreddit(self) -> str:
        value = str(self.cleaned_data.get("subreddit") or "").strip()
        return value.removeprefix("/").removeprefix("r/")


@register
class RedditListenConnector(ReadByItsConnector, RedditConnector):
    kind = "reddit_listen"
    label = _("Reddit search (listening)")
    capabilities = frozenset({Capability.READ})
    form_class = RedditListenForm  # type: ignore[assignment]
    secret_fields = ("client_secret",)  # type: ignore[assignment]
    optional_secrets = ()  # type: ignore[assignment]
    learned_keys = ()  # type: ignore[assignment]
    source_fields = ()  # type: ignore[assignment]

    # Read with the app alone: a listening source moderates nothing (the subreddit is somebody else's).
    moderate = Connector.moderate
    hide = Connector.hide

    @property
    def account(self) -> bool:
        return False

    def listings(self, api: Any) -> list[tuple[str, Listing]]:
        where = api.subreddit(self.config.get("subreddit") or "all")
        found: list[tuple[str, Listing]] = []
        for term in self.terms.texts:

            def search(n: int, after: str | None, q: str = term) -> Any:
                return where.search(q, sort="new", limit=n, params=_after(after))

            found.append((f"search:{term}", search))
        return found

    @staticmethod
    def _raw(item: dict[str, Any], cursor: dict[str, Any], key: str) -> RawItem:
        raw = RedditConnector._raw(item, cursor, key)
        raw.extra["stream"] = key
        return raw

    def test_connection(self) -> str:
        api = self.api()
        from animateur.channels.connectors.reddit import classified as reddit_classified

        with reddit_classified():
            next(iter(api.subreddit(self.config.get("subreddit") or "all").search("reddit", sort="new", limit=1)), None)
        return f"{gettext('Reddit search works')}; {self.terms_summary(self.terms.texts)}"


# -- Discourse ----------------------------------------------------------------------------------------

MAX_SEARCH_PAGES = 10  # per term and run: a search answers 50 posts a page
MAX_TOPIC_READS = 20  # topics read whole per run; beyond, a post keeps the search's excerpt


class DiscourseListenForm(forms.Form):
    forum_url = forms.URLField(
        label=_("Forum address"),
        assume_scheme="https",
        max_length=500,
        help_text=_("Any public Discourse forum, for example https://meta.discourse.org"),
    )
    api_username = forms.CharField(
        label=_("API user name"),
        required=False,
        max_length=100,
        help_text=_("Optional: to search categories only members see."),
    )
    api_key = forms.CharField(label=_("API key"), required=False, widget=forms.PasswordInput(render_value=False))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("api_key") and not data.get("api_username"):
            self.add_error("api_username", _("An API key needs the user name it acts as."))
        return data


def _searched_post(post: dict[str, Any], topic: dict[str, Any] | None, full: dict[str, Any] | None) -> dict[str, Any]:
    """A search result in the shape of a /posts.json entry, read whole when its topic could be read."""
    merged: dict[str, Any] = {**post, **(full or {})}
    if not merged.get("cooked"):
        merged["cooked"] = f"<p>{html.escape(str(post.get('blurb') or ''))}</p>"
        merged["excerpt_only"] = True
    if topic:
        merged.setdefault("topic_title", topic.get("title") or topic.get("fancy_title") or "")
        merged.setdefault("topic_slug", topic.get("slug") or "")
        merged.setdefault("category_id", topic.get("category_id"))
    return merged


def _raw_searched(external_id: str, post: dict[str, Any], cursor: dict[str, Any], stream: str) -> RawItem:
    when = parse_datetime(str(post.get("updated_at") or post.get("created_at") or ""))
    return RawItem(external_id, when, "post", post, cursor, extra={"stream": stream})


def _gap(above: int, found: list[tuple[dict[str, Any], dict[str, Any] | None]]) -> dict[str, Any]:
    """What is left to read of a term: posts above `above` and below the oldest found, searched for
    with `before:` the day after that post's (Discourse's search filters by day; the ids decide)."""
    oldest = min((post for post, _topic in found), key=lambda post: int(post["id"]))
    day = parse_datetime(str(oldest.get("created_at") or ""))
    before = (day + timedelta(days=1)).date().isoformat() if day is not None else ""
    return {"above": above, "below": int(oldest["id"]), "before": before}


@register
class DiscourseListenConnector(ListeningSource, DiscourseConnector):
    kind = "discourse_listen"
    label = _("Discourse forum search (listening)")
    capabilities = frozenset({Capability.READ})
    form_class = DiscourseListenForm  # type: ignore[assignment]
    secret_fields = ("api_key",)
    optional_secrets = ("api_key",)
    default_poll_interval = 600

    def fetch(self, since: dict[str, Any]) -> Iterator[RawItem]:
        yield from self.marked(since, self._read(since))

    def _read(self, since: dict[str, Any]) -> Iterator[RawItem]:
        self._topic_reads = MAX_TOPIC_READS
        cursor = dict(since)
        for term in self.terms.texts:
            key = f"search:{term}"
            state = cursor.get(key) or {}
            last = int(state.get("last_id") or 0)
            gap = state.get("gap") if isinstance(state.get("gap"), dict) else None
            found, unreadable_posts, complete = self._search(term, last)
            if last and not complete and found:
                # More new posts than a run reads: the older ones are read by the next runs, down to
                # `above` (a gap already open is joined to this one: what lies between is read again).
                gap = _gap(int((gap or {}).get("above") or last), found)
            elif gap:
                older, more_unreadable, closed = self._search(
                    term, int(gap.get("above") or 0), before=str(gap.get("before") or ""), below=int(gap["below"])
                )
                found += older
                unreadable_posts += more_unreadable
                gap = None if closed or not older else _gap(int(gap.get("above") or 0), older)
            whole = self._whole(found)
            top = last

            left = {"gap": gap} if gap else {}
            for post, topic in sorted(found, key=lambda f: int(f[0]["id"])):
                top = max(top, int(post["id"]))
                cursor = {**cursor, key: {"last_id": top, **left}}
                merged = _searched_post(post, topic, whole.get(int(post["id"])))
                named = f"{post.get('topic_id')}/{post.get('post_number')}"
                item = read_item(named, merged, cursor, _raw_searched, named, merged, cursor, key)
                item.extra.setdefault("stream", key)
                yield item
            for post in unreadable_posts:  # with no cursor: the posts around them carry it
                yield unreadable("?", gettext("this forum post has no id"), post, None)
            cursor = {**cursor, key: {"last_id": top, **left}}
        self.final_cursor = cursor

    def _search(
        self, term: str, last: int, *, before: str = "", below: int = 0
    ) -> tuple[list[tuple[dict[str, Any], dict[str, Any] | None]], list[Any], bool]:
        """Posts newer than `last` found by `term`, newest first (older than `below`, written before the
        day `before`, when reading a gap), and whether they reach `last`; a first read takes one page."""
        found: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
        unreadable_posts: list[Any] = []
        q = f"{term} order:latest" + (f" before:{before}" if before else "")
        for page in range(1, (MAX_SEARCH_PAGES if last else 1) + 1):
            data = self.request("GET", "search.json", {"q": q, "page": page})
            if not isinstance(data, dict) or not isinstance(data.get("posts", []), list):
                raise self.not_understood()
            posts = data.get("posts") or []
            topics = {t.get("id"): t for t in data.get("topics") or [] if isinstance(t, dict)}
            met = False
            for post in posts:
                ident = _post_id(post)
                if ident is None:
                    unreadable_posts.append(post)
                elif last and ident <= last:
                    met = True
                elif not below or ident < below:
                    found.append((post, topics.get(post.get("topic_id"))))
            more = (data.get("grouped_search_result") or {}).get("more_full_page_results")
            if met or not posts or not more:
                return found, unreadable_posts, True
        return found, unreadable_posts, not last

    def _whole(self, found: list[tuple[dict[str, Any], dict[str, Any] | None]]) -> dict[int, dict[str, Any]]:
        """The posts found, read whole, by id: one request per topic, within the run's budget."""
        by_topic: dict[int, list[int]] = {}
        for post, _topic in found:
            try:
                by_topic.setdefault(int(post["topic_id"]), []).append(int(post["id"]))
            except (KeyError, TypeError, ValueError):
                continue
        whole: dict[int, dict[str, Any]] = {}
        for topic_id, ids in by_topic.items():
            if self._topic_reads <= 0:
                break
            self._topic_reads -= 1
            query = urlencode([("post_ids[]", i) for i in ids])
            try:
                data = self.request("GET", f"t/{quote(str(topic_id))}/posts.json?{query}")
            except TransientError:  # the forum is down or slowing us down: the run waits, as for the search
                raise
            except ConnectorError:  # a topic we may not read whole (private, deleted): its posts keep the excerpt
                continue
            posts = ((data or {}).get("post_stream") or {}).get("posts") if isinstance(data, dict) else None
            for post in posts or []:
                if isinstance(post, dict) and _post_id(post) is not None:
                    whole[int(post["id"])] = post
        return whole

    def normalize(self, raw: RawItem) -> Incoming:
        item = self.heard(super().normalize(raw), raw)
        if raw.payload.get("excerpt_only") and int(raw.payload.get("post_number") or 1) > 1:
            item.parent_external_id = None  # an excerpt says not which post it answers
        return item

    def test_connection(self) -> str:
        said = super().test_connection()
        return f"{said}; {self.terms_summary(self.terms.texts)}"


# -- feeds --------------------------------------------------------------------------------------------


class NewsFeedForm(FeedForm):
    url = forms.URLField(
        label=_("Feed address"),
        assume_scheme="https",
        max_length=1000,
        help_text=_("An RSS or Atom feed of news or alerts: a Google Alert, a news search, a blog that covers you."),
    )


@register
class NewsFeedConnector(ListeningSource, FeedConnector):
    kind = "feed_listen"
    label = _("News or alerts feed (listening)")
    form_class = NewsFeedForm


# -- Instagram ----------------------------------------------------------------------------------------

HASHTAG_PAGES_PER_RUN = 5  # per hashtag and run: 50 media a page
HASHTAG_MEDIA_FIELDS = "id,caption,timestamp,permalink,media_type,comments_count,like_count"
HEARD_KEPT = 300  # ids of the media last heard per hashtag: recent_media has no time to page from


class InstagramListenForm(InstagramForm):
    """The account the hashtag search is made for (Instagram searches hashtags for a professional account)."""

    read_messages = None  # type: ignore[assignment]
    page_id = None  # type: ignore[assignment]


def _raw_heard(external_id: str, entry: dict[str, Any], cursor: dict[str, Any], stream: str) -> RawItem:
    when = parse_datetime(str(entry.get("timestamp") or ""))
    if when is None:
        raise MalformedItem(gettext("this Instagram media has no time"))
    return RawItem(external_id, when, "heard", entry, cursor, extra={"stream": stream})


@register
class InstagramListenConnector(ListeningSource, InstagramConnector):
    kind = "instagram_listen"
    label = _("Instagram hashtags (listening)")
    capabilities = frozenset({Capability.READ})
    form_class = InstagramListenForm
    learned_keys = ()  # type: ignore[assignment]
    source_fields = ()  # type: ignore[assignment]
    default_poll_interval = 900

    # Somebody else's media: nothing to answer nor moderate there.
    reply = Connector.reply
    hide = Connector.hide
    moderate = Connector.moderate
    delete = Connector.delete

    def fetch(self, since: dict[str, Any]) -> Iterator[RawItem]:
        yield from self.marked(since, self._read(since))

    def _read(self, since: dict[str, Any]) -> Iterator[RawItem]:
        user_id = str(self.config.get("ig_user_id") or "")
        cursor = dict(since)
        for tag in self.terms.hashtags:
            key = f"tag:{tag}"
            state = dict(cursor.get(key) or {})
            if not state.get("id"):
                state["id"] = self._hashtag_id(user_id, tag)
                if not state["id"]:
                    log.info("channel %s: Instagram knows no hashtag #%s", self.channel.pk, tag)
                    continue
            heard = list(state.get("heard") or [])
            fresh: list[Any] = []
            after: str | None = None
            params = {"user_id": user_id, "fields": HASHTAG_MEDIA_FIELDS}
            for _page in range(HASHTAG_PAGES_PER_RUN if key in since else 1):  # a new hashtag: its latest page
                entries, after, more = self._list(f"{state['id']}/recent_media", params, after)
                met = False
                for entry in entries:
                    if isinstance(entry, dict) and str(entry.get("id") or "") in heard:
                        met = True
                        break
                    fresh.append(entry)
                if met or not more or not after:
                    break
            for entry in reversed(fresh):
                if not isinstance(entry, dict) or not entry.get("id"):
                    yield unreadable("media:?", gettext("this Instagram item has no id"), entry, cursor)
                    continue
                media_id = str(entry["id"])
                heard = [media_id, *[h for h in heard if h != media_id]][:HEARD_KEPT]
                cursor = {**cursor, key: {"id": state["id"], "heard": heard}}
                item = read_item(media_id, entry, cursor, _raw_heard, media_id, entry, cursor, key)
                item.extra.setdefault("stream", key)
                yield item
            cursor = {**cursor, key: {"id": state["id"], "heard": heard}}
        self.final_cursor = cursor

    def _hashtag_id(self, user_id: str, tag: str) -> str:
        found = self.request("GET", "ig_hashtag_search", {"user_id": user_id, "q": tag})
        if not isinstance(found, dict) or not isinstance(found.get("data", []), list):
            raise self.not_understood()
        first = next((e for e in found.get("data") or [] if isinstance(e, dict) and e.get("id")), None)
        return str(first["id"]) if first else ""

    def normalize(self, raw: RawItem) -> Incoming:
        entry = raw.payload
        try:
            created = parse_datetime(str(entry["timestamp"]))
            if created is None:
                raise MalformedItem(gettext("its date “%(date)s” is not a date") % {"date": entry["timestamp"]})
            item = Incoming(
                channel=self.channel,
                external_id=raw.external_id,
                text=str(entry.get("caption") or "").strip(),
                url=str(entry.get("permalink") or ""),
                created_at=created,
                author=None,  # Instagram names nobody behind a hashtag's media
                kind=Kind.POST,
                raw=entry,
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise MalformedItem(incomplete("Instagram", exc)) from exc
        return self.heard(item, raw)

    def test_connection(self) -> str:
        said = super().test_connection()
        return f"{said}; {self.terms_summary([f'#{t}' for t in self.terms.hashtags])}"
