"""Scheduled posts go live through the task queue.

Two paths lead to the same `publish_if_due`: a task enqueued for the post's time when it is
scheduled, and a sweep every minute of every scheduled post whose time has passed. The sweep
is what publishes posts whose time came while no worker was running: it runs at once when
`animateur run` / `animateur worker` start (`publish_due_posts_now`), then every minute.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from animateur.space.actions.publication import do_publish_due_post
from animateur.space.models import Post, PostStatus

log = logging.getLogger(__name__)


def publish_if_due(post_id: int, *, now: datetime | None = None) -> bool:
    """Publish the post if it is still scheduled and its time has come; True if it was published."""
    post = do_publish_due_post(post_id, now=now)
    if post is None:
        return False
    log.info("published scheduled post %s (%s)", post.pk, post.title)
    return True


def publish_due_posts_now(now: datetime | None = None) -> int:
    """Publish every scheduled post whose time has passed, in every workspace; returns how many."""
    now = now or timezone.now()
    due = list(
        Post.objects.filter(status=PostStatus.SCHEDULED, published_at__lte=now)
        .order_by("published_at", "pk")
        .values_list("pk", flat=True)
    )
    published = 0
    for post_id in due:
        try:
            published += publish_if_due(post_id, now=now)
        except Exception:  # one broken post must not keep the others offline
            log.exception("could not publish scheduled post %s", post_id)
    return published


@db_task()
def publish_scheduled_post(post_id: int) -> bool:
    """Enqueued with eta = the post's time; a post rescheduled or unpublished since is left alone."""
    return publish_if_due(post_id)


@db_periodic_task(crontab(minute="*"))
def publish_due_posts() -> int:
    return publish_due_posts_now()
