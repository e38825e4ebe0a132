"""Mastodon, with Mastodon.py: mentions and direct messages (which include replies to our posts),
a hashtag timeline or a search; reply, post and delete; the server's own limits.

Each stream is read forward from its own cursor with `min_id` (the page just newer than what we
have), oldest first, so a run stopped anywhere resumes without holes; a first run takes only the
latest page rather than the whole history.

Our own answers are read back too (the account's statuses that reply to something, from the last
one seen): an answer sent from the inbox whose storing failed is then stored by the next poll, in
its conversation, under the same key; one already stored is left as it is. That stream's first run
only notes where our statuses stand, and its failure never stops the others (it is a safety net).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

import requests
from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from animateur.channels import safe_http
from animateur.channels.connectors import failures
from animateur.channels.connectors.base import Capability, Connector, RawItem, incomplete, jsonable, read_item, register
from animateur.channels.connectors.mastodon_status import compose
from animateur.channels.errors import AuthError, ConnectorError, MalformedItem
from animateur.stream.counts import Counts

if TYPE_CHECKING:  # Mastodon.py is imported when a Mastodon server is spoken to: a web worker serving
    from mastodon import Mastodon  # pages never loads it (nor its dependencies)
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Kind, Message

log = logging.getLogger(__name__)

PAGE = 40
MAX_PAGES_PER_RUN = 50
SOURCE_FIELDS = {"tag": "hashtag", "search": "search"}  # a stream's key prefix → the config field naming it


class MastodonForm(forms.Form):
    api_base_url = forms.URLField(
        label=_("Server"), assume_scheme="https", help_text=_("For example https://mastodon.social")
    )
    access_token = forms.CharField(
        label=_("Access token"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_("From Preferences › Development › New application (scopes read and write)."),
    )
    hashtag = forms.CharField(label=_("Hashtag to follow"), required=False, max_length=100)
    search = forms.CharField(label=_("Search to follow"), required=False, max_length=200)


SOURCE = _("the Mastodon server")
TOKEN = _("the access token")


@contextmanager
def classified(headers: Callable[[], Mapping[str, Any] | None] = lambda: None) -> Iterator[None]:
    """Mastodon.py's errors, classified for the scheduler (failures.py). `headers`: those of the
    server's last answer, where Mastodon.py, which reads none of them on a 429, leaves the wait."""
    try:
        yield
    except Exception as exc:
        from mastodon import errors as merr

        if isinstance(exc, merr.MastodonRatelimitError):
            last = headers()
            wait = failures.retry_after(last) or _until_reset(last)
            raise failures.failure(failures.RATE_LIMITED, SOURCE, retry_after_seconds=wait) from exc
        if isinstance(exc, merr.MastodonNetworkError):
            raise failures.for_network(SOURCE, exc) from exc
        if isinstance(exc, merr.MastodonAPIError):
            # Mastodon.py raises ("Mastodon API returned error", status, reason, the server's message).
            status = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
            if not status:  # an answer it could not read as JSON
                raise failures.failure(failures.NOT_UNDERSTOOD, SOURCE, detail=str(exc)) from exc
            detail = str(exc.args[3] or exc.args[2]) if len(exc.args) > 3 else ""
            raise failures.for_status(SOURCE, status, headers(), detail=detail, credentials=TOKEN) from exc
        raise


def _until_reset(headers: Mapping[str, Any] | None) -> float | None:
    """Seconds until the X-RateLimit-Reset time Mastodon sends with a 429 (an ISO date, not Retry-After)."""
    reset = parse_datetime(str((headers or {}).get("x-ratelimit-reset") or ""))
    if reset is None or reset.tzinfo is None:
        return None
    return min(max((reset - timezone.now()).total_seconds(), 0.0), failures.MAX_RETRY_AFTER_SECONDS)


def media_rules(instance: Any) -> dict[str, Any]:
    """A server's media rules from its instance API (GET /api/v2/instance), those it says: attachments per
    status, an image's size and pixels, the alt text's length, the image types it takes."""
    found: dict[str, Any] = {}
    try:
        configuration = instance["configuration"]
        found["max_attachments"] = int(configuration["statuses"]["max_media_attachments"])
    except (KeyError, TypeError, ValueError):
        pass
    try:
        media = instance["configuration"]["media_attachments"]
    except (KeyError, TypeError):
        return found
    for key in ("image_size_limit", "image_matrix_limit", "description_limit"):
        with suppress(KeyError, TypeError, ValueError):
            found[key] = int(media[key])
    try:
        types = media["supported_mime_types"]
    except (KeyError, TypeError):
        types = None
    if isinstance(types, list):
        found["mime_types"] = [str(t) for t in types if str(t).startswith("image/")]
    return found


