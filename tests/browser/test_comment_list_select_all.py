"""« Tout sélectionner » of the team's comments list works from its static script."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from animateur.core.roles import Role
from tests.space.test_site_factories import add_comment, make_post

pytestmark = pytest.mark.browser


def test_select_all_checks_every_comment_and_follows_the_rows(page, login, workspace, make_user):
    post = make_post(workspace, "Un article", slug="un-article")
    for n in range(3):
        add_comment(post, f"Commentaire {n}", email=f"c{n}@example.org", visibility="pending")
    make_user("moderatrice@example.org", workspace, Role.MODERATOR)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, "moderatrice@example.org")
    page.goto("/app/space/comments/")
    everything = page.get_by_label("Tout sélectionner")
    rows = page.locator("input[name=ids]")
    expect(rows).to_have_count(3)
    everything.check()
    for n in range(3):
        expect(rows.nth(n)).to_be_checked()
    rows.nth(1).uncheck()
    expect(everything).not_to_be_checked()
    assert page.evaluate("document.getElementById('select-all').indeterminate")
    everything.check()
    everything.uncheck()
    for n in range(3):
        expect(rows.nth(n)).not_to_be_checked()
    assert errors == []
