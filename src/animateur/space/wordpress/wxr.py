"""Reading WordPress eXtended RSS (WXR 1.0, 1.1, 1.2) one element at a time.

`read_wxr` yields plain records (the channel's fields, authors, categories, tags, terms,
items) as it meets them, clearing what it has read, so a file of any size is read in
bounded memory. It checks what it yields (ids, dates, required fields) and raises
`WXRError` with the line of the first problem. It knows nothing of Django.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from lxml import etree

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
WFW_NS = "http://wellformedweb.org/CommentAPI/"
# Exports of different versions (and WordPress.com) declare http or https, 1.0, 1.1 or 1.2.
WP_NS = re.compile(r"^https?://wordpress\.org/export/(1\.[0-9])/$")
EXCERPT_NS = re.compile(r"^https?://wordpress\.org/export/1\.[0-9]/excerpt/$")
ZERO_DATE = "0000-00-00 00:00:00"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
CHANNEL_FIELDS = {
    "title",
    "link",
    "description",
    "pubDate",
    "language",
    "wp:wxr_version",
    "wp:base_site_url",
    "wp:base_blog_url",
    "generator",
}


class WXRError(Exception):
    """A file that is not a WXR export animateur can import; names the line and the reason."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        self.reason = reason
        self.line = line
        super().__init__(f"line {line}: {reason}" if line else reason)


@dataclass
class Record:
    """One top-level element of the channel, as plain values."""

    kind: str  # channel, author, category, tag, term, item
    line: int
    data: dict[str, Any] = field(default_factory=dict)


# Tags already shortened: a file has a few dozen distinct ones, met millions of times in a large export.
_SHORT: dict[str, str] = {}


def _short(tag: Any) -> str:
    """`{namespace}local` as `prefix:local` with the prefixes WordPress uses, whatever the file declares."""
    if not isinstance(tag, str):
        return ""  # comments and processing instructions
    short = _SHORT.get(tag)
    if short is None:
        short = _shorten(tag)
        if len(_SHORT) < 10_000:  # a file inventing tags by the million must not fill the memory
            _SHORT[tag] = short
    return short


def _shorten(tag: str) -> str:
    if not tag.startswith("{"):
        return tag
    namespace, local = tag[1:].split("}", 1)
    if WP_NS.match(namespace):
        return f"wp:{local}"
    if namespace == CONTENT_NS:
        return f"content:{local}"
    if namespace == DC_NS:
        return f"dc:{local}"
    if EXCERPT_NS.match(namespace):
        return f"excerpt:{local}"
    if namespace == WFW_NS:
        return f"wfw:{local}"
    return f"{{{namespace}}}{local}"


def _text(element: Any) -> str:
    return element.text or ""


def parse_date(value: str, line: int, what: str) -> datetime | None:
    """A WordPress date (`2011-01-06 09:12:00`); the zero date and an empty one are None."""
    value = value.strip()
    if not value or value == ZERO_DATE or value.startswith("0000-00-00"):
        return None
    if len(value) == 19 and value[10] == " " and value[4] == value[7] == "-" and value[13] == value[16] == ":":
        try:  # the usual shape, read by C code ten times faster than strptime
            return datetime.fromisoformat(value)
        except ValueError:
            pass  # strptime says what is wrong
    try:
        return datetime.strptime(value, DATE_FORMAT)
    except ValueError:
        try:  # a few exporters omit the seconds
            return datetime.strptime(value, "%Y-%m-%d %H:%M")
        except ValueError:
            raise WXRError(f"{what} {value!r} is not a date (expected YYYY-MM-DD HH:MM:SS)", line) from None


def parse_id(value: str, line: int, what: str, *, required: bool = False) -> int | None:
    value = value.strip()
    if not value:
        if required:
            raise WXRError(f"missing {what}", line)
        return None
    if not value.isdigit():
        raise WXRError(f"{what} {value!r} is not a whole number", line)
    return int(value)


def _fields(element: Any) -> tuple[dict[str, str], dict[str, int]]:
    values: dict[str, str] = {}
    lines: dict[str, int] = {}
    for child in element:
        name = _short(child.tag)
        if name:
            values[name] = _text(child)
            lines[name] = child.sourceline or element.sourceline
    return values, lines


