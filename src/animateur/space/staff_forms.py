"""The team's forms for the community space: they validate input; the actions make the changes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from animateur.core.models import User, Workspace
from animateur.space.actions.authors import AuthorFields
from animateur.space.actions.posts import PostFields
from animateur.space.actions.taxonomy import CategoryChanges
from animateur.space.models import Author, Category, Post, PostStatus, PostType
from animateur.space.names import split_tag_names

STATUS_CHOICES = [
    (PostStatus.DRAFT, PostStatus.DRAFT.label),
    (PostStatus.PENDING, PostStatus.PENDING.label),
    (PostStatus.SCHEDULED, PostStatus.SCHEDULED.label),
    (PostStatus.PUBLISHED, PostStatus.PUBLISHED.label),
    (PostStatus.PRIVATE, PostStatus.PRIVATE.label),
]
DATETIME_INPUT = "%Y-%m-%dT%H:%M"


def category_tree(workspace: Workspace) -> list[tuple[Category, int]]:
    """Every category of the workspace with its depth, parents before their children, by name."""
    categories = list(Category.objects.filter(workspace=workspace).order_by("name"))
    by_parent: dict[int | None, list[Category]] = {}
    known = {c.pk for c in categories}
    for category in categories:
        parent = category.parent_id if category.parent_id in known else None
        by_parent.setdefault(parent, []).append(category)
    out: list[tuple[Category, int]] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for category in by_parent.get(parent, []):
            if category.pk in seen:
                continue
            seen.add(category.pk)
            out.append((category, depth))
            walk(category.pk, depth + 1)

    walk(None, 0)
    # Categories caught in a cycle (possible in imported data) are still listed, at the top level.
    out.extend((c, 0) for c in categories if c.pk not in seen)
    return out


def indented_choices(tree: list[tuple[Category, int]]) -> list[tuple[int, str]]:
    return [(c.pk, "\u2003" * depth + ("— " if depth else "") + c.name) for c, depth in tree]


class _ChoicesForm(forms.Form):
    def _choices(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field


class PostForm(_ChoicesForm):
    title = forms.CharField(label=_("Title"), max_length=500)
    slug = forms.CharField(
        label=_("Slug"),
        max_length=200,
        required=False,
        help_text=_("The last part of the address. Left empty, it is made from the title."),
    )
    author = forms.TypedChoiceField(label=_("Author"), coerce=int, required=False, empty_value=None)
    body = forms.CharField(label=_("Body"), required=False, widget=forms.Textarea(attrs={"rows": 18}))
    excerpt = forms.CharField(
        label=_("Excerpt"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown in lists of posts instead of the beginning of the body."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES)
    published_at = forms.DateTimeField(
        label=_("Publication date"),
        required=False,
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
        help_text=_("In the workspace's time zone. Required for a scheduled post; empty means now when publishing."),
    )
    categories = forms.TypedMultipleChoiceField(label=_("Categories"), coerce=int, required=False)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=2000,
        help_text=_("Separated by commas; new tags are created."),
    )
    comments_open = forms.BooleanField(label=_("Comments open"), required=False, initial=True)
    is_sticky = forms.BooleanField(label=_("Stick to the top of the home page"), required=False)
    parent = forms.TypedChoiceField(label=_("Parent page"), coerce=int, required=False, empty_value=None)
    menu_order = forms.IntegerField(
        label=_("Menu order"), required=False, initial=0, min_value=-100000, max_value=100000
    )

    def __init__(
        self, *args: Any, workspace: Workspace, post_type: str, post: Post | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.post_type = post_type
        self.post = post
        self.authors = {a.pk: a for a in Author.objects.filter(workspace=workspace)}
        self._choices("author").choices = [("", "—")] + [(a.pk, a.display_name) for a in self.authors.values()]
        self.category_tree = category_tree(workspace)
        self._choices("categories").choices = indented_choices(self.category_tree)
        if post_type == PostType.PAGE:
            pages = Post.objects.filter(workspace=workspace, type=PostType.PAGE).exclude(status=PostStatus.TRASH)
            if post is not None and post.pk:
                pages = pages.exclude(pk=post.pk)
            self.pages = {p.pk: p for p in pages.order_by("menu_order", "title")}
            self._choices("parent").choices = [("", _("(no parent)"))] + [(p.pk, p.title) for p in self.pages.values()]
            del self.fields["categories"], self.fields["tags"], self.fields["is_sticky"]
        else:
            self.pages = {}
            del self.fields["parent"], self.fields["menu_order"]

    @classmethod
    def initial_for(cls, post: Post) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "title": post.title,
            "slug": post.slug,
            "author": post.author_id,
            "body": post.body,
            "excerpt": post.excerpt,
            "status": post.status if post.status != PostStatus.TRASH else PostStatus.DRAFT,
            "published_at": timezone.localtime(post.published_at) if post.published_at else None,
            "comments_open": post.comments_open,
            "is_sticky": post.is_sticky,
            "parent": post.parent_id,
            "menu_order": post.menu_order,
        }
        if post.pk:
            initial["categories"] = list(post.categories.values_list("pk", flat=True))
            initial["tags"] = ", ".join(post.tags.values_list("name", flat=True))
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        status, when = data.get("status"), data.get("published_at")
        if status == PostStatus.SCHEDULED:
            if when is None:
                self.add_error("published_at", _("Choose when the post goes live."))
            elif when <= timezone.now():
                self.add_error("published_at", _("The scheduled time must be in the future."))
        return data

    def changes(self) -> PostFields:
        """The cleaned data as keyword arguments of do_create_post / do_update_post."""
        data = self.cleaned_data
        when = data["published_at"]
        known = self.post.published_at if self.post is not None else None
        if when is not None and known is not None and when == known.replace(second=0, microsecond=0):
            # The form shows minutes only: an unchanged field keeps the stored seconds, the audit stays quiet.
            when = known
        changes: PostFields = {
            "title": data["title"],
            "body": data["body"],
            "excerpt": data["excerpt"],
            "status": data["status"],
            "published_at": when,
            "comments_open": data["comments_open"],
            "author": self.authors.get(data["author"]) if data.get("author") else None,
        }
        if data.get("slug") or self.post is not None:
            changes["slug"] = data.get("slug") or ""
        if self.post_type == PostType.PAGE:
            changes["parent"] = self.pages.get(data["parent"]) if data.get("parent") else None
            changes["menu_order"] = data.get("menu_order") or 0
        else:
            changes["is_sticky"] = data["is_sticky"]
            wanted = set(data.get("categories") or [])
            changes["categories"] = [c for c, _depth in self.category_tree if c.pk in wanted]
            changes["tags"] = split_tag_names(data.get("tags") or "")
        return changes


class PreviewForm(forms.Form):
    body = forms.CharField(required=False)
    body_format = forms.ChoiceField(choices=[("markdown", "Markdown"), ("html", "HTML")], required=False)


class CategoryForm(_ChoicesForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.CharField(
        label=_("Slug"), max_length=200, required=False, help_text=_("Left empty, it is made from the name.")
    )
    parent = forms.TypedChoiceField(label=_("Parent category"), coerce=int, required=False, empty_value=None)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, workspace: Workspace, category: Category | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tree = category_tree(workspace)
        self.by_pk = {c.pk: c for c, _depth in self.tree}
        self._choices("parent").choices = [("", _("(none: top level)")), *indented_choices(self.tree)]
        if category is not None:
            self.initial.update(
                {
                    "name": category.name,
                    "slug": category.slug,
                    "parent": category.parent_id,
                    "description": category.description,
                }
            )

    def values(self) -> CategoryChanges:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "slug": data["slug"],
            "description": data["description"],
            "parent": self.by_pk.get(data["parent"]) if data.get("parent") else None,
        }


class TagForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.CharField(
        label=_("Slug"), max_length=200, required=False, help_text=_("Left empty, it is made from the name.")
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AuthorValues(AuthorFields):
    """What the author form gives do_create_author / do_update_author: the name, always."""

    display_name: str


class AuthorForm(_ChoicesForm):
    display_name = forms.CharField(label=_("Name shown"), max_length=200)
    slug = forms.CharField(
        label=_("Slug"), max_length=150, required=False, help_text=_("Left empty, it is made from the name.")
    )
    user = forms.TypedChoiceField(
        label=_("Team member"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("The team member who signs as this author, if any."),
    )
    email = forms.EmailField(label=_("Email"), required=False)
    url = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    bio = forms.CharField(label=_("Biography"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, workspace: Workspace, author: Author | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = {u.pk: u for u in User.objects.filter(memberships__workspace=workspace).order_by("email")}
        self._choices("user").choices = [("", "—")] + [(u.pk, f"{u.name} <{u.email}>") for u in self.members.values()]
        if author is not None:
            self.initial.update(
                {
                    "display_name": author.display_name,
                    "slug": author.slug,
                    "user": author.user_id,
                    "email": author.email,
                    "url": author.url,
                    "bio": author.bio,
                }
            )

    def values(self) -> AuthorValues:
        data = self.cleaned_data
        return {
            "display_name": data["display_name"],
            "slug": data["slug"],
            "email": data["email"],
            "url": data["url"],
            "bio": data["bio"],
            "user": self.members.get(data["user"]) if data.get("user") else None,
        }
