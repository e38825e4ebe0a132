"""The two-factor pages: the code asked at login, the set-up with its QR code, the recovery codes."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from animateur.core import team, two_factor
from animateur.core.actions import ActionError
from animateur.core.forms import CodeForm, SecondFactorForm
from animateur.core.models import User
from animateur.core.typing import AuthenticatedRequest
from animateur.core.views import PENDING_KEY, PENDING_SECONDS, safe_next

# From this many unused recovery codes down, a login by code says it is time to make new ones.
RECOVERY_CODES_LOW = 3


@never_cache
def totp_verify(request: HttpRequest) -> HttpResponse:
    """After the password: a code of the app or a recovery code, before the session exists."""
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return redirect("core:login")
    user = get_object_or_404(User, pk=pending["user"], is_active=True)
    form = SecondFactorForm(request.POST or None)
    remote = request.META.get("REMOTE_ADDR")
    if request.method == "POST" and form.is_valid():
        if team.login_blocked(user.email, remote):
            form.add_error("code", _("Too many failed attempts. Wait 15 minutes."))
        elif two_factor.do_pass_second_factor(user, form.cleaned_data["code"]):
            request.session.pop(PENDING_KEY, None)
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            left = two_factor.recovery_codes_left(user)
            if left <= RECOVERY_CODES_LOW:
                messages.warning(
                    request,
                    ngettext(
                        "%(count)d recovery code left: make new ones on the two-factor page of My account.",
                        "%(count)d recovery codes left: make new ones on the two-factor page of My account.",
                        left,
                    )
                    % {"count": left},
                )
            return redirect(safe_next(request, pending.get("next")))
        else:
            team.count_login_failure(user.email, remote)
            form.add_error("code", _("This code is not valid."))
    return render(request, "core/totp_verify.html", {"form": form}, status=400 if form.errors else 200)


def _enabled_page(
    request: AuthenticatedRequest,
    disable_form: SecondFactorForm | None = None,
    regenerate_form: CodeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    return render(
        request,
        "core/totp_setup.html",
        {
            "enabled": True,
            "disable_form": disable_form or SecondFactorForm(),
            "regenerate_form": regenerate_form or CodeForm(),
            "codes_left": two_factor.recovery_codes_left(user),
            "required": two_factor.totp_required_for(user),
        },
        status=status,
    )


def _recovery_codes_page(request: AuthenticatedRequest, codes: list[str], continue_url: str) -> HttpResponse:
    # Shown once: the views are never_cache, so neither the browser nor a proxy keeps them.
    return render(request, "core/recovery_codes.html", {"codes": codes, "continue_url": continue_url})


@never_cache
@login_required
def totp_setup(request: AuthenticatedRequest) -> HttpResponse:
    """Off: the QR code of the pending secret (the same until confirmed) and the first code. On: turn it off."""
    user = request.user
    if two_factor.has_totp(user):
        disable_form = SecondFactorForm(request.POST or None)
        if request.method == "POST" and disable_form.is_valid():
            try:
                two_factor.do_disable_totp(user, disable_form.cleaned_data["code"], actor=user)
            except ActionError as exc:
                disable_form.add_error("code", str(exc))
            else:
                messages.success(request, _("Two-factor authentication is off."))
                return redirect("core:totp_setup")
        return _enabled_page(request, disable_form=disable_form, status=400 if disable_form.errors else 200)

    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor.do_confirm_totp(user, form.cleaned_data["code"], actor=user)
        except ActionError as exc:
            form.add_error("code", str(exc))
        else:
            messages.success(request, _("Two-factor authentication is on."))
            # Sent here by a page that required it: that page comes next, once the codes are saved.
            next_url = request.GET.get("next")
            return _recovery_codes_page(
                request, codes, safe_next(request, next_url) if next_url else reverse("core:totp_setup")
            )
    device = two_factor.do_start_totp_setup(user, actor=user)
    return render(
        request,
        "core/totp_setup.html",
        {
            "enabled": False,
            "form": form,
            "secret": device.secret,
            "uri": two_factor.provisioning_uri(device),
            "qr": two_factor.qr_svg(device, _("QR code to scan with your authenticator app")),
            "required": two_factor.totp_required_for(user),
        },
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
@require_POST
def totp_recovery_codes(request: AuthenticatedRequest) -> HttpResponse:
    """New recovery codes, confirmed by a code of the app; the old ones stop working."""
    user = request.user
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            codes = two_factor.do_regenerate_recovery_codes(user, form.cleaned_data["code"], actor=user)
        except ActionError as exc:
            form.add_error("code", str(exc))
        else:
            messages.success(request, _("New recovery codes: the previous ones no longer work."))
            return _recovery_codes_page(request, codes, reverse("core:totp_setup"))
    if not two_factor.has_totp(user):
        return redirect("core:totp_setup")
    return _enabled_page(request, regenerate_form=form, status=400)
