"""Scheduled posts go live at their time through the task queue, also after the server was down."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from animateur.core.actions import ActionError, SystemActor
from animateur.core.models import AuditEvent
from animateur.space.actions.posts import do_create_post, do_update_post
from animateur.space.actions.publication import do_schedule_post, do_trash_post, do_unpublish_post
from animateur.space.models import Post, PostStatus
from animateur.space.selectors import post_url
from animateur.space.tasks import (
    publish_due_posts,
    publish_due_posts_now,
    publish_if_due,
    publish_scheduled_post,
)
from animateur.stream.models import Visibility

SYSTEM = SystemActor("tests")


def schedule(workspace, title: str, in_: timedelta) -> Post:
    return do_create_post(
        workspace,
        actor=SYSTEM,
        title=title,
        body="Texte",
        status=PostStatus.SCHEDULED,
        published_at=timezone.now() + in_,
    )


def time_passes(post: Post, ago: timedelta) -> None:
    """Move the post's time into the past, as if the clock had run while nothing was running."""
    Post.objects.filter(pk=post.pk).update(published_at=timezone.now() - ago)


def test_a_scheduled_post_is_not_public_before_its_time(workspace):
    post = schedule(workspace, "Bientôt", timedelta(hours=2))
    assert publish_due_posts_now() == 0
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED
    assert post.message.visibility == Visibility.HIDDEN
    assert Client().get(post_url(post)).status_code == 404


def test_a_post_whose_time_passed_while_the_server_was_down_goes_live_at_start_up(workspace):
    post = schedule(workspace, "Pendant la panne", timedelta(minutes=5))
    later = schedule(workspace, "Demain", timedelta(days=1))
    time_passes(post, timedelta(hours=3))
    scheduled_for = Post.objects.get(pk=post.pk).published_at
    assert publish_due_posts_now() == 1
    post.refresh_from_db()
    later.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert post.published_at == scheduled_for  # its date is the one announced, not the restart time
    assert post.message.visibility == Visibility.VISIBLE
    assert Client().get(post_url(post)).status_code == 200
    assert later.status == PostStatus.SCHEDULED
    event = AuditEvent.objects.get(verb="space.post.publish", target_id=str(post.pk))
    assert event.actor == "system:scheduler" and event.data["from"] == PostStatus.SCHEDULED


def test_the_periodic_task_publishes_what_is_due_and_nothing_twice(workspace):
    post = schedule(workspace, "Périodique", timedelta(minutes=1))
    time_passes(post, timedelta(seconds=1))
    assert publish_due_posts.call_local() == 1
    assert publish_due_posts.call_local() == 0
    assert AuditEvent.objects.filter(verb="space.post.publish", target_id=str(post.pk)).count() == 1


def test_scheduling_enqueues_a_task_for_the_post_time(workspace, django_capture_on_commit_callbacks, settings):
    from huey.contrib.djhuey import HUEY

    HUEY.flush()
    when = timezone.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        post = do_create_post(workspace, actor=SYSTEM, title="Minuté", status=PostStatus.SCHEDULED, published_at=when)
    pending = [t for t in HUEY.scheduled() if t.name.endswith("publish_scheduled_post")]
    assert [t.args for t in pending] == [(post.pk,)]
    # Huey keeps etas as naive UTC.
    assert pending[0].eta == when.astimezone(UTC).replace(tzinfo=None)
    HUEY.flush()


def test_the_timed_task_publishes_when_due_and_leaves_a_rescheduled_post_alone(workspace):
    post = schedule(workspace, "Minuté", timedelta(hours=1))
    assert publish_scheduled_post.call_local(post.pk) is False  # its task ran early: not yet
    do_schedule_post(post, timezone.now() + timedelta(days=3), actor=SYSTEM)
    time_passes(post, timedelta(seconds=1))
    assert publish_scheduled_post.call_local(post.pk) is True
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


def test_an_unpublished_schedule_is_not_published_by_its_old_task(workspace):
    post = schedule(workspace, "Annulé", timedelta(hours=1))
    do_unpublish_post(post, actor=SYSTEM)
    assert post.status == PostStatus.DRAFT and post.published_at is None
    assert publish_if_due(post.pk, now=timezone.now() + timedelta(days=1)) is False
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT


def test_a_trashed_schedule_stays_in_the_trash(workspace):
    post = schedule(workspace, "Jeté", timedelta(hours=1))
    do_trash_post(post, actor=SYSTEM)
    time_passes(post, timedelta(minutes=1))
    assert publish_due_posts_now() == 0
    assert Post.objects.get(pk=post.pk).status == PostStatus.TRASH


def test_a_schedule_needs_a_time_in_the_future(workspace):
    post = do_create_post(workspace, actor=SYSTEM, title="Sans date")
    with pytest.raises(ActionError, match="doit être dans le futur"):
        do_schedule_post(post, timezone.now() - timedelta(minutes=1), actor=SYSTEM)
    with pytest.raises(ActionError, match="doit avoir une date de publication"):
        do_update_post(post, actor=SYSTEM, status=PostStatus.SCHEDULED, published_at=None)
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT


def test_due_posts_of_every_workspace_are_published(workspace, make_workspace):
    other = make_workspace("other", "Other")
    posts = [
        schedule(workspace, "Ici", timedelta(minutes=1)),
        schedule(other, "Là-bas", timedelta(minutes=1)),
    ]
    for post in posts:
        time_passes(post, timedelta(seconds=5))
    assert publish_due_posts_now() == 2
    assert set(Post.objects.values_list("status", flat=True)) == {PostStatus.PUBLISHED}
