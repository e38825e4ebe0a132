"""The team: invitations by email, roles, login throttling, two-factor, switching workspace."""

from __future__ import annotations

import re

import pyotp
import pytest
from django.core.cache import cache
from django.test import Client

from animateur.core.models import Membership, TotpDevice, User
from animateur.core.roles import Role
from animateur.core.team import do_set_require_totp


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


def test_a_manager_invites_a_teammate_who_joins_through_the_emailed_link(
    workspace, client_as, mailoutbox, django_capture_on_commit_callbacks
):
    manager = client_as(workspace, Role.MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post("/app/team/invite/", {"email": "Zoe@Example.org", "role": "moderator"})
    assert response.status_code == 302
    assert mailoutbox[0].to == ["zoe@example.org"]
    link = re.search(r"https?://\S+/app/invitations/\S+/", mailoutbox[0].body).group(0)
    path = link.split("testserver", 1)[1]
    visitor = Client()
    assert "zoe@example.org" in visitor.get(path).content.decode()
    weak = visitor.post(path, {"display_name": "Zoé", "password": "123"})
    assert weak.status_code == 200 and not User.objects.filter(email="zoe@example.org").exists()
    joined = visitor.post(path, {"display_name": "Zoé", "password": "un mot de passe solide"})
    assert joined.status_code == 302
    zoe = User.objects.get(email="zoe@example.org")
    assert Membership.objects.get(user=zoe, workspace=workspace).role == Role.MODERATOR
    assert visitor.get("/app/inbox/").status_code == 200  # logged in, in the workspace
    assert Client().get(path).status_code == 404  # the link works once


def test_a_moderator_cannot_invite_and_only_an_owner_changes_roles(workspace, client_as):
    moderator = client_as(workspace, Role.MODERATOR)
    assert moderator.post("/app/team/invite/", {"email": "x@example.org", "role": "guest"}).status_code == 403
    manager = client_as(workspace, Role.MANAGER)
    membership = Membership.objects.get(user=moderator.user)
    assert manager.post(f"/app/team/members/{membership.pk}/", {"role": "owner"}).status_code == 403
    owner = client_as(workspace, Role.OWNER)
    owner.post(f"/app/team/members/{membership.pk}/", {"role": "analyst"})
    membership.refresh_from_db()
    assert membership.role == Role.ANALYST
    last_owner = Membership.objects.get(user=owner.user)
    owner.post(f"/app/team/members/{last_owner.pk}/", {"role": "guest"})
    last_owner.refresh_from_db()
    assert last_owner.role == Role.OWNER  # a workspace keeps at least one owner


def test_login_is_refused_after_five_failures_even_with_the_right_password(workspace, make_user):
    make_user("ana@example.org", workspace)
    client = Client()
    for _ in range(5):
        client.post("/app/login/", {"username": "ana@example.org", "password": "wrong"})
    response = client.post(
        "/app/login/", {"username": "ana@example.org", "password": "correct horse battery"}
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "15 minutes" in response.content.decode()


def test_with_totp_the_password_alone_does_not_log_in(workspace, make_user):
    user = make_user("ana@example.org", workspace)
    secret = pyotp.random_base32()
    TotpDevice.objects.create(user=user, secret=secret, confirmed=True)
    client = Client()
    response = client.post(
        "/app/login/", {"username": "ana@example.org", "password": "correct horse battery"}
    )
    assert response["Location"].endswith("/app/login/2fa/")
    assert client.get("/app/inbox/").status_code == 302  # not logged in yet
    assert client.post("/app/login/2fa/", {"code": "000000"}).status_code == 400
    response = client.post("/app/login/2fa/", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert client.get("/app/inbox/").status_code == 200


def test_a_workspace_requiring_totp_sends_its_members_to_set_it_up(workspace, make_user):
    owner = make_user("owner@example.org", workspace, Role.OWNER)
    do_set_require_totp(workspace, True, actor=owner)
    client = Client()
    response = client.post(
        "/app/login/", {"username": "owner@example.org", "password": "correct horse battery"}
    )
    assert response["Location"].startswith("/app/account/2fa/?next=")
    page = client.get("/app/account/2fa/").content.decode()
    secret = re.search(r"data-totp-secret>(\w+)<", page).group(1)
    client.post("/app/account/2fa/", {"code": pyotp.TOTP(secret).now()})
    assert TotpDevice.objects.get(user=owner).confirmed


def test_a_user_of_two_workspaces_switches_between_them(workspace, make_workspace, make_user):
    other = make_workspace("brand-b", "Brand B")
    user = make_user("ana@example.org", workspace, Role.MODERATOR)
    Membership.objects.create(user=user, workspace=other, role=Role.GUEST)
    client = Client()
    client.force_login(user)
    page = client.get("/app/workspaces/").content.decode()
    assert "/w/brand-b/app/" in page and "Brand B" in page
    assert client.get("/w/brand-b/app/inbox/").status_code == 200
    stranger = make_workspace("brand-c", "Brand C")
    assert client.get(f"/w/{stranger.slug}/app/inbox/").status_code == 404


def test_session_cookie_is_http_only_and_same_site(workspace, make_user):
    make_user("ana@example.org", workspace)
    client = Client()
    client.post("/app/login/", {"username": "ana@example.org", "password": "correct horse battery"})
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_the_team_pages_and_the_login_speak_french_in_a_french_workspace(workspace, client_as):
    login = Client().get("/app/login/").content.decode()
    assert "Se connecter" in login and "Mot de passe" in login
    page = client_as(workspace, Role.OWNER).get("/app/team/").content.decode()
    assert "Inviter un coéquipier" in page and "Envoyer l’invitation" in page and "Se déconnecter" in page


def test_an_open_session_must_set_up_two_factor_once_the_workspace_requires_it(workspace, make_user, client_as):
    owner = make_user("owner@example.org", workspace, Role.OWNER)
    moderator = client_as(workspace, Role.MODERATOR)
    assert moderator.get("/app/inbox/").status_code == 200
    do_set_require_totp(workspace, True, actor=owner)

    for url in ("/app/inbox/", "/app/inbox/list/", "/app/team/"):
        response = moderator.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/app/account/2fa/")
    # Nothing is changed behind the redirect either.
    assert moderator.post("/app/inbox/views/save/", {"name": "Mine"}).status_code == 302
    from animateur.inbox.models import SavedView

    assert not SavedView.objects.exists()

    setup_url = moderator.get("/app/inbox/?view=new")["Location"]
    page = moderator.get(setup_url).content.decode()
    secret = re.search(r"data-totp-secret>(\w+)<", page).group(1)
    response = moderator.post(setup_url, {"code": pyotp.TOTP(secret).now()})
    # The recovery codes come first, then the page that required the set-up.
    assert 'href="/app/inbox/?view=new"' in response.content.decode()
    assert moderator.get("/app/inbox/").status_code == 200
