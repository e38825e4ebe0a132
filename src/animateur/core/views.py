"""The team's account pages: login (with TOTP), invitations, the team, switching workspace."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, PasswordResetView
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from animateur.core import account as accounts
from animateur.core import team, two_factor
from animateur.core.actions import ActionError
from animateur.core.decorators import workspace_permission
from animateur.core.forms import (
    AcceptInvitationForm,
    AccountForm,
    InviteForm,
    LoginForm,
    RoleForm,
    SecurityForm,
    errors_sentence,
)
from animateur.core.models import Invitation, Membership, User, Workspace
from animateur.core.next_url import safe_next as safe_path
from animateur.core.permissions import roles_table
from animateur.core.roles import Role
from animateur.core.typing import AuthenticatedRequest, WorkspaceRequest

PENDING_KEY = "pending_2fa"
INVITATION_LINK_KEY = "invitation_link"
PENDING_SECONDS = 300


@workspace_permission("workspace.view")
def dashboard(request: WorkspaceRequest) -> HttpResponse:
    # « Aujourd'hui »: what needs attention now, and the objectives (the reports app's page).
    return redirect("reports:today")


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    # A path of this site only: "x1" passed the host check, then redirect() took it for a view name (500).
    return safe_path(request, candidate, reverse("core:dashboard"))


class TeamLoginView(LoginView):
    """Password first; users with a second factor then give a code before the session exists."""

    template_name = "core/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        team.clear_login_failures(user.email)
        next_url = safe_next(self.request, self.get_redirect_url())
        if two_factor.has_totp(user):
            self.request.session[PENDING_KEY] = {"user": user.pk, "next": next_url, "at": time.time()}
            return redirect("core:totp_verify")
        auth_login(self.request, user)  # rotates the session key
        if two_factor.totp_required_for(user):
            # The set-up page says why it comes first; the page asked for follows it.
            setup = reverse("core:totp_setup")
            return redirect(f"{setup}?{urlencode({'next': next_url})}")
        return redirect(next_url)


def logout(request: HttpRequest) -> HttpResponse:
    """POST logs out, then the login page says so; a GET (the address typed by hand) asks first."""
    if request.method == "POST":
        workspace = getattr(request, "workspace", None)
        auth_logout(request)
        # Said in the language the login page will speak: the workspace's, the member being gone.
        with translation.override(workspace.language if workspace is not None else settings.LANGUAGE_CODE):
            messages.success(request, _("You are logged out."))
        return redirect("core:login")
    if not request.user.is_authenticated:
        return redirect("core:login")
    return render(request, "core/logout.html")


class TeamPasswordResetView(PasswordResetView):
    """Django's reset, saying up front when this server cannot send the email at all."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "mail_configured": bool(settings.EMAIL_HOST)}


@login_required
def account(request: AuthenticatedRequest) -> HttpResponse:
    """The member's own name and language; the language applies from the next page on."""
    user = request.user
    form = AccountForm(
        request.POST or None, initial={"display_name": user.display_name, "language": user.language}
    )
    if request.method == "POST" and form.is_valid():
        try:
            accounts.do_update_account(
                user,
                display_name=form.cleaned_data["display_name"],
                language=form.cleaned_data["language"],
                actor=user,
            )
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            workspace = getattr(request, "workspace", None)
            # Said in the language the next page will speak.
            with translation.override(user.language or (workspace.language if workspace else None) or "fr"):
                messages.success(request, _("Your account is saved."))
            return redirect("core:account")
    return render(request, "core/account.html", {"form": form, "has_totp": two_factor.has_totp(user)})


@login_required
def workspaces(request: AuthenticatedRequest) -> HttpResponse:
    """Every workspace the user belongs to; each is reached at /w/<slug>/app/."""
    memberships = (
        Membership.objects.filter(user=request.user).select_related("workspace").order_by("workspace__name")
    )
    return render(request, "core/workspaces.html", {"memberships": memberships})


