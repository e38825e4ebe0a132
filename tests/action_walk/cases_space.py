"""How to call the actions of the community space: posts and pages, categories, tags, authors, comments."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from animateur.space.actions.approval import do_approve_post
from animateur.space.actions.authors import do_create_author, do_update_author
from animateur.space.actions.posts import do_create_post, do_update_post
from animateur.space.actions.publication import (
    do_publish_due_post,
    do_publish_post,
    do_restore_post,
    do_schedule_post,
    do_trash_post,
    do_unpublish_post,
)
from animateur.space.actions.taxonomy import (
    do_create_category,
    do_create_tag,
    do_delete_category,
    do_delete_tag,
    do_update_category,
    do_update_tag,
)
from animateur.space.comments import do_reply_as_organisation, receive_comment
from animateur.space.models import Post, PostStatus
from tests.action_walk.registry import Call, World, case


def _draft(w: World, title: str = "Un brouillon") -> Post:
    return do_create_post(w.workspace, actor=w.owner, title=title, body="Bonjour **tout le monde**")


def _published(w: World, title: str = "Un article") -> Post:
    return do_create_post(w.workspace, actor=w.owner, title=title, body="Bonjour.", status=PostStatus.PUBLISHED)


@case("do_create_post")
def _create_post(w: World) -> Call:
    # The first post of a team member also creates the author they sign as, and tags given by name.
    return lambda: do_create_post(
        w.workspace, actor=w.owner, title="Bienvenue", body="Bonjour", tags=["café", "réseaux"]
    )


@case("do_update_post")
def _update_post(w: World) -> Call:
    post = _draft(w)
    return lambda: do_update_post(post, actor=w.owner, title="Bienvenue à tous", tags=["nouveau"])


@case("do_publish_post")
def _publish_post(w: World) -> Call:
    post = _draft(w)
    return lambda: do_publish_post(post, actor=w.owner)


@case("do_publish_due_post")
def _publish_due_post(w: World) -> Call:
    post = _draft(w)
    do_schedule_post(post, timezone.now() + timedelta(hours=1), actor=w.owner)
    return lambda: do_publish_due_post(post.pk, now=timezone.now() + timedelta(hours=2))


@case("do_schedule_post")
def _schedule_post(w: World) -> Call:
    post = _draft(w)
    return lambda: do_schedule_post(post, timezone.now() + timedelta(days=2), actor=w.owner)


@case("do_unpublish_post")
def _unpublish_post(w: World) -> Call:
    post = _published(w)
    return lambda: do_unpublish_post(post, actor=w.owner)


@case("do_trash_post")
def _trash_post(w: World) -> Call:
    post = _published(w)
    return lambda: do_trash_post(post, actor=w.owner)


@case("do_restore_post")
def _restore_post(w: World) -> Call:
    post = do_trash_post(_draft(w), actor=w.owner)
    return lambda: do_restore_post(post, actor=w.owner)


@case("do_approve_post")
def _approve_post(w: World) -> Call:
    post = _draft(w)
    return lambda: do_approve_post(post, actor=w.owner, note="Parfait pour nous.")


@case("do_create_author")
def _create_author(w: World) -> Call:
    return lambda: do_create_author(w.workspace, actor=w.owner, display_name="Sylvain Guéguen", bio="Rédacteur")


@case("do_update_author")
def _update_author(w: World) -> Call:
    author = do_create_author(w.workspace, actor=w.owner, display_name="Sylvain Guéguen")
    return lambda: do_update_author(author, actor=w.owner, display_name="Sylvain G.", slug="sylvain")


@case("do_create_category")
def _create_category(w: World) -> Call:
    parent = do_create_category(w.workspace, actor=w.owner, name="Réseaux")
    return lambda: do_create_category(w.workspace, actor=w.owner, name="Mastodon", parent=parent)


@case("do_update_category")
def _update_category(w: World) -> Call:
    category = do_create_category(w.workspace, actor=w.owner, name="Réseaux")
    return lambda: do_update_category(category, actor=w.owner, name="Réseaux sociaux", description="Tous")


@case("do_delete_category")
def _delete_category(w: World) -> Call:
    parent = do_create_category(w.workspace, actor=w.owner, name="Réseaux")
    category = do_create_category(w.workspace, actor=w.owner, name="Mastodon", parent=parent)
    do_create_category(w.workspace, actor=w.owner, name="Instances", parent=category)
    do_create_post(w.workspace, actor=w.owner, title="Sur Mastodon", categories=[category])
    return lambda: do_delete_category(category, actor=w.owner)


@case("do_create_tag")
def _create_tag(w: World) -> Call:
    return lambda: do_create_tag(w.workspace, actor=w.owner, name="Été")


@case("do_update_tag")
def _update_tag(w: World) -> Call:
    tag = do_create_tag(w.workspace, actor=w.owner, name="Été")
    return lambda: do_update_tag(tag, actor=w.owner, name="Été 2026", slug="ete-2026")


@case("do_delete_tag")
def _delete_tag(w: World) -> Call:
    tag = do_create_tag(w.workspace, actor=w.owner, name="Été")
    return lambda: do_delete_tag(tag, actor=w.owner)


@case("do_reply_as_organisation")
def _reply_as_organisation(w: World) -> Call:
    # A visitor's comment opened a conversation: the answer also stops its response clock, still one event.
    post = _published(w)
    form = {"name": "Ana", "email": "ana@example.org", "url": "", "text": "Merci pour l’article !"}
    comment = receive_comment(post, form, "203.0.113.5", "Firefox").message
    assert comment is not None
    return lambda: do_reply_as_organisation(comment, "Merci de votre lecture.", actor=w.owner)
