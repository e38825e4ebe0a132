"""Search on the public site: accents folded, French stemming, ranking, only public posts of the workspace.

Runs on the database the tests run on: SQLite (FTS5) by default, PostgreSQL with DATABASE_URL.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.db import connection

from animateur.space.models import Post, PostStatus, PostType
from animateur.space.search import fold, index_posts, search_post_ids, stems
from tests.space.test_site_factories import make_post, page_text


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture
def posts(workspace):
    return {
        "debile": make_post(workspace, "Un titre", slug="debile", body="Cette idée est franchement débile."),
        "communaute": make_post(
            workspace,
            "La communauté",
            slug="communaute",
            body="Animer une communauté en ligne demande du temps.",
            published_at=datetime(2011, 2, 1, tzinfo=UTC),
        ),
        "tourisme": make_post(
            workspace,
            "Tourisme et médias sociaux",
            slug="tourisme",
            body="Finistère Tourisme et ses visiteurs.",
            published_at=datetime(2011, 3, 1, tzinfo=UTC),
        ),
    }


def test_the_text_is_folded_and_stemmed_the_same_way_for_documents_and_queries():
    assert fold("Débile ŒUVRE") == "debile oeuvre"
    assert stems("communautés", "fr") == stems("communauté", "fr") == stems("Communaute", "fr")


def test_a_word_typed_without_its_accents_finds_the_accented_word(client, posts):
    text = page_text(client.get("/search/?q=debile"))
    assert "1 résultat pour « debile »" in text
    assert "Cette idée est franchement débile." in text


def test_a_plural_finds_the_singular_thanks_to_french_stemming(client, posts):
    response = client.get("/search/?q=communautés")
    assert "La communauté" in page_text(response)
    assert "Un titre" not in page_text(response)


def test_results_are_ranked_and_the_matching_words_highlighted(workspace, client, posts):
    make_post(
        workspace,
        "Rien à voir",
        slug="rien",
        body="Il est question de tourisme une fois.",
        published_at=datetime(2011, 4, 1, tzinfo=UTC),
    )
    ids = search_post_ids(workspace, "tourisme")
    assert ids[0] == posts["tourisme"].pk  # the word in the title weighs more
    assert set(ids) == {posts["tourisme"].pk, Post.objects.get(slug="rien").pk}
    assert "<mark>Tourisme</mark>" in client.get("/search/?q=tourisme").content.decode()


def test_only_public_posts_and_pages_of_the_workspace_are_found(client, workspace, make_workspace, posts):
    make_post(workspace, "Brouillon débile", slug="brouillon", status=PostStatus.DRAFT)
    make_post(workspace, "Page débile", slug="page", type=PostType.PAGE)
    other = make_workspace("autre", "Autre")
    make_post(other, "Ailleurs débile", slug="ailleurs")
    text = page_text(client.get("/search/?q=débile"))
    assert "2 résultats" in text and "Page débile" in text
    assert "Brouillon" not in text and "Ailleurs" not in text
    assert "Ailleurs débile" in page_text(client.get("/w/autre/search/?q=debile"))


def test_a_post_moved_to_the_trash_or_deleted_leaves_the_results_once_reindexed(workspace, posts):
    Post.objects.filter(pk=posts["debile"].pk).update(status=PostStatus.TRASH)
    index_posts([posts["debile"].pk])
    assert search_post_ids(workspace, "débile") == []
    pk = posts["communaute"].pk
    posts["communaute"].delete()
    index_posts([pk])
    assert search_post_ids(workspace, "communauté") == []


def test_an_edited_post_is_found_by_its_new_words_once_reindexed(workspace, posts):
    post = posts["debile"]
    post.body = "Une réflexion sur l’e-réputation."
    post.render()
    post.save()
    index_posts([post.pk])
    assert search_post_ids(workspace, "réputation") == [post.pk]
    assert search_post_ids(workspace, "débile") == []


def test_an_empty_or_symbol_only_query_shows_the_form_without_error(client, posts):
    assert client.get("/search/").status_code == 200
    response = client.get('/search/?q="*()-+')
    assert response.status_code == 200 and "0 résultat" in page_text(response)


def test_search_results_are_paginated(client, workspace):
    workspace.posts_per_page = 2
    workspace.save()
    for n in range(5):
        make_post(workspace, f"Communauté {n}", slug=f"c{n}")
    first = page_text(client.get("/search/?q=communaute"))
    assert "5 résultats" in first and "Page 1 sur 3" in first
    assert client.get("/search/?q=communaute&page=3").status_code == 200


def test_the_index_is_the_database_vendors_own(workspace, posts):
    table = "space_post_fts" if connection.vendor == "sqlite" else "space_post_search"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE workspace_id = %s", [workspace.pk])  # noqa: S608
        assert cursor.fetchone()[0] == 3
