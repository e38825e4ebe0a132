"""Forms of the team pages: login, invitations, roles, two-factor codes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from animateur.core.roles import Role
from animateur.core.team import count_login_failure, login_blocked


class LoginForm(AuthenticationForm):
    """Email and password, with failed attempts throttled per address and per IP."""

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Email")

    def clean(self) -> dict[str, Any]:
        email = (self.data.get("username") or "").strip().lower()
        remote = self.request.META.get("REMOTE_ADDR") if self.request else None
        if login_blocked(email, remote):
            raise forms.ValidationError(
                _("Too many failed attempts. Wait 15 minutes, or reset your password."), code="throttled"
            )
        try:
            return super().clean()
        except forms.ValidationError:
            count_login_failure(email, remote)
            raise


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MODERATOR)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class CodeForm(forms.Form):
    """A code of the authenticator app, as the set-up asks for it."""

    code = forms.CharField(
        label=_("Six-digit code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class SecondFactorForm(forms.Form):
    """At login (or to turn two-factor off): a code of the app, or one of the recovery codes."""

    code = forms.CharField(
        label=_("Six-digit code or recovery code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none"}),
    )


class AcceptInvitationForm(forms.Form):
    display_name = forms.CharField(label=_("Your name"), max_length=150)
    password = forms.CharField(
        label=_("Choose a password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class SecurityForm(forms.Form):
    require_totp = forms.BooleanField(
        label=_("Require two-factor authentication of every member"), required=False
    )


def errors_sentence(form: forms.BaseForm) -> str:
    """A form's errors on one line, for a flash message: "Email: Enter a valid email address."."""
    parts = []
    for name, errors in form.errors.items():
        text = " ".join(message for error in errors.as_data() for message in error.messages)
        field = form.fields.get(name)  # errors of the whole form have no field
        parts.append(f"{field.label}: {text}" if field is not None and field.label else text)
    return "; ".join(parts)


class AccountForm(forms.Form):
    display_name = forms.CharField(
        label=_("Your name"), max_length=150, required=False
    )
    # Each language in its own name, so that someone lost in the other one still finds theirs.
    language = forms.ChoiceField(
        label=_("Language of the app"),
        choices=[("", _("The workspace's language")), ("fr", "Français"), ("en", "English")],
        required=False,
    )

