"""Every change the team makes to the community space: posts, pages, categories, tags, authors.

Each action checks the permission, changes the rows in one transaction, writes one
AuditEvent, keeps the post's stream message and the search index in step, and, once
committed, expires the cached public pages when something the public sees changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from animateur.core.actions import ActionError, Actor, SystemActor, actor_label, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import User, Workspace
from animateur.space.models import Author, BodyFormat, Category, Post, PostStatus, PostType, Tag
from animateur.space.versions import posts_changed

# Statuses an author picks in the editor; "pending" is set by imports, "trash" by do_trash_post.
EDITABLE_STATUSES = (
    PostStatus.DRAFT,
    PostStatus.PENDING,
    PostStatus.SCHEDULED,
    PostStatus.PUBLISHED,
    PostStatus.PRIVATE,
)
# Statuses that put the post on the public site now or later: they need the publish permission.
PUBLISHING_STATUSES = (PostStatus.SCHEDULED, PostStatus.PUBLISHED, PostStatus.PRIVATE)
POST_FIELDS = {
    "type",
    "title",
    "slug",
    "author",
    "body",
    "body_format",
    "excerpt",
    "status",
    "published_at",
    "categories",
    "tags",
    "parent",
    "menu_order",
    "comments_open",
    "is_sticky",
}
SLUG_MAX = 200


# ---------------------------------------------------------------- slugs


def slug_from(text: str, fallback: str = "item") -> str:
    """An ASCII slug: « Communauté & réseaux » → « communaute-reseaux », « L'équipe » → « l-equipe »."""
    # French elisions read as two words: « l'équipe » is « l-equipe », not « lequipe ».
    text = (text or "").replace("'", " ").replace("\u2019", " ")
    return slugify(text, allow_unicode=False)[:SLUG_MAX].strip("-") or fallback


