"""Every URL of the project, and a workspace with one object of each kind to fill their ids.

Shared by the walks over every view: the permission walk (each role, a foreign workspace) and the
bad-input walk (absurd ids, NUL bytes, lone surrogates). A view added anywhere is walked by both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from animateur.core.roles import Role

TEAM_PREFIX = "/app/"
ROLES = [Role.OWNER, Role.MANAGER, Role.MODERATOR, Role.ANALYST, Role.GUEST]
PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")


def walk(
    resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, object]]:
    """(namespaced name, route, view) of every URL pattern."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or '?'}", prefix + str(entry.pattern), entry.callback


def team_views() -> list[tuple[str, str, object]]:
    return [(name, route, cb) for name, route, cb in walk() if ("/" + route).startswith(TEAM_PREFIX)]


def route_parameters(route: str) -> list[tuple[str, str]]:
    """(converter, name) of each parameter of a route written with path() (converter "" for re_path)."""
    return [(m.group(1) or "", m.group(2)) for m in PARAMETER.finditer(route)]


def fill(route: str, ids: dict[str, Any]) -> str | None:
    """The route's path with its parameters taken from `ids`; None when one is missing."""
    missing = []

    def sub(match: re.Match) -> str:
        name = match.group(2)
        if name not in ids:
            missing.append(name)
            return "0"
        return str(ids[name])

    path = "/" + PARAMETER.sub(sub, route)
    return None if missing else path


def rolled_back_block() -> transaction.Atomic:
    """A block rolled back after each request, marked as the test's own (as Django marks a TestCase's):
    an action's durable transaction inside it is still the outermost one of the code under test."""
    block = transaction.atomic()
    block._from_testcase = True  # type: ignore[attr-defined]
    return block


def call(client: Client, path: str) -> int:
    """GET, or an empty POST for POST-only views; rolled back, so each role meets the same objects."""
    with rolled_back_block():
        try:
            response = client.get(path)
            if response.status_code == 405:
                response = client.post(path, {})
        except Exception as exc:  # a crashing view is reported with the others, by name
            transaction.set_rollback(True)
            return 500 if not isinstance(exc, AssertionError) else 599
        transaction.set_rollback(True)
    return response.status_code


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def build_world(workspace, make_workspace, make_user) -> dict[str, Any]:
    """Workspace A with one user per role and an object of each kind; workspace B with its own objects."""
    other = make_workspace("other", "Other")
    users = {role: make_user(f"{role}@a.org", workspace, role) for role in ROLES}
    outsider = make_user("owner@b.org", other, Role.OWNER)
    return {
        "a": workspace,
        "b": other,
        "users": users,
        "outsider": outsider,
        "a_ids": objects_of(workspace, users[Role.OWNER]),
        "b_ids": objects_of(other, outsider),
    }


def objects_of(ws, owner) -> dict[str, int]:
    """One object of each kind the team's URLs name, made in `ws` by its owner: URL parameter → id."""
    from datetime import date

    from animateur.api.actions import do_create_api_token
    from animateur.core.models import Invitation, Membership
    from animateur.core.team import do_invite_member
    from animateur.inbox.actions.expectations import do_add_holiday, do_set_response_target
    from animateur.inbox.actions.saved_replies import do_save_saved_reply
    from animateur.inbox.actions.saved_views import do_save_view
    from animateur.inbox.models import Conversation, Holiday, ResponseTarget, SavedReply, SavedView
    from tests.inbox.factories import inbound, post_message

    root = inbound(ws, f"question in {ws.slug}", parent=post_message(ws))
    conversation = Conversation.objects.get(root=root)
    reply = do_save_saved_reply(ws, actor=owner, title="t", body="b")
    view = do_save_view(ws, "v", {}, actor=owner, shared=True)
    target = do_set_response_target(ws, actor=owner, channel_kind="", priority="", minutes=60)
    holiday = do_add_holiday(ws, date(2030, 1, 1), "x", actor=owner)
    invitation, _ = do_invite_member(ws, f"new@{ws.slug}.org", Role.GUEST, actor=owner)
    token, _key = do_create_api_token(ws, owner, "t", actor=owner)
    membership = Membership.objects.filter(workspace=ws).exclude(user=owner).first() or Membership.objects.get(
        workspace=ws, user=owner
    )
    assert isinstance(holiday, Holiday) and isinstance(target, ResponseTarget)
    assert isinstance(reply, SavedReply) and isinstance(view, SavedView)
    assert isinstance(invitation, Invitation)
    subscription, delivery = webhook_of(ws, owner)
    from tests.links.factories import links_objects
    from tests.listening.factories import listening_objects
    from tests.members.factories import members_objects
    from tests.publishing.factories import publishing_objects

    return {
        **members_objects(ws),
        **listening_objects(ws, owner),
        **publishing_objects(ws, owner),
        **links_objects(ws, owner),
        "subscription_id": subscription,
        "app_id": meta_app_of(ws),
        "delivery_id": delivery,
        "what": "pause",
        "conversation_id": conversation.pk,
        "reply_id": reply.pk,
        "view_id": view.pk,
        "target_id": target.pk,
        "holiday_id": holiday.pk,
        "invitation_id": invitation.pk,
        "membership_id": membership.pk,
        "token_id": token.pk,
        "objective_id": objective_of(ws, owner),
        "schedule_id": schedule_of(ws, owner),
        "saved_id": saved_report_of(ws, owner),
    }


def meta_app_of(ws) -> str:
    """The workspace's Meta app (its id names the webhook callback), one per workspace."""
    from animateur.channels.models import OAuthApp

    app_id = str(990000000 + ws.pk)
    OAuthApp.objects.create(workspace=ws, network="facebook", client_id=app_id, client_secret=f"secret {ws.slug}")
    return app_id


def objective_of(ws, owner) -> int:
    from animateur.reports.actions import do_create_objective

    return do_create_objective(ws, "Réactivité", "within_target", "at_least", 0.9, 30, actor=owner).pk


def schedule_of(ws, owner) -> int:
    from animateur.reports.actions import do_create_report_schedule

    return do_create_report_schedule(ws, "weekly", 0, 1, [owner], [], actor=owner).pk


def reports_objects(ws, owner) -> dict[str, int]:
    """A schedule and a saved report of `ws`, for the API walk."""
    return {"schedule_id": schedule_of(ws, owner), "saved_id": saved_report_of(ws, owner)}


def saved_report_of(ws, owner) -> int:
    from animateur.reports.actions import do_save_report

    return do_save_report(ws, "Pour le client", ["volume"], actor=owner).pk


def webhook_of(ws, owner) -> tuple[int, int]:
    """A webhook subscription of `ws` and one delivery of it (never sent: its address is not called)."""
    from animateur.events.models import Delivery, Subscription

    subscription = Subscription.objects.create(
        workspace=ws, name="hook", url="https://hooks.example/in", events=["message.received"], secret="s"
    )
    delivery = Delivery.objects.create(
        workspace=ws, subscription=subscription, event_id="e", event_type="message.received", url=subscription.url,
        body="{}",
    )  # fmt: skip
    return subscription.pk, delivery.pk
