"""Exporting a workspace as WXR 1.2, the file WordPress's own importer reads.

The file is written as it is produced, a chunk of posts at a time, so a big site
never sits in memory. What an import kept aside (Post.extra["wp"], Message.raw["wp"])
is written back, so a WordPress site goes through animateur unchanged; what only
animateur knows travels as postmeta/commentmeta (`_animateur_markdown`,
`_animateur_visibility`) that the importer reads back.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, tzinfo
from email.utils import format_datetime
from typing import Any, BinaryIO
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.urls import NoReverseMatch
from django.utils import timezone

from animateur.channels.site import site_channel
from animateur.core.actions import Actor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import Workspace
from animateur.space.models import Author, BodyFormat, Category, Post, PostType, Tag
from animateur.space.threads import COMMENT_KINDS
from animateur.space.wordpress.importer import (
    MARKDOWN_META,
    STATUS_FROM_WP,
    STATUS_TO_WP,
    VISIBILITY_META,
    _slug,
)
from animateur.stream.models import Kind, Message, Visibility

__all__ = ["export_wxr"]

WP_NS = "http://wordpress.org/export/1.2/"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
ZERO_DATE = "0000-00-00 00:00:00"
CHUNK = 200
# Characters XML 1.0 cannot carry; a Markdown body written in animateur might hold one.
INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
APPROVED: dict[str, str] = {
    Visibility.VISIBLE: "1",
    Visibility.PENDING: "0",
    Visibility.HIDDEN: "0",
    Visibility.SPAM: "spam",
    Visibility.TRASH: "trash",
    Visibility.DELETED: "trash",
}
WP_KEEPS: dict[str, str] = {
    "1": Visibility.VISIBLE,
    "0": Visibility.PENDING,
    "spam": Visibility.SPAM,
    "trash": Visibility.TRASH,
}


def cdata(value: str) -> str:
    """As WordPress's wxr_cdata: a CDATA section, its own end marker split in two."""
    value = INVALID_XML.sub("", value or "")
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text(value: str) -> str:
    return escape(INVALID_XML.sub("", value or ""))


def export_wxr(workspace: Workspace, out: BinaryIO, *, actor: Actor) -> dict[str, int]:
    """Write the workspace's posts, pages, attachments, terms, authors and comments to `out`."""
    require(actor, workspace, "space.export")
    counts = _Exporter(workspace, out).write()
    record(workspace, actor, AuditVerb.SPACE_EXPORT_WORDPRESS, workspace, counts)
    return counts


def _fmt(moment: datetime, tz: tzinfo) -> str:
    return timezone.localtime(moment, tz).strftime(DATE_FORMAT)


def _allocate(rows: Iterable[tuple[int, str]], prefix: str) -> dict[int, int]:
    """WordPress ids for rows: the id they were imported with, else their own key, never twice the same."""
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    rows = list(rows)
    ids: dict[int, int] = {}
    used: set[int] = set()
    for pk, key in rows:
        match = pattern.match(key or "")
        if match and int(match.group(1)) not in used:
            ids[pk] = int(match.group(1))
            used.add(ids[pk])
    following = max(used, default=0) + 1
    for pk, _ in rows:
        if pk in ids:
            continue
        if pk not in used:
            ids[pk] = pk
        else:
            while following in used:
                following += 1
            ids[pk] = following
        used.add(ids[pk])
    return ids


