"""A visitor comments on a post in French; a moderator approves it; everyone then sees it, counted."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from animateur.core.actions import SystemActor
from animateur.core.roles import Role
from animateur.space.actions.posts import do_create_post
from animateur.space.models import PostStatus

TITLE = "Le Community Management"
COMMENT = "Merci pour ce billet très clair, je le partage avec toute mon équipe."


def test_a_held_comment_shows_to_everyone_with_its_count_once_a_moderator_approves_it(
    page, new_page, login, workspace, make_user
):
    do_create_post(
        workspace,
        actor=SystemActor("tests"),
        title=TITLE,
        body="Animer une communauté, c'est d'abord écouter.\n\n<!--more-->\n\nPuis répondre à temps.",
        status=PostStatus.PUBLISHED,
    )
    make_user("moderatrice@example.org", workspace, Role.MODERATOR)

    # A visitor reads the home page, in French, and opens the post.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    summary = page.locator("article", has=page.get_by_role("link", name=TITLE, exact=True))
    expect(summary).to_contain_text("Aucun commentaire")
    summary.get_by_role("link", name=TITLE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("#comments-title")).to_have_text("Aucun commentaire")

    # The visitor comments: as a first-time commenter, the comment waits for moderation.
    form = page.locator("#respond")
    form.get_by_label(re.compile(r"^Nom\b")).fill("Camille")
    form.get_by_label(re.compile(r"^(Courriel|Adresse e-mail)")).fill("camille@example.org")
    form.get_by_label(re.compile(r"^Commentaire\b")).fill(COMMENT)
    form.get_by_role("button", name="Publier le commentaire").click()
    held = page.locator("li.comment", has_text=COMMENT)
    expect(held).to_contain_text("Votre commentaire est en attente de modération.")
    expect(page.locator("#comments-title")).to_have_text("Aucun commentaire")
    post_path = re.sub(r"^https?://[^/]+", "", page.url).split("#")[0]

    # Another visitor does not see it yet.
    stranger = new_page()
    stranger.goto(post_path)
    expect(stranger.get_by_text(COMMENT)).to_have_count(0)

    # A moderator approves it from the team's comment queue.
    moderator = new_page()
    login(moderator, "moderatrice@example.org")
    moderator.goto("/app/space/comments/")
    row = moderator.locator("tr", has_text=COMMENT)
    row.get_by_role("button", name=re.compile(r"^Approuver")).click()
    expect(moderator.locator("tr", has_text=COMMENT)).to_have_count(0)

    # The visitor sees the comment, no longer held, and the count went up.
    page.goto(post_path)
    comment = page.locator("li.comment", has_text=COMMENT)
    expect(comment).to_contain_text("Camille")
    expect(comment).not_to_contain_text("en attente de modération")
    expect(page.locator("#comments-title")).to_have_text("1 commentaire")

    # So does anyone else, on the post and on the home page: no stale cached page.
    stranger.goto(post_path)
    expect(stranger.locator("li.comment", has_text=COMMENT)).to_be_visible()
    stranger.goto("/")
    expect(
        stranger.locator("article", has=stranger.get_by_role("link", name=TITLE, exact=True))
    ).to_contain_text("1 commentaire")
