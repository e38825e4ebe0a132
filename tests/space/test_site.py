"""The public site: home, posts, pages, archives, languages, safety and isolation between workspaces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from animateur.space.models import PostStatus, PostType
from animateur.space.page_store import pages
from tests.space.test_site_factories import (
    add_comment,
    make_author,
    make_category,
    make_post,
    make_tag,
    page_text,
)

SEED_BODY = (
    "Aujourd’hui, nous changeons quelque peu des univers traités.\n\n<!--more-->\n\n"
    "Pour cela, j’ai invité Sylvain Le Guen."
)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture
def seed_post(workspace):
    author = make_author(workspace, "Sylvain Guéguen", "sylvain")
    interviews = make_category(workspace, "Interviews", "interviews")
    ideas = make_category(workspace, "La Boîte à Idées", "la-boite-a-idees")
    return make_post(
        workspace,
        "Tourisme et médias sociaux : Interview de Sylvain Le Guen",
        slug="tourisme-et-medias-sociaux",
        body=SEED_BODY,
        author=author,
        categories=[interviews, ideas],
        published_at=datetime(2011, 1, 6, 9, 0, tzinfo=UTC),
    )


def test_home_shows_the_excerpt_up_to_the_more_marker_a_read_more_link_and_the_french_date_line(
    client, seed_post
):
    for n in range(6):
        add_comment(seed_post, f"Merci ! {n}", email=f"reader{n}@example.org")
    response = client.get("/")
    text = page_text(response)
    assert response.status_code == 200
    assert "Aujourd’hui, nous changeons quelque peu" in text
    assert "j’ai invité Sylvain Le Guen" not in text
    assert "Lire la suite" in text
    assert (
        "Publié : 6 janvier 2011 | Auteur : Sylvain Guéguen | Catégorie : Interviews, La Boîte à Idées"
        " | 6 commentaires" in text
    )
    assert 'href="/2011/01/06/tourisme-et-medias-sociaux/#more"' in response.content.decode()


@pytest.mark.parametrize(
    ("count", "label"), [(0, "Aucun commentaire"), (1, "1 commentaire"), (6, "6 commentaires")]
)
def test_the_comment_count_is_pluralized_in_french(client, workspace, count, label):
    post = make_post(workspace, "Un article")
    for n in range(count):
        add_comment(post, f"Bravo {n}", email=f"r{n}@example.org")
    assert f"| {label}" in page_text(client.get("/"))


def test_the_count_next_to_a_post_counts_visible_comments_only(client, workspace):
    post = make_post(workspace, "Un article")
    add_comment(post, "Visible")
    add_comment(post, "En attente", email="new@example.org", visibility="pending")
    add_comment(post, "Achetez", email="spam@example.org", visibility="spam")
    assert "| 1 commentaire" in page_text(client.get("/"))


def test_an_english_workspace_speaks_english(client, make_workspace):
    english = make_workspace("en-site", "English site", language="en", is_default=True)
    author = make_author(english, "Jane Doe", "jane")
    cat = make_category(english, "News", "news")
    post = make_post(
        english,
        "Hello",
        author=author,
        categories=[cat],
        body="Intro\n\n<!--more-->\n\nRest",
        published_at=datetime(2011, 1, 6, 12, 0, tzinfo=UTC),
    )
    text = page_text(client.get("/"))
    assert "Posted: January 6, 2011 | Author: Jane Doe | Category: News | No comments" in text
    assert "Read more" in text
    add_comment(post, "First!")
    cache.clear()
    pages.clear()
    assert "| 1 comment" in page_text(client.get("/"))
    for n in range(5):
        add_comment(post, f"More {n}", email=f"x{n}@example.org")
    cache.clear()
    pages.clear()
    assert "| 6 comments" in page_text(client.get("/"))


def test_dates_are_shown_and_linked_in_the_workspace_time_zone(client, workspace):
    # 23:30 UTC on 5 January is already 6 January in Paris.
    make_post(workspace, "Minuit", slug="minuit", published_at=datetime(2011, 1, 5, 23, 30, tzinfo=UTC))
    response = client.get("/")
    assert "Publié : 6 janvier 2011" in page_text(response)
    assert client.get("/2011/01/06/minuit/").status_code == 200
    assert client.get("/2011/01/05/minuit/").status_code == 404


def test_home_is_paginated_newest_first(client, workspace):
    workspace.posts_per_page = 2
    workspace.save()
    start = datetime(2020, 1, 1, 12, 0, tzinfo=UTC)
    for n in range(5):
        make_post(
            workspace, f"Article numéro {n}", slug=f"article-{n}", published_at=start + timedelta(days=n)
        )
    first = page_text(client.get("/"))
    assert "Article numéro 4" in first and "Article numéro 3" in first and "Article numéro 2" not in first
    second = client.get("/page/2/")
    assert "Article numéro 2" in page_text(second) and "Article numéro 4" not in page_text(second)
    assert "Article numéro 0" in page_text(client.get("/?page=3"))
    assert client.get("/page/9/").status_code == 404


def test_a_workspace_with_no_posts_shows_a_friendly_page(client, workspace):
    response = client.get("/")
    assert response.status_code == 200
    assert "Bienvenue" in page_text(response)


def test_the_post_page_shows_its_body_and_threaded_comments(client, seed_post):
    first = add_comment(seed_post, "Très intéressant.", name="Ana")
    answer = add_comment(
        seed_post, "Je suis d’accord.", name="Bruno", email="bruno@example.org", parent=first
    )
    add_comment(seed_post, "Moi aussi !", name="Chloé", email="chloe@example.org", parent=answer)
    add_comment(seed_post, "Caché", name="Dan", email="dan@example.org", visibility="pending")
    response = client.get("/2011/01/06/tourisme-et-medias-sociaux/")
    html = response.content.decode()
    text = page_text(response)
    assert "j’ai invité Sylvain Le Guen" in text
    assert "3 commentaires" in text
    assert "Caché" not in text
    # replies nest inside their parent's list item
    ana = html.index(f'id="comment-{first.pk}"')
    bruno = html.index(f'id="comment-{answer.pk}"')
    assert ana < bruno
    assert html[ana:bruno].count('<ol class="children">') == 1
    assert '<link rel="canonical" href="http://testserver/2011/01/06/tourisme-et-medias-sociaux/">' in html
    assert '<meta property="og:type" content="article">' in html
    assert (
        '<meta property="og:title" content="Tourisme et médias sociaux : Interview de Sylvain Le Guen">'
        in html
    )


def test_drafts_scheduled_private_and_trashed_posts_are_not_public_but_staff_may_preview(
    client, workspace, client_as
):
    future = timezone.now() + timedelta(days=3)
    posts = [
        make_post(
            workspace, "Brouillon", status=PostStatus.DRAFT, published_at=datetime(2011, 1, 6, tzinfo=UTC)
        ),
        make_post(workspace, "Plus tard", status=PostStatus.PUBLISHED, published_at=future),
        make_post(
            workspace, "Privé", status=PostStatus.PRIVATE, published_at=datetime(2011, 1, 6, tzinfo=UTC)
        ),
        make_post(workspace, "Jeté", status=PostStatus.TRASH, published_at=datetime(2011, 1, 6, tzinfo=UTC)),
    ]
    text = page_text(client.get("/"))
    for post in posts:
        assert post.title not in text
        assert client.get(f"/preview/{post.pk}/").status_code == 404
    assert client.get("/2011/01/06/brouillon/").status_code == 404
    moderator = client_as(workspace, "moderator")
    preview = moderator.get(f"/preview/{posts[0].pk}/")
    assert preview.status_code == 200 and "Aperçu" in page_text(preview)
    assert moderator.get("/2011/01/06/brouillon/").status_code == 200


def test_static_pages_are_served_by_their_slug_path_and_listed_in_the_menu(client, workspace):
    book = make_post(
        workspace,
        "Le livre",
        slug="le-livre",
        type=PostType.PAGE,
        body="Sorti le 10 septembre 2010.",
        comments_open=False,
    )
    make_post(
        workspace,
        "Commander",
        slug="commander",
        type=PostType.PAGE,
        body="Chez l’éditeur.",
        parent=book,
        comments_open=False,
    )
    response = client.get("/le-livre/")
    assert response.status_code == 200 and "Sorti le 10 septembre 2010." in page_text(response)
    assert 'href="/le-livre/"' in client.get("/").content.decode()
    assert "Chez l’éditeur." in page_text(client.get("/le-livre/commander/"))
    assert client.get("/commander/").status_code == 301
    assert client.get("/pas-de-page/").status_code == 404


def test_a_category_archive_includes_the_posts_of_its_subcategories(client, workspace):
    parent = make_category(workspace, "Médias sociaux", "medias-sociaux")
    child = make_category(workspace, "Twitter", "twitter", parent=parent)
    other = make_category(workspace, "Livres", "livres")
    make_post(workspace, "Sur Twitter", categories=[child])
    make_post(
        workspace,
        "Sur les médias",
        slug="medias",
        categories=[parent],
        published_at=datetime(2011, 2, 1, tzinfo=UTC),
    )
    make_post(workspace, "Un livre", categories=[other], published_at=datetime(2011, 3, 1, tzinfo=UTC))
    text = page_text(client.get("/category/medias-sociaux/"))
    assert "Catégorie : Médias sociaux" in text
    assert "Sur Twitter" in text and "Sur les médias" in text and "Un livre" not in text
    child_page = client.get("/category/medias-sociaux/twitter/")
    assert "Sur Twitter" in page_text(child_page) and "Sur les médias" not in page_text(child_page)
    assert client.get("/category/twitter/").status_code == 301
    assert client.get("/category/nope/").status_code == 404


def test_tag_author_and_month_archives(client, workspace):
    ana = make_author(workspace, "Ana Lys", "ana")
    bob = make_author(workspace, "Bob Roy", "bob")
    tag = make_tag(workspace, "e-réputation", "e-reputation")
    make_post(
        workspace, "Janvier", author=ana, tags=[tag], published_at=datetime(2011, 1, 31, 23, 30, tzinfo=UTC)
    )
    make_post(workspace, "Février", author=bob, published_at=datetime(2011, 2, 10, tzinfo=UTC))
    assert "Janvier" in page_text(client.get("/tag/e-reputation/"))
    assert "Février" not in page_text(client.get("/tag/e-reputation/"))
    assert "Février" in page_text(client.get("/author/bob/")) and "Janvier" not in page_text(
        client.get("/author/bob/")
    )
    # 31 January 23:30 UTC is 1 February in Paris: the month archive follows the workspace's time zone
    february = page_text(client.get("/2011/02/"))
    assert "Archives : février 2011" in february
    assert "Janvier" in february and "Février" in february
    assert "Aucun article" in page_text(client.get("/2011/01/"))
    assert client.get("/2011/13/").status_code == 404


def test_the_sidebar_lists_nested_categories_tags_months_and_feeds(client, workspace):
    parent = make_category(workspace, "Médias sociaux", "medias-sociaux")
    child = make_category(workspace, "Twitter", "twitter", parent=parent)
    make_post(workspace, "Sur Twitter", categories=[child], tags=[make_tag(workspace, "buzz", "buzz")])
    html = client.get("/").content.decode()
    assert 'href="/category/medias-sociaux/twitter/"' in html
    assert 'href="/tag/buzz/"' in html
    assert 'href="/2011/01/"' in html
    assert 'href="/feed/"' in html and 'href="/search/"' not in html  # the search form posts to action=
    assert 'action="/search/"' in html


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert('x')</script>",
        '<img src="x" onerror="alert(1)">',
        "[clic](javascript:alert(1))",
        '<a href="javascript:alert(1)">clic</a>',
        '<svg onload="alert(1)"></svg>',
    ],
)
def test_no_script_event_handler_or_javascript_url_from_a_post_or_a_comment_reaches_a_page(
    client, workspace, payload
):
    post = make_post(workspace, "Piège", body=f"Avant {payload} après", excerpt="")
    add_comment(post, f"Commentaire {payload}")
    for url in ("/", "/2011/01/06/piege/", "/feed/", "/2011/01/06/piege/feed/"):
        body = client.get(url).content.decode().lower()
        assert "<script>alert" not in body and "<script" not in body.replace("&lt;script", "")
        assert "onerror=" not in body and "onload=" not in body
        assert 'href="javascript:' not in body


def test_an_html_post_from_an_import_is_sanitized_too(client, workspace):
    make_post(
        workspace,
        "Importé",
        body='<p onclick="x()">Bonjour</p><script>bad()</script><iframe src="//x"></iframe>',
        body_format="html",
    )
    body = client.get("/2011/01/06/importe/").content.decode()
    assert "Bonjour" in body and "onclick" not in body and "bad()" not in body and "<iframe" not in body


def test_another_workspaces_posts_never_appear_by_path_or_by_host_name(client, workspace, make_workspace):
    other = make_workspace("autre", "Autre marque")
    other.domain = "autre.example.org"
    other.save()
    make_post(workspace, "Chez Acme", slug="chez-acme")
    make_post(other, "Chez Autre", slug="chez-autre", tags=[make_tag(other, "secret", "secret")])
    home = page_text(client.get("/"))
    assert "Chez Acme" in home and "Chez Autre" not in home
    by_path = client.get("/w/autre/")
    assert "Chez Autre" in page_text(by_path) and "Chez Acme" not in page_text(by_path)
    assert 'href="/w/autre/2011/01/06/chez-autre/"' in by_path.content.decode()
    by_host = client.get("/", HTTP_HOST="autre.example.org")
    assert "Chez Autre" in page_text(by_host) and "Chez Acme" not in page_text(by_host)
    assert client.get("/2011/01/06/chez-autre/").status_code == 404
    assert client.get("/tag/secret/").status_code == 404
    assert client.get("/w/autre/2011/01/06/chez-acme/").status_code == 404


def test_sitemap_lists_public_posts_and_pages_only(client, workspace):
    make_post(workspace, "Public", slug="public")
    make_post(workspace, "Le livre", slug="le-livre", type=PostType.PAGE)
    make_post(workspace, "Brouillon", slug="brouillon", status=PostStatus.DRAFT)
    response = client.get("/sitemap.xml")
    assert response["Content-Type"].startswith("application/xml")
    body = response.content.decode()
    assert "<loc>http://testserver/2011/01/06/public/</loc>" in body
    assert "<loc>http://testserver/le-livre/</loc>" in body
    assert "brouillon" not in body


def test_robots_txt_points_to_the_sitemap(client, workspace, make_workspace):
    assert "Sitemap: http://testserver/sitemap.xml" in client.get("/robots.txt").content.decode()
    make_workspace("autre", "Autre")
    assert (
        "Sitemap: http://testserver/w/autre/sitemap.xml" in client.get("/w/autre/robots.txt").content.decode()
    )


def test_anonymous_pages_are_cached_until_the_content_changes(client, workspace, settings):
    settings.PAGE_CACHE_SECONDS = 300
    post = make_post(workspace, "Un article")
    assert "Aucun commentaire" in page_text(client.get("/"))
    add_comment(post, "Bravo")  # the pipeline bumps the version after commit; tests run in one transaction
    assert "Aucun commentaire" in page_text(client.get("/"))
    workspace.bump_content_version()
    assert "1 commentaire" in page_text(client.get("/"))


def test_list_pages_make_a_few_queries_whatever_the_number_of_posts(
    client, workspace, settings, django_assert_max_num_queries
):
    """No query per post: authors are joined, categories prefetched, comment counts denormalized."""
    settings.PAGE_CACHE_SECONDS = 0
    author = make_author(workspace)
    parent = make_category(workspace, "Parent", "parent")
    child = make_category(workspace, "Enfant", "enfant", parent=parent)
    tag = make_tag(workspace, "mot", "mot")
    for n in range(12):
        post = make_post(
            workspace,
            f"Article {n}",
            slug=f"a{n}",
            author=author,
            categories=[parent, child],
            tags=[tag],
            published_at=datetime(2011, 1, 1, tzinfo=UTC) + timedelta(days=n),
        )
        add_comment(post, "Merci", email=f"r{n}@example.org")
    client.get("/")  # fills the sidebar's cache
    for url in ("/", "/page/2/", "/category/parent/enfant/", "/tag/mot/", "/2011/01/", "/2011/01/06/a5/"):
        with django_assert_max_num_queries(6):
            assert client.get(url).status_code == 200


def _titles_on(client, url: str) -> list[str]:
    import lxml.html

    root = lxml.html.fromstring(client.get(url).content.decode())
    return [h.text_content().strip() for h in root.xpath("//main//h2[contains(@class, 'post-title')]")]


def test_sticky_posts_lead_the_first_home_page_only_as_on_wordpress(workspace, client):
    """Page 1: stickies first (those of the page, then older ones), then the page's others; later pages
    are the plain flow by date, where a sticky post also has its place (WP_Query behaves so)."""
    from animateur.core.actions import SystemActor
    from animateur.space.actions.posts import do_create_post

    workspace.posts_per_page = 2
    workspace.save(update_fields=["posts_per_page"])
    now = timezone.now()
    for n, (title, sticky, status) in enumerate(
        [
            ("Un", False, "published"),
            ("Deux épinglé", True, "published"),
            ("Trois", False, "published"),
            ("Quatre épinglé", True, "published"),
            ("Brouillon épinglé", True, "draft"),
            ("Cinq", False, "published"),
        ]
    ):
        do_create_post(
            workspace,
            actor=SystemActor("tests"),
            title=title,
            body="Texte.",
            status=status,
            published_at=now - timedelta(days=n + 1),
            is_sticky=sticky,
        )

    assert _titles_on(client, "/") == ["Deux épinglé", "Quatre épinglé", "Un"]
    assert _titles_on(client, "/page/2/") == ["Trois", "Quatre épinglé"]
    assert _titles_on(client, "/page/3/") == ["Cinq"]
    assert "Page 1 sur 3" in page_text(client.get("/"))
