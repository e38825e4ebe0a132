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


def test_a_cached_home_page_costs_one_query_and_a_change_expires_it(workspace):
    make_post(workspace, "Premier article", slug="premier")
    visitor = Client()
    first = visitor.get("/")
    assert "Premier article" in first.content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = visitor.get("/")
    assert again.content == first.content and again["Content-Type"] == first["Content-Type"]
    assert len(queries) == 1  # which workspace, and its content version

    make_post(workspace, "Deuxième article", slug="deuxieme")
    workspace.bump_content_version()
    assert "Deuxième article" in visitor.get("/").content.decode()


def test_logged_in_team_members_never_get_the_anonymous_copy(workspace, manager_client):
    make_post(workspace, "Premier article", slug="premier")
    Client().get("/")
    with CaptureQueriesContext(connection) as queries:
        manager_client.get("/")
    assert len(queries) > 1
