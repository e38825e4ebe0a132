"""« Connect with Facebook / LinkedIn / Google »: the pages of the OAuth connect flow (see oauth.py)."""

from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from animateur.channels import oauth
from animateur.channels.errors import ConnectorError
from animateur.channels.labels import CAUSE_LABELS
from animateur.channels.models import OAuthApp
from animateur.channels.oauth_actions import do_connect_oauth_channels, do_save_oauth_app
from animateur.core.actions import ActionError
from animateur.core.decorators import workspace_permission
from animateur.core.permissions import has_permission
from animateur.core.typing import WorkspaceRequest

log = logging.getLogger(__name__)


class OAuthAppForm(forms.Form):
    client_id = forms.CharField(label=gettext_lazy("Client id (App ID)"), max_length=200)
    client_secret = forms.CharField(
        label=gettext_lazy("Client secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Kept encrypted. Leave empty to keep the one already saved."),
    )


def _network(name: str) -> oauth.Network:
    found = oauth.network(name)
    if found is None:
        raise Http404("no such network")
    return found


def _redirect_uri(request: WorkspaceRequest, name: str) -> str:
    return request.build_absolute_uri(reverse("channels:connect_callback", args=(name,)))


@workspace_permission("channel.manage")
def connect(request: WorkspaceRequest) -> HttpResponse:
    apps = {a.network: a for a in OAuthApp.objects.filter(workspace=request.workspace)}
    networks = [
        {"network": net, "app": apps.get(name)} for name in oauth.NETWORKS if (net := oauth.network(name)) is not None
    ]
    return render(
        request,
        "channels/connect.html",
        {
            "networks": networks,
            "can_register": has_permission(request.user, request.workspace, "workspace.settings"),
        },
    )


@workspace_permission("workspace.settings")
def connect_app(request: WorkspaceRequest, network: str) -> HttpResponse:
    net = _network(network)
    app = OAuthApp.objects.filter(workspace=request.workspace, network=net.name).first()
    form = OAuthAppForm(request.POST or None, initial={"client_id": app.client_id if app else ""})
    if request.method == "POST" and form.is_valid():
        try:
            do_save_oauth_app(
                request.workspace,
                net.name,
                form.cleaned_data["client_id"],
                form.cleaned_data["client_secret"],
                actor=request.user,
            )
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The %(network)s app is saved.") % {"network": net.label})
            return redirect("channels:connect")
    return render(
        request,
        "channels/connect_app.html",
        {"net": net, "app": app, "form": form, "redirect_uri": _redirect_uri(request, net.name)},
    )


@workspace_permission("channel.manage")
def connect_start(request: WorkspaceRequest, network: str) -> HttpResponse:
    """To the network's consent screen. A link, not a form: the page's Content-Security-Policy
    (form-action 'self') would stop a form whose answer leads to another site. It changes nothing
    but the session's list of states waiting for their return."""
    net = _network(network)
    app = OAuthApp.objects.filter(workspace=request.workspace, network=net.name).first()
    if app is None:
        messages.error(
            request, _("The workspace's owner must first register a %(network)s app.") % {"network": net.label}
        )
        return redirect("channels:connect")
    state = oauth.new_state(request.session, request.workspace.pk, request.user.pk, net.name)
    return redirect(oauth.authorize_url(net, app.client_id, _redirect_uri(request, net.name), state))


@workspace_permission("channel.manage")
def connect_callback(request: WorkspaceRequest, network: str) -> HttpResponse:
    net = _network(network)
    state, code = request.GET.get("state", ""), request.GET.get("code", "")
    if not oauth.use_state(request.session, state, request.workspace.pk, request.user.pk, net.name):
        messages.error(request, _("This connection link has expired or was already used: start again."))
        return redirect("channels:connect")
    if request.GET.get("error") or not code:
        messages.error(
            request, _("%(network)s did not give access: the connection was cancelled.") % {"network": net.label}
        )
        return redirect("channels:connect")
    app = OAuthApp.objects.filter(workspace=request.workspace, network=net.name).first()
    if app is None:
        messages.error(
            request, _("The workspace's owner must first register a %(network)s app.") % {"network": net.label}
        )
        return redirect("channels:connect")
    try:
        grant = oauth.exchange_code(net, app.client_id, app.client_secret, code, _redirect_uri(request, net.name))
        choices = oauth.discover(net, grant, app.client_id, app.client_secret)
    except ConnectorError as exc:
        log.warning("oauth %s for workspace %s refused: %s", net.name, request.workspace.pk, exc)
        cause = CAUSE_LABELS.get(exc.cause, _("refused by the source"))
        messages.error(
            request, _("The connection with %(network)s failed: %(cause)s.") % {"network": net.label, "cause": cause}
        )
        return redirect("channels:connect")
    if not choices:
        messages.error(request, _("%(network)s gave access to no page or account you manage.") % {"network": net.label})
        return redirect("channels:connect")
    oauth.keep_pending(request.session, request.workspace.pk, net.name, choices)
    return redirect("channels:connect_pick", network=net.name)


@workspace_permission("channel.manage")
def connect_pick(request: WorkspaceRequest, network: str) -> HttpResponse:
    net = _network(network)
    choices = oauth.pending(request.session, request.workspace.pk, net.name)
    if choices is None:
        messages.error(request, _("This connection link has expired or was already used: start again."))
        return redirect("channels:connect")
    options = [(str(i), oauth.described(c)) for i, c in enumerate(choices)]
    error = ""
    if request.method == "POST":
        picked = [choices[int(i)] for i in request.POST.getlist("pick") if i.isdigit() and int(i) < len(choices)]
        try:
            connected = do_connect_oauth_channels(request.workspace, net.name, picked, actor=request.user)
        except ActionError as exc:
            error = str(exc)
        else:
            oauth.forget_pending(request.session)
            messages.success(
                request,
                ngettext(
                    "%(count)d channel connected. Its first poll has started.",
                    "%(count)d channels connected. Their first poll has started.",
                    len(connected),
                )
                % {"count": len(connected)},
            )
            return redirect("channels:detail", pk=connected[0].pk) if len(connected) == 1 else redirect("channels:list")
    return render(request, "channels/connect_pick.html", {"net": net, "options": options, "error": error})
