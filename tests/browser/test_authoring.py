"""The post editor in a real browser: the live preview follows what the author types."""

from __future__ import annotations

import pytest

from animateur.core.roles import Role
from animateur.space.models import Post, PostStatus

pytestmark = pytest.mark.browser


def test_the_preview_follows_the_markdown_as_it_is_typed_and_the_post_is_saved(
    workspace, make_user, page, login
):
    make_user("redac@example.org", workspace, Role.MANAGER)
    login(page, "redac@example.org")
    page.goto("/app/space/posts/new/")
    page.get_by_label("Titre").fill("Tourisme et médias sociaux")
    body = page.locator("textarea[name=body]")
    body.fill("Une **interview** et <script>alert(1)</script> rien d'autre")
    preview = page.locator("#preview")
    preview.locator("strong", has_text="interview").wait_for()
    assert preview.locator("script").count() == 0
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/app/space/posts/*/")
    post = Post.objects.get(workspace=workspace)
    assert post.slug == "tourisme-et-medias-sociaux" and post.status == PostStatus.DRAFT
    assert page.locator(".flash").inner_text().strip() != ""


def test_the_skip_link_is_the_first_stop_of_the_keyboard(workspace, make_user, page, login):
    make_user("clavier@example.org", workspace, Role.MANAGER)
    login(page, "clavier@example.org")
    page.goto("/app/space/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
