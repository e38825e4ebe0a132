"""The API tokens page: created for a teammate, shown once, working at once; revoked, refused at once."""

from __future__ import annotations

import re

from animateur.api.models import ApiToken
from animateur.core.models import AuditEvent
from animateur.core.roles import Role


def test_a_manager_creates_a_token_for_a_teammate_shown_once_then_revokes_it(workspace, client_as, make_user):
    manager = client_as(workspace, Role.MANAGER)
    moderator = make_user("mo@example.org", workspace, Role.MODERATOR)
    page = manager.post("/app/team/api-tokens/", {"name": "Tableau de bord", "user": moderator.pk})
    key = re.search(r"data-token-key>([^<]+)<", page.content.decode()).group(1)
    assert "Copiez-le maintenant" in page.content.decode()
    api = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert manager.get("/api/inbox/conversations", **api).status_code == 200
    listing = manager.get("/app/team/api-tokens/").content.decode()
    assert "Tableau de bord" in listing and key not in listing

    token = ApiToken.objects.get(name="Tableau de bord")
    assert token.user == moderator and token.key_hash != key
    manager.post(f"/app/team/api-tokens/{token.pk}/revoke/")
    assert manager.get("/api/inbox/conversations", **api).status_code == 401
    assert AuditEvent.objects.filter(verb="api.token.revoke").count() == 1


def test_a_token_needs_a_name_and_a_member_of_this_workspace(workspace, make_workspace, client_as, make_user):
    manager = client_as(workspace, Role.MANAGER)
    stranger = make_user("x@example.org", make_workspace("autre"), Role.OWNER)
    assert manager.post("/app/team/api-tokens/", {"name": "X", "user": stranger.pk}).status_code == 400
    assert manager.post("/app/team/api-tokens/", {"name": "", "user": stranger.pk}).status_code == 400
    # A user field that is not a number (a hand-made request) is refused like an unknown member.
    refused = manager.post("/app/team/api-tokens/", {"name": "X", "user": "abc"})
    assert refused.status_code == 400 and "Choisissez un membre" in refused.content.decode()
    assert not ApiToken.objects.exists()


def test_moderators_cannot_see_or_manage_tokens(workspace, client_as):
    assert client_as(workspace, Role.MODERATOR).get("/app/team/api-tokens/").status_code == 403
