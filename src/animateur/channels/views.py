"""The team's channel pages: the list with each channel's health, setup forms with a connection test."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from animateur.channels import actions, selectors, views_webhook
from animateur.channels.apps import heard_elsewhere
from animateur.channels.connectors import get_kind, kinds
from animateur.channels.connectors.base import Connector
from animateur.channels.forms import Tested, channel_form_class, interval_initial, open_tested, seal_tested
from animateur.channels.listen_terms import terms_for
from animateur.core.actions import ActionError
from animateur.core.decorators import workspace_permission
from animateur.core.permissions import has_permission
from animateur.core.typing import WorkspaceRequest


@workspace_permission("channel.view")
def channel_list(request: WorkspaceRequest) -> HttpResponse:
    return render(
        request,
        "channels/list.html",
        {
            "channels": selectors.channels_of(request.workspace),
            "can_manage": has_permission(request.user, request.workspace, "channel.manage"),
        },
    )


@workspace_permission("channel.manage")
def choose_kind(request: WorkspaceRequest) -> HttpResponse:
    # Plain values, not the connector classes: a template calls any callable it meets, and calling a
    # class without its channel fails silently into "", which made {% url 'channels:add' kind.kind %} crash.
    choices = sorted(
        ({"kind": k.kind, "label": k.label} for k in kinds().values()), key=lambda k: str(k["label"])
    )
    return render(request, "channels/choose_kind.html", {"kinds": choices})


def _connector_class(kind: str) -> type[Connector]:
    try:
        return get_kind(kind)
    except KeyError:
        raise Http404("no such kind") from None


def _with_tested(secrets: dict[str, str], tested: Tested | None) -> dict[str, str]:
    """Secrets left empty take the value typed before the connection test, if any."""
    carried = tested.secrets if tested else {}
    return {k: v or carried.get(k, "") for k, v in secrets.items()}


def _seal(
    kind: str,
    config: dict[str, Any],
    secrets: dict[str, str],
    result: actions.ConnectionTest,
    tested_with: dict[str, str] | None = None,
) -> str:
    return seal_tested(
        kind, config, secrets, result.learned, tested_with, ok=result.ok, cause=result.cause, detail=result.detail
    )


def _confirmed(request: WorkspaceRequest) -> bool:
    """Saving settings whose connection test failed takes a second, explicit click."""
    return request.POST.get("action") == "save_anyway"


@workspace_permission("channel.manage")
def channel_add(request: WorkspaceRequest, kind: str) -> HttpResponse:
    connector = _connector_class(kind)
    form_class: Any = channel_form_class(connector)  # a form built per kind, with has_secrets and split()
    tested = open_tested(request.POST.get("tested", ""), kind) if request.method == "POST" else None
    has_tested_secrets = bool(tested and all(tested.secrets.get(k) for k in connector.secret_fields))
    form = form_class(
        request.POST or None, initial={"name": str(connector.label)}, has_secrets=has_tested_secrets
    )
    test_result, sealed, failed_test = None, "", None
    if request.method == "POST" and form.is_valid():
        config, typed = form.split()
        secrets = _with_tested(typed, tested)
        if request.POST.get("action") == "test":
            test_result = actions.test_connection(request.workspace, kind, config, secrets)
            sealed = _seal(kind, config, secrets, test_result)
        elif tested and tested.failed_for(kind, config, secrets) and not _confirmed(request):
            failed_test, sealed = tested, request.POST.get("tested", "")
        else:
            try:
                channel = actions.do_create_channel(
                    request.workspace,
                    kind,
                    form.cleaned_data["name"],
                    config,
                    secrets,
                    poll_interval_seconds=form.cleaned_data["poll_interval_seconds"],
                    learned=tested.learned_for(kind, config, secrets) if tested else None,
                    actor=request.user,
                )
            except ActionError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Channel added. Its first poll has started."))
                return redirect("channels:detail", pk=channel.pk)
    if not sealed and has_tested_secrets:
        sealed = request.POST.get("tested", "")  # a form error: keep what was typed before the test
    return render(
        request,
        "channels/form.html",
        {
            "form": form,
            "connector": connector,
            "kind_label": connector.label,  # the class itself would be called by the template
            "test_result": test_result,
            "failed_test": failed_test,
            "tested": sealed,
        },
    )


@workspace_permission("channel.view")
def channel_detail(request: WorkspaceRequest, pk: int) -> HttpResponse:
    channel = selectors.channel_of(request.workspace, pk)
    connector = _connector_class(channel.kind)
    can_manage = has_permission(request.user, request.workspace, "channel.manage")
    form_class: Any = channel_form_class(connector)  # a form built per kind, with has_secrets and split()
    initial = {**channel.config, "name": channel.name, **interval_initial(channel.poll_interval_seconds)}
    has_secrets = bool(channel.credentials)
    form = form_class(request.POST or None, initial=initial, has_secrets=has_secrets)
    test_result, sealed, failed_test = None, "", None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("channel.manage")
        tested = open_tested(request.POST.get("tested", ""), channel.kind)
        if form.is_valid():
            config, typed = form.split()
            secrets = _with_tested(typed, tested)
            if request.POST.get("action") == "test":
                test_result = actions.test_connection(
                    request.workspace, channel.kind, config, secrets, channel
                )
                sealed = _seal(
                    channel.kind, config, secrets, test_result, tested_with=actions.effective_secrets(secrets, channel)
                )
            elif (
                tested
                and tested.failed_for(channel.kind, config, actions.effective_secrets(secrets, channel))
                and not _confirmed(request)
            ):
                failed_test, sealed = tested, request.POST.get("tested", "")
            else:
                learned = (
                    tested.learned_for(channel.kind, config, actions.effective_secrets(secrets, channel))
                    if tested
                    else None
                )
                try:
                    actions.do_update_channel(
                        channel,
                        form.cleaned_data["name"],
                        config,
                        secrets,
                        poll_interval_seconds=form.cleaned_data["poll_interval_seconds"],
                        learned=learned,
                        actor=request.user,
                    )
                except ActionError as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(request, _("Channel saved."))
                    return redirect("channels:detail", pk=channel.pk)
    return render(
        request,
        "channels/detail.html",
        {
            "channel": channel,
            "connector": connector,
            "form": form,
            "test_result": test_result,
            "failed_test": failed_test,
            "tested": sealed,
            "can_manage": can_manage,
            "runs": selectors.runs_with_outcomes(channel),
            "latest": selectors.latest_messages(channel),
            "rejected": selectors.rejected_items(channel),
            "capabilities": sorted(str(c) for c in connector.capabilities),
            "source_health": connector.health(channel.config or {}),
            "listening": _listening(channel),
            "meta_webhook": views_webhook.webhook_setup(request, channel, can_manage=can_manage),
        },
    )


def _listening(channel: Any) -> dict[str, Any] | None:
    """For a listening source: the terms it asks its network for (the feed asks none)."""
    if not heard_elsewhere(channel.kind):
        return None
    terms = terms_for(channel.workspace_id)
    return {"searches": channel.kind != "feed_listen", "terms": terms.texts, "unsearchable": terms.unsearchable}


@require_POST
@workspace_permission("channel.manage")
def channel_pause(request: WorkspaceRequest, pk: int) -> HttpResponse:
    channel = selectors.channel_of(request.workspace, pk)
    if request.POST.get("resume"):
        actions.do_resume_channel(channel, actor=request.user)
        messages.success(request, _("Channel resumed."))
    else:
        actions.do_pause_channel(channel, actor=request.user)
        messages.success(request, _("Channel paused."))
    return redirect("channels:list")


@require_POST
@workspace_permission("channel.manage")
def channel_poll(request: WorkspaceRequest, pk: int) -> HttpResponse:
    channel = selectors.channel_of(request.workspace, pk)
    actions.do_poll_channel_now(channel, actor=request.user)
    messages.success(request, _("A poll was requested."))
    return redirect("channels:detail", pk=channel.pk)