def unique_slug(wanted: str, taken: QuerySet[Any], *, max_length: int = SLUG_MAX) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`… whichever is free in `taken` (a queryset of the same kind)."""
    existing = set(taken.filter(slug__startswith=wanted[: max_length - 4]).values_list("slug", flat=True))
    if wanted not in existing:
        return wanted
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = wanted[: max_length - len(suffix)] + suffix
        if candidate not in existing:
            return candidate
        n += 1


def _clean_slug(given: str | None, title: str, fallback: str) -> str:
    given = (given or "").strip()
    return slug_from(given, fallback) if given else slug_from(title, fallback)


def _on_commit_bump(workspace: Workspace) -> None:
    transaction.on_commit(lambda: posts_changed(workspace))


def _check_same_workspace(workspace: Workspace, objects: Iterable[Model | None], what: str) -> None:
    for obj in objects:
        if obj is not None and getattr(obj, "workspace_id", None) != workspace.pk:
            raise ActionError(f"this {what} belongs to another workspace")


# ---------------------------------------------------------------- authors


def author_for_user(workspace: Workspace, user: User) -> Author | None:
    return Author.objects.filter(workspace=workspace, user=user).first()


def _new_author(
    workspace: Workspace, display_name: str, *, slug: str = "", user: User | None = None, **fields: Any
) -> Author:
    display_name = (display_name or "").strip()
    if not display_name:
        raise ActionError("an author needs a name")
    base = _clean_slug(slug, display_name, "author")
    taken = Author.objects.filter(workspace=workspace)
    slug = unique_slug(base, taken, max_length=150)
    login = fields.pop("login", "") or slug
    if taken.filter(login=login).exists():
        login = slug
    return Author.objects.create(
        workspace=workspace, display_name=display_name[:200], slug=slug, login=login, user=user, **fields
    )


AUTHOR_FIELDS = {"display_name", "slug", "user", "email", "url", "bio", "first_name", "last_name"}


def _check_author_user(workspace: Workspace, user: User | None, author: Author | None = None) -> None:
    if user is None:
        return
    if user.role_in(workspace) is None:
        raise ActionError("the linked user is not a member of this workspace")
    clash = Author.objects.filter(workspace=workspace, user=user)
    if author is not None:
        clash = clash.exclude(pk=author.pk)
    if clash.exists():
        raise ActionError(f"{user} already signs as another author")


def do_create_author(workspace: Workspace, *, actor: Actor, display_name: str, **fields: Any) -> Author:
    """A new author who can sign posts, optionally linked to a team member's account."""
    require(actor, workspace, "space.post.write")
    unknown = set(fields) - AUTHOR_FIELDS
    if unknown:
        raise ActionError(f"unknown author fields: {', '.join(sorted(unknown))}")
    _check_author_user(workspace, fields.get("user"))
    with transaction.atomic():
        author = _new_author(workspace, display_name, **fields)
        record(
            workspace,
            actor,
            AuditVerb.SPACE_AUTHOR_CREATE,
            author,
            {"name": author.display_name, "slug": author.slug},
        )
    _on_commit_bump(workspace)
    return author


def do_update_author(author: Author, *, actor: Actor, **changes: Any) -> Author:
    workspace = author.workspace
    require(actor, workspace, "space.post.write")
    unknown = set(changes) - AUTHOR_FIELDS
    if unknown:
        raise ActionError(f"unknown author fields: {', '.join(sorted(unknown))}")
    if "display_name" in changes and not (changes["display_name"] or "").strip():
        raise ActionError("an author needs a name")
    if "user" in changes:
        _check_author_user(workspace, changes["user"], author)
    with transaction.atomic():
        if "slug" in changes:
            wanted = _clean_slug(changes.pop("slug"), changes.get("display_name") or author.display_name, "author")
            if wanted != author.slug:
                author.slug = unique_slug(
                    wanted, Author.objects.filter(workspace=workspace).exclude(pk=author.pk), max_length=150
                )
        for field, value in changes.items():
            setattr(author, field, value.strip() if isinstance(value, str) else value)
        author.save()
        record(
            workspace,
            actor,
            AuditVerb.SPACE_AUTHOR_UPDATE,
            author,
            {"fields": sorted(set(changes) | {"slug"}), "name": author.display_name},
        )
    _on_commit_bump(workspace)
    return author


# ---------------------------------------------------------------- categories and tags


class CategoryCycleError(ActionError):
    """The chosen parent category is the category itself or lies inside it."""


def _check_parent(category: Category | None, parent: Category | None) -> None:
    """Refuse a parent that is the category itself or one of its descendants (a cycle)."""
    if parent is None or category is None or category.pk is None:
        return
    node: Category | None = parent
    seen: set[int] = set()
    while node is not None and node.pk not in seen:
        if node.pk == category.pk:
            if parent.pk == category.pk:
                raise CategoryCycleError(f"the category « {category.name} » cannot be its own parent")
            raise CategoryCycleError(
                f"the category « {category.name} » cannot be placed under « {parent.name} », which is inside it"
            )
        seen.add(node.pk)
        node = node.parent


def do_create_category(
    workspace: Workspace,
    *,
    actor: Actor,
    name: str,
    slug: str = "",
    parent: Category | None = None,
    description: str = "",
) -> Category:
    require(actor, workspace, "space.taxonomy.edit")
    name = (name or "").strip()
    if not name:
        raise ActionError("a category needs a name")
    _check_same_workspace(workspace, [parent], "parent category")
    with transaction.atomic():
        slug = unique_slug(_clean_slug(slug, name, "category"), Category.objects.filter(workspace=workspace))
        category = Category.objects.create(
            workspace=workspace, name=name[:200], slug=slug, parent=parent, description=description.strip()
        )
        record(
            workspace,
            actor,
            AuditVerb.SPACE_CATEGORY_CREATE,
            category,
            {"name": category.name, "slug": slug, "parent": parent.pk if parent else None},
        )
    _on_commit_bump(workspace)
    return category


def do_update_category(category: Category, *, actor: Actor, **changes: Any) -> Category:
    workspace = category.workspace
    require(actor, workspace, "space.taxonomy.edit")
    unknown = set(changes) - {"name", "slug", "parent", "description"}
    if unknown:
        raise ActionError(f"unknown category fields: {', '.join(sorted(unknown))}")
    if "name" in changes and not (changes["name"] or "").strip():
        raise ActionError("a category needs a name")
    if "parent" in changes:
        _check_same_workspace(workspace, [changes["parent"]], "parent category")
        _check_parent(category, changes["parent"])
    with transaction.atomic():
        before = {"name": category.name, "slug": category.slug, "parent": category.parent_id}
        if "name" in changes:
            category.name = changes["name"].strip()[:200]
        if "description" in changes:
            category.description = (changes["description"] or "").strip()
        if "parent" in changes:
            category.parent = changes["parent"]
        if "slug" in changes:
            wanted = _clean_slug(changes["slug"], category.name, "category")
            if wanted != category.slug:
                category.slug = unique_slug(
                    wanted, Category.objects.filter(workspace=workspace).exclude(pk=category.pk)
                )
        category.save()
        after = {"name": category.name, "slug": category.slug, "parent": category.parent_id}
        record(
            workspace,
            actor,
            AuditVerb.SPACE_CATEGORY_UPDATE,
            category,
            {k: [before[k], after[k]] for k in before if before[k] != after[k]},
        )
    _on_commit_bump(workspace)
    return category


def do_delete_category(category: Category, *, actor: Actor) -> None:
    """Delete a category; its children move up to its parent, its posts simply lose it."""
    workspace = category.workspace
    require(actor, workspace, "space.taxonomy.edit")
    with transaction.atomic():
        Category.objects.filter(parent=category).update(parent=category.parent)
        post_ids = list(category.posts.values_list("pk", flat=True))
        record(
            workspace,
            actor,
            AuditVerb.SPACE_CATEGORY_DELETE,
            category,
            {"name": category.name, "slug": category.slug, "posts": len(post_ids)},
        )
        category.delete()
    _on_commit_bump(workspace)


def _new_tag(workspace: Workspace, name: str, slug: str = "", description: str = "") -> Tag:
    name = (name or "").strip()
    if not name:
        raise ActionError("a tag needs a name")
    slug = unique_slug(_clean_slug(slug, name, "tag"), Tag.objects.filter(workspace=workspace))
    return Tag.objects.create(workspace=workspace, name=name[:200], slug=slug, description=description.strip())


def do_create_tag(workspace: Workspace, *, actor: Actor, name: str, slug: str = "", description: str = "") -> Tag:
    require(actor, workspace, "space.taxonomy.edit")
    if tag_named(workspace, name):
        raise ActionError(f"the tag « {name.strip()} » already exists")
    with transaction.atomic():
        tag = _new_tag(workspace, name, slug, description)
        record(workspace, actor, AuditVerb.SPACE_TAG_CREATE, tag, {"name": tag.name, "slug": tag.slug})
    _on_commit_bump(workspace)
    return tag


def do_update_tag(
    tag: Tag,
    *,
    actor: Actor,
    name: str | None = None,
    slug: str | None = None,
    description: str | None = None,
) -> Tag:
    workspace = tag.workspace
    require(actor, workspace, "space.taxonomy.edit")
    if name is not None:
        if not name.strip():
            raise ActionError("a tag needs a name")
        same = tag_named(workspace, name)
        if same is not None and same.pk != tag.pk:
            raise ActionError(f"the tag « {name.strip()} » already exists")
    with transaction.atomic():
        if name is not None:
            tag.name = name.strip()[:200]
        if description is not None:
            tag.description = description.strip()
        if slug is not None:
            wanted = _clean_slug(slug, tag.name, "tag")
            if wanted != tag.slug:
                tag.slug = unique_slug(wanted, Tag.objects.filter(workspace=workspace).exclude(pk=tag.pk))
        tag.save()
        record(workspace, actor, AuditVerb.SPACE_TAG_UPDATE, tag, {"name": tag.name, "slug": tag.slug})
    _on_commit_bump(workspace)
    return tag


def do_delete_tag(tag: Tag, *, actor: Actor) -> None:
    workspace = tag.workspace
    require(actor, workspace, "space.taxonomy.edit")
    with transaction.atomic():
        record(workspace, actor, AuditVerb.SPACE_TAG_DELETE, tag, {"name": tag.name, "slug": tag.slug})
        tag.delete()
    _on_commit_bump(workspace)


def split_tag_names(text: str) -> list[str]:
    """« café, Réseaux sociaux ,, café » → ["café", "Réseaux sociaux"] (order kept, duplicates dropped)."""
    names: list[str] = []
    seen: set[str] = set()
    for part in (text or "").split(","):
        name = " ".join(part.split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name[:200])
    return names


def tag_named(workspace: Workspace, name: str) -> Tag | None:
    """The workspace's tag of that name, whatever its case and accents' case (« été » is « Été »)."""
    name = " ".join((name or "").split())
    folded = name.casefold()
    # SQLite compares only ASCII letters without case: fetch the few candidates and compare here.
    candidates = Tag.objects.filter(workspace=workspace).filter(
        Q(name__iexact=name) | Q(slug__startswith=slug_from(name, "tag"))
    )
    return next((tag for tag in candidates if tag.name.casefold() == folded), None)


def _tags_from(workspace: Workspace, values: Iterable[Tag | str]) -> tuple[list[Tag], list[str]]:
    """Tags given as objects or names; names not yet known become new tags. Returns (tags, created names)."""
    tags: list[Tag] = []
    created: list[str] = []
    for value in values:
        tag: Tag | None
        if isinstance(value, Tag):
            _check_same_workspace(workspace, [value], "tag")
            tag = value
        else:
            name = " ".join(str(value).split())
            if not name:
                continue
            tag = (
                tag_named(workspace, name)
                or Tag.objects.filter(workspace=workspace, slug=slug_from(name, "tag")).first()
            )
            if tag is None:
                tag = _new_tag(workspace, name)
                created.append(tag.name)
        if tag.pk not in {t.pk for t in tags}:
            tags.append(tag)
    return tags, created


# ---------------------------------------------------------------- posts and pages


def _resolve_status(
    status: str, published_at: datetime | None, previous: datetime | None, now: datetime
) -> tuple[str, datetime | None]:
    """The status and publication time to store, or an ActionError naming what is wrong."""
    if status not in EDITABLE_STATUSES:
        raise ActionError(f"unknown status {status!r}")
    if status == PostStatus.SCHEDULED:
        when = published_at
        if when is None:
            raise ActionError("a scheduled post needs a publication time")
        if when <= now:
            raise ActionError("the scheduled time must be in the future")
        return status, when
    if status == PostStatus.PUBLISHED:
        when = published_at or previous or now
        # A publication time still to come is a schedule, as WordPress does it.
        return (PostStatus.SCHEDULED, when) if when > now else (status, when)
    if status == PostStatus.PRIVATE:
        return status, published_at or previous or now
    return status, published_at


def _validate_post_fields(workspace: Workspace, post: Post, fields: dict[str, Any]) -> None:
    unknown = set(fields) - POST_FIELDS
    if unknown:
        raise ActionError(f"unknown post fields: {', '.join(sorted(unknown))}")
    if "title" in fields and not (fields["title"] or "").strip():
        raise ActionError("a title is required")
    if "type" in fields and fields["type"] not in (PostType.POST, PostType.PAGE):
        raise ActionError(f"unknown post type {fields['type']!r}")
    if "body_format" in fields and fields["body_format"] not in BodyFormat.values:
        raise ActionError(f"unknown body format {fields['body_format']!r}")
    _check_same_workspace(workspace, [fields.get("author"), fields.get("parent")], "author or parent")
    _check_same_workspace(workspace, list(fields.get("categories") or []), "category")
    parent = fields.get("parent")
    if parent is not None:
        if parent.type != PostType.PAGE:
            raise ActionError("the parent of a page must be a page")
        node, seen = parent, set()
        while node is not None and node.pk not in seen:
            if post.pk is not None and node.pk == post.pk:
                raise ActionError("a page cannot be placed under itself or one of its sub-pages")
            seen.add(node.pk)
            node = node.parent


def _apply(post: Post, fields: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Set the scalar fields on the post; returns the relations to set once it has a primary key."""
    workspace = post.workspace
    relations: dict[str, Any] = {k: fields.pop(k) for k in ("categories", "tags") if k in fields}
    status = fields.pop("status", post.status)
    published_at = fields.pop("published_at", post.published_at)
    slug = fields.pop("slug", None)
    for field, value in fields.items():
        setattr(post, field, value.strip() if field == "title" else value)
    post.title = post.title[:500]
    post.status, post.published_at = _resolve_status(status, published_at, post.published_at, now)
    if slug is not None or not post.slug:
        wanted = _clean_slug(slug, post.title, post.type)
        if wanted != post.slug:
            taken = Post.objects.filter(workspace=workspace, type=post.type)
            if post.pk is not None:
                taken = taken.exclude(pk=post.pk)
            post.slug = unique_slug(wanted, taken)
    if post.type != PostType.PAGE:
        post.parent = None
    post.modified_at = now
    post.render()
    return relations


def _after_post_change(post: Post, *, was_public: bool) -> None:
    """Inside the transaction: the post's stream message and its search entry; then the page cache."""
    from animateur.space.search import index_posts
    from animateur.space.threads import sync_post_message

    post.message = sync_post_message(post)
    index_posts([post.pk])
    if was_public or post.status == PostStatus.PUBLISHED:
        _on_commit_bump(post.workspace)
    if post.status == PostStatus.SCHEDULED and post.published_at is not None:
        when, pk = post.published_at, post.pk
        transaction.on_commit(lambda: _enqueue_publication(pk, when))


def _enqueue_publication(post_id: int, when: datetime) -> None:
    from animateur.space.tasks import publish_scheduled_post

    publish_scheduled_post.schedule(args=(post_id,), eta=when)


def _require_status_change(actor: Actor, workspace: Workspace, before: str | None, after: str) -> None:
    if after in PUBLISHING_STATUSES and after != before:
        require(actor, workspace, "space.post.publish")
    if before in PUBLISHING_STATUSES and after != before:
        require(actor, workspace, "space.post.publish")


def do_create_post(workspace: Workspace, *, actor: Actor, **fields: Any) -> Post:
    """A new post or page (`type="page"`); tags may be given as names, created on the fly.

    Without an author, a team member signs as the author linked to their account (created if needed).
    """
    require(actor, workspace, "space.post.write")
    fields.setdefault("type", PostType.POST)
    fields.setdefault("status", PostStatus.DRAFT)
    if "title" not in fields:
        raise ActionError("a title is required")
    post = Post(workspace=workspace, type=fields["type"])
    _validate_post_fields(workspace, post, fields)
    _require_status_change(actor, workspace, None, fields["status"])
    now = timezone.now()
    with transaction.atomic():
        created_author = False
        if fields.get("author") is None and isinstance(actor, User):
            author = author_for_user(workspace, actor)
            if author is None:
                author, created_author = (
                    _new_author(workspace, actor.name, user=actor, email=actor.email),
                    True,
                )
            fields["author"] = author
        post.created_at = now
        relations = _apply(post, fields, now)
        post.save()
        created_tags = _set_relations(post, relations)
        record(
            workspace,
            actor,
            AuditVerb.SPACE_POST_CREATE,
            post,
            {
                "type": post.type,
                "title": post.title,
                "slug": post.slug,
                "status": post.status,
                "published_at": post.published_at.isoformat() if post.published_at else None,
                **({"created_tags": created_tags} if created_tags else {}),
                **({"created_author": post.author.slug} if created_author and post.author else {}),
            },
        )
        _after_post_change(post, was_public=False)
    return post


def _set_relations(post: Post, relations: dict[str, Any]) -> list[str]:
    created: list[str] = []
    if "categories" in relations:
        post.categories.set(list(relations["categories"] or []))
    if "tags" in relations:
        tags, created = _tags_from(post.workspace, relations["tags"] or [])
        post.tags.set(tags)
    return created


def do_update_post(post: Post, *, actor: Actor, **changes: Any) -> Post:
    """Change a post; only what is in `changes` is touched. Status changes check the publish permission."""
    workspace = post.workspace
    require(actor, workspace, "space.post.write")
    if post.status == PostStatus.TRASH and changes.get("status", PostStatus.TRASH) == PostStatus.TRASH:
        raise ActionError("this post is in the trash: restore it first")
    _validate_post_fields(workspace, post, changes)
    before_status = post.status
    _require_status_change(actor, workspace, before_status, changes.get("status", before_status))
    was_public = before_status == PostStatus.PUBLISHED
    now = timezone.now()
    with transaction.atomic():
        before = {
            "title": post.title,
            "slug": post.slug,
            "status": post.status,
            "published_at": post.published_at.isoformat() if post.published_at else None,
        }
        relations = _apply(post, dict(changes), now)
        post.save()
        created_tags = _set_relations(post, relations)
        after = {
            "title": post.title,
            "slug": post.slug,
            "status": post.status,
            "published_at": post.published_at.isoformat() if post.published_at else None,
        }
        data: dict[str, Any] = {"fields": sorted(changes)}
        data.update({k: [before[k], after[k]] for k in before if before[k] != after[k]})
        if created_tags:
            data["created_tags"] = created_tags
        record(workspace, actor, AuditVerb.SPACE_POST_UPDATE, post, data)
        _after_post_change(post, was_public=was_public)
    return post


def _set_status(
    post: Post,
    status: str,
    *,
    actor: Actor,
    verb: AuditVerb,
    permission: str,
    published_at: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> Post:
    workspace = post.workspace
    require(actor, workspace, permission)
    was_public = post.status == PostStatus.PUBLISHED
    now = timezone.now()
    with transaction.atomic():
        before = post.status
        if status == PostStatus.TRASH:
            post.status = status
        elif status == PostStatus.DRAFT:
            post.status = status
            # A draft has no publication time unless it was once published: its date stays for its URL.
            if before == PostStatus.SCHEDULED:
                post.published_at = None
        else:
            post.status, post.published_at = _resolve_status(status, published_at, post.published_at, now)
        post.modified_at = now
        post.render()
        post.save()
        record(
            workspace,
            actor,
            verb,
            post,
            {
                "from": before,
                "to": post.status,
                "title": post.title,
                "published_at": post.published_at.isoformat() if post.published_at else None,
                **(data or {}),
            },
        )
        _after_post_change(post, was_public=was_public)
    return post


def do_publish_post(post: Post, *, actor: Actor, published_at: datetime | None = None) -> Post:
    """Put the post on the public site now (or at `published_at` if it is in the past)."""
    if post.status == PostStatus.TRASH:
        raise ActionError("this post is in the trash: restore it first")
    if published_at is not None and published_at > timezone.now():
        raise ActionError("a publication time in the future is a schedule: use do_schedule_post")
    return _set_status(
        post,
        PostStatus.PUBLISHED,
        actor=actor,
        verb=AuditVerb.SPACE_POST_PUBLISH,
        permission="space.post.publish",
        published_at=published_at,
    )


def do_schedule_post(post: Post, when: datetime, *, actor: Actor) -> Post:
    """Publish the post at `when` (in the future), through the task queue."""
    if post.status == PostStatus.TRASH:
        raise ActionError("this post is in the trash: restore it first")
    return _set_status(
        post,
        PostStatus.SCHEDULED,
        actor=actor,
        verb=AuditVerb.SPACE_POST_SCHEDULE,
        permission="space.post.publish",
        published_at=when,
    )


def do_unpublish_post(post: Post, *, actor: Actor) -> Post:
    """Back to draft: the post leaves the public site (and a pending schedule is cancelled)."""
    return _set_status(
        post, PostStatus.DRAFT, actor=actor, verb=AuditVerb.SPACE_POST_UNPUBLISH, permission="space.post.publish"
    )


def do_trash_post(post: Post, *, actor: Actor) -> Post:
    if post.status == PostStatus.TRASH:
        return post
    permission = "space.post.publish" if post.status in PUBLISHING_STATUSES else "space.post.write"
    return _set_status(post, PostStatus.TRASH, actor=actor, verb=AuditVerb.SPACE_POST_TRASH, permission=permission)


def do_restore_post(post: Post, *, actor: Actor) -> Post:
    """Out of the trash, as a draft."""
    if post.status != PostStatus.TRASH:
        raise ActionError("this post is not in the trash")
    return _set_status(post, PostStatus.DRAFT, actor=actor, verb=AuditVerb.SPACE_POST_RESTORE, permission="space.post.write")


def do_approve_post(post: Post, *, actor: Actor, note: str = "") -> Post:
    """A client (guest) or a manager approves the post as it stands; who and when is kept on the post."""
    workspace = post.workspace
    require(actor, workspace, "space.post.approve")
    if post.status == PostStatus.TRASH:
        raise ActionError("this post is in the trash")
    now = timezone.now()
    with transaction.atomic():
        approval = {
            "by": actor_label(actor),
            "user_id": actor.pk if isinstance(actor, User) else None,
            "name": actor.name if isinstance(actor, User) else str(actor),
            "at": now.isoformat(),
            # The version approved: an edit after this time means the approval is for an older text.
            "modified_at": post.modified_at.isoformat(),
            "note": (note or "").strip()[:2000],
        }
        extra = dict(post.extra or {})
        extra["approval"] = approval
        Post.objects.filter(pk=post.pk).update(extra=extra)
        post.extra = extra
        record(
            workspace,
            actor,
            AuditVerb.SPACE_POST_APPROVE,
            post,
            {"title": post.title, "note": approval["note"], "modified_at": approval["modified_at"]},
        )
    return post


def approval_of(post: Post) -> dict[str, Any] | None:
    """The post's approval, with `outdated` set when the post was edited after it."""
    approval = (post.extra or {}).get("approval")
    if not isinstance(approval, dict):
        return None
    result = dict(approval)
    try:
        approved_version = datetime.fromisoformat(approval.get("modified_at", ""))
        result["outdated"] = post.modified_at > approved_version
    except (TypeError, ValueError):
        result["outdated"] = False
    try:
        result["at_time"] = datetime.fromisoformat(approval.get("at", ""))
    except (TypeError, ValueError):
        result["at_time"] = None
    return result


SCHEDULER = SystemActor("scheduler")