@workspace_permission("team.view")
def team_page(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    members = Membership.objects.filter(workspace=workspace).select_related("user").order_by("user__email")
    invitations = [
        i
        for i in Invitation.objects.filter(workspace=workspace, accepted_at=None, revoked_at=None)
        if i.is_pending
    ]
    # Shown once, right after the invitation, when no email could carry it.
    invitation_link = request.session.pop(INVITATION_LINK_KEY, None)
    return render(
        request,
        "core/team.html",
        {
            "members": members,
            "invitations": invitations,
            "invite_form": InviteForm(),
            "security_form": SecurityForm(
                initial={"require_totp": (workspace.settings or {}).get("require_totp")}
            ),
            "role_form": RoleForm(),
            "invitation_link": invitation_link,
            "invitation_days": team.INVITATION_DAYS,
            "roles": Role.choices,
            "roles_table": roles_table(),
        },
    )


def _accept_url(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("core:accept", args=[token]))


@workspace_permission("team.invite")
@require_POST
def invite(request: WorkspaceRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation, token = team.do_invite_member(
                request.workspace,
                form.cleaned_data["email"],
                form.cleaned_data["role"],
                actor=request.user,
                accept_url_for=lambda token: _accept_url(request, token),
            )
            if settings.EMAIL_HOST:
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            else:
                # No mail server: nothing reaches the invitee unless the inviter passes the link on.
                request.session[INVITATION_LINK_KEY] = {"email": invitation.email, "url": _accept_url(request, token)}
        except PermissionDenied:
            raise
        except ActionError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(
            request,
            _("The invitation was not sent: %(errors)s")
            % {"errors": errors_sentence(form)},
        )
    return redirect("core:team")


@workspace_permission("team.invite")
@require_POST
def revoke_invitation(request: WorkspaceRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=invitation_id, workspace=request.workspace)
    try:
        team.do_revoke_invitation(invitation, actor=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
    return redirect("core:team")


@workspace_permission("team.change_role")
@require_POST
def change_role(request: WorkspaceRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=membership_id, workspace=request.workspace)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            if request.POST.get("remove"):
                team.do_remove_member(membership, actor=request.user)
            else:
                team.do_change_role(membership, form.cleaned_data["role"], actor=request.user)
        except ActionError as exc:
            messages.error(request, str(exc))
    elif request.POST.get("remove"):
        try:
            team.do_remove_member(membership, actor=request.user)
        except ActionError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, _("Choose a role."))
    return redirect("core:team")


@workspace_permission("workspace.settings")
@require_POST
def security(request: WorkspaceRequest) -> HttpResponse:
    form = SecurityForm(request.POST)
    if form.is_valid():
        team.do_set_require_totp(request.workspace, form.cleaned_data["require_totp"], actor=request.user)
        messages.success(request, _("Security settings saved."))
    return redirect("core:team")


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = team.pending_invitation(token)
    if invitation is None:
        return render(request, "core/invitation_invalid.html", status=404)
    existing = User.objects.filter(email=invitation.email).exists()
    form = AcceptInvitationForm(request.POST or None)
    error = ""
    if request.method == "POST":
        try:
            if request.user.is_authenticated:
                user = team.do_accept_invitation(token, user=request.user)
            elif form.is_valid():
                user = team.do_accept_invitation(
                    token,
                    password=form.cleaned_data["password"],
                    display_name=form.cleaned_data["display_name"],
                )
                auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                user = None
            if user is not None:
                return redirect(_workspace_home(invitation.workspace))
        except ActionError as exc:
            error = str(exc)
    return render(
        request,
        "core/accept.html",
        {
            "invitation": invitation,
            "form": form,
            "existing": existing,
            "error": error,
            "login_url": reverse("core:login") + "?next=" + request.path,
        },
    )


def _workspace_home(workspace: Workspace) -> str:
    return f"/w/{workspace.slug}/app/"