class _Exporter:
    def __init__(self, workspace: Workspace, out: BinaryIO) -> None:
        self.workspace = workspace
        self.out = out
        try:
            self.tz: tzinfo = zoneinfo.ZoneInfo(workspace.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.tz = timezone.get_default_timezone()
        self.base = self._base_url()
        self.counts = dict.fromkeys(("posts", "pages", "attachments", "authors", "categories", "tags", "comments"), 0)

    def _base_url(self) -> str:
        if self.workspace.domain:
            return f"https://{self.workspace.domain}"
        base = getattr(settings, "BASE_URL", "http://127.0.0.1:8000").rstrip("/")
        return base if self.workspace.is_default else f"{base}/w/{self.workspace.slug}"

    def emit(self, *parts: str) -> None:
        self.out.write("".join(parts).encode("utf-8"))

    def write(self) -> dict[str, int]:
        posts = Post.objects.filter(workspace=self.workspace)
        self.post_ids = _allocate(posts.order_by("pk").values_list("pk", "import_key"), "wp:")
        channel = site_channel(self.workspace)
        comments = Message.objects.filter(channel=channel, kind__in=COMMENT_KINDS).order_by("pk")
        self.comment_ids = _allocate(comments.values_list("pk", "external_id"), "wp-comment:")
        self._header()
        self._authors()
        self._terms()
        self._items(posts)
        self.emit("</channel>\n</rss>\n")
        return self.counts

    def _header(self) -> None:
        ws = self.workspace
        language = {"fr": "fr-FR", "en": "en-US"}.get(ws.language, ws.language)
        self.emit(
            '<?xml version="1.0" encoding="UTF-8" ?>\n',
            "<!-- A WordPress eXtended RSS file generated by animateur as an export of a site. -->\n",
            f'<!-- generator="animateur" created="{timezone.now().strftime("%Y-%m-%d %H:%M")}" -->\n',
            '<rss version="2.0"\n',
            '\txmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"\n',
            '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n',
            '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n',
            '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n',
            f'\txmlns:wp="{WP_NS}"\n>\n\n<channel>\n',
            f"\t<title>{text(ws.name)}</title>\n",
            f"\t<link>{text(self.base)}</link>\n",
            f"\t<description>{text(ws.tagline)}</description>\n",
            f"\t<pubDate>{format_datetime(timezone.now().astimezone(UTC))}</pubDate>\n",
            f"\t<language>{text(language)}</language>\n",
            "\t<wp:wxr_version>1.2</wp:wxr_version>\n",
            f"\t<wp:base_site_url>{text(self.base)}</wp:base_site_url>\n",
            f"\t<wp:base_blog_url>{text(self.base)}</wp:base_blog_url>\n\n",
        )

    def _authors(self) -> None:
        for author in Author.objects.filter(workspace=self.workspace).order_by("pk").iterator():
            self.emit(
                "\t<wp:author>",
                f"<wp:author_id>{author.pk}</wp:author_id>",
                f"<wp:author_login>{cdata(author.login or author.slug)}</wp:author_login>",
                f"<wp:author_email>{cdata(author.email)}</wp:author_email>",
                f"<wp:author_display_name>{cdata(author.display_name)}</wp:author_display_name>",
                f"<wp:author_first_name>{cdata(author.first_name)}</wp:author_first_name>",
                f"<wp:author_last_name>{cdata(author.last_name)}</wp:author_last_name>",
                "</wp:author>\n",
            )
            self.counts["authors"] += 1

    def _terms(self) -> None:
        categories = list(Category.objects.filter(workspace=self.workspace).order_by("pk"))
        by_pk = {c.pk: c for c in categories}
        # WordPress's importer finds a category's parent only if it was written before it.
        written: set[int] = set()

        def write(category: Category, trail: frozenset[int]) -> None:
            if category.pk in written:
                return
            parent = by_pk.get(category.parent_id) if category.parent_id else None
            if parent is not None and parent.pk not in trail:
                write(parent, trail | {category.pk})
            written.add(category.pk)
            self.emit(
                "\t<wp:category>",
                f"<wp:term_id>{category.pk}</wp:term_id>",
                f"<wp:category_nicename>{cdata(category.slug)}</wp:category_nicename>",
                f"<wp:category_parent>{cdata(parent.slug if parent else '')}</wp:category_parent>",
                f"<wp:cat_name>{cdata(category.name)}</wp:cat_name>",
                f"<wp:category_description>{cdata(category.description)}</wp:category_description>"
                if category.description
                else "",
                "</wp:category>\n",
            )
            self.counts["categories"] += 1

        for category in categories:
            write(category, frozenset({category.pk}))
        for tag in Tag.objects.filter(workspace=self.workspace).order_by("pk").iterator():
            self.emit(
                "\t<wp:tag>",
                f"<wp:term_id>{tag.pk}</wp:term_id>",
                f"<wp:tag_slug>{cdata(tag.slug)}</wp:tag_slug>",
                f"<wp:tag_name>{cdata(tag.name)}</wp:tag_name>",
                f"<wp:tag_description>{cdata(tag.description)}</wp:tag_description>" if tag.description else "",
                "</wp:tag>\n",
            )
            self.counts["tags"] += 1
        self.emit("\n")

    def _chunks(self, posts: Any) -> Iterator[list[Post]]:
        pks = list(posts.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), CHUNK):
            chunk = pks[start : start + CHUNK]
            yield list(
                Post.objects.filter(pk__in=chunk)
                .order_by("pk")
                .select_related("author", "parent")
                .prefetch_related("categories", "tags")
            )

    def _items(self, posts: Any) -> None:
        for chunk in self._chunks(posts):
            message_ids = [p.message_id for p in chunk if p.message_id]
            by_root: dict[int, list[Message]] = {}
            for message in (
                Message.objects.filter(thread_root_id__in=message_ids, kind__in=COMMENT_KINDS)
                .select_related("author")
                .order_by("created_at", "pk")
            ):
                if message.thread_root_id is not None:  # always, by the filter: said for the checker
                    by_root.setdefault(message.thread_root_id, []).append(message)
            for post in chunk:
                self._item(post, by_root.get(post.message_id or -1, []))

    def _dates(
        self, moment: datetime | None, wp: dict[str, Any], local_key: str, gmt_key: str, fallback: datetime
    ) -> tuple[str, str]:
        if moment is None:
            return wp.get(local_key) or _fmt(fallback, self.tz), ZERO_DATE
        gmt = moment.astimezone(UTC).strftime(DATE_FORMAT)
        if wp.get(gmt_key) == gmt and wp.get(local_key):
            return wp[local_key], gmt
        return _fmt(moment, self.tz), gmt

    def _link(self, post: Post) -> str:
        from animateur.space.selectors import post_url

        try:
            return self.base + post_url(post, self.tz)
        except NoReverseMatch:
            return f"{self.base}/?p={self.post_ids[post.pk]}"

    def _item(self, post: Post, comments: list[Message]) -> None:
        wp = post.extra.get("wp", {}) if isinstance(post.extra, dict) else {}
        wp_id = self.post_ids[post.pk]
        post_date, post_date_gmt = self._dates(post.published_at, wp, "post_date", "post_date_gmt", post.created_at)
        modified, modified_gmt = self._dates(
            post.modified_at, wp, "post_modified", "post_modified_gmt", post.created_at
        )
        status = wp.get("status") if STATUS_FROM_WP.get(wp.get("status", "")) == post.status else None
        if status is None:
            status = STATUS_TO_WP.get(post.status, "draft")
            if post.status == "private" and wp.get("post_password") and wp.get("status") == "publish":
                status = "publish"  # imported as private because of its password
        post_name = wp.get("post_name", "")
        if not post_name or _slug(post_name, "") != post.slug:
            post_name = post.slug
        meta = list(wp.get("postmeta", []))
        if post.body_format == BodyFormat.MARKDOWN:
            content = post.body_html
            meta.append([MARKDOWN_META, post.body])
        else:
            content = post.body
        parent = self.post_ids.get(post.parent_id, 0) if post.parent_id else 0
        creator = post.author.login if post.author is not None else wp.get("creator", "")
        pub_date = format_datetime(post.published_at.astimezone(UTC)) if post.published_at else ""
        comment_status = "open" if post.comments_open else "closed"
        parts = [
            "\t<item>\n",
            f"\t\t<title>{cdata(post.title)}</title>\n",
            f"\t\t<link>{text(wp.get('link') or self._link(post))}</link>\n",
            f"\t\t<pubDate>{text(wp.get('pubDate') or pub_date)}</pubDate>\n",
            f"\t\t<dc:creator>{cdata(creator)}</dc:creator>\n",
            f"\t\t<guid isPermaLink={quoteattr(wp.get('guid_is_permalink') or 'false')}>"
            f"{text(wp.get('guid') or f'{self.base}/?p={wp_id}')}</guid>\n",
            f"\t\t<description>{text(wp.get('description', ''))}</description>\n",
            f"\t\t<content:encoded>{cdata(content)}</content:encoded>\n",
            f"\t\t<excerpt:encoded>{cdata(post.excerpt)}</excerpt:encoded>\n",
            f"\t\t<wp:post_id>{wp_id}</wp:post_id>\n",
            f"\t\t<wp:post_date>{cdata(post_date)}</wp:post_date>\n",
            f"\t\t<wp:post_date_gmt>{cdata(post_date_gmt)}</wp:post_date_gmt>\n",
            f"\t\t<wp:post_modified>{cdata(modified)}</wp:post_modified>\n",
            f"\t\t<wp:post_modified_gmt>{cdata(modified_gmt)}</wp:post_modified_gmt>\n",
            f"\t\t<wp:comment_status>{cdata(comment_status)}</wp:comment_status>\n",
            f"\t\t<wp:ping_status>{cdata(wp.get('ping_status') or 'open')}</wp:ping_status>\n",
            f"\t\t<wp:post_name>{cdata(post_name)}</wp:post_name>\n",
            f"\t\t<wp:status>{cdata(status)}</wp:status>\n",
            f"\t\t<wp:post_parent>{parent}</wp:post_parent>\n",
            f"\t\t<wp:menu_order>{post.menu_order}</wp:menu_order>\n",
            f"\t\t<wp:post_type>{cdata(post.type)}</wp:post_type>\n",
            f"\t\t<wp:post_password>{cdata(wp.get('post_password', ''))}</wp:post_password>\n",
            f"\t\t<wp:is_sticky>{1 if post.is_sticky else 0}</wp:is_sticky>\n",
        ]
        if post.type == PostType.ATTACHMENT:
            parts.append(f"\t\t<wp:attachment_url>{cdata(post.attachment_url)}</wp:attachment_url>\n")
        for category in post.categories.all():
            parts.append(
                f'\t\t<category domain="category" nicename={quoteattr(category.slug)}>'
                f"{cdata(category.name)}</category>\n"
            )
        for tag in post.tags.all():
            parts.append(
                f'\t\t<category domain="post_tag" nicename={quoteattr(tag.slug)}>{cdata(tag.name)}</category>\n'
            )
        for domain, nicename, name in wp.get("terms", []):
            parts.append(
                f"\t\t<category domain={quoteattr(domain)} nicename={quoteattr(nicename)}>{cdata(name)}</category>\n"
            )
        for key, value in meta:
            parts.append(
                f"\t\t<wp:postmeta>\n\t\t\t<wp:meta_key>{cdata(key)}</wp:meta_key>\n"
                f"\t\t\t<wp:meta_value>{cdata(value)}</wp:meta_value>\n\t\t</wp:postmeta>\n"
            )
        for comment in comments:
            parts.append(self._comment(comment))
        parts.append("\t</item>\n")
        self.emit(*parts)
        self.counts[{"post": "posts", "page": "pages", "attachment": "attachments"}.get(post.type, "posts")] += 1

    def _comment(self, message: Message) -> str:
        raw = message.raw.get("wp", {}) if isinstance(message.raw, dict) else {}
        identity = message.author
        name = (identity.display_name if identity else "") or raw.get("comment_author", "")
        email = (identity.email if identity else "") or raw.get("comment_author_email", "")
        url = (identity.url if identity else "") or raw.get("comment_author_url", "")
        ip = message.remote_addr or raw.get("comment_author_IP", "")
        date, date_gmt = self._dates(message.created_at, raw, "comment_date", "comment_date_gmt", message.created_at)
        content = raw.get("comment_content") if "comment_content" in raw and message.edited_at is None else None
        if content is None:
            content = message.text
        approved = raw.get("comment_approved", "").strip()
        if WP_KEEPS.get(approved) != message.visibility:
            approved = APPROVED.get(message.visibility, "0")
        comment_type = raw.get("comment_type")
        if comment_type is None or (message.kind == Kind.PINGBACK) != (comment_type in ("pingback", "trackback")):
            comment_type = "pingback" if message.kind == Kind.PINGBACK else "comment"
        parent = self.comment_ids.get(message.parent_id, 0) if message.parent_id else 0
        meta = list(raw.get("commentmeta", []))
        if message.visibility in (Visibility.HIDDEN, Visibility.DELETED):
            meta.append([VISIBILITY_META, message.visibility])
        user_id = str(raw.get("comment_user_id", "0")).strip()
        self.counts["comments"] += 1
        parts = [
            "\t\t<wp:comment>\n",
            f"\t\t\t<wp:comment_id>{self.comment_ids[message.pk]}</wp:comment_id>\n",
            f"\t\t\t<wp:comment_author>{cdata(name)}</wp:comment_author>\n",
            f"\t\t\t<wp:comment_author_email>{cdata(email)}</wp:comment_author_email>\n",
            f"\t\t\t<wp:comment_author_url>{cdata(url)}</wp:comment_author_url>\n",
            f"\t\t\t<wp:comment_author_IP>{cdata(ip)}</wp:comment_author_IP>\n",
            f"\t\t\t<wp:comment_date>{cdata(date)}</wp:comment_date>\n",
            f"\t\t\t<wp:comment_date_gmt>{cdata(date_gmt)}</wp:comment_date_gmt>\n",
            f"\t\t\t<wp:comment_content>{cdata(content)}</wp:comment_content>\n",
            f"\t\t\t<wp:comment_approved>{cdata(approved)}</wp:comment_approved>\n",
            f"\t\t\t<wp:comment_type>{cdata(comment_type)}</wp:comment_type>\n",
            f"\t\t\t<wp:comment_parent>{parent}</wp:comment_parent>\n",
            f"\t\t\t<wp:comment_user_id>{user_id if user_id.isdigit() else 0}</wp:comment_user_id>\n",
        ]
        for key, value in meta:
            parts.append(
                f"\t\t\t<wp:commentmeta>\n\t\t\t\t<wp:meta_key>{cdata(key)}</wp:meta_key>\n"
                f"\t\t\t\t<wp:meta_value>{cdata(value)}</wp:meta_value>\n\t\t\t</wp:commentmeta>\n"
            )
        parts.append("\t\t</wp:comment>\n")
        return "".join(parts)
