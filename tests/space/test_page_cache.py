"""Anonymous visitors get cached pages; any change the public sees expires them in every process."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from animateur.space import selectors
from animateur.space.forms import HONEYPOT
from animateur.space.page_store import pages
from animateur.stream.actions import do_set_message_visibility
from animateur.stream.models import Message, Visibility
from tests.conftest import SYSTEM
from tests.space.test_site_factories import make_post


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture(autouse=True)
def slow_machine(monkeypatch):
    """A loaded test machine may take more than the trusted second to render a page: what is checked here
    is what a hit costs while the version is trusted, and that a change made here expires it at once."""
    from animateur.core import middleware

    monkeypatch.setattr(middleware, "VERSION_TRUST_SECONDS", 30.0)
    middleware.forget_content_versions()


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


# ---------------------------------------------------------------- what expires pages

COMMENT = {"name": "Ana", "email": "ana@example.org", "url": "", "text": "Bonjour, merci pour l’article !"}


def version_of(workspace):
    workspace.refresh_from_db()
    return workspace.content_version


def served_from_cache(path="/"):
    with CaptureQueriesContext(connection) as queries:
        Client().get(path)
    return len(queries) == 0


def test_held_and_spam_comments_leave_cached_pages_alone(workspace, django_capture_on_commit_callbacks):
    post = make_post(workspace, "Premier article", slug="premier")
    url = selectors.post_url(post)
    Client().get("/")
    before = version_of(workspace)
    with django_capture_on_commit_callbacks(execute=True):
        held = Client().post(url, COMMENT)  # a first-time commenter: held
        spam = Client().post(url, {**COMMENT, "email": "bot@example.org", HONEYPOT: "x"})
    assert held.status_code == 302 and spam.status_code in (200, 302)
    assert set(Message.objects.filter(kind="comment").values_list("visibility", flat=True)) == {
        Visibility.PENDING,
        Visibility.SPAM,
    }
    assert version_of(workspace) == before
    assert served_from_cache("/")


def test_a_published_comment_and_an_approved_one_expire_the_pages(workspace, django_capture_on_commit_callbacks):
    post = make_post(workspace, "Premier article", slug="premier")
    url = selectors.post_url(post)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(url, COMMENT)
    held = Message.objects.get(kind="comment")
    assert "1 commentaire" not in Client().get("/").content.decode()
    before = version_of(workspace)
    with django_capture_on_commit_callbacks(execute=True):
        do_set_message_visibility([held], Visibility.VISIBLE, actor=SYSTEM)
    assert version_of(workspace) > before
    assert "1 commentaire" in Client().get("/").content.decode()

    before = version_of(workspace)
    with django_capture_on_commit_callbacks(execute=True):  # Ana has a published comment: no longer held
        Client().post(url, {**COMMENT, "text": "Un autre avis, publié."})
    assert Message.objects.get(text="Un autre avis, publié.").visibility == Visibility.VISIBLE
    assert version_of(workspace) > before
    assert "2 commentaires" in Client().get("/").content.decode()


def test_moderating_between_held_and_spam_does_not_expire_the_pages(workspace, django_capture_on_commit_callbacks):
    post = make_post(workspace, "Premier article", slug="premier")
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(selectors.post_url(post), COMMENT)
    held = Message.objects.get(kind="comment")
    before = version_of(workspace)
    do_set_message_visibility([held], Visibility.SPAM, actor=SYSTEM)
    do_set_message_visibility([held], Visibility.TRASH, actor=SYSTEM)
    assert version_of(workspace) == before
    do_set_message_visibility([held], Visibility.VISIBLE, actor=SYSTEM)
    do_set_message_visibility([held], Visibility.HIDDEN, actor=SYSTEM)  # taken down: visitors see it go
    assert version_of(workspace) == before + 2


# ---------------------------------------------------------------- query strings and memory


def test_query_strings_the_pages_do_not_read_get_the_same_cached_page(workspace):
    make_post(workspace, "Premier article", slug="premier")
    first = Client().get("/")
    with CaptureQueriesContext(connection) as queries:
        tracked = Client().get("/?utm_source=mastodon&fbclid=abc&random=123")
    assert len(queries) == 0
    assert tracked.content == first.content
    assert len(pages) == 1


def test_the_parameters_pages_read_are_cached_apart_in_any_order(workspace):
    make_post(workspace, "Premier article", slug="premier", body="Des pommes.")
    make_post(workspace, "Second article", slug="second", body="Des poires.")
    apples = Client().get("/search/?q=pommes&page=1")
    pears = Client().get("/search/?q=poires")
    assert "Premier article" in apples.content.decode() and "Premier article" not in pears.content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = Client().get("/search/?page=1&utm_medium=x&q=pommes")
    assert len(queries) == 0 and again.content == apples.content
    assert served_from_cache("/search/?q=++poires++")  # read as the search reads it


def test_cached_pages_stay_within_the_byte_budget_the_least_recently_read_going_first(workspace, settings):
    make_post(workspace, "Premier article", slug="premier")
    size = len(Client().get("/search/?q=zero").content)
    settings.PAGE_CACHE_BYTES = 6 * size
    Client().get("/search/?q=first")
    for n in range(40):  # a scan of random query strings
        Client().get(f"/search/?q=scan{n}")
        Client().get("/search/?q=first")  # read again and again: kept
    assert pages.bytes <= settings.PAGE_CACHE_BYTES
    assert 1 < len(pages) <= 6
    assert served_from_cache("/search/?q=first")
    assert not served_from_cache("/search/?q=scan0")


def test_a_feed_names_itself_without_the_query_string_it_was_asked_with(workspace):
    make_post(workspace, "Premier article", slug="premier")
    Client().get("/feed/?utm_source=x")
    feed = Client().get("/feed/").content.decode()
    assert "utm_source" not in feed
