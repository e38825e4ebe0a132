"""The login page and the 403, 404 and 500 pages: the product's look, the visitor's language."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from animateur.core.roles import Role


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_login_page_looks_like_the_app_and_offers_the_password_reset(workspace):
    page = Client().get("/app/login/")
    html = page.content.decode()
    assert "/static/animateur/staff.css" in html and 'class="auth-card"' in html
    assert "Acme" in text(page)  # whose app this is
    assert '<a href="/app/password-reset/">Mot de passe oublié ?</a>' in html
    assert Client().get("/app/password-reset/").status_code == 200


def test_the_login_page_of_an_english_workspace_is_in_english(make_workspace):
    make_workspace("brand", "Brand", language="en", is_default=True)
    html = Client().get("/app/login/").content.decode()
    assert '<html lang="en">' in html and "Forgot your password?" in html


def test_a_missing_team_page_is_in_french_with_the_team_menu(workspace, client_as):
    moderator = client_as(workspace, Role.MODERATOR)
    page = moderator.get("/app/inbox/conversations/999999/")
    assert page.status_code == 404
    html = page.content.decode()
    assert '<html lang="fr">' in html and "/static/animateur/staff.css" in html
    assert "Page introuvable" in text(page) and "Se déconnecter" in text(page)
    assert "Not Found" not in html


def test_a_member_who_chose_english_gets_the_team_404_in_english(workspace, make_user):
    user = make_user("sacha@example.org", workspace, Role.MODERATOR, language="en")
    client = Client()
    client.force_login(user)
    page = client.get("/app/no-such-page/")
    assert page.status_code == 404
    assert "Page not found" in text(page) and '<html lang="en">' in page.content.decode()


def test_an_anonymous_404_under_the_app_offers_to_log_in(workspace):
    page = Client().get("/app/no-such-page/")
    assert page.status_code == 404
    assert "Page introuvable" in text(page) and 'href="/app/login/"' in page.content.decode()


def test_a_missing_public_page_looks_like_the_site_in_the_workspaces_language(make_workspace):
    make_workspace("brand", "Brand", language="en", is_default=True)
    page = Client().get("/2011/01/06/nothing-here/")
    assert page.status_code == 404
    html = page.content.decode()
    assert "/static/space/site.css" in html and '<html lang="en">' in html
    assert "Page not found" in text(page) and "Brand" in text(page)
    assert 'action="/search/"' in html  # a way on from here


def test_a_french_site_says_it_in_french_under_its_workspace_prefix(workspace, make_workspace):
    make_workspace("marque", "Marque")
    page = Client().get("/w/marque/rien/")
    assert page.status_code == 404
    assert "Page introuvable" in text(page) and "Marque" in text(page)
    assert 'href="/w/marque/"' in page.content.decode()


def test_a_refused_team_page_says_in_words_which_right_is_missing(workspace, client_as):
    analyst = client_as(workspace, Role.ANALYST)
    page = analyst.post("/app/team/invite/", {"email": "x@example.org", "role": "guest"})
    assert page.status_code == 403
    assert "Action non autorisée" in text(page)
    assert "« Inviter des coéquipiers »" in text(page)
    assert "team.invite" not in page.content.decode()


@pytest.mark.urls("tests.core.failing_urls")
def test_a_server_error_on_a_team_page_is_a_page_of_the_app_in_its_language(workspace, client_as):
    client = client_as(workspace, Role.MODERATOR)
    client.raise_request_exception = False
    page = client.get("/app/fail/")
    assert page.status_code == 500
    html = page.content.decode()
    assert '<html lang="fr">' in html and "/static/animateur/staff.css" in html
    assert "Une erreur inattendue" in text(page) and 'href="/app/fail/"' in html


@pytest.mark.urls("tests.core.failing_urls")
def test_a_server_error_on_the_site_looks_like_the_site(make_workspace):
    make_workspace("brand", "Brand", language="en", is_default=True)
    client = Client(raise_request_exception=False)
    page = client.get("/fail/")
    assert page.status_code == 500
    assert "/static/space/site.css" in page.content.decode()
    assert "Something went wrong" in text(page) and "Brand" in text(page)
