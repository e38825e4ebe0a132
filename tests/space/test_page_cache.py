"""Anonymous visitors get cached pages; any change the public sees expires them in every process."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.space.test_site_factories import make_post


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


def test_a_cached_home_page_costs_no_query_and_a_change_expires_it(workspace):
    make_post(workspace, "Premier article", slug="premier")
    visitor = Client()
    first = visitor.get("/")
    assert "Premier article" in first.content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = visitor.get("/")
    assert again.content == first.content and again["Content-Type"] == first["Content-Type"]
    assert len(queries) == 0  # the content version was read less than a second ago

    make_post(workspace, "Deuxième article", slug="deuxieme")
    workspace.bump_content_version()
    assert "Deuxième article" in visitor.get("/").content.decode()


def test_logged_in_team_members_never_get_the_anonymous_copy(workspace, manager_client):
    make_post(workspace, "Premier article", slug="premier")
    Client().get("/")
    with CaptureQueriesContext(connection) as queries:
        manager_client.get("/")
    assert len(queries) > 1


def test_a_change_made_by_another_process_is_seen_once_the_trusted_delay_is_over(workspace, monkeypatch):
    from django.db.models import F

    from animateur.core import middleware
    from animateur.core.models import Workspace
    from animateur.space.models import ListingVersion

    post = make_post(workspace, "Premier article", slug="premier")
    visitor = Client()
    visitor.get("/")
    # Another process changes the post and bumps the versions (space.versions.posts_changed); this one
    # has not been told.
    type(post).objects.filter(pk=post.pk).update(title="Écrit ailleurs")
    ListingVersion.objects.filter(workspace=workspace).update(version=F("version") + 1)
    Workspace.objects.filter(pk=workspace.pk).update(content_version=F("content_version") + 1)
    assert "Écrit ailleurs" not in visitor.get("/").content.decode()
    monkeypatch.setattr(middleware, "VERSION_TRUST_SECONDS", 0.0)
    middleware._known_versions.clear()  # as if the second had passed
    assert "Écrit ailleurs" in visitor.get("/").content.decode()
