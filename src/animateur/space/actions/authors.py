"""Authors: who signs the space's posts, a team member or someone without an account."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict, Unpack

from django.db import transaction
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import User, Workspace
from animateur.space.actions.common import expire_pages_on_commit
from animateur.space.models import Author
from animateur.space.names import clean_slug, unique_slug

AUTHOR_SLUG_MAX = 150


class AuthorFields(TypedDict, total=False):
    """What an author has besides their name; a missing key is left as it is (or empty, for a new one)."""

    slug: str
    user: User | None
    email: str
    url: str
    bio: str
    first_name: str
    last_name: str


class AuthorChanges(AuthorFields, total=False):
    display_name: str


AUTHOR_FIELDS = frozenset(AuthorChanges.__annotations__)


def _check_fields(given: Mapping[str, object]) -> None:
    # Typed callers cannot pass another key; a dict built at run time still could.
    unknown = set(given) - AUTHOR_FIELDS
    if unknown:
        raise ActionError(_("Unknown author fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})


def _name_or_error(display_name: str | None) -> str:
    display_name = (display_name or "").strip()
    if not display_name:
        raise ActionError(_("An author needs a name."))
    return display_name


def check_author_user(workspace: Workspace, user: User | None, author: Author | None = None) -> None:
    """The team member an author is linked to must belong to the workspace and sign as no one else."""
    if user is None:
        return
    if user.role_in(workspace) is None:
        raise ActionError(_("The linked team member is not a member of this workspace."))
    clash = Author.objects.filter(workspace=workspace, user=user)
    if author is not None:
        clash = clash.exclude(pk=author.pk)
    if clash.exists():
        raise ActionError(_("%(user)s already signs as another author.") % {"user": user})


def new_author(workspace: Workspace, display_name: str, **fields: Unpack[AuthorFields]) -> Author:
    """The author's row, in the caller's transaction: for do_create_author, and for a team member's
    first post (who then signs as an author of their own)."""
    display_name = _name_or_error(display_name)
    values: dict[str, Any] = dict(fields)
    taken = Author.objects.filter(workspace=workspace)
    slug = unique_slug(clean_slug(values.pop("slug", ""), display_name, "author"), taken, max_length=AUTHOR_SLUG_MAX)
    return Author.objects.create(workspace=workspace, display_name=display_name[:200], slug=slug, login=slug, **values)


def do_create_author(
    workspace: Workspace, *, actor: Actor, display_name: str, **fields: Unpack[AuthorFields]
) -> Author:
    """A new author who can sign posts, optionally linked to a team member's account."""
    require(actor, workspace, "space.post.write")
    _check_fields(fields)
    _name_or_error(display_name)
    check_author_user(workspace, fields.get("user"))
    with transaction.atomic(durable=True):
        author = new_author(workspace, display_name, **fields)
        record(
            workspace,
            actor,
            AuditVerb.SPACE_AUTHOR_CREATE,
            author,
            {"name": author.display_name, "slug": author.slug},
        )
    expire_pages_on_commit(workspace)
    return author


def do_update_author(author: Author, *, actor: Actor, **changes: Unpack[AuthorChanges]) -> Author:
    """Change an author; only the fields given are touched."""
    workspace = author.workspace
    require(actor, workspace, "space.post.write")
    _check_fields(changes)
    if "display_name" in changes:
        _name_or_error(changes["display_name"])
    if "user" in changes:
        check_author_user(workspace, changes["user"], author)
    values: dict[str, Any] = dict(changes)
    with transaction.atomic(durable=True):
        if "slug" in values:
            wanted = clean_slug(values.pop("slug"), values.get("display_name") or author.display_name, "author")
            if wanted != author.slug:
                author.slug = unique_slug(
                    wanted,
                    Author.objects.filter(workspace=workspace).exclude(pk=author.pk),
                    max_length=AUTHOR_SLUG_MAX,
                )
        for field, value in values.items():
            setattr(author, field, value.strip() if isinstance(value, str) else value)
        author.save()
        record(
            workspace,
            actor,
            AuditVerb.SPACE_AUTHOR_UPDATE,
            author,
            {"fields": sorted(set(changes) | {"slug"}), "name": author.display_name},
        )
    expire_pages_on_commit(workspace)
    return author
