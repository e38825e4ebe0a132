"""« Mon compte »: each member chooses the app's language and their name, for themselves only."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from animateur.core.account import do_update_account
from animateur.core.models import AuditEvent, User
from animateur.core.roles import Role


@pytest.fixture
def guest(workspace, make_user) -> Client:
    """The least of the roles: an account page is everyone's."""
    client = Client()
    client.user = make_user("invitee@example.org", workspace, Role.GUEST)  # type: ignore[attr-defined]
    client.force_login(client.user)  # type: ignore[attr-defined]
    return client


def test_the_user_menu_leads_to_my_account(guest):
    page = guest.get("/app/account/2fa/").content.decode()
    assert '<a href="/app/account/">Mon compte</a>' in page


def test_choosing_english_turns_the_app_into_english_from_the_next_page(guest, workspace):
    form = guest.get("/app/account/")
    assert form.status_code == 200
    assert "Langue de l’application" in form.content.decode()
    saved = guest.post("/app/account/", {"display_name": "Camille Martin", "language": "en"}, follow=True)
    page = saved.content.decode()
    assert saved.redirect_chain == [("/app/account/", 302)]
    assert saved["Content-Language"] == "en"
    assert "Your account is saved." in page and "My account" in page and "Log out" in page
    assert "Camille Martin" in page
    user = User.objects.get(email="invitee@example.org")
    assert (user.display_name, user.language) == ("Camille Martin", "en")
    event = AuditEvent.objects.get(workspace=workspace, verb="user.update_account")
    assert event.actor == f"user:{user.pk}" and event.data == {"display_name": "Camille Martin", "language": "en"}
    # Back to the workspace's language (French here).
    back = guest.post("/app/account/", {"display_name": "Camille Martin", "language": ""}, follow=True)
    assert back["Content-Language"] == "fr" and "Votre compte est enregistré." in back.content.decode()


def test_the_public_site_keeps_the_workspace_language(guest):
    guest.post("/app/account/", {"display_name": "", "language": "en"})
    assert guest.get("/")["Content-Language"] == "fr"


def test_an_unknown_language_is_refused_and_changes_nothing(guest):
    response = guest.post("/app/account/", {"display_name": "Eve", "language": "de"})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    user = User.objects.get(email="invitee@example.org")
    assert (user.display_name, user.language) == ("", "")
    assert not AuditEvent.objects.filter(verb="user.update_account").exists()


def test_the_page_changes_only_the_logged_in_member(guest, workspace, make_user):
    other = make_user("owner@example.org", workspace, Role.OWNER, display_name="Dominique")
    guest.post("/app/account/", {"display_name": "Camille", "language": "en", "user": other.pk, "email": other.email})
    other.refresh_from_db()
    assert (other.display_name, other.language) == ("Dominique", "")
    with pytest.raises(PermissionDenied):
        intruder = User.objects.get(email="invitee@example.org")
        do_update_account(other, display_name="Pirate", language="en", actor=intruder)
    other.refresh_from_db()
    assert other.display_name == "Dominique"


def test_anonymous_visitors_are_sent_to_the_login(client, workspace):
    response = client.get("/app/account/")
    assert response.status_code == 302 and response["Location"].startswith("/app/login/")


def test_a_members_language_lasts_for_their_own_requests_only(guest, client):
    from django.utils import translation

    guest.post("/app/account/", {"display_name": "", "language": "en"})
    assert guest.get("/app/account/")["Content-Language"] == "en"
    # The same thread serves someone else next: the workspace's French, not the previous member's English.
    assert translation.get_language() == "fr"
    assert client.get("/app/login/")["Content-Language"] == "fr"
