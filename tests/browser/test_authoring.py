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


def test_the_more_button_puts_the_mark_at_the_cursor_and_moves_one_already_there(workspace, make_user, page, login):
    make_user("suite@example.org", workspace, Role.MANAGER)
    login(page, "suite@example.org")
    page.goto("/app/space/posts/new/")
    assert "<!--more-->" in page.locator("#more-help").inner_text()
    page.get_by_label("Titre").fill("Lire la suite")
    body = page.locator("textarea[name=body]")
    body.fill("Le début.\nLa suite.")
    body.evaluate("area => area.setSelectionRange(9, 9)")  # right after « Le début. »
    button = page.get_by_role("button", name="Insérer la marque « Lire la suite » au curseur")
    button.click()
    assert body.input_value() == "Le début.\n\n<!--more-->\n\nLa suite."
    assert page.evaluate("document.activeElement.name") == "body"  # back to writing
    page.locator("#preview p", has_text="La suite.").wait_for()  # the preview followed

    body.evaluate("area => area.setSelectionRange(area.value.length, area.value.length)")
    button.click()
    assert body.input_value().count("<!--more-->") == 1  # only the first mark counts: it moved
    assert body.input_value().rstrip().endswith("La suite.\n\n<!--more-->")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/app/space/posts/*/")
    assert Post.objects.get(workspace=workspace).body.count("<!--more-->") == 1
