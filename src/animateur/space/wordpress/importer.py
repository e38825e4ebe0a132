"""Importing a WordPress export (WXR) into a workspace: all of it, or nothing.

The file is read twice, streaming: a first pass checks all of it (well-formed XML,
required elements, ids, dates) and reports the first problem with its line; the second
pass imports it in one transaction. Everything carries a key from the file (posts
`wp:<post_id>`, comments `wp-comment:<comment_id>`, terms and authors by slug and
login), so importing the same file again finds every row unchanged.

What animateur has no column for (postmeta, guid, the exact date strings, the original
status, password, other taxonomies, commentmeta) is kept in Post.extra["wp"] and
Message.raw["wp"], and written back by the exporter.
"""

from __future__ import annotations

import hashlib
import ipaddress
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from animateur.channels.site import site_channel
from animateur.core.actions import Actor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.html import autop, text_of
from animateur.core.models import Workspace
from animateur.space.models import Author, BodyFormat, Category, Post, PostStatus, PostType, Tag
from animateur.space.search import index_posts
from animateur.space.threads import (
    create_post_messages,
    post_external_id,
    refresh_comment_counts,
    refresh_counts_for_messages,
    sync_post_message,
)
from animateur.space.versions import posts_changed
from animateur.space.wordpress.wxr import Record, WXRError, read_wxr
from animateur.stream import pipeline, stages, store
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Kind, Visibility

__all__ = ["ImportSummary", "WXRError", "import_wxr"]

KINDS = ("posts", "pages", "attachments", "authors", "categories", "tags", "comments")
TYPE_KEY: dict[str, str] = {PostType.POST: "posts", PostType.PAGE: "pages", PostType.ATTACHMENT: "attachments"}
STATUS_FROM_WP: dict[str, str] = {
    "publish": PostStatus.PUBLISHED,
    "draft": PostStatus.DRAFT,
    "auto-draft": PostStatus.DRAFT,
    "pending": PostStatus.PENDING,
    "private": PostStatus.PRIVATE,
    "future": PostStatus.SCHEDULED,
    "trash": PostStatus.TRASH,
    "inherit": PostStatus.PUBLISHED,  # attachments follow their parent
}
STATUS_TO_WP: dict[str, str] = {
    PostStatus.PUBLISHED: "publish",
    PostStatus.DRAFT: "draft",
    PostStatus.PENDING: "pending",
    PostStatus.PRIVATE: "private",
    PostStatus.SCHEDULED: "future",
    PostStatus.TRASH: "trash",
}
VISIBILITY_FROM_WP: dict[str, str] = {
    "1": Visibility.VISIBLE,
    "approve": Visibility.VISIBLE,
    "0": Visibility.PENDING,
    "hold": Visibility.PENDING,
    "spam": Visibility.SPAM,
    "trash": Visibility.TRASH,
    "post-trashed": Visibility.TRASH,
}
# animateur states WordPress has no word for travel as commentmeta, so a round trip keeps them.
VISIBILITY_META = "_animateur_visibility"
MARKDOWN_META = "_animateur_markdown"
SLUG_MAX = 200
COMMENT_BATCH = 500
# Items written together: one query reads a chunk's existing posts, one inserts its new ones.
POST_CHUNK = 50


TermT = TypeVar("TermT", Category, Tag)


@dataclass
class ImportSummary:
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    # Unchanged rows, plus what was left out on purpose: "nav_menu_items", "other_types" (custom post types),
    # "without_type" (items with no wp:post_type), "duplicates"; `notes` names each of the last three.
    skipped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "notes": self.notes[:50],
        }


