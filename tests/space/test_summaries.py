"""List pages show posts from summaries rendered once per content version, never stale ones."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from animateur.core.actions import SystemActor
from animateur.space.actions.authors import do_update_author
from tests.space.test_site_factories import add_comment, make_author, make_category, make_post, page_text


@pytest.fixture(autouse=True)
def uncached_pages(settings):
    settings.PAGE_CACHE_SECONDS = 0  # every request renders: what is looked at here is the summaries' cache
    cache.clear()


def test_a_comment_or_an_author_renamed_shows_in_the_summaries_at_once(
    client, workspace, django_capture_on_commit_callbacks
):
    author = make_author(workspace, "Ana Lys", "ana")
    post = make_post(workspace, "Un billet", author=author)
    assert "Aucun commentaire" in page_text(client.get("/"))

    add_comment(post, "Bravo !")
    workspace.bump_content_version()  # what the pipeline does once the comment is stored
    text = page_text(client.get("/"))
    assert "1 commentaire" in text and "Aucun commentaire" not in text

    with django_capture_on_commit_callbacks(execute=True):
        do_update_author(author, actor=SystemActor("tests"), display_name="Ana Lys-Martin")
    assert "Auteur : Ana Lys-Martin" in page_text(client.get("/"))
    assert "Auteur : Ana Lys-Martin" in page_text(client.get("/author/ana/"))


def test_once_rendered_a_list_page_reads_only_the_keys_of_its_posts(client, workspace):
    news = make_category(workspace, "Nouvelles", "nouvelles")
    for n in range(3):
        make_post(workspace, f"Billet {n}", slug=f"billet-{n}", categories=[news])
    first = client.get("/").content.decode()

    with CaptureQueriesContext(connection) as queries:
        again = client.get("/").content.decode()

    assert again == first
    assert not [q["sql"] for q in queries.captured_queries if "space_category" in q["sql"]]
    assert page_text(client.get("/category/nouvelles/")).count("Publié") == 3


def test_each_language_gets_its_own_summaries(client, workspace):
    make_post(workspace, "Un billet")
    assert "Aucun commentaire" in page_text(client.get("/"))

    workspace.language = "en"
    workspace.save(update_fields=["language"])
    text = page_text(client.get("/"))
    assert "No comments" in text and "Aucun commentaire" not in text
