"""A workspace that requires two-factor login refuses the API tokens of members who have not set it up."""

from __future__ import annotations

import pyotp
from django.test import Client

from animateur.api.actions import do_create_api_token
from animateur.core.actions import SystemActor
from animateur.core.models import TotpDevice
from animateur.core.roles import Role
from animateur.core.team import do_set_require_totp

SYSTEM = SystemActor("tests")


def bearer(workspace, user) -> dict[str, str]:
    _token, key = do_create_api_token(workspace, user, "tableau de bord", actor=SYSTEM)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_a_token_of_a_member_without_two_factor_is_refused_once_the_workspace_requires_it(workspace, make_user):
    owner = make_user("owner@example.org", workspace, Role.OWNER)
    moderator = make_user("mo@example.org", workspace, Role.MODERATOR)
    api = bearer(workspace, moderator)
    assert Client().get("/api/inbox/conversations", **api).status_code == 200

    do_set_require_totp(workspace, True, actor=owner)
    refused = Client().get("/api/inbox/conversations", **api)
    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("application/json")
    body = refused.json()
    assert body["code"] == "second_factor_required"
    assert "mo@example.org" in body["detail"] and "double authentification" in body["detail"]
    # Nothing is changed behind the refusal either.
    posted = Client().post(
        "/api/inbox/conversations/1/state", {"state": "closed"}, content_type="application/json", **api
    )
    assert posted.status_code == 403

    TotpDevice.objects.create(user=moderator, secret=pyotp.random_base32(), confirmed=True)
    assert Client().get("/api/inbox/conversations", **api).status_code == 200


def test_a_pending_set_up_is_not_a_second_factor(workspace, make_user):
    owner = make_user("owner@example.org", workspace, Role.OWNER)
    do_set_require_totp(workspace, True, actor=owner)
    TotpDevice.objects.create(user=owner, secret=pyotp.random_base32(), confirmed=False)
    assert Client().get("/api/inbox/conversations", **bearer(workspace, owner)).status_code == 403


def test_another_workspace_requiring_it_counts_too_as_for_the_pages(workspace, make_workspace, make_user):
    strict = make_workspace("strict", "Strict")
    user = make_user("ana@example.org", workspace, Role.MANAGER)
    strict_owner = make_user("boss@example.org", strict, Role.OWNER)
    from animateur.core.models import Membership

    Membership.objects.create(user=user, workspace=strict, role=Role.GUEST)
    api = bearer(workspace, user)
    assert Client().get("/api/inbox/conversations", **api).status_code == 200
    do_set_require_totp(strict, True, actor=strict_owner)
    # The team pages of the lax workspace already send this user to the set-up: the API agrees.
    client = Client()
    client.force_login(user)
    assert client.get("/app/inbox/")["Location"].startswith("/app/account/2fa/")
    assert Client().get("/api/inbox/conversations", **api).status_code == 403
