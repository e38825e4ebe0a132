"""Private messages of a Facebook Page (Messenger) and of an Instagram professional account (Instagram
Messaging), over the Graph API's Conversations API, and the answers sent back through the Send API.

Reading: `/{page-id}/conversations?platform=messenger|instagram` lists the page's conversations, the
one updated last first, each with its `updated_time`. Each run reads that list down to the newest time
it already had, then, oldest conversation first, the messages of each (`/{conversation-id}/messages`,
newest first) down to the last one it stored, and yields them oldest first. The cursor keeps, per
conversation, the time and ids of its last stored messages and the ids of the few last ones: each
message names the one before it as its parent, so that the inbox keeps one conversation per thread,
and a run stopped anywhere reads the rest of that conversation again (the message key absorbs what
was stored). The conversations' time moves only once all of one conversation's messages are read.

Limits (Meta's): the API gives the details of the 20 newest messages of a conversation only; a
conversation in the Instagram « Requests » folder idle for 30 days is not listed; answers are allowed
within 24 hours of the person's last message (after that Meta refuses, said in the manager's words).
The cursor remembers the THREADS conversations updated last; an older one that comes back is read
again from its 20 newest messages, which the message key absorbs.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from datetime import UTC, datetime
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

from animateur.channels.connectors.base import RawItem, read_item, unreadable
from animateur.channels.errors import MalformedItem, PermanentError

MAX_PAGES_PER_RUN = 10
THREADS = 500  # conversations whose last messages the cursor remembers
CHAIN = 5  # the last message ids of a conversation kept as the next one's parent and ancestors
MESSAGE_FIELDS = "id,created_time,from,to,message,attachments{id,name,mime_type,image_data{url},file_url}"
DM = "dm"  # RawItem.kind of a private message

# Lists one page of a Graph list: (path, params, after) → its entries, the cursor after it, whether more follow.
Lister = Callable[[str, dict[str, Any], str | None], tuple[list[Any], str | None, bool]]


def graph_time(value: Any) -> str:
    """A Graph time (2021-07-04T19:50:58+0000, or a UNIX timestamp as Instagram's lists give it) as ISO
    8601 in UTC, comparable as text; "" when it is neither."""
    text = str(value or "").strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), UTC).isoformat()
    parsed = parse_datetime(text)
    return parsed.astimezone(UTC).isoformat() if parsed else ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def read_conversations(
    list_page: Lister, node: str, platform: str, since: dict[str, Any], source: str
) -> Generator[RawItem, None, dict[str, Any]]:
    """The messages not yet read of the conversations of `node` (a page id), oldest first; each carries
    this part's cursor ({"time", "threads"}), which the caller puts into the channel's own. The generator's
    return value is the cursor once every conversation listed was read."""
    state: dict[str, Any] = {
        "time": str(since.get("time") or ""),
        "threads": {k: dict(v) for k, v in _dict(since.get("threads")).items() if isinstance(v, dict)},
    }
    params = {"platform": platform, "fields": "id,updated_time"}
    # A conversation's time moves with its last message: one at the same time may have a new one.
    fresh, _whole = newer(list_page, f"{node}/conversations", params, state["time"], set(), time_field="updated_time")
    no_id = gettext("this %(source)s conversation has no id") % {"source": source}
    for entry in reversed(fresh):
        if not isinstance(entry, dict) or not entry.get("id"):
            yield unreadable("conversation:?", no_id, entry, snapshot(state))
            continue
        yield from _thread(list_page, str(entry["id"]), state, source)
        when = graph_time(entry.get("updated_time"))
        if when > state["time"]:
            state["time"] = when
        threads = state["threads"]
        for old in sorted(threads, key=lambda t: threads[t].get("time") or "")[:-THREADS]:
            del threads[old]
    return snapshot(state)


def newer(
    list_page: Lister,
    path: str,
    params: dict[str, Any],
    newest: str,
    seen: set[str],
    *,
    key: Callable[[Any], str] = lambda entry: str(entry.get("id")),
    time_field: str = "created_time",
    first_pages: int = 1,
) -> tuple[list[Any], bool]:
    """The entries of a newest-first Graph list down to where the last run stopped (`newest`, and at that
    time the `seen` keys), and whether that point or the list's end was reached within the pages one run
    reads; a first run (no `newest`) reads `first_pages`."""
    fresh: list[Any] = []
    after: str | None = None
    for _page in range(MAX_PAGES_PER_RUN if newest else first_pages):
        entries, following, more = list_page(path, params, after)
        for entry in entries:
            when = graph_time(entry.get(time_field)) if isinstance(entry, dict) else ""
            if newest and when and (when < newest or (when == newest and key(entry) in seen)):
                return fresh, True
            fresh.append(entry)
        if not more or not following or following == after:  # a cursor that does not move would loop
            return fresh, True
        after = following
    return fresh, False


def merged(
    parts: Generator[RawItem, None, dict[str, Any]],
    wrap: Callable[[dict[str, Any]], dict[str, Any]],
    source: str = "",
) -> Generator[RawItem, None, dict[str, Any]]:
    """`parts`' items with their part's cursor made the channel's (`wrap`), each naming the config field
    that turned the part on (`source`: its past, before it was turned on, is history); returns the part's
    last cursor."""
    while True:
        try:
            raw = next(parts)
        except StopIteration as end:
            return dict(end.value or {})
        if raw.cursor is not None:
            raw.cursor = wrap(raw.cursor)
        if source:
            raw.extra["source"] = source
        yield raw


def snapshot(state: dict[str, Any]) -> dict[str, Any]:
    return {"time": state["time"], "threads": {k: dict(v) for k, v in state["threads"].items()}}


def _thread(list_page: Lister, conversation: str, state: dict[str, Any], source: str) -> Iterator[RawItem]:
    thread = state["threads"].setdefault(conversation, {"time": "", "ids": [], "chain": []})
    last, seen = str(thread.get("time") or ""), set(thread.get("ids") or [])
    path, params = f"{conversation}/messages", {"fields": MESSAGE_FIELDS}
    fresh, _whole = newer(list_page, path, params, last, seen, first_pages=MAX_PAGES_PER_RUN)
    no_id = gettext("this %(source)s message has no id") % {"source": source}
    for entry in reversed(fresh):  # listed newest first: stored oldest first
        if not isinstance(entry, dict) or not entry.get("id"):
            yield unreadable("message:?", no_id, entry, snapshot(state))
            continue
        message_id, when = str(entry["id"]), graph_time(entry.get("created_time"))
        if not when:  # undated: rejected alone, and no later message takes it as the one before
            no_date = gettext("this %(source)s message has no date") % {"source": source}
            yield unreadable(message_id, no_date, entry, snapshot(state))
            continue
        chain = list(thread.get("chain") or [])
        if when > str(thread.get("time") or ""):
            thread["time"], thread["ids"] = when, []
        thread["ids"] = sorted({*(thread.get("ids") or []), message_id})
        thread["chain"] = [message_id, *chain][:CHAIN]
        cursor = snapshot(state)
        yield read_item(message_id, entry, cursor, _raw, message_id, entry, cursor, conversation, chain, source)


def _raw(
    external_id: str, entry: dict[str, Any], cursor: dict[str, Any], conversation: str, chain: list[str], source: str
) -> RawItem:
    when = parse_datetime(str(entry.get("created_time") or ""))
    if when is None:
        raise MalformedItem(
            gettext("this %(source)s message has no date") % {"source": source},
        )
    return RawItem(external_id, when, DM, entry, cursor, extra={"conversation": conversation, "before": chain})


def text_of_message(entry: dict[str, Any]) -> str:
    """A message's text; one with attachments only (a photo, a voice message) is named by them."""
    text = str(entry.get("message") or "").strip()
    if text:
        return text
    attachments = [a for a in _dict(entry.get("attachments")).get("data") or [] if isinstance(a, dict)]
    if not attachments:
        return ""
    names = ", ".join(_attachment_words(str(a.get("mime_type") or ""), a) for a in attachments)
    return gettext("Attachment: %(names)s") % {"names": names}


def _attachment_words(mime: str, attachment: dict[str, Any]) -> str:
    """What an attachment is, in words: its file name means nothing to people (image-651143212510248)."""
    if mime.startswith("image/") or "image_data" in attachment:
        return gettext("a photo")
    if mime.startswith("video/") or "video_data" in attachment:
        return gettext("a video")
    if mime.startswith("audio/"):
        return gettext("a voice message")
    return gettext("a file")


def other_party(message_raw: dict[str, Any], ours: set[str]) -> str:
    """Who a private message is exchanged with (their page- or Instagram-scoped id): its sender, or, for
    one of ours, its recipient."""
    sender = _dict(message_raw.get("from"))
    if sender.get("id") and str(sender["id"]) not in ours and str(sender.get("username") or "") not in ours:
        return str(sender["id"])
    for person in _dict(message_raw.get("to")).get("data") or []:
        if isinstance(person, dict) and person.get("id") and str(person["id"]) not in ours:
            return str(person["id"])
    raise PermanentError(gettext("this private message names nobody to answer"), cause="http_error")


def send_body(recipient: str, text: str) -> dict[str, Any]:
    """The Send API's answer to a person's message, within the 24 hours Meta allows."""
    return {"recipient": {"id": recipient}, "messaging_type": "RESPONSE", "message": {"text": text}}


OUTSIDE_WINDOW = (2018278, 2534022)  # error_subcode: the 24-hour window to answer has closed


def window_closed(error: dict[str, Any]) -> bool:
    subcode = error.get("error_subcode")
    return (str(subcode).isdigit() and int(str(subcode)) in OUTSIDE_WINDOW) or error.get("code") == 551
