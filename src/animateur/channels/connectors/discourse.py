"""A Discourse forum over its REST API: the latest posts of the whole forum or of one category;
with an API key, answering in a topic and deleting a post (a staff key: Discourse lets only staff and
the post's author delete it; deleting a topic's first post deletes the topic). Discourse's API has no
call that hides a post (posts are hidden by members' flags, and only « unhide » is offered), so hiding
and marking as spam stay « here only ».

`/posts.json` lists the latest posts newest first, paged with `before=<post id>`. Each run reads
down from the newest post until it reaches the cursor's last id, then stores what it found oldest
first. When a run meets its page budget before reaching the cursor, the posts it could not read
yet are remembered as a gap (ids strictly between two bounds) and read, newest first, by the next
runs: however busy the forum, no post falls in a hole. Posts are keyed `<topic id>/<post number>`,
so a reply threads under the post it answers (or the topic's first post).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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

MAX_PAGES_PER_RUN = 25
NOT_DISCOURSE = _("this address does not answer like a Discourse forum")


class DiscourseForm(forms.Form):
    forum_url = forms.URLField(
        label=_("Forum address"),
        assume_scheme="https",
        max_length=500,
        help_text=_("For example https://meta.discourse.org"),
    )
    category_id = forms.IntegerField(
        label=_("Category number"),
        required=False,
        min_value=1,
        help_text=_("To follow one category only: the number at the end of its address (/c/support/7)."),
    )
    api_username = forms.CharField(
        label=_("API user name"), required=False, max_length=100, help_text=_("Needed only to answer.")
    )
    api_key = forms.CharField(
        label=_("API key"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("From the forum's Admin › API › New API key."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("api_key") and not data.get("api_username"):
            self.add_error("api_username", _("An API key needs the user name it acts as."))
        return data


def _post_id(post: Any) -> int | None:
    try:
        return int(post["id"])
    except (KeyError, TypeError, ValueError):
        return None


def _raw_post(external_id: str, post: dict[str, Any], cursor: dict[str, Any]) -> RawItem:
    return RawItem(external_id, parse_datetime(str(post.get("updated_at") or "")), "post", post, cursor)


@register
class DiscourseConnector(RestConnector):
    kind = "discourse"
    label = _("Discourse forum")
    capabilities = frozenset({Capability.READ, Capability.REPLY, Capability.PUBLISH, Capability.DELETE})
    form_class = DiscourseForm
    secret_fields = ("api_key",)
    default_poll_interval = 300

    source_name = _("the forum")
    credentials_words = _("the API key")

    def base_url(self) -> str:
        return str(self.config.get("forum_url") or "")

    def auth_headers(self) -> dict[str, str]:
        if self.secrets.get("api_key") and self.config.get("api_username"):
            return {"Api-Key": self.secrets["api_key"], "Api-Username": self.config["api_username"]}
        return {}

    @property
    def authenticated(self) -> bool:
        return bool(self.auth_headers())

    def failure_for(self, response: safe_http.Fetched) -> ConnectorError:
        if response.status == 429:  # Discourse says how long in its body, and without it a minute is safe
            try:
                data = self.decode(response)
            except PermanentError:
                data = None
            extras = data.get("extras") if isinstance(data, dict) else None
            wait = extras.get("wait_seconds") if isinstance(extras, dict) else None
            seconds = float(wait) if isinstance(wait, int | float) else failures.retry_after(response.headers)
            return failures.failure(failures.RATE_LIMITED, self.source_name, retry_after_seconds=seconds or 60.0)
        return super().failure_for(response)

    def not_understood(self, response: safe_http.Fetched | None = None) -> PermanentError:
        return PermanentError(str(NOT_DISCOURSE), cause="not_discourse")

    # -- reading ------------------------------------------------------------------------------------
    def _down(self, before: int | None, stop: int, budget: list[int]) -> tuple[list[dict[str, Any]], bool]:
        """Posts with stop < id < before, newest first, within the page budget; and if stop was reached."""
        found: list[dict[str, Any]] = []
        while budget[0] > 0:
            budget[0] -= 1
            data = self.request("GET", "posts.json", {"before": before} if before else None)
            if not isinstance(data, dict) or not isinstance(data.get("latest_posts"), list):
                raise PermanentError(str(NOT_DISCOURSE), cause="not_discourse")
            latest = list(data["latest_posts"])
            # Newest first as Discourse lists them: a post without a usable id above the first one already
            # read is new, and cannot be read; it is kept aside, the others go on.
            known = next((n for n, p in enumerate(latest) if (_post_id(p) or stop + 1) <= stop), len(latest))
            self.unreadable_posts.extend(p for p in latest[:known] if _post_id(p) is None)
            page = sorted((p for p in latest if _post_id(p) is not None), key=lambda p: -int(p["id"]))
            if before:
                page = [p for p in page if int(p["id"]) < before]
            if not page:
                return found, True
            found.extend(p for p in page if int(p["id"]) > stop)
            if int(page[-1]["id"]) <= stop:
                return found, True
            before = int(page[-1]["id"])
        return found, False

    def _wanted(self, post: dict[str, Any]) -> bool:
        category = self.config.get("category_id")
        return not category or str(post.get("category_id") or 0) == str(category)

    def fetch(self, since: dict[str, Any]) -> Iterator[RawItem]:
        self.unreadable_posts: list[Any] = []
        budget = [MAX_PAGES_PER_RUN]
        last = int(since.get("last_id") or 0)
        gaps = [tuple(g) for g in since.get("gaps") or []]
        if not last:
            budget = [1]  # first run: the latest page only, not the forum's whole history
        newer, reached = self._down(None, last, budget)
        if newer and not reached and last:
            gaps.append((last, int(newer[-1]["id"])))
        for post in reversed(newer):
            cursor = {"last_id": int(post["id"]), "gaps": [list(g) for g in gaps]}
            # Posts of other categories are not yielded: the next wanted post's cursor covers them, and
            # if none follows they are only read (and left) again on the next run.
            if self._wanted(post):
                yield self._raw(post, cursor)
        for post in self.unreadable_posts:  # with no cursor: the posts around them carry it
            named = f"{post.get('topic_id')}/{post.get('post_number')}" if isinstance(post, dict) else "?"
            yield unreadable(named, gettext("this forum post has no id"), post, None)
        last = int(newer[0]["id"]) if newer else last
        while gaps and budget[0] > 0:
            low, high = gaps[-1]
            older, reached = self._down(high, low, budget)
            for post in older:  # newest first: the gap shrinks from its top as each post is stored
                high = int(post["id"])
                gaps[-1] = (low, high)
                cursor = {"last_id": last, "gaps": [list(g) for g in gaps if g[1] - g[0] > 1]}
                if self._wanted(post):
                    yield self._raw(post, cursor)
            if reached:
                gaps.pop()  # stored with the next post's cursor; else checked again, one request

    def _raw(self, post: dict[str, Any], cursor: dict[str, Any]) -> RawItem:
        named = f"{post.get('topic_id')}/{post.get('post_number')}"
        return read_item(named, post, cursor, _raw_post, named, post, cursor)

    def normalize(self, raw: RawItem) -> Incoming:
        post = raw.payload
        try:
            number, topic = int(post["post_number"]), int(post["topic_id"])
            created = parse_datetime(str(post["created_at"]))
            if created is None:
                raise MalformedItem(gettext("its date “%(date)s” is not a date") % {"date": post["created_at"]})
            html = str(post.get("cooked") or "")
            base = str(self.config.get("forum_url") or "").rstrip("/")
            answered = post.get("reply_to_post_number")
            return Incoming(
                channel=self.channel,
                external_id=raw.external_id,
                text=text_of(html),
                html=html,
                title=str(post.get("topic_title") or "") if number == 1 else "",
                url=f"{base}/t/{post.get('topic_slug') or '-'}/{topic}/{number}",
                created_at=created,
                author=AuthorInfo(
                    external_id=str(post.get("user_id") or post["username"]),
                    display_name=str(post.get("name") or post.get("display_username") or ""),
                    handle="@" + str(post["username"]),
                    url=f"{base}/u/{post['username']}",
                ),
                kind=Kind.POST if number == 1 else (Kind.REPLY if answered else Kind.COMMENT),
                parent_external_id=None if number == 1 else f"{topic}/{answered or 1}",
                deleted_at_source=bool(post.get("deleted_at")),
                raw=post,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedItem(incomplete("Discourse", exc)) from exc

    def test_connection(self) -> str:
        info = self.request("GET", "site/basic-info.json")
        if not isinstance(info, dict) or "title" not in info:
            raise PermanentError(str(NOT_DISCOURSE), cause="not_discourse")
        if self.authenticated:
            me = self.request("GET", "session/current.json")
            user = (me.get("current_user") or {}).get("username") if isinstance(me, dict) else None
            return gettext("Forum “%(title)s”, connected as @%(user)s") % {"title": info["title"], "user": user}
        return gettext("Forum “%(title)s”, read without an account") % {"title": info["title"]}

    def reply(self, message: Message, text: str) -> str:
        if not self.authenticated:
            raise AuthError(gettext("answering needs an API key and its user name"))
        topic, _sep, number = message.external_id.partition("/")
        if not (topic.isdigit() and number.isdigit()):
            raise PermanentError(gettext("this message did not come from this forum"), cause="not_found")
        body: dict[str, Any] = {"topic_id": int(topic), "raw": text}
        if number != "1":
            body["reply_to_post_number"] = int(number)
        created = self.request("POST", "posts.json", body=body)
        if not isinstance(created, dict):
            raise self.not_understood()
        return f"{created['topic_id']}/{created['post_number']}"

    def delete(self, message: Message) -> None:
        if not self.authenticated:
            raise AuthError(gettext("deleting needs an API key and its user name"))
        post_id = str((message.raw or {}).get("id") or "")  # the post's id: the external id is topic/number
        if not post_id.isdigit():
            raise PermanentError(gettext("this message did not come from this forum"), cause="not_found")
        response = self.send("DELETE", f"posts/{int(post_id)}.json")
        if response.status == 403 and self.authenticated:  # the key is good: this user may not delete it
            forbidden = gettext("the forum does not let this API user delete the post (only staff and its author can)")
            raise PermanentError(f"{forbidden} ({http.error_detail(response) or 403})", cause="forbidden")
        if response.status >= 400:
            raise self.failure_for(response)

    # -- publishing once (publish_once.py) -----------------------------------------------------------
    def publish_once(self, *, title: str, body: str, key: str) -> Published:
        """A new topic (POST /posts.json with a title), in the channel's category if it follows one, under
        the external id `key`: Discourse refuses a second topic with the same one, and finds it by it."""
        if not self.authenticated:
            raise AuthError(gettext("publishing needs an API key and its user name"))
        data: dict[str, Any] = {"title": title, "raw": body, "external_id": key}
        if self.config.get("category_id"):
            data["category"] = int(self.config["category_id"])
        created = self.request("POST", "posts.json", body=data)
        if not isinstance(created, dict) or not created.get("topic_id"):
            raise self.not_understood()
        base = str(self.config.get("forum_url") or "").rstrip("/")
        return Published(
            f"{created['topic_id']}/{created.get('post_number') or 1}",
            f"{base}/t/{created.get('topic_slug') or '-'}/{created['topic_id']}",
            parse_datetime(str(created.get("created_at") or "")),
            created,
        )

    def upload_image(self, *, data: bytes, content_type: str, name: str, alt: str) -> dict[str, Any]:
        """POST /uploads.json (type composer, processed before the answer): its short address for a
        post's markdown, with its size."""
        if not self.authenticated:
            raise AuthError(gettext("publishing needs an API key and its user name"))
        response = self.send(
            "POST",
            "uploads.json",
            files={"file": (name, data, content_type)},
            form={"type": "composer", "synchronous": "true"},
        )
        if response.status >= 400:
            raise self.failure_for(response)
        made = self.decode(response)
        if not isinstance(made, dict) or not (made.get("short_url") or made.get("url")):
            raise self.not_understood()
        return {
            "media_id": str(made.get("id") or ""),
            "url": str(made.get("short_url") or made.get("url")),
            "width": made.get("width"),
            "height": made.get("height"),
        }

    def image_markup(self, media: dict[str, Any], alt: str) -> str:
        """Discourse's own markdown for an upload: ![alt|WxH](upload://…)."""
        alt = " ".join(re.sub(r"[\[\]|]", " ", alt).split())
        size = f"|{media['width']}x{media['height']}" if media.get("width") and media.get("height") else ""
        return f"![{alt}{size}]({media['url']})"

    def find_published(self, *, title: str, body: str, key: str, since: Any) -> Published | None:
        """The topic made under the external id `key` (GET /t/external_id/<key>.json, which Discourse
        redirects to the topic), or None when the forum has none."""
        if not self.authenticated:
            raise AuthError(gettext("publishing needs an API key and its user name"))
        response = self.send("GET", f"t/external_id/{key}.json")
        if response.status == 404:
            return None
        if response.status >= 400:
            raise self.failure_for(response)
        topic = self.decode(response)
        if not isinstance(topic, dict) or not topic.get("id"):
            raise self.not_understood()
        base = str(self.config.get("forum_url") or "").rstrip("/")
        posts = (topic.get("post_stream") or {}).get("posts") or [{}]
        first = posts[0] if isinstance(posts[0], dict) else {}
        return Published(
            f"{topic['id']}/1",
            f"{base}/t/{topic.get('slug') or '-'}/{topic['id']}",
            parse_datetime(str(first.get("created_at") or topic.get("created_at") or "")),
            {**first, "topic_id": topic["id"], "topic_slug": topic.get("slug"), "topic_title": topic.get("title")},
        )
