"""The community space: posts, pages, categories, tags and their authors.

Comments are not stored here: they are Messages of the workspace's site channel
(see animateur.stream), replying to the Message that stands for the post.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from animateur.core.models import Workspace


class Author(models.Model):
    """Who signs posts; may be a team member's user, or an imported author with no account."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="authors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    login = models.CharField(max_length=150, help_text="WordPress author_login, kept for export")
    slug = models.SlugField(max_length=150)
    display_name = models.CharField(max_length=200)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    url = models.URLField(blank=True)
    bio = models.TextField(blank=True)
    import_key = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "slug"], name="author_slug_per_workspace"),
            models.UniqueConstraint(fields=["workspace", "login"], name="author_login_per_workspace"),
        ]
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name


class Category(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, allow_unicode=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    description = models.TextField(blank=True)
    import_key = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "slug"], name="category_slug_per_workspace")]
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list[Category]:
        chain, node, seen = [], self.parent, {self.pk}
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return list(reversed(chain))


class Tag(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, allow_unicode=True)
    description = models.TextField(blank=True)
    import_key = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "slug"], name="tag_slug_per_workspace")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PostType(models.TextChoices):
    POST = "post", _("Post")
    PAGE = "page", _("Page")
    ATTACHMENT = "attachment", _("Attachment")


class PostStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Awaiting approval")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    PRIVATE = "private", _("Private")
    TRASH = "trash", _("Trash")


class BodyFormat(models.TextChoices):
    MARKDOWN = "markdown", "Markdown"
    HTML = "html", "HTML"


class Post(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="posts")
    type = models.CharField(max_length=20, choices=PostType.choices, default=PostType.POST)
    title = models.CharField(_("title"), max_length=500)
    slug = models.SlugField(_("slug"), max_length=200, allow_unicode=True)
    author = models.ForeignKey(Author, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts")
    body = models.TextField(_("body"), blank=True)
    body_format = models.CharField(max_length=10, choices=BodyFormat.choices, default=BodyFormat.MARKDOWN)
    excerpt = models.TextField(_("excerpt"), blank=True)
    # Rendered, sanitized HTML: computed on save so that pages never render Markdown per request.
    body_html = models.TextField(blank=True, editable=False)
    teaser_html = models.TextField(blank=True, editable=False)
    has_more = models.BooleanField(default=False, editable=False)
    more_label = models.CharField(max_length=200, blank=True, editable=False)
    status = models.CharField(max_length=20, choices=PostStatus.choices, default=PostStatus.DRAFT)
    published_at = models.DateTimeField(_("publication date"), null=True, blank=True)
    modified_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    categories = models.ManyToManyField(Category, blank=True, related_name="posts")
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    menu_order = models.IntegerField(default=0)
    comments_open = models.BooleanField(_("comments open"), default=True)
    is_sticky = models.BooleanField(default=False)
    comment_count = models.PositiveIntegerField(default=0, editable=False, help_text="visible comments")
    # The post as a message of the site channel: comments reply to it.
    message = models.OneToOneField(
        "stream.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="space_post"
    )
    attachment_url = models.URLField(max_length=1000, blank=True)
    import_key = models.CharField(max_length=100, blank=True)
    # What a WordPress export carried that animateur has no column for (postmeta, guid, ...), kept for export.
    extra = models.JSONField(default=dict, blank=True)
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "type", "slug"], name="post_slug_per_workspace_and_type"),
        ]
        indexes = [
            models.Index(fields=["workspace", "type", "status", "-published_at"]),
            models.Index(fields=["workspace", "import_key"]),
        ]
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status == PostStatus.PUBLISHED and self.published_at is not None

    def render(self) -> None:
        """Compute the stored HTML (body, teaser up to the « more » marker) and the search text.

        Called by every action that changes the body, before saving.
        """
        from animateur.core.html import render_body, split_more, text_of

        self.body_html = render_body(self.body, self.body_format)
        before_more, label = split_more(self.body)
        self.has_more = before_more != self.body
        self.more_label = (label or "")[:200]
        if self.excerpt.strip():
            self.teaser_html = render_body(self.excerpt, self.body_format)
        elif self.has_more:
            self.teaser_html = render_body(before_more, self.body_format)
        else:
            self.teaser_html = self.body_html
        self.search_text = " ".join(
            part for part in (self.title, text_of(self.body_html), text_of(self.excerpt)) if part
        )


class ListingVersion(models.Model):
    """Bumped with the content version by every change of posts, pages, categories, tags or authors.

    Comments bump only the content version. The sidebar's counts of posts (by category, tag and
    month) are cached on this one, so that the comments of a busy site do not make every process
    count the posts again each time (see space/versions.py).
    """

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, primary_key=True, related_name="+")
    version = models.PositiveBigIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.workspace_id}: {self.version}"
