"""The team's comments list: the same decisions as the queue and the conversation, no inline script."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.inline_code import inline_code
from tests.space.test_site_factories import add_comment, make_post


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture
def post(workspace):
    return make_post(workspace, "Un article", slug="un-article", body="Le corps de l’article.")


def test_select_all_comes_from_a_static_script_that_a_strict_content_security_policy_allows(
    post, workspace, client_as
):
    add_comment(post, "Premier", visibility="pending")
    add_comment(post, "Second", email="bob@example.org", visibility="pending")
    page = client_as(workspace, "moderator").get("/app/space/comments/").content.decode()
    assert 'id="select-all"' in page
    assert inline_code(page) == []
    assert "space/staff-comments" in page and ".js" in page.split("space/staff-comments")[-1][:40]