def _item(element: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"_categories": [], "_postmeta": [], "_comments": [], "_lines": {}}
    for child in element:
        name = _short(child.tag)
        if not name:
            continue
        line = child.sourceline or element.sourceline
        if name == "category":
            item["_categories"].append(
                {
                    "domain": child.get("domain", ""),
                    "nicename": child.get("nicename", ""),
                    "name": _text(child),
                    "line": line,
                }
            )
        elif name == "wp:postmeta":
            meta, _ = _fields(child)
            item["_postmeta"].append([meta.get("wp:meta_key", ""), meta.get("wp:meta_value", "")])
        elif name == "wp:comment":
            comment: dict[str, Any] = {"commentmeta": [], "line": line}
            for part in child:
                part_name = _short(part.tag)
                if part_name == "wp:commentmeta":
                    meta, _ = _fields(part)
                    comment["commentmeta"].append([meta.get("wp:meta_key", ""), meta.get("wp:meta_value", "")])
                elif part_name:
                    comment[part_name.removeprefix("wp:")] = _text(part)
                    comment.setdefault("lines", {})[part_name.removeprefix("wp:")] = part.sourceline or line
            item["_comments"].append(comment)
        elif name == "guid":
            item["guid"] = _text(child)
            item["guid_is_permalink"] = child.get("isPermaLink", "")
            item["_lines"][name] = line
        else:
            item[name] = _text(child)
            item["_lines"][name] = line
    return item


def _check_item(item: dict[str, Any], line: int) -> None:
    lines = item["_lines"]
    item["line"] = line
    if not item.get("wp:post_type", "").strip():
        # WordPress's importer skips such an item ("Invalid post type") and imports the rest: so does
        # animateur, and names it in the summary. What it holds is not read, so it cannot stop the file.
        item["without_type"] = True
        item["post_id"] = item["parent_id"] = None
        item["_comments"] = []
        return
    item["post_id"] = parse_id(item.get("wp:post_id", ""), lines.get("wp:post_id", line), "wp:post_id")
    if "wp:post_id" in item and item["post_id"] is None:
        raise WXRError("empty wp:post_id", lines["wp:post_id"])
    for name in ("wp:post_date", "wp:post_date_gmt", "wp:post_modified", "wp:post_modified_gmt"):
        if name in item:
            item[name.removeprefix("wp:")] = parse_date(item[name], lines[name], name)
    item["parent_id"] = parse_id(item.get("wp:post_parent", ""), lines.get("wp:post_parent", line), "wp:post_parent")
    menu_order = item.get("wp:menu_order", "").strip()
    if menu_order and not re.fullmatch(r"-?\d+", menu_order):
        raise WXRError(f"wp:menu_order {menu_order!r} is not a whole number", lines["wp:menu_order"])
    for comment in item["_comments"]:
        comment_lines = comment.get("lines", {})
        at = comment["line"]
        comment["id"] = parse_id(comment.get("comment_id", ""), comment_lines.get("comment_id", at), "wp:comment_id")
        if "comment_id" in comment and comment["id"] is None:
            raise WXRError("empty wp:comment_id", comment_lines["comment_id"])
        comment["parent_id"] = parse_id(
            comment.get("comment_parent", ""), comment_lines.get("comment_parent", at), "wp:comment_parent"
        )
        for name in ("comment_date", "comment_date_gmt"):
            if name in comment:
                comment[f"{name}_parsed"] = parse_date(comment[name], comment_lines[name], f"wp:{name}")


class _CountingReader:
    """The file as lxml reads it, reporting how far it got."""

    def __init__(self, handle: IO[bytes], progress: Callable[[int], None] | None) -> None:
        self.handle = handle
        self.progress = progress
        self.done = 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.done += len(data)
        if self.progress is not None:
            self.progress(self.done)
        return data


def read_wxr(path: Path, progress: Callable[[int], None] | None = None) -> Iterator[Record]:
    """Yield the channel's records in file order; the channel's own fields come first, as one record."""
    with path.open("rb") as handle:
        yield from _read(_CountingReader(handle, progress))


