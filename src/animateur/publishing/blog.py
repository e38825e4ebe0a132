"""Publishing on the workspace's own blog: a published post of the community space, written with the
space's own helpers (not through its public actions: a public action never calls another one), inside
the publishing action's transaction and under its one audit event."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from animateur.core.models import User, Workspace
from animateur.publishing.models import IMAGE_EXTENSIONS, PublicationImage
from animateur.publishing.titles import TITLE_MAX, first_line, shortened
from animateur.space.actions.authors import new_author
from animateur.space.actions.posts import after_post_change
from animateur.space.models import Author, BodyFormat, Post, PostStatus, PostType
from animateur.space.names import clean_slug, unique_slug
from animateur.space.selectors import author_for_user, post_url, workspace_tz


def title_and_body(text: str) -> tuple[str, str]:
    """The post's title is the text's first line (shortened at a word); the body is the rest, or the whole
    text when it is one line."""
    first, rest = first_line(text)
    return shortened(first) or text.strip()[:TITLE_MAX], rest or text.strip()


def _author(workspace: Workspace, user: User | None) -> Author | None:
    if user is None:
        return None
    return author_for_user(workspace, user) or new_author(workspace, user.name, user=user, email=user.email)


def public_address(post: Post) -> str:
    workspace = post.workspace
    path = post_url(post, workspace_tz(workspace))
    if workspace.domain:
        return f"https://{workspace.domain}{path}"
    prefix = "" if workspace.is_default else f"/w/{workspace.slug}"
    return settings.BASE_URL.rstrip("/") + prefix + path


def image_address(image: PublicationImage) -> str:
    """Where the blog shows a publication's image (public_views.py): its unguessable key, at the address
    the app answers."""
    path = reverse("publication_image", args=(f"{image.key}{IMAGE_EXTENSIONS.get(image.content_type, '')}",))
    return settings.BASE_URL.rstrip("/") + path


def _markdown_alt(alt: str) -> str:
    return " ".join(alt.replace("[", "(").replace("]", ")").split())


def publish_post(workspace: Workspace, text: str, user: User | None, pictures: Sequence[PublicationImage] = ()) -> Post:
    """A published post made of `text`, its images after it (each with its alt text), in the caller's
    transaction (its stream message and search entry included, the public pages' cache expired on commit)."""
    title, body = title_and_body(text)
    if pictures:
        body = "\n\n".join([body, *(f"![{_markdown_alt(p.alt)}]({image_address(p)})" for p in pictures)])
    now = timezone.now()
    post = Post(
        workspace=workspace,
        type=PostType.POST,
        title=title[:500],
        body=body,
        body_format=BodyFormat.MARKDOWN,
        status=PostStatus.PUBLISHED,
        published_at=now,
        created_at=now,
        modified_at=now,
        author=_author(workspace, user),
    )
    post.slug = unique_slug(clean_slug("", post.title, "post"), Post.objects.filter(workspace=workspace, type="post"))
    post.render()
    post.save()
    after_post_change(post, was_public=False)
    return post
