"""Logging out: by POST, back on the login page with a message, in the app's language."""

from __future__ import annotations

from django.test import Client

from animateur.core.roles import Role


def logged_in(make_user, workspace, **extra) -> Client:
    user = make_user("sacha@example.org", workspace, Role.MODERATOR, **extra)
    client = Client()
    client.force_login(user)
    return client


def test_logging_out_lands_on_the_login_page_with_a_message_in_french(workspace, make_user):
    client = logged_in(make_user, workspace)
    response = client.post("/app/logout/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/app/login/"
    page = response.content.decode()
    assert "Vous êtes déconnecté" in page and "Se connecter" in page
    assert client.get("/app/inbox/").status_code == 302  # the session is gone


def test_logging_out_in_an_english_workspace_speaks_english(make_workspace, make_user):
    workspace = make_workspace("brand", "Brand", language="en", is_default=True)
    client = logged_in(make_user, workspace)
    page = client.post("/app/logout/", follow=True).content.decode()
    assert "You are logged out" in page and "Log in" in page


def test_the_logout_address_opened_by_hand_asks_before_logging_out(workspace, make_user):
    client = logged_in(make_user, workspace)
    page = client.get("/app/logout/")
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode() and "Se déconnecter" in page.content.decode()
    assert client.get("/app/inbox/").status_code == 200  # a GET changes nothing
    # Someone already logged out goes to the login page.
    assert Client().get("/app/logout/")["Location"] == "/app/login/"


def test_logging_out_under_a_workspace_prefix_stays_in_that_workspace(workspace, make_workspace, make_user):
    other = make_workspace("brand-b", "Brand B")
    user = make_user("sacha@example.org", other, Role.MODERATOR)
    client = Client()
    client.force_login(user)
    response = client.post("/w/brand-b/app/logout/")
    assert response["Location"] == "/w/brand-b/app/login/"