def _read(source: _CountingReader) -> Iterator[Record]:
    channel: dict[str, Any] = {}
    lines: dict[str, int] = {}
    channel_sent = False
    seen_rss = seen_channel = False
    post_ids: dict[int, int] = {}
    comment_ids: dict[int, int] = {}
    parser = etree.iterparse(
        source,
        events=("start", "end"),
        huge_tree=True,
        resolve_entities=False,
        no_network=True,
        # Reads past namespace errors (a prefix that is not a name, an empty or non-ASCII namespace URI),
        # as WordPress's libxml does: its own namespace test files have them. Any other error is checked
        # for in the log (_refuse_malformed) and refuses the file.
        recover=True,
    )
    logged = 0
    try:
        for event, element in parser:
            if event == "start":
                name = _short(element.tag)
                if not seen_rss:
                    if name != "rss":
                        raise WXRError(f"the document is <{name}>, not an RSS (WXR) export", element.sourceline)
                    seen_rss = True
                elif name == "channel" and element.getparent() is not None and element.getparent().getparent() is None:
                    seen_channel = True
                continue
            parent = element.getparent()
            if parent is None or _short(parent.tag) != "channel":
                continue
            name = _short(element.tag)
            line = element.sourceline or 0
            record: Record | None = None
            if name in CHANNEL_FIELDS:
                channel[name] = _text(element)
                lines[name] = line
            elif name == "wp:author":
                data, _ = _fields(element)
                if not data.get("wp:author_login", "").strip():
                    raise WXRError("wp:author without wp:author_login", line)
                record = Record("author", line, data)
            elif name == "wp:category":
                data, _ = _fields(element)
                if not data.get("wp:category_nicename", "").strip() and not data.get("wp:cat_name", "").strip():
                    raise WXRError("wp:category without wp:category_nicename", line)
                record = Record("category", line, data)
            elif name == "wp:tag":
                data, _ = _fields(element)
                if not data.get("wp:tag_slug", "").strip() and not data.get("wp:tag_name", "").strip():
                    raise WXRError("wp:tag without wp:tag_slug", line)
                record = Record("tag", line, data)
            elif name == "wp:term":
                data, _ = _fields(element)
                record = Record("term", line, data)
            elif name == "item":
                item_data: dict[str, Any] = _item(element)
                _check_item(item_data, line)
                post_id = item_data["post_id"]
                # WordPress's importer keeps the first item of an id and skips the others (theme test data
                # repeats some menu items): so does animateur, and says so in the summary.
                if post_id is not None:
                    if post_id in post_ids:
                        item_data["duplicate_of_line"] = post_ids[post_id]
                    else:
                        post_ids[post_id] = line
                kept = []
                for comment in item_data["_comments"]:
                    if comment["id"] is not None:
                        if comment["id"] in comment_ids:
                            continue
                        comment_ids[comment["id"]] = comment["line"]
                    kept.append(comment)
                item_data["duplicate_comments"] = len(item_data["_comments"]) - len(kept)
                item_data["_comments"] = kept
                record = Record("item", line, item_data)
            # What has been read is dropped: memory stays bounded whatever the file's size.
            element.clear()
            while element.getprevious() is not None:
                del parent[0]
            if record is not None:
                logged = _refuse_malformed(parser, logged)
                if not channel_sent:
                    channel_sent = True
                    yield _channel_record(channel, lines)
                yield record
    except etree.XMLSyntaxError as error:
        line = error.lineno if error.lineno else None
        message = error.msg or str(error)
        message = re.sub(r", line \d+, column \d+$", "", message)
        raise WXRError(f"malformed XML: {message}", line) from None
    _refuse_malformed(parser, logged)
    if not seen_rss:
        raise WXRError("the file is empty")
    if not seen_channel:
        raise WXRError("the export has no <channel>")
    if "wp:wxr_version" not in channel:
        # As WordPress's importer: "This does not appear to be a WXR file, missing/invalid WXR version number".
        raise WXRError("no <wp:wxr_version>: this does not appear to be a WordPress export (WXR) file")
    if not channel_sent:
        yield _channel_record(channel, lines)


def _refuse_malformed(parser: Any, seen: int) -> int:
    """Raise on the first error the parser logged since `seen`, namespace errors apart; returns the count."""
    log = parser.error_log  # a copy, read once a record: libxml logs ahead of the events it gives
    for entry in list(log)[seen:]:
        if entry.domain != etree.ErrorDomains.NAMESPACE and entry.level >= etree.ErrorLevels.ERROR:
            raise WXRError(f"malformed XML: {entry.message}", entry.line or None)
    return len(log)


def _channel_record(channel: dict[str, Any], lines: dict[str, int]) -> Record:
    version = channel.get("wp:wxr_version", "").strip()
    if "wp:wxr_version" in channel and not re.fullmatch(r"1\.[0-9]", version):
        raise WXRError(f"unsupported WXR version {version!r} (1.0, 1.1 and 1.2 are read)", lines["wp:wxr_version"])
    return Record("channel", 1, dict(channel))
