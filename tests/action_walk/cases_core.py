"""How to call the actions of core (workspaces, team, accounts, two-factor) and the API tokens."""

from __future__ import annotations

import pyotp

from animateur.api.actions import do_create_api_token, do_revoke_api_token
from animateur.core.account import do_update_account
from animateur.core.actions import do_add_member, do_create_workspace, do_provision_user
from animateur.core.models import Membership, TotpDevice
from animateur.core.roles import Role
from animateur.core.team import (
    do_accept_invitation,
    do_change_role,
    do_invite_member,
    do_remove_member,
    do_revoke_invitation,
    do_set_require_totp,
)
from animateur.core.two_factor import (
    do_confirm_totp,
    do_disable_totp,
    do_pass_second_factor,
    do_regenerate_recovery_codes,
    do_start_totp_setup,
)
from tests.action_walk.registry import Call, World, case


@case("do_create_workspace")
def _create_workspace(w: World) -> Call:
    return lambda: do_create_workspace("autre", "Autre", actor=w.owner)


@case("do_add_member")
def _add_member(w: World) -> Call:
    user = w.make_user("new@example.org")
    return lambda: do_add_member(w.workspace, user, Role.MODERATOR, actor=w.owner)


@case("do_provision_user")
def _provision_user(w: World) -> Call:
    return lambda: do_provision_user(
        w.workspace, "ops@example.org", "a long passphrase 42", Role.MANAGER, actor=w.owner
    )


@case("do_update_account")
def _update_account(w: World) -> Call:
    return lambda: do_update_account(w.owner, display_name="Olivia O.", language="en", actor=w.owner)


@case("do_invite_member")
def _invite(w: World) -> Call:
    return lambda: do_invite_member(w.workspace, "camille@example.org", Role.MODERATOR, actor=w.owner)


@case("do_revoke_invitation")
def _revoke_invitation(w: World) -> Call:
    invitation, _token = do_invite_member(w.workspace, "camille@example.org", Role.MODERATOR, actor=w.owner)
    return lambda: do_revoke_invitation(invitation, actor=w.owner)


@case("do_accept_invitation")
def _accept_invitation(w: World) -> Call:
    _invitation, token = do_invite_member(w.workspace, "camille@example.org", Role.MODERATOR, actor=w.owner)
    return lambda: do_accept_invitation(token, password="a long enough passphrase 42", display_name="Camille")


@case("do_change_role")
def _change_role(w: World) -> Call:
    membership = Membership.objects.get(user=w.make_user("mod@example.org", w.workspace, Role.MODERATOR))
    return lambda: do_change_role(membership, Role.MANAGER, actor=w.owner)


@case("do_remove_member")
def _remove_member(w: World) -> Call:
    membership = Membership.objects.get(user=w.make_user("mod@example.org", w.workspace, Role.MODERATOR))
    return lambda: do_remove_member(membership, actor=w.owner)


@case("do_set_require_totp")
def _require_totp(w: World) -> Call:
    return lambda: do_set_require_totp(w.workspace, True, actor=w.owner)


def _code(w: World, steps_ahead: int = 0) -> str:
    import time

    device = TotpDevice.objects.get(user=w.owner)
    return pyotp.TOTP(device.secret).at(time.time() + 30 * steps_ahead)


def _with_totp(w: World) -> list[str]:
    do_start_totp_setup(w.owner, actor=w.owner)
    return do_confirm_totp(w.owner, _code(w), actor=w.owner)


@case("do_start_totp_setup")
def _start_totp(w: World) -> Call:
    return lambda: do_start_totp_setup(w.owner, actor=w.owner)


@case("do_confirm_totp")
def _confirm_totp(w: World) -> Call:
    do_start_totp_setup(w.owner, actor=w.owner)
    return lambda: do_confirm_totp(w.owner, _code(w), actor=w.owner)


@case("do_regenerate_recovery_codes")
def _regenerate_codes(w: World) -> Call:
    _with_totp(w)
    return lambda: do_regenerate_recovery_codes(w.owner, _code(w, steps_ahead=1), actor=w.owner)


@case("do_disable_totp")
def _disable_totp(w: World) -> Call:
    _with_totp(w)
    return lambda: do_disable_totp(w.owner, _code(w, steps_ahead=1), actor=w.owner)


@case("do_pass_second_factor")
def _pass_second_factor(w: World) -> Call:
    # The app's code is checked, not recorded; spending a recovery code is what the trail keeps.
    recovery = _with_totp(w)
    return lambda: do_pass_second_factor(w.owner, recovery[0])


@case("do_create_api_token")
def _create_token(w: World) -> Call:
    return lambda: do_create_api_token(w.workspace, w.owner, "CRM", actor=w.owner)


@case("do_revoke_api_token")
def _revoke_token(w: World) -> Call:
    token, _secret = do_create_api_token(w.workspace, w.owner, "CRM", actor=w.owner)
    return lambda: do_revoke_api_token(token, actor=w.owner)
