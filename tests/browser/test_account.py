"""« Mon compte » in a real browser: a member switches the app to English from the user menu."""

from __future__ import annotations

import pytest

from animateur.core.roles import Role

pytestmark = pytest.mark.browser


def test_a_member_switches_the_app_to_english_from_the_user_menu(workspace, make_user, page, login):
    make_user("sacha@example.org", workspace, Role.MODERATOR)
    login(page, "sacha@example.org")
    page.get_by_role("link", name="Mon compte").click()
    page.wait_for_url("**/app/account/")
    page.get_by_label("Votre nom").fill("Sacha Bernard")
    page.get_by_label("Langue de l’application").select_option("en")
    page.get_by_role("button", name="Enregistrer").click()
    page.locator(".flash", has_text="Your account is saved.").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Log out").is_visible()
    assert page.locator(".staff-user .who").inner_text() == "Sacha Bernard"
    page.goto("/app/inbox/")
    assert page.get_by_role("link", name="My account").is_visible()


def test_the_browser_gets_the_project_icon(workspace, page):
    page.goto("/")
    href = page.locator("link[rel=icon]").get_attribute("href")
    icon = page.request.get(href)
    assert icon.ok and icon.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in icon.text()
    legacy = page.request.get("/favicon.ico")
    assert legacy.ok and legacy.url.endswith("/animateur/favicon.svg")