def import_wxr(
    path: Path,
    workspace: Workspace,
    *,
    actor: Actor,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Import the export at `path`; a malformed file raises WXRError and imports nothing."""
    require(actor, workspace, "space.import")
    path = Path(path)
    size = path.stat().st_size
    total = 2 * size  # two passes over the file

    def first(done: int) -> None:
        if progress is not None:
            progress(done, total)

    def second(done: int) -> None:
        if progress is not None:
            progress(size + done, total)

    for _record in read_wxr(path, first):
        pass
    importer = _Importer(workspace)
    with transaction.atomic():
        for item in read_wxr(path, second):
            importer.take(item)
        importer.finish()
        record(
            workspace,
            actor,
            AuditVerb.SPACE_IMPORT_WORDPRESS,
            workspace,
            {"file": path.name, **importer.summary.as_dict()},
        )
    posts_changed(workspace)
    return importer.summary


def _plain(content: str) -> str:
    """Comment text without tags, line breaks kept (the stream's `text`), read as its HTML shows it."""
    return text_of(autop(content))


def _slug(value: str, fallback: str) -> str:
    slug = unquote(value or "").strip()
    if not slug:
        slug = slugify(fallback, allow_unicode=True)
    return (slug or "item")[:SLUG_MAX]


@dataclass
class _Written:
    """An item's post as the chunk writes it: created, updated or skipped (unchanged)."""

    item: dict[str, Any]
    post: Post
    state: str
    category_ids: list[int]
    tag_ids: list[int]


def _links_of(post_ids: list[int]) -> dict[int, tuple[list[int], list[int]]]:
    """The categories and tags of these posts, sorted, read in two queries."""
    links: dict[int, tuple[list[int], list[int]]] = {pk: ([], []) for pk in post_ids}
    if post_ids:
        for post_id, category_id in Post.categories.through.objects.filter(post_id__in=post_ids).values_list(
            "post_id", "category_id"
        ):
            links[post_id][0].append(category_id)
        for post_id, tag_id in Post.tags.through.objects.filter(post_id__in=post_ids).values_list("post_id", "tag_id"):
            links[post_id][1].append(tag_id)
    for categories, tags in links.values():
        categories.sort()
        tags.sort()
    return links


class _Importer:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        try:
            self.tz: tzinfo = zoneinfo.ZoneInfo(workspace.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.tz = timezone.get_default_timezone()
        self.channel = site_channel(workspace)
        self.summary = ImportSummary()
        self.authors: dict[str, Author] = {a.login: a for a in Author.objects.filter(workspace=workspace)}
        self.author_emails = {a.email.lower(): a for a in self.authors.values() if a.email}
        self.categories: dict[str, Category] = {c.slug: c for c in Category.objects.filter(workspace=workspace)}
        self.tags: dict[str, Tag] = {t.slug: t for t in Tag.objects.filter(workspace=workspace)}
        self.category_parents: dict[str, str] = {}
        self.terms_done = False
        self.counted_terms: set[tuple[str, str]] = set()
        self.post_parents: list[tuple[int, int, str]] = []  # (post pk, parent's wp id, type key)
        # Keys and slugs already taken, read once: a new post then costs no look-up query.
        posts = Post.objects.filter(workspace=workspace)
        self.post_keys: set[str] = set(posts.exclude(import_key="").values_list("import_key", flat=True))
        self.slugs: dict[tuple[str, str], int] = {
            (type_, slug): pk for type_, slug, pk in posts.values_list("type", "slug", "pk")
        }
        self.batch: list[Incoming] = []
        # Items wait here for their chunk to be written (see _flush_posts).
        self.pending: list[tuple[dict[str, Any], str, str]] = []
        self.pending_keys: set[str] = set()
        self.placeholder = 0
        self.touched_posts: set[int] = set()
        self.commented_posts: set[int] = set()

    # ------------------------------------------------------------------ dispatch

    def take(self, record: Record) -> None:
        if record.kind == "author":
            self._author(record.data)
        elif record.kind == "category":
            data = record.data
            self._category(
                data.get("wp:category_nicename", ""),
                data.get("wp:cat_name", ""),
                data.get("wp:category_description"),
                data.get("wp:category_parent", "").strip(),
            )
        elif record.kind == "tag":
            data = record.data
            self._tag(data.get("wp:tag_slug", ""), data.get("wp:tag_name", ""), data.get("wp:tag_description"))
        elif record.kind == "term":
            data = record.data
            taxonomy = data.get("wp:term_taxonomy", "").strip()
            if taxonomy == "category":
                self._category(
                    data.get("wp:term_slug", ""),
                    data.get("wp:term_name", ""),
                    data.get("wp:term_description"),
                    data.get("wp:term_parent", "").strip(),
                )
            elif taxonomy == "post_tag":
                self._tag(
                    data.get("wp:term_slug", ""),
                    data.get("wp:term_name", ""),
                    data.get("wp:term_description"),
                )
        elif record.kind == "item":
            self._finish_terms()
            self._item(record.data)

    def finish(self) -> None:
        self._finish_terms()
        self._flush_posts()
        self._flush_comments()
        self._resolve_post_parents()
        refresh_comment_counts(self.commented_posts | self.touched_posts)
        index_posts(self.touched_posts)

    def _note(self, note: str) -> None:
        if len(self.summary.notes) < 200:
            self.summary.notes.append(note)

    # ------------------------------------------------------------------ authors and terms

    def _count(self, what: str, key: str, state: str) -> None:
        # A term named both in the channel and by items is counted once.
        if (what, key) in self.counted_terms:
            return
        self.counted_terms.add((what, key))
        getattr(self.summary, state)[what] += 1

    def _author(self, data: dict[str, str]) -> Author:
        login = data.get("wp:author_login", "").strip()[:150]
        values = {
            "display_name": (data.get("wp:author_display_name", "").strip() or login)[:200],
            "first_name": data.get("wp:author_first_name", "").strip()[:100],
            "last_name": data.get("wp:author_last_name", "").strip()[:100],
            "email": data.get("wp:author_email", "").strip()[:254],
        }
        return self._save_author(login, values)

    def _save_author(self, login: str, values: dict[str, str]) -> Author:
        author = self.authors.get(login)
        if author is None:
            taken = set(Author.objects.filter(workspace=self.workspace).values_list("slug", flat=True))
            base = slugify(login)[:140] or slugify(values["display_name"])[:140] or "author"
            slug, n = base, 2
            while slug in taken:
                slug, n = f"{base}-{n}", n + 1
            author = Author.objects.create(
                workspace=self.workspace,
                login=login,
                slug=slug,
                import_key=f"wp-author:{login}"[:100],
                **values,
            )
            self.authors[login] = author
            self._count("authors", login, "created")
        else:
            changed = {k: v for k, v in values.items() if getattr(author, k) != v}
            if changed:
                for k, v in changed.items():
                    setattr(author, k, v)
                author.save(update_fields=list(changed))
            self._count("authors", login, "updated" if changed else "skipped")
        if author.email:
            self.author_emails.setdefault(author.email.lower(), author)
        return author

    def _author_for(self, creator: str) -> Author | None:
        login = creator.strip()[:150]
        if not login:
            return None
        if login in self.authors:
            return self.authors[login]
        # Exports without <wp:author> blocks (WXR 1.0, some generators) name authors only here.
        return self._save_author(login, {"display_name": login[:200], "first_name": "", "last_name": "", "email": ""})

    def _category(self, nicename: str, name: str, description: str | None, parent: str = "") -> Category:
        slug = _slug(nicename, name)
        if parent:
            self.category_parents[slug] = _slug(parent, parent)
        return self._term(Category, self.categories, "categories", slug, name, description)

    def _tag(self, slug_value: str, name: str, description: str | None) -> Tag:
        slug = _slug(slug_value, name)
        return self._term(Tag, self.tags, "tags", slug, name, description)

    def _term(
        self, model: type[TermT], known: dict[str, TermT], kind: str, slug: str, name: str, description: str | None
    ) -> TermT:
        """Create the category or tag, or update what changed: importing again writes nothing."""
        values: dict[str, Any] = {"name": (name.strip() or slug)[:200]}
        if description is not None:
            values["description"] = description
        term = known.get(slug)
        if term is None:
            term = model.objects.create(workspace=self.workspace, slug=slug, import_key=f"wp:{slug}"[:100], **values)
            known[slug] = term
            self._count(kind, slug, "created")
            return term
        changed = {k: v for k, v in values.items() if getattr(term, k) != v}
        if changed:
            for k, v in changed.items():
                setattr(term, k, v)
            term.save(update_fields=list(changed))
        self._count(kind, slug, "updated" if changed else "skipped")
        return term

    def _finish_terms(self) -> None:
        """Categories name their parent by slug, possibly before it was read: link them once all are known."""
        if self.terms_done:
            return
        self.terms_done = True
        for slug, parent_slug in self.category_parents.items():
            category, parent = self.categories.get(slug), self.categories.get(parent_slug)
            if category is None or parent is None or parent.pk == category.pk:
                continue
            if category.parent_id != parent.pk and category.pk not in {a.pk for a in parent.ancestors()}:
                category.parent = parent
                category.save(update_fields=["parent"])
                if ("categories", slug) in self.counted_terms and self.summary.skipped["categories"]:
                    self.summary.skipped["categories"] -= 1
                    self.summary.updated["categories"] += 1

    # ------------------------------------------------------------------ items

    def _date(self, local: datetime | None, gmt: datetime | None) -> datetime | None:
        if gmt is not None:
            return gmt.replace(tzinfo=UTC)
        if local is not None:
            return timezone.make_aware(local, self.tz)
        return None

    def _item(self, item: dict[str, Any]) -> None:
        if item.get("without_type"):
            self.summary.skipped["without_type"] = self.summary.skipped.get("without_type", 0) + 1
            title = " ".join(item.get("title", "").split())[:80] or "(untitled)"
            self._note(f"line {item['line']}: item {title!r} has no wp:post_type: skipped, as WordPress does")
            return
        post_type = item["wp:post_type"].strip()
        if item.get("duplicate_comments"):
            self.summary.skipped["duplicates"] = self.summary.skipped.get("duplicates", 0) + item["duplicate_comments"]
            self._note(f"{item['duplicate_comments']} comment(s) of post {item['post_id']} repeat an earlier id")
        if "duplicate_of_line" in item:
            self.summary.skipped["duplicates"] = self.summary.skipped.get("duplicates", 0) + 1
            self._note(f"item {item['post_id']} ({post_type}) repeats the item at line {item['duplicate_of_line']}")
            return
        if post_type == "nav_menu_item":
            self.summary.skipped["nav_menu_items"] = self.summary.skipped.get("nav_menu_items", 0) + 1
            return
        if post_type not in TYPE_KEY:
            self.summary.skipped["other_types"] = self.summary.skipped.get("other_types", 0) + 1
            self._note(f"skipped an item of type {post_type!r} (post id {item['post_id']})")
            return
        import_key = self._post_key(item, post_type)
        if import_key in self.pending_keys:  # the same post twice in a chunk: the first one is written first
            self._flush_posts()
        self.pending.append((item, post_type, import_key))
        self.pending_keys.add(import_key)
        if len(self.pending) >= POST_CHUNK:
            self._flush_posts()

    def _flush_posts(self) -> None:
        """Write the queued items: their existing posts read at once, new posts inserted together."""
        pending, self.pending = self.pending, []
        self.pending_keys = set()
        if not pending:
            return
        known = [key for _, _, key in pending if key in self.post_keys]
        existing = {
            post.import_key: post for post in Post.objects.filter(workspace=self.workspace, import_key__in=known)
        }
        links = _links_of([post.pk for post in existing.values()])
        written = [self._post(item, post_type, key, existing.get(key), links) for item, post_type, key in pending]

        # Updates first, in file order: a slug an updated post gives up may be taken by a later item.
        for w in written:
            if w.state == "updated":
                w.post.save()
                w.post.categories.set(w.category_ids)
                w.post.tags.set(w.tag_ids)
                sync_post_message(w.post, self.channel)
            elif w.state == "skipped" and w.post.message_id is None:
                sync_post_message(w.post, self.channel)
        created = [w for w in written if w.state == "created"]
        Post.objects.bulk_create([w.post for w in created])
        Post.categories.through.objects.bulk_create(
            [Post.categories.through(post_id=w.post.pk, category_id=pk) for w in created for pk in w.category_ids]
        )
        Post.tags.through.objects.bulk_create(
            [Post.tags.through(post_id=w.post.pk, tag_id=pk) for w in created for pk in w.tag_ids]
        )
        create_post_messages([w.post for w in created], self.channel)
        for w in written:
            if w.state != "skipped":
                self.slugs[(w.post.type, w.post.slug)] = w.post.pk  # the chunk's placeholder, now the key
                self.post_keys.add(w.post.import_key)
                self.touched_posts.add(w.post.pk)
            self._after_post(w)

    def _after_post(self, written: _Written) -> None:
        item, post = written.item, written.post
        key = TYPE_KEY[post.type]
        getattr(self.summary, written.state)[key] += 1
        if item["parent_id"]:
            self.post_parents.append((post.pk, item["parent_id"], key))
        elif post.parent_id is not None:
            Post.objects.filter(pk=post.pk).update(parent=None)
        if item["_comments"]:
            self._comments(item, post)
            if len(self.batch) >= COMMENT_BATCH:
                self._flush_comments()

    def _post_key(self, item: dict[str, Any], post_type: str) -> str:
        if item["post_id"] is not None:
            return f"wp:{item['post_id']}"
        # Some exports (theme previews) carry no post id: the item's identity is its type, date and title.
        basis = "\x1f".join(
            [
                post_type,
                item.get("wp:post_date", "").strip(),
                item.get("title", ""),
                item.get("wp:post_name", "").strip(),
            ]
        )
        return f"wp:h:{hashlib.sha1(basis.encode()).hexdigest()[:24]}"  # noqa: S324 - a key, not a secret

    def _post(
        self,
        item: dict[str, Any],
        post_type: str,
        import_key: str,
        post: Post | None,
        links: dict[int, tuple[list[int], list[int]]],
    ) -> _Written:
        """The post of an item, new or brought up to date, but not saved: _flush_posts writes the chunk."""
        wp_status = item.get("wp:status", "").strip() or "publish"
        password = item.get("wp:post_password", "")
        status = STATUS_FROM_WP.get(wp_status, PostStatus.DRAFT)
        if password and status == PostStatus.PUBLISHED:
            status = PostStatus.PRIVATE  # a password-protected post is not for every visitor
        post_date, post_date_gmt = item.get("post_date"), item.get("post_date_gmt")
        if post_date is None and post_date_gmt is None and item.get("pubDate"):
            post_date_gmt = _rfc822(item["pubDate"])
        published_at = self._date(post_date, post_date_gmt)
        if post_date_gmt is None and wp_status in ("draft", "pending", "auto-draft") and "wp:post_date_gmt" in item:
            published_at = None  # WordPress's floating date: the draft has no publication date yet
        modified_at = (
            self._date(item.get("post_modified"), item.get("post_modified_gmt"))
            or published_at
            or self._date(post_date, None)
        )

        wp: dict[str, Any] = {}
        for name, key in (
            ("guid", "guid"),
            ("guid_is_permalink", "guid_is_permalink"),
            ("link", "link"),
            ("pubDate", "pubDate"),
            ("description", "description"),
            ("post_password", "wp:post_password"),
            ("ping_status", "wp:ping_status"),
            ("comment_status", "wp:comment_status"),
            ("post_date", "wp:post_date"),
            ("post_date_gmt", "wp:post_date_gmt"),
            ("post_modified", "wp:post_modified"),
            ("post_modified_gmt", "wp:post_modified_gmt"),
            ("post_name", "wp:post_name"),
            ("creator", "dc:creator"),
        ):
            value = item.get(key if key in item else name)
            if value not in (None, ""):
                wp[name] = value.strip() if name.startswith(("post_date", "post_modified")) else value
        if item["post_id"] is not None:
            wp["post_id"] = item["post_id"]
        if item["parent_id"]:
            wp["post_parent"] = item["parent_id"]
        if STATUS_TO_WP.get(status) != wp_status:
            wp["status"] = wp_status
        postmeta = [m for m in item["_postmeta"] if m[0] != MARKDOWN_META]
        markdown = next((m[1] for m in item["_postmeta"] if m[0] == MARKDOWN_META), None)
        if postmeta:
            wp["postmeta"] = postmeta
        category_slugs, tag_slugs, terms = [], [], []
        for term in item["_categories"]:
            domain = term["domain"]
            if domain in ("category", ""):
                category = self.categories.get(_slug(term["nicename"], term["name"]))
                if category is None:
                    category = self._category(term["nicename"], term["name"], None)
                category_slugs.append(category.slug)
            elif domain in ("post_tag", "tag"):  # WXR 1.0 said "tag"
                tag = self.tags.get(_slug(term["nicename"], term["name"]))
                if tag is None:
                    tag = self._tag(term["nicename"], term["name"], None)
                tag_slugs.append(tag.slug)
            else:
                terms.append([domain, term["nicename"], term["name"]])
        if terms:
            wp["terms"] = terms

        title = item.get("title", "")
        values: dict[str, Any] = {
            "title": title[:500],
            "author_id": getattr(self._author_for(item.get("dc:creator", "")), "pk", None),
            "body": markdown if markdown is not None else item.get("content:encoded", ""),
            "body_format": BodyFormat.MARKDOWN if markdown is not None else BodyFormat.HTML,
            "excerpt": item.get("excerpt:encoded", ""),
            "status": status,
            "published_at": published_at,
            "menu_order": int(item.get("wp:menu_order", "").strip() or 0),
            "comments_open": item.get("wp:comment_status", "open").strip() != "closed",
            "is_sticky": item.get("wp:is_sticky", "").strip() == "1",
            "attachment_url": item.get("wp:attachment_url", "").strip()[:1000],
        }
        if modified_at is not None:  # else: left as it is (now, for a new post)
            values["modified_at"] = modified_at
        wanted_slug = _slug(item.get("wp:post_name", ""), title or str(item["post_id"] or post_type))
        category_ids = sorted({self.categories[s].pk for s in category_slugs})
        tag_ids = sorted({self.tags[s].pk for s in tag_slugs})
        if post is None:
            post = Post(
                workspace=self.workspace,
                type=post_type,
                import_key=import_key,
                created_at=published_at or modified_at or timezone.now(),
                extra={"wp": wp},
            )
            state = "created"
            self.placeholder -= 1
            owner = self.placeholder  # holds the slug in self.slugs until the insert gives the post its key
        else:
            same = (
                post.type == post_type
                and all(getattr(post, k) == v for k, v in values.items())
                and {k: v for k, v in post.extra.get("wp", {}).items() if k != "slug_wanted"} == wp
                and (post.slug == wanted_slug or post.extra.get("wp", {}).get("slug_wanted") == wanted_slug)
                and links.get(post.pk, ([], [])) == (category_ids, tag_ids)
            )
            if same:
                return _Written(item, post, "skipped", category_ids, tag_ids)
            if self.slugs.get((post.type, post.slug)) == post.pk:
                del self.slugs[(post.type, post.slug)]
            post.extra = {**post.extra, "wp": wp}
            post.type = post_type
            state = "updated"
            owner = post.pk
        for k, v in values.items():
            setattr(post, k, v)
        post.slug = self._free_slug(wanted_slug, post_type, owner)
        if post.slug != wanted_slug:
            post.extra["wp"]["slug_wanted"] = wanted_slug
        self.slugs[(post.type, post.slug)] = owner
        post.render()
        return _Written(item, post, state, category_ids, tag_ids)

    def _free_slug(self, wanted: str, post_type: str, owner: int) -> str:
        slug, n = wanted, 2
        while self.slugs.get((post_type, slug), owner) != owner:
            suffix = f"-{n}"
            slug, n = wanted[: SLUG_MAX - len(suffix)] + suffix, n + 1
        return slug

    def _resolve_post_parents(self) -> None:
        wanted = {parent_id for _, parent_id, _ in self.post_parents}
        by_key: dict[str, int] = {}
        keys = [f"wp:{i}" for i in wanted]
        for start in range(0, len(keys), 500):
            by_key.update(
                Post.objects.filter(workspace=self.workspace, import_key__in=keys[start : start + 500]).values_list(
                    "import_key", "pk"
                )
            )
        current = (
            dict(Post.objects.filter(pk__in=[pk for pk, _, _ in self.post_parents]).values_list("pk", "parent_id"))
            if len(self.post_parents) < 50_000
            else None
        )
        for pk, parent_id, key in self.post_parents:
            parent_pk = by_key.get(f"wp:{parent_id}")
            if parent_pk == pk:
                parent_pk = None
            old = current.get(pk) if current is not None else Post.objects.get(pk=pk).parent_id
            if old != parent_pk:
                Post.objects.filter(pk=pk).update(parent_id=parent_pk)
                if pk not in self.touched_posts and self.summary.skipped[key]:
                    self.summary.skipped[key] -= 1
                    self.summary.updated[key] += 1

    # ------------------------------------------------------------------ comments

    def _comments(self, item: dict[str, Any], post: Post) -> None:
        comments = item["_comments"]
        ids = {c["id"] for c in comments if c["id"] is not None}
        keyed = [(self._comment_key(c, post), c) for c in comments]
        key_of = {c["id"]: key for key, c in keyed if c["id"] is not None}
        # Parents first: an export may list a reply before the comment it answers.
        ordered: list[tuple[str, dict[str, Any]]] = []
        placed: set[str] = set()
        pending = keyed
        while pending:
            rest = []
            for key, comment in pending:
                parent_id = comment["parent_id"]
                if parent_id and parent_id in ids and key_of[parent_id] not in placed:
                    rest.append((key, comment))
                else:
                    ordered.append((key, comment))
                    placed.add(key)
            if len(rest) == len(pending):  # a cycle: keep the file's order rather than loop
                ordered.extend(rest)
                break
            pending = rest
        for key, comment in ordered:
            parent_id = comment["parent_id"]
            parent_key = key_of.get(parent_id) if parent_id else None
            self.batch.append(self._incoming(key, comment, post, parent_key))
        self.commented_posts.add(post.pk)

    def _comment_key(self, comment: dict[str, Any], post: Post) -> str:
        if comment["id"] is not None:
            return f"wp-comment:{comment['id']}"
        basis = "\x1f".join(
            [
                post.import_key,
                comment.get("comment_author", ""),
                comment.get("comment_date", ""),
                comment.get("comment_content", ""),
            ]
        )
        return f"wp-comment:h:{hashlib.sha1(basis.encode()).hexdigest()[:24]}"  # noqa: S324 - a key

    def _incoming(self, key: str, comment: dict[str, Any], post: Post, parent_key: str | None) -> Incoming:
        meta = [m for m in comment["commentmeta"] if m[0] != VISIBILITY_META]
        forced = next((m[1] for m in comment["commentmeta"] if m[0] == VISIBILITY_META), None)
        approved = comment.get("comment_approved", "1").strip()
        visibility = forced if forced in Visibility.values else VISIBILITY_FROM_WP.get(approved, Visibility.PENDING)
        email = comment.get("comment_author_email", "").strip()
        name = comment.get("comment_author", "").strip()
        url = comment.get("comment_author_url", "").strip()
        ip = comment.get("comment_author_IP", "").strip()
        try:
            remote_addr = str(ipaddress.ip_address(ip)) if ip else None
        except ValueError:
            remote_addr = None
        content = comment.get("comment_content", "")
        comment_type = comment.get("comment_type", "").strip()
        raw_fields = {
            k: v
            for k, v in comment.items()
            if k not in ("commentmeta", "lines", "line", "id", "parent_id") and not k.endswith("_parsed")
        }
        if meta:
            raw_fields["commentmeta"] = meta
        author = self.author_emails.get(email.lower()) if email else None
        created_at = self._date(comment.get("comment_date_parsed"), comment.get("comment_date_gmt_parsed"))
        if comment_type in ("pingback", "trackback"):
            kind = Kind.PINGBACK
        else:
            kind = Kind.REPLY if parent_key else Kind.COMMENT
        return Incoming(
            channel=self.channel,
            external_id=key,
            text=_plain(content),
            html=autop(content),
            created_at=created_at or post.published_at or post.created_at,
            author=AuthorInfo(
                external_id=(email.lower() or name.lower() or "anonymous")[:255],
                display_name=name[:200],
                email=email[:254],
                url=url[:500],
                user_id=author.user_id if author is not None else None,
            ),
            kind=kind,
            parent_external_id=parent_key or post_external_id(post.pk),
            source_visibility=visibility,
            historical=True,
            from_organisation=author is not None,
            remote_addr=remote_addr,
            user_agent=comment.get("comment_agent", "")[:300],
            raw={"wp": raw_fields},
        )

    def _flush_comments(self) -> None:
        batch, self.batch = self.batch, []
        if not batch:
            return
        result = _ingest_imported(batch)
        self.summary.created["comments"] += result[0]
        self.summary.updated["comments"] += result[1]
        self.summary.skipped["comments"] += result[2]
        for item in result[3]:
            self.summary.skipped["comments"] += 1
            self._note(f"comment {item.external_id} not imported: {item.error}")


def _ingest_imported(batch: list[Incoming]) -> tuple[int, int, int, list[Incoming]]:
    """The pipeline for imported history: the source's moderation decision stands, and nothing notifies.

    Imported comments were moderated where they were written: the `moderate` stage (which
    may hold first-time authors) is not run, and the after-commit hooks (inbox alerts,
    auto-replies, webhooks) are not called for years-old comments. The ON_STORE hooks run,
    so other apps' denormalized data stays right; the items are marked `historical` so that
    those hooks open no work for the team. The space's own hook (comment counts) is left to
    the end of the import, which counts every post once. Runs inside the import's transaction.
    """
    rejected: list[Incoming] = []
    for stage in pipeline.STAGES:
        if stage is stages.moderate:
            continue
        batch = stage(batch)
        rejected.extend(item for item in batch if item.error)
        batch = [item for item in batch if not item.error]
    for item in batch:
        item.visibility = item.source_visibility or Visibility.VISIBLE
    stored = store.store(batch)
    changed = [item for item in stored if not item.unchanged]
    for hook in pipeline.ON_STORE:
        if hook is not refresh_counts_for_messages:  # finish() recounts every commented post once
            hook(changed)
    created = sum(1 for item in changed if item.existing is None)
    return created, len(changed) - created, len(stored) - len(changed), rejected


def _rfc822(value: str) -> datetime | None:
    from email.utils import parsedate_to_datetime

    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return parsed.replace(tzinfo=None)
