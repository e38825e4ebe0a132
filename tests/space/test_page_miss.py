"""A public page that misses the page cache (a query string never asked before) is rendered again, from
reads kept for the content version: what a visitor sees still follows every change at once."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from animateur.space.actions.posts import do_update_post
from animateur.space.models import Post
from animateur.space.selectors import post_url
from tests.conftest import SYSTEM
from tests.space.test_site_factories import make_post


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    from animateur.core import middleware

    cache.clear()
    # A loaded test machine may take more than the trusted second between two requests.
    monkeypatch.setattr(middleware, "VERSION_TRUST_SECONDS", 30.0)
    middleware.forget_content_versions()


def _post_path(post: Post) -> str:
    with timezone.override(post.workspace.timezone):
        return post_url(post)


def test_a_post_missing_the_cache_asks_nothing_of_its_workspace_nor_its_post_and_shows_an_edit_at_once(
    workspace, django_capture_on_commit_callbacks
):
    post = make_post(workspace, "Premier article", slug="premier")
    path = _post_path(post)
    visitor = Client()
    assert "Premier article" in visitor.get(path + "?replytocom=1").content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = visitor.get(path + "?replytocom=2")
    assert again.status_code == 200 and "Premier article" in again.content.decode()
    asked = " ".join(q["sql"] for q in queries.captured_queries)
    assert "core_workspace" not in asked and "space_post" not in asked

    with django_capture_on_commit_callbacks(execute=True):
        do_update_post(Post.objects.get(pk=post.pk), actor=SYSTEM, title="Article corrigé")
    edited = visitor.get(path + "?replytocom=3").content.decode()
    assert "Article corrigé" in edited and "Premier article" not in edited


def test_a_post_unpublished_is_gone_from_a_page_missing_the_cache(workspace, django_capture_on_commit_callbacks):
    post = make_post(workspace, "Bientôt retiré", slug="retire")
    path = _post_path(post)
    assert Client().get(path + "?replytocom=1").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        do_update_post(Post.objects.get(pk=post.pk), actor=SYSTEM, status="draft")
    assert Client().get(path + "?replytocom=2").status_code == 404


def test_the_home_page_count_follows_new_posts_and_a_post_whose_time_comes(workspace, monkeypatch):
    from animateur.space import selectors

    workspace.posts_per_page = 1
    workspace.save(update_fields=["posts_per_page"])
    make_post(workspace, "Un", slug="un")
    visitor = Client()
    assert "Page 1 sur" not in visitor.get("/?replytocom=1").content.decode()  # one page: no pagination

    make_post(workspace, "Deux", slug="deux", published_at=datetime(2012, 1, 6, 10, 0, tzinfo=UTC))
    assert "Page 1 sur 2" in visitor.get("/?replytocom=2").content.decode()

    # Published with its time not come yet: out of the count until its time comes, which changes nothing else.
    make_post(workspace, "Trois", slug="trois", published_at=timezone.now() + timedelta(hours=1))
    assert "Page 1 sur 2" in visitor.get("/?replytocom=3").content.decode()
    assert selectors.public_post_count(workspace) == 2
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert selectors.public_post_count(workspace) == 3
