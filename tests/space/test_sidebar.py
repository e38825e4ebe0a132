"""The sidebar's archives by month, counted in the workspace's time zone, and kept fresh after changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from animateur.core.actions import SystemActor
from animateur.space import sidebar
from animateur.space.actions.posts import do_create_post
from animateur.space.models import Post, PostStatus, PostType
from tests.space.test_site_factories import add_comment, make_category, make_post, make_tag, page_text

# Paris is UTC+1 in winter and UTC+2 in summer: these instants fall in the month after their UTC date.
DATES = {
    "Réveillon": datetime(2010, 12, 31, 23, 30, tzinfo=UTC),  # 1 January 2011 at 00:30 in Paris
    "Janvier": datetime(2011, 1, 15, 12, 0, tzinfo=UTC),
    "Fin janvier": datetime(2011, 1, 31, 23, 30, tzinfo=UTC),  # 1 February in Paris
    "Février": datetime(2011, 2, 10, 9, 0, tzinfo=UTC),
    "Juin": datetime(2011, 6, 30, 21, 59, tzinfo=UTC),  # 23:59 on 30 June in Paris
    "Juillet": datetime(2011, 6, 30, 22, 0, tzinfo=UTC),  # midnight, 1 July in Paris
    "Bien plus tard": datetime(2013, 3, 1, 8, 0, tzinfo=UTC),
}


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture
def dated_posts(workspace):
    for title, when in DATES.items():
        make_post(workspace, title, published_at=when)
    # Neither a draft, nor a post whose time has not come, nor a page counts.
    make_post(workspace, "Brouillon", status=PostStatus.DRAFT, published_at=datetime(2011, 1, 10, tzinfo=UTC))
    make_post(workspace, "Demain", published_at=timezone.now() + timedelta(days=1))
    make_post(workspace, "À propos", type=PostType.PAGE, published_at=datetime(2011, 1, 10, tzinfo=UTC))


def _archives(client) -> list[str]:
    html = client.get("/").content.decode()
    widget = html[html.index('id="w-archives"') :]
    widget = widget[: widget.index("</nav>")]
    return [re.sub(r"\s+", " ", item).strip() for item in re.findall(r"<li>(.*?)</li>", widget)]


def test_the_archives_count_posts_by_month_of_the_workspace_time_zone(client, workspace, dated_posts):
    items = _archives(client)

    assert [re.sub(r"<[^>]+>", "", item) for item in items] == [
        "mars 2013 (1)",
        "juillet 2011 (1)",
        "juin 2011 (1)",
        "février 2011 (2)",
        "janvier 2011 (2)",
    ]
    assert 'href="/2011/02/"' in items[3]
    # Each month's count is what its archive page lists.
    assert page_text(client.get("/2011/02/")).count("Publié") == 2
    assert page_text(client.get("/2011/01/")).count("Publié") == 2
    assert page_text(client.get("/2011/07/")).count("Publié") == 1


def test_bucketing_agrees_with_the_database_month_truncation(workspace, dated_posts, monkeypatch):
    posts = Post.objects.filter(
        workspace=workspace, type=PostType.POST, status=PostStatus.PUBLISHED, published_at__lte=timezone.now()
    )
    bucketed = sidebar.posts_by_month(posts, workspace)
    truncated = sidebar._posts_by_truncated_month(posts, sidebar.workspace_tz(workspace))

    assert bucketed == truncated
    assert sum(n for _, n in bucketed) == len(DATES)
    # A span too long for one parameter per month is grouped by the database instead, with the same result.
    monkeypatch.setattr(sidebar, "MAX_BUCKETED_MONTHS", 12)
    assert sidebar.posts_by_month(posts, workspace) == truncated


def test_a_new_post_shows_in_the_sidebar_at_once(client, workspace, dated_posts, django_capture_on_commit_callbacks):
    news = make_category(workspace, "Nouvelles", "nouvelles")
    make_post(workspace, "Une nouvelle", categories=[news], published_at=datetime(2011, 2, 20, tzinfo=UTC))
    assert "février 2011 (3)" in page_text(client.get("/"))
    assert "Nouvelles (1)" in page_text(client.get("/"))

    announcement = make_tag(workspace, "annonce", "annonce")
    with django_capture_on_commit_callbacks(execute=True):  # the action makes the change public on commit
        do_create_post(
            workspace,
            actor=SystemActor("tests"),
            title="Encore une",
            body="Texte.",
            status="published",
            published_at=datetime(2011, 2, 21, tzinfo=UTC),
            categories=[news],
            tags=[announcement],
        )
    text = page_text(client.get("/"))
    assert "février 2011 (4)" in text and "Nouvelles (2)" in text and "annonce (1)" in text


def test_a_workspace_without_posts_has_no_archives(client, workspace):
    assert sidebar.build_sidebar(workspace)["months"] == []
    assert 'id="w-archives"' not in client.get("/").content.decode()


def test_building_the_sidebar_makes_a_few_queries_whatever_the_number_of_months(
    workspace, django_assert_max_num_queries
):
    for n in range(40):
        make_post(
            workspace,
            f"Mois {n}",
            slug=f"mois-{n}",
            published_at=datetime(2008, 1, 5, tzinfo=UTC) + n * timedelta(days=31),
        )
    # Categories and tags with their counts, pages, the first and last dates, the months.
    with django_assert_max_num_queries(8):
        data = sidebar.build_sidebar(workspace)
    assert len(data["months"]) == 40


def test_a_comment_expires_pages_but_the_sidebar_is_not_counted_again(client, workspace, settings):
    settings.PAGE_CACHE_SECONDS = 0
    news = make_category(workspace, "Nouvelles", "nouvelles")
    post = make_post(workspace, "Une nouvelle", categories=[news])
    client.get("/")
    add_comment(post, "Bravo !")
    workspace.bump_content_version()  # what the pipeline does once the comment is stored

    with CaptureQueriesContext(connection) as queries:
        text = page_text(client.get("/"))

    assert "1 commentaire" in text and "Nouvelles (1)" in text and "janvier 2011 (1)" in text
    counted = [
        q["sql"] for q in queries.captured_queries if "space_post_categories" in q["sql"] and "COUNT" in q["sql"]
    ]
    assert counted == []
    # A change of posts is counted again.
    make_post(workspace, "Une autre", slug="une-autre", categories=[news])
    assert "Nouvelles (2)" in page_text(client.get("/"))
