"""RSS 2.0 and Atom feeds of the site, a category, a tag and a post's comments, read with feedparser."""

from __future__ import annotations

from datetime import UTC, datetime

import feedparser
import pytest
from django.core.cache import cache

from animateur.space.models import PostStatus
from tests.space.test_site_factories import add_comment, make_author, make_category, make_post, make_tag


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture
def site(workspace):
    author = make_author(workspace, "Catherine Ertzscheid", "catherine")
    parent = make_category(workspace, "La Boîte à Idées", "la-boite-a-idees")
    child = make_category(workspace, "Interviews", "interviews", parent=parent)
    tag = make_tag(workspace, "tourisme", "tourisme")
    first = make_post(
        workspace,
        "Premier",
        slug="premier",
        author=author,
        categories=[child],
        tags=[tag],
        body="Début\n\n<!--more-->\n\nSuite",
        published_at=datetime(2010, 11, 13, 9, tzinfo=UTC),
    )
    second = make_post(
        workspace,
        "Second",
        slug="second",
        categories=[parent],
        published_at=datetime(2010, 12, 4, 9, tzinfo=UTC),
    )
    make_post(workspace, "Brouillon", slug="brouillon", status=PostStatus.DRAFT, categories=[child])
    return {"first": first, "second": second}


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return response, feed


def test_the_site_rss_feed_lists_public_posts_newest_first(client, site):
    response, feed = parse(client, "/feed/")
    assert response["Content-Type"].startswith("application/rss+xml")
    assert feed.version == "rss20"
    assert [e.title for e in feed.entries] == ["Second", "Premier"]
    first = feed.entries[1]
    assert first.link == "http://testserver/2010/11/13/premier/"
    assert first.author == "Catherine Ertzscheid" or "Catherine Ertzscheid" in first.get("author", "")
    assert "Début" in first.summary and "Suite" not in first.summary
    assert [t.term for t in first.tags] == ["Interviews"]


def test_the_atom_feed_parses_with_the_same_items(client, site):
    response, feed = parse(client, "/feed/atom/")
    assert feed.version == "atom10"
    assert [e.title for e in feed.entries] == ["Second", "Premier"]


def test_a_category_feed_includes_subcategories_and_a_tag_feed_only_its_posts(client, site):
    _, parent = parse(client, "/category/la-boite-a-idees/feed/")
    assert [e.title for e in parent.entries] == ["Second", "Premier"]
    _, child = parse(client, "/category/la-boite-a-idees/interviews/feed/")
    assert [e.title for e in child.entries] == ["Premier"]
    _, tagged = parse(client, "/tag/tourisme/feed/")
    assert [e.title for e in tagged.entries] == ["Premier"]
    assert client.get("/tag/nope/feed/").status_code == 404


def test_a_posts_comment_feed_has_its_visible_comments(client, site):
    add_comment(site["first"], "Bravo pour l’article", name="Ana")
    add_comment(site["first"], "Caché", name="Bob", email="bob@example.org", visibility="pending")
    _, feed = parse(client, "/2010/11/13/premier/feed/")
    assert [e.title for e in feed.entries] == ["Par : Ana"]
    assert "Bravo pour l’article" in feed.entries[0].summary
    assert feed.entries[0].link.startswith("http://testserver/2010/11/13/premier/#comment-")


def test_feeds_of_another_workspace_are_its_own(client, site, make_workspace):
    other = make_workspace("autre", "Autre")
    make_post(other, "Ailleurs", slug="ailleurs")
    _, feed = parse(client, "/w/autre/feed/")
    assert [e.title for e in feed.entries] == ["Ailleurs"]
    assert feed.entries[0].link == "http://testserver/w/autre/2011/01/06/ailleurs/"


def test_the_site_comments_feed_has_the_latest_visible_comments_never_held_or_spam(client, site, workspace):
    """WordPress's /comments/feed/, which imported sites' readers are subscribed to."""
    first, second = site["first"], site["second"]
    add_comment(first, "Bravo pour l’article", name="Ana")
    add_comment(second, "Merci !", name="Bea", email="bea@example.org")
    add_comment(first, "Attend la modération", name="Cid", email="cid@example.org", visibility="pending")
    add_comment(first, "Achetez mes pilules", name="Spam", email="spam@example.org", visibility="spam")
    draft = make_post(workspace, "Brouillon commenté", slug="brouillon-commente", status=PostStatus.DRAFT)
    add_comment(draft, "Sur un brouillon", name="Dan", email="dan@example.org")

    response, feed = parse(client, "/comments/feed/")
    assert response["Content-Type"].startswith("application/rss+xml")
    assert feed.feed.title == "Commentaires pour Acme"
    assert [e.title for e in feed.entries] == [
        "Commentaire sur Second par Bea",
        "Commentaire sur Premier par Ana",
    ]
    text = response.content.decode()
    for hidden in ("Attend la modération", "Achetez mes pilules", "Sur un brouillon"):
        assert hidden not in text
    entry = feed.entries[1]
    assert entry.link.startswith("http://testserver/2010/11/13/premier/#comment-")
    assert "Bravo pour l’article" in entry.description
    assert entry.author == "Ana"
    home = client.get("/").content.decode()
    assert 'href="/comments/feed/"' in home


def test_each_workspace_has_its_own_comments_feed(client, site, make_workspace):
    other = make_workspace("autre", "Autre")
    post = make_post(other, "Ailleurs", slug="ailleurs")
    add_comment(post, "Un commentaire ailleurs", name="Eve", email="eve@example.org")
    add_comment(site["first"], "Un commentaire ici", name="Ana")
    _, here = parse(client, "/comments/feed/")
    _, there = parse(client, "/w/autre/comments/feed/")
    assert [e.title for e in here.entries] == ["Commentaire sur Premier par Ana"]
    assert [e.title for e in there.entries] == ["Commentaire sur Ailleurs par Eve"]
    assert there.feed.title == "Commentaires pour Autre"
