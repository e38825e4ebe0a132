"""In a browser: an invitation without a mail server gives a link to copy, the roles are explained,
and the 404 and 403 pages look like the app, in French. ANIMATEUR_SCREENSHOTS=<folder> keeps screenshots.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from animateur.core.roles import Role

pytestmark = pytest.mark.browser


def shoot(page, name: str) -> None:
    folder = os.environ.get("ANIMATEUR_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_an_invitation_without_mail_server_gives_a_link_to_copy_and_the_roles_are_explained(
    workspace, make_user, page, login, settings
):
    settings.EMAIL_HOST = ""
    make_user("manon@example.org", workspace, Role.MANAGER)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login(page, "manon@example.org")
    page.goto("/app/team/")
    page.get_by_label("Courriel").fill("zoe@example.org")
    page.get_by_label("Rôle").select_option("analyst")
    page.get_by_role("button", name="Envoyer l’invitation").click()
    box = page.locator(".invitation-link")
    expect(box).to_contain_text("Aucun e-mail n’a été envoyé")
    link = page.get_by_role("textbox", name="Lien d’invitation").input_value()
    assert "/app/invitations/" in link
    box.get_by_role("button", name="Copier le lien").click()
    expect(box.get_by_role("button", name="Copié")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link
    page.get_by_text("Ce que chaque rôle peut faire").click()
    row = page.locator(".role-matrix tr", has_text="Inviter des coéquipiers")
    expect(row.locator("td.yes")).to_have_count(2)  # owner and manager
    shoot(page, "fr-team-invitation")

    page.goto("/app/pas-de-page/")
    expect(page.get_by_role("heading", name="Page introuvable")).to_be_visible()
    expect(page.get_by_role("link", name="Retour à l’application")).to_be_visible()
    shoot(page, "fr-404-team")
    page.goto("/une-page-qui-n-existe-pas/")
    expect(page.get_by_role("heading", name="Page introuvable")).to_be_visible()
    expect(page.get_by_role("link", name="Retour à l’accueil")).to_be_visible()
    shoot(page, "fr-404-site")


def test_a_refused_page_names_the_missing_right_in_french(workspace, make_user, page, login):
    make_user("ana@example.org", workspace, Role.ANALYST)
    login(page, "ana@example.org")
    response = page.goto("/app/team/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Action non autorisée")).to_be_visible()
    expect(page.get_by_text("« Voir l’équipe »")).to_be_visible()
    shoot(page, "fr-403-team")
