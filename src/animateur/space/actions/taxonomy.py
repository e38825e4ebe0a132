"""Categories (a tree) and tags (flat) that sort the space's posts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict, Unpack

from django.db import transaction
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import Workspace
from animateur.space.actions.common import check_same_workspace, expire_pages_on_commit
from animateur.space.models import Category, Tag
from animateur.space.names import clean_slug, slug_from, unique_slug
from animateur.space.selectors import tag_named


class CategoryCycleError(ActionError):
    """The chosen parent category is the category itself or lies inside it."""


class CategoryChanges(TypedDict, total=False):
    """What do_update_category may change; a missing key is left as it is."""

    name: str
    slug: str
    parent: Category | None
    description: str


def _name_or_error(name: str | None, error: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ActionError(error)
    return name


def _check_parent(category: Category | None, parent: Category | None) -> None:
    """Refuse a parent that is the category itself or one of its descendants (a cycle)."""
    if parent is None or category is None or category.pk is None:
        return
    node: Category | None = parent
    seen: set[int] = set()
    while node is not None and node.pk not in seen:
        if node.pk == category.pk:
            if parent.pk == category.pk:
                raise CategoryCycleError(
                    _("The category « %(name)s » cannot be its own parent.") % {"name": category.name}
                )
            raise CategoryCycleError(
                _("The category « %(name)s » cannot be placed under « %(parent)s », which is inside it.")
                % {"name": category.name, "parent": parent.name}
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
    name = _name_or_error(name, _("A category needs a name."))
    check_same_workspace(workspace, [parent])
    with transaction.atomic(durable=True):
        slug = unique_slug(clean_slug(slug, name, "category"), Category.objects.filter(workspace=workspace))
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
    expire_pages_on_commit(workspace)
    return category


def do_update_category(category: Category, *, actor: Actor, **changes: Unpack[CategoryChanges]) -> Category:
    """Change a category; only the fields given are touched."""
    workspace = category.workspace
    require(actor, workspace, "space.taxonomy.edit")
    unknown = set(changes) - set(CategoryChanges.__annotations__)
    if unknown:
        raise ActionError(_("Unknown category fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    if "name" in changes:
        _name_or_error(changes["name"], _("A category needs a name."))
    if "parent" in changes:
        check_same_workspace(workspace, [changes["parent"]])
        _check_parent(category, changes["parent"])
    with transaction.atomic(durable=True):
        before = {"name": category.name, "slug": category.slug, "parent": category.parent_id}
        if "name" in changes:
            category.name = changes["name"].strip()[:200]
        if "description" in changes:
            category.description = (changes["description"] or "").strip()
        if "parent" in changes:
            category.parent = changes["parent"]
        if "slug" in changes:
            wanted = clean_slug(changes["slug"], category.name, "category")
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
    expire_pages_on_commit(workspace)
    return category


def do_delete_category(category: Category, *, actor: Actor) -> None:
    """Delete a category; its children move up to its parent, its posts simply lose it."""
    workspace = category.workspace
    require(actor, workspace, "space.taxonomy.edit")
    with transaction.atomic(durable=True):
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
    expire_pages_on_commit(workspace)


def new_tag(workspace: Workspace, name: str, slug: str = "", description: str = "") -> Tag:
    """The tag's row, in the caller's transaction: for do_create_tag, and for a post's new tags."""
    name = _name_or_error(name, _("A tag needs a name."))
    slug = unique_slug(clean_slug(slug, name, "tag"), Tag.objects.filter(workspace=workspace))
    return Tag.objects.create(workspace=workspace, name=name[:200], slug=slug, description=description.strip())


def _refuse_taken_name(workspace: Workspace, name: str, tag: Tag | None = None) -> None:
    same = tag_named(workspace, name)
    if same is not None and (tag is None or same.pk != tag.pk):
        raise ActionError(_("The tag « %(name)s » already exists.") % {"name": name.strip()})


def do_create_tag(workspace: Workspace, *, actor: Actor, name: str, slug: str = "", description: str = "") -> Tag:
    require(actor, workspace, "space.taxonomy.edit")
    _refuse_taken_name(workspace, name)
    with transaction.atomic(durable=True):
        tag = new_tag(workspace, name, slug, description)
        record(workspace, actor, AuditVerb.SPACE_TAG_CREATE, tag, {"name": tag.name, "slug": tag.slug})
    expire_pages_on_commit(workspace)
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
        name = _name_or_error(name, _("A tag needs a name."))
        _refuse_taken_name(workspace, name, tag)
    with transaction.atomic(durable=True):
        if name is not None:
            tag.name = name[:200]
        if description is not None:
            tag.description = description.strip()
        if slug is not None:
            wanted = clean_slug(slug, tag.name, "tag")
            if wanted != tag.slug:
                tag.slug = unique_slug(wanted, Tag.objects.filter(workspace=workspace).exclude(pk=tag.pk))
        tag.save()
        record(workspace, actor, AuditVerb.SPACE_TAG_UPDATE, tag, {"name": tag.name, "slug": tag.slug})
    expire_pages_on_commit(workspace)
    return tag


def do_delete_tag(tag: Tag, *, actor: Actor) -> None:
    workspace = tag.workspace
    require(actor, workspace, "space.taxonomy.edit")
    with transaction.atomic(durable=True):
        record(workspace, actor, AuditVerb.SPACE_TAG_DELETE, tag, {"name": tag.name, "slug": tag.slug})
        tag.delete()
    expire_pages_on_commit(workspace)


def tags_from(workspace: Workspace, values: Iterable[Tag | str]) -> tuple[list[Tag], list[str]]:
    """Tags given as objects or names; names not yet known become new tags. Returns (tags, created names)."""
    tags: list[Tag] = []
    created: list[str] = []
    for value in values:
        tag: Tag | None
        if isinstance(value, Tag):
            check_same_workspace(workspace, [value])
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
                tag = new_tag(workspace, name)
                created.append(tag.name)
        if tag.pk not in {t.pk for t in tags}:
            tags.append(tag)
    return tags, created
