"""The demo workspace shown at first start: the seed's articles, book page, authors and comments."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.test import Client

from animateur.core.actions import SystemActor
from animateur.core.models import Membership, User, Workspace
from animateur.space.demo import DEMO_EMAIL, load_demo
from animateur.space.models import Category, Post
from animateur.space.threads import COMMENT_KINDS
from animateur.stream.models import Message
from tests.space.test_site_factories import page_text

PARIS = ZoneInfo("Europe/Paris")
ACTOR = SystemActor("tests")
TITLES = [
    "Tourisme et médias sociaux : Interview de Sylvain Le Guen",
    "Community Managers : limites et responsabilités",
    "De l’art du community management en Casamance",
    "Portrait de Community Manager : Interview de Blaise Grimes Viort",
    "[Revue de blogs] Le réseau des CCI se penche sur ses pratiques en matière de web social par Mael Le Hir",
]


@pytest.fixture
def demo(db):
    cache.clear()
    return load_demo(actor=ACTOR)


def test_the_demo_is_a_french_default_workspace_with_an_owner_whose_password_is_given_once(demo):
    workspace = demo.workspace
    assert (workspace.slug, workspace.name, workspace.language, workspace.timezone, workspace.is_default) == (
        "demo",
        "Le Community Management",
        "fr",
        "Europe/Paris",
        True,
    )
    assert workspace.tagline == "Stratégies et bonnes pratiques pour interagir avec vos communautés"
    user = User.objects.get(email=DEMO_EMAIL)
    assert demo.email == DEMO_EMAIL and demo.password and user.check_password(demo.password)
    assert Membership.objects.get(user=user, workspace=workspace).role == "owner"
    assert load_demo(actor=ACTOR) is None
    assert Workspace.objects.filter(slug="demo").count() == 1


def test_the_demo_holds_the_seed_articles_with_their_dates_authors_categories_and_comment_counts(demo):
    posts = list(Post.objects.filter(workspace=demo.workspace, type="post").order_by("-published_at"))
    assert [p.title for p in posts] == TITLES
    assert [p.published_at.astimezone(PARIS).date() for p in posts] == [
        datetime(2011, 1, 6).date(),
        datetime(2010, 12, 4).date(),
        datetime(2010, 11, 13).date(),
        datetime(2010, 10, 18).date(),
        datetime(2010, 10, 6).date(),
    ]
    assert [p.author.display_name for p in posts] == [
        "Sylvain Guéguen",
        "Benoit Faverial",
        "Catherine Ertzscheid",
        "Sylvain Guéguen",
        "Catherine Ertzscheid",
    ]
    assert [sorted(p.categories.values_list("name", flat=True)) for p in posts] == [
        ["Interviews", "La Boîte à Idées"],
        ["La Boîte à Idées"],
        ["Interviews", "La Boîte à Idées"],
        ["Interviews", "La Boîte à Idées"],
        ["Ils parlent du livre", "La Boîte à Idées"],
    ]
    assert [p.tags.count() for p in posts] == [4, 5, 9, 5, 8]
    assert [p.comment_count for p in posts] == [6, 0, 1, 0, 0]
    assert [p.has_more for p in posts] == [True, False, True, True, True]
    assert "Finistère Tourisme" in posts[0].teaser_html
    assert set(Category.objects.filter(workspace=demo.workspace).values_list("name", flat=True)) == {
        "Interviews",
        "La Boîte à Idées",
        "Ils parlent du livre",
    }


def test_the_demo_comments_are_visible_threaded_and_one_is_an_authors_reply(demo):
    post = Post.objects.get(workspace=demo.workspace, title=TITLES[0])
    comments = Message.objects.filter(thread_root_id=post.message_id, kind__in=COMMENT_KINDS)
    assert comments.count() == 6 and set(comments.values_list("visibility", flat=True)) == {"visible"}
    replies = comments.filter(kind="reply")
    assert replies.count() == 2
    from_author = comments.get(from_organisation=True)
    assert from_author.author.display_name == "Sylvain Guéguen" and from_author.parent.kind == "comment"


def test_the_book_page_presents_the_book(demo):
    page = Post.objects.get(workspace=demo.workspace, type="page")
    assert page.title == "Le livre" and page.status == "published"
    text = page.body_html
    for words in (
        "Le Community Management",
        "Stratégies et bonnes pratiques",
        "Diateino",
        "10 septembre 2010",
        "e-book",
    ):
        assert words in text


def test_the_home_page_shows_the_five_articles_newest_first_with_the_seed_comment_counts(demo):
    response = Client().get("/")
    assert response.status_code == 200
    text = page_text(response)
    positions = [text.index(title) for title in TITLES]
    assert positions == sorted(positions)
    assert "6 commentaires" in text and "1 commentaire" in text and text.count("Aucun commentaire") == 3
    assert "Le Community Management" in text
