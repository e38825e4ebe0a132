"""Team actions: invitations, roles, the two-factor requirement, login throttling (the set-up is two_factor's).

Every write goes through a `do_*` action: permission check, one transaction, one AuditEvent.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.attempts import attempts, count_attempt, forget_attempts
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import Invitation, Membership, User, Workspace
from animateur.core.roles import Role

INVITATION_DAYS = 7
LOGIN_MAX_FAILURES = 5
LOGIN_WINDOW_SECONDS = 15 * 60


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---------------------------------------------------------------- invitations


def do_invite_member(
    workspace: Workspace, email: str, role: str, *, actor: Actor, accept_url_for: object = None
) -> tuple[Invitation, str]:
    """Invite `email` with `role`; returns the invitation and its one-time token (sent by email)."""
    require(actor, workspace, "team.invite")
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254:
        raise ActionError(_("Enter a valid email address."))
    if role not in Role.values:
        raise ActionError(_("Unknown role."))
    if role == Role.OWNER:
        require(actor, workspace, "team.change_role")
    if Membership.objects.filter(workspace=workspace, user__email=email).exists():
        raise ActionError(_("%(email)s is already a member of this workspace.") % {"email": email})
    token = secrets.token_urlsafe(32)
    with transaction.atomic(durable=True):
        # A new invitation to the same address replaces the pending one.
        Invitation.objects.filter(workspace=workspace, email=email, accepted_at=None, revoked_at=None).update(
            revoked_at=timezone.now()
        )
        invitation = Invitation.objects.create(
            workspace=workspace,
            email=email,
            role=role,
            token_hash=hash_token(token),
            invited_by=actor if isinstance(actor, User) else None,
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        )
        record(workspace, actor, AuditVerb.TEAM_INVITE, invitation, {"email": email, "role": role})
    url = accept_url_for(token) if callable(accept_url_for) else f"{settings.BASE_URL}/app/invitations/{token}/"
    transaction.on_commit(lambda: _send_invitation(invitation, url, actor))
    return invitation, token


def _send_invitation(invitation: Invitation, url: str, actor: Actor) -> None:
    context = {
        "invitation": invitation,
        "url": url,
        "inviter": actor if isinstance(actor, User) else None,
        "workspace": invitation.workspace,
        "days": INVITATION_DAYS,
    }
    send_mail(
        _("You are invited to %(workspace)s on animateur") % {"workspace": invitation.workspace.name},
        render_to_string("core/email/invitation.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        [invitation.email],
    )


def pending_invitation(token: str) -> Invitation | None:
    invitation = Invitation.objects.select_related("workspace").filter(token_hash=hash_token(token or "")).first()
    return invitation if invitation is not None and invitation.is_pending else None


def do_revoke_invitation(invitation: Invitation, *, actor: Actor) -> None:
    require(actor, invitation.workspace, "team.invite")
    if not invitation.is_pending:
        raise ActionError(_("This invitation is no longer pending."))
    with transaction.atomic(durable=True):
        Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
        record(invitation.workspace, actor, AuditVerb.TEAM_REVOKE_INVITATION, invitation, {"email": invitation.email})


def do_accept_invitation(token: str, *, user: User | None = None, password: str = "", display_name: str = "") -> User:
    """Accept an invitation: as the logged-in user whose email it names, or by creating that user."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    invitation = pending_invitation(token)
    if invitation is None:
        raise ActionError(_("This invitation link is invalid or has expired."))
    if user is not None and user.email.lower() != invitation.email:
        raise ActionError(
            _("This invitation is for %(email)s: log in with that address.") % {"email": invitation.email}
        )
    with transaction.atomic(durable=True):
        if user is None:
            if User.objects.filter(email=invitation.email).exists():
                raise ActionError(_("An account exists for %(email)s: log in to accept.") % {"email": invitation.email})
            candidate = User(email=invitation.email, display_name=display_name.strip()[:150])
            try:
                validate_password(password, candidate)
            except ValidationError as exc:
                raise ActionError(" ".join(exc.messages)) from exc
            user = User.objects.create_user(invitation.email, password, display_name=display_name.strip()[:150])
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is not None:
            raise ActionError(_("This invitation was already accepted."))
        Membership.objects.update_or_create(
            user=user, workspace=invitation.workspace, defaults={"role": invitation.role}
        )
        Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now(), accepted_by=user)
        record(
            invitation.workspace,
            user,
            AuditVerb.TEAM_ACCEPT_INVITATION,
            invitation,
            {"email": invitation.email, "role": invitation.role},
        )
    user.__dict__.pop("_roles", None)
    return user


# ---------------------------------------------------------------- roles


def do_change_role(membership: Membership, role: str, *, actor: Actor) -> None:
    workspace = membership.workspace
    require(actor, workspace, "team.change_role")
    if role not in Role.values:
        raise ActionError(_("Unknown role."))
    if membership.role == Role.OWNER and role != Role.OWNER and _owner_count(workspace) <= 1:
        raise ActionError(_("A workspace keeps at least one owner."))
    with transaction.atomic(durable=True):
        previous = membership.role
        Membership.objects.filter(pk=membership.pk).update(role=role)
        record(workspace, actor, AuditVerb.TEAM_CHANGE_ROLE, membership.user, {"from": previous, "to": role})


def do_remove_member(membership: Membership, *, actor: Actor) -> None:
    workspace = membership.workspace
    require(actor, workspace, "team.change_role")
    if membership.role == Role.OWNER and _owner_count(workspace) <= 1:
        raise ActionError(_("A workspace keeps at least one owner."))
    with transaction.atomic(durable=True):
        membership.delete()
        record(workspace, actor, AuditVerb.TEAM_REMOVE_MEMBER, membership.user, {"email": membership.user.email})


def _owner_count(workspace: Workspace) -> int:
    return Membership.objects.filter(workspace=workspace, role=Role.OWNER).count()


def do_set_require_totp(workspace: Workspace, required: bool, *, actor: Actor) -> None:
    require(actor, workspace, "workspace.settings")
    with transaction.atomic(durable=True):
        ws = Workspace.objects.select_for_update().get(pk=workspace.pk)
        ws.settings = {**(ws.settings or {}), "require_totp": bool(required)}
        ws.save(update_fields=["settings"])
        workspace.settings = ws.settings
        record(workspace, actor, AuditVerb.WORKSPACE_REQUIRE_TOTP, workspace, {"required": bool(required)})


# ---------------------------------------------------------------- login throttling


def _throttle_keys(email: str, remote_addr: str | None) -> list[str]:
    email_key = hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:email:{email_key}", f"login-fail:ip:{remote_addr or 'unknown'}"]


def login_blocked(email: str, remote_addr: str | None) -> bool:
    """Whether the address or the account failed too often; counted across every process (core.attempts)."""
    email_key, ip_key = _throttle_keys(email, remote_addr)
    counted = attempts([email_key, ip_key])
    # An address may try several accounts, but not endlessly.
    return counted[email_key] >= LOGIN_MAX_FAILURES or counted[ip_key] >= LOGIN_MAX_FAILURES * 4


def count_login_failure(email: str, remote_addr: str | None) -> None:
    for key in _throttle_keys(email, remote_addr):
        count_attempt(key, LOGIN_WINDOW_SECONDS)


def clear_login_failures(email: str) -> None:
    forget_attempts(_throttle_keys(email, None)[0])
