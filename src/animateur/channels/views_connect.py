"""« Connect with Facebook / LinkedIn / Google / Reddit / Mastodon »: the pages of the OAuth connect flow
(see oauth.py)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from animateur.channels import oauth, safe_http
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


class ServerForm(forms.Form):
    server = forms.URLField(
        label=gettext_lazy("Your server"),
        assume_scheme="https",
        max_length=300,
        help_text=gettext_lazy("For example https://mastodon.social"),
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
            "server_form": ServerForm(),
        },
    )


@workspace_permission("workspace.settings")
def connect_app(request: WorkspaceRequest, network: str) -> HttpResponse:
    net = _network(network)
    if net.per_server:
        raise Http404("registered on each server")
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
    if net.per_server:
        return redirect("channels:connect")  # the server is asked first (connect_server)
    app = OAuthApp.objects.filter(workspace=request.workspace, network=net.name).first()
    if app is None:
        messages.error(
            request, _("The workspace's owner must first register a %(network)s app.") % {"network": net.label}
        )
        return redirect("channels:connect")
    state = oauth.new_state(request.session, request.workspace.pk, request.user.pk, net.name)
    return redirect(oauth.authorize_url(net, app.client_id, _redirect_uri(request, net.name), state))


@workspace_permission("channel.manage")
def connect_server(request: WorkspaceRequest, network: str) -> HttpResponse:
    """Mastodon: the manager names their server; animateur registers itself there as an app, then offers
    the link to the server's consent screen (a link: the page's form-action 'self' forbids a form to lead
    to another site). Writes nothing but the session's app and state, kept for the return."""
    net = _network(network)
    if not net.per_server:
        raise Http404("not a per-server network")
    form = ServerForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "channels/connect_server.html", {"net": net, "form": form, "authorize": ""})
    server = str(form.cleaned_data["server"]).rstrip("/")
    try:
        safe_http.validate_url(server)
        client_id, client_secret = oauth.register_on_server(net, server, _redirect_uri(request, net.name))
    except safe_http.BlockedAddress:
        form.add_error("server", _("This address is not one animateur may call."))
    except ConnectorError as exc:
        log.warning("oauth %s: registering on %s refused: %s", net.name, server, exc)
        if exc.cause == "bad_url":
            form.add_error("server", _("This is not a server's address."))
        else:
            cause = CAUSE_LABELS.get(exc.cause, _("refused by the source"))
            form.add_error("server", _("Your server did not register animateur: %(cause)s.") % {"cause": cause})
    if form.errors:
        return render(request, "channels/connect_server.html", {"net": net, "form": form, "authorize": ""})
    oauth.keep_server_app(request.session, request.workspace.pk, server, client_id, client_secret)
    state = oauth.new_state(request.session, request.workspace.pk, request.user.pk, net.name)
    bound = oauth.on_server(net, server)
    authorize = oauth.authorize_url(bound, client_id, _redirect_uri(request, net.name), state)
    return render(
        request,
        "channels/connect_server.html",
        {"net": net, "form": form, "authorize": authorize, "server": urlsplit(server).hostname or server},
    )


def _app_for(request: WorkspaceRequest, net: oauth.Network) -> tuple[oauth.Network, str, str] | None:
    """The network as this connection uses it, and the app's id and secret: the workspace's registered app,
    or for Mastodon the one registered on the manager's server as they started."""
    if net.per_server:
        kept = oauth.server_app(request.session, request.workspace.pk)
        return (oauth.on_server(net, kept[0]), kept[1], kept[2]) if kept else None
    app = OAuthApp.objects.filter(workspace=request.workspace, network=net.name).first()
    return (net, app.client_id, app.client_secret) if app else None


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
    found = _app_for(request, net)
    if found is None and net.per_server:  # the app registered on the server is kept for 30 minutes
        messages.error(request, _("This connection link has expired or was already used: start again."))
        return redirect("channels:connect")
    if found is None:
        messages.error(
            request, _("The workspace's owner must first register a %(network)s app.") % {"network": net.label}
        )
        return redirect("channels:connect")
    used, client_id, client_secret = found
    try:
        grant = oauth.exchange_code(used, client_id, client_secret, code, _redirect_uri(request, net.name))
        choices = oauth.discover(used, grant, client_id, client_secret)
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