def _id_order(entry: dict[str, Any]) -> tuple[int, str]:
    """Ids in the order the server gave them: Mastodon's are numbers, Pleroma's and Akkoma's fixed-length
    strings of letters and digits; either way the shorter is the older, then the smaller."""
    ident = str(entry.get("id") or "")
    return len(ident), ident


def status_counts(status: dict[str, Any]) -> Counts | None:
    """A status's favourites (the one reaction Mastodon has) and boosts, as the server counts them."""
    return Counts.of({"favourite": status.get("favourites_count")}, shares=status.get("reblogs_count"))


def _raw_status(status: dict[str, Any], shape: str, cursor: dict[str, Any], extra: dict[str, Any]) -> RawItem:
    if not isinstance(status, dict) or not status.get("id"):
        raise MalformedItem(gettext("this status has no id"))
    return RawItem(
        str(status["id"]), status.get("edited_at") or status.get("created_at"), shape, jsonable(status), cursor, extra
    )


@register
class MastodonConnector(Connector):
    kind = "mastodon"
    label = _("Mastodon")
    capabilities = frozenset(
        {Capability.READ, Capability.REPLY, Capability.PUBLISH, Capability.DELETE, Capability.DIRECT}
    )
    reads_counts = True  # favourites and boosts of our recent statuses, read again (`read_counts`)
    # The API deletes only the account's own posts: moderation does not ask it to delete anyone else's.
    own_posts_only = frozenset({Capability.DELETE})
    form_class = MastodonForm
    secret_fields = ("access_token",)
    default_poll_interval = 120
    # Config the connector finds out itself (who "we" are on the server): the runner and the setup
    # form keep them in the channel's config, so our own statuses are known as the organisation's.
    learned_keys = ("account_id", "acct", "max_characters", "media_rules")
    # Config fields that each name a source of their own (see channels/runner.py on history).
    source_fields = ("hashtag", "search")

    def api(self) -> Mastodon:
        from mastodon import Mastodon

        base = safe_http.validate_url(self.config.get("api_base_url", "")).rstrip("/")
        session = safe_http.requests_session()
        session.hooks["response"].append(self._remember_headers)
        return Mastodon(
            api_base_url=base,
            access_token=self.secrets.get("access_token") or None,
            session=session,
            ratelimit_method="throw",
            version_check_mode="none",
            request_timeout=safe_http.TIMEOUT_SECONDS,
        )

    last_headers: Mapping[str, Any] | None = None

    def _remember_headers(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.last_headers = response.headers

    def _last_headers(self) -> Mapping[str, Any] | None:
        return self.last_headers

    def streams(self, api: Mastodon) -> list[tuple[str, Callable[..., Any], str]]:
        found: list[tuple[str, Callable[..., Any], str]] = [
            # "update": a status we boosted was edited; only those the channel holds are read (their edit).
            ("mentions", lambda **kw: api.notifications(types=["mention", "update"], **kw), "notification")
        ]
        if tag := (self.config.get("hashtag") or "").lstrip("#").strip():
            found.append((f"tag:{tag}", lambda **kw: api.timeline_hashtag(tag, **kw), "status"))
        if query := (self.config.get("search") or "").strip():
            found.append(
                (
                    f"search:{query}",
                    lambda **kw: api.search_v2(query, result_type="statuses", **kw).statuses,
                    "status",
                )
            )
        return found

    def learn_identity(self, api: Mastodon | None = None) -> dict[str, Any]:
        """Ask the server which account the token is; remembered in config as account_id and acct."""
        api = api or self.api()
        with classified(self._last_headers):
            me = api.account_verify_credentials()
        self.config["account_id"] = str(me["id"])
        self.config["acct"] = str(me["acct"])
        return me

    def learn_limits(self, api: Mastodon | None = None) -> None:
        """Remember the server's own post length (publishing checks texts against it); 0 when the server
        does not say it (publishing then assumes 500), so that it is not asked again at every poll."""
        self.config["max_characters"] = self._server_max_characters(api or self.api()) or 0

    def fetch(self, since: dict[str, Any]) -> Iterator[RawItem]:
        self._reached = dict(since)
        yield from self._fetch_streams(since)
        yield from self._fetch_own(self._reached)
        self.final_cursor = self._reached

    def _fetch_streams(self, since: dict[str, Any]) -> Iterator[RawItem]:
        api = self._api = self.api()
        self._prepare(api)
        cursor = dict(since)
        for key, call, shape in self.streams(api):
            last = cursor.get(key)
            for _page in range(MAX_PAGES_PER_RUN):
                with classified(self._last_headers):
                    page = list(call(min_id=last, limit=PAGE) if last else call(limit=PAGE))
                if not page:
                    break
                page.sort(key=_id_order)
                extra = {"source": SOURCE_FIELDS.get(key.partition(":")[0], ""), "stream": key}
                held = self._held_kinds(page) if shape == "notification" else {}
                for entry in page:
                    if entry.get("id"):  # one without its id cannot move the cursor: the next one will
                        last = str(entry["id"])
                        cursor = self._reached = {**cursor, key: last}
                    status = entry.get("status") if shape == "notification" else entry
                    if not status:
                        continue
                    told = dict(extra)
                    if shape == "notification" and entry.get("type") == "update":
                        if str(status.get("id")) not in held:
                            continue  # an edit of a status the channel does not hold: nothing to update
                        told["held_kind"] = held[str(status["id"])]
                    named = f"{shape}:{entry.get('id')}" if shape == "notification" else str(entry.get("id"))
                    yield read_item(named, entry, cursor, _raw_status, status, shape, cursor, told)
                if not since.get(key):
                    break  # first run: the latest page only, not the whole history

    def _prepare(self, api: Mastodon) -> None:
        """What a run finds out before reading: which account we are, the server's post length."""
        if not self.config.get("account_id"):
            try:
                self.learn_identity(api)
            except AuthError:
                raise
            except ConnectorError as exc:
                # Reading must not depend on it: without it, our own statuses count as the community's.
                log.warning("channel %s: could not tell which account we are: %s", self.channel.pk, exc)
        if "max_characters" not in self.config or "media_rules" not in self.config:
            # a channel connected before its limits were kept: asked once
            self._learn_limits_quietly(api)

    def _held_kinds(self, notifications: list[Any]) -> dict[str, str]:
        """Of the statuses of these "update" notifications, those the channel holds, with their kind."""
        edited = [
            str(n["status"]["id"])
            for n in notifications
            if n.get("type") == "update" and isinstance(n.get("status"), dict) and n["status"].get("id")
        ]
        if not edited:
            return {}
        held = Message.objects.filter(channel_id=self.channel.pk, external_id__in=edited)
        return dict(held.values_list("external_id", "kind"))

    def _fetch_own(self, since: dict[str, Any]) -> Iterator[RawItem]:
        """Our account's answers since the last of our statuses seen, to messages the channel holds, which are
        not stored yet."""
        account = str(self.config.get("account_id") or "")
        if not account:
            return
        key = f"own:{account}"
        last = since.get(key)
        cursor = dict(since)
        try:
            for _page in range(MAX_PAGES_PER_RUN):
                with classified(self._last_headers):
                    page = list(
                        self._api.account_statuses(account, min_id=last, limit=PAGE, exclude_reblogs=True)
                        if last
                        else self._api.account_statuses(account, limit=1)
                    )
                if not page:
                    break
                page.sort(key=_id_order)
                answers = {
                    str(s["id"]): s for s in page if s.get("id") and s.get("in_reply_to_id") and not s.get("reblog")
                }
                parents = {str(s["in_reply_to_id"]) for s in answers.values()}
                stored = set(
                    Message.objects.filter(
                        channel_id=self.channel.pk, external_id__in=[*answers, *parents]
                    ).values_list("external_id", flat=True)
                )
                # Answers to what the channel holds only: they have a conversation to go in.
                known = {i for i, s in answers.items() if i in stored or str(s["in_reply_to_id"]) not in stored}
                unstored = self._unstored_replies([i for i in answers if i not in known])
                for status in page:
                    if not status.get("id"):
                        continue
                    last = str(status["id"])
                    cursor = {**cursor, key: last}
                    if last not in answers or last in known or not since.get(key):
                        continue  # first run: only where our statuses stand
                    yield RawItem(
                        last,
                        status.get("edited_at") or status.get("created_at"),
                        "own",
                        jsonable(status),
                        cursor,
                        extra={"sent_by_id": unstored.get(last)},
                    )
                self._reached = cursor
                if not since.get(key):
                    break
        except AuthError:
            raise
        except ConnectorError as exc:
            log.warning("channel %s: could not read our own statuses back: %s", self.channel.pk, exc)

    def _unstored_replies(self, external_ids: list[str]) -> dict[str, int | None]:
        """Who sent each of these answers from the inbox, as kept when storing it failed."""
        if not external_ids:
            return {}
        from animateur.channels.models import RejectedItem

        kept = RejectedItem.objects.filter(channel_id=self.channel.pk, external_id__in=external_ids)
        return {r.external_id: (r.payload or {}).get("sent_by_id") for r in kept}

    def normalize(self, raw: RawItem) -> Incoming:
        status = raw.payload
        try:
            account = status["account"]
            author = AuthorInfo(
                external_id=str(account.get("url") or account["acct"]),
                display_name=account.get("display_name") or "",
                handle="@" + account["acct"],
                url=account.get("url") or "",
            )
            if status.get("visibility") == "direct":
                kind = Kind.DIRECT
            elif status.get("in_reply_to_id"):
                kind = Kind.REPLY
            else:
                kind = Kind.MENTION if raw.kind == "notification" else Kind.POST
            kind = raw.extra.get("held_kind") or kind  # an edit read from a notification: still what it was
            created = parse_datetime(str(status["created_at"]))
            if created is None:
                raise MalformedItem(gettext("its date “%(date)s” is not a date") % {"date": status["created_at"]})
            edited = parse_datetime(str(status["edited_at"])) if status.get("edited_at") else None
            text, html = compose(status)
            if raw.kind == "own":  # one of our answers, read back: stored as the inbox stores them
                author = AuthorInfo(
                    external_id=f"organisation:{self.channel.pk}", display_name=self.channel.workspace.name
                )
            return Incoming(
                channel=self.channel,
                external_id=str(status["id"]),
                text=text,
                html=html,
                created_at=created,
                edited_at=edited,
                author=author,
                kind=kind,
                url=status.get("url") or status.get("uri") or "",
                parent_external_id=str(status["in_reply_to_id"]) if status.get("in_reply_to_id") else None,
                language=(status.get("language") or "")[:8] or None,
                from_organisation=str(account.get("id")) == str(self.config.get("account_id", "")),
                sent_by_id=raw.extra.get("sent_by_id"),
                raw=status,
                counts=status_counts(status),
            )
        except (KeyError, TypeError) as exc:
            raise MalformedItem(incomplete("Mastodon", exc)) from exc

    def read_counts(self, external_ids: list[str]) -> dict[str, Counts]:
        """Our statuses' favourites and boosts now: `GET /api/v1/statuses/:id` each (a handful, every half
        hour at most: channels/runner.py); one deleted since is left out."""
        from mastodon import errors as merr

        api = self.api()
        found: dict[str, Counts] = {}
        for ident in external_ids:
            with classified(self._last_headers):
                try:
                    status = api.status(ident)
                except merr.MastodonNotFoundError:
                    continue
            counts = status_counts(status) if isinstance(status, dict) else None
            if counts is not None:
                found[ident] = counts
        return found

    def test_connection(self) -> str:
        api = self.api()
        me = self.learn_identity(api)
        limit = self.max_characters(api)
        return gettext("Connected as @%(acct)s (%(limit)d characters per post)") % {
            "acct": me["acct"],
            "limit": limit,
        }

    def max_characters(self, api: Mastodon | None = None) -> int:
        limit = self._server_max_characters(api or self.api())
        if limit is not None:
            self.config["max_characters"] = limit
        return limit or 500

    def _server_max_characters(self, api: Mastodon) -> int | None:
        """The server's post length; its media rules are kept on the way (the same answer says them)."""
        with classified(self._last_headers):
            instance = api.instance_v2()
        self.config["media_rules"] = media_rules(instance)
        try:
            limit = int(instance["configuration"]["statuses"]["max_characters"])
        except (KeyError, TypeError, ValueError):
            return None  # a server that does not say (an old Mastodon, a Pleroma)
        return limit if limit > 0 else None

    def _learn_limits_quietly(self, api: Mastodon) -> None:
        try:
            self.learn_limits(api)
        except ConnectorError as exc:  # reading never depends on it: publishing then assumes 500
            log.warning("channel %s: could not read the server's post length: %s", self.channel.pk, exc)

    def reply(self, message: Message, text: str) -> str:
        api = self.api()
        visibility = "direct" if message.kind == Kind.DIRECT else "public"
        with classified(self._last_headers):
            status = api.status_post(text, in_reply_to_id=message.external_id, visibility=visibility)
        return str(status["id"])

    def upload_image(self, api: Mastodon, data: bytes, content_type: str, name: str, description: str) -> str:
        """POST /api/v2/media with its alt text (`description`): the attachment's id, for a status's
        `media_ids`. An upload made twice is harmless (an attachment no status uses is let go by the
        server), so a retry may upload again. Through Mastodon.py's own request (its errors, its headers):
        its media_post picks /api/v1 when it was not let check the server's version."""
        request = api._Mastodon__api_request  # type: ignore[attr-defined]
        with classified(self._last_headers):
            media = request(
                "POST",
                "/api/v2/media",
                files={"file": (name, data, content_type)},
                params={"description": description or None},
            )
        if not isinstance(media, dict) or not media.get("id"):
            raise failures.failure(failures.NOT_UNDERSTOOD, SOURCE, detail=str(media)[:200])
        return str(media["id"])

    def publish(self, text: str, *, title: str = "") -> str:
        with classified(self._last_headers):
            status = self.api().status_post(text)
        return str(status["id"])

    def delete(self, message: Message) -> None:
        with classified(self._last_headers):
            self.api().status_delete(message.external_id)
