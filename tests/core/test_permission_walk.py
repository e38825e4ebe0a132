"""Walk every team view and API endpoint with every role, a member of another workspace, and nobody.

Each view carries the permission its @workspace_permission decorator checks; each role must get
exactly what core.permissions.MATRIX says, a member of another workspace a 404, and objects of
another workspace a 404 even for the workspace's owner. A view without the attribute must be in
PUBLIC_VIEWS below, or the test fails naming it: new views cannot slip through unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from animateur.core.permissions import MATRIX
from animateur.core.roles import Role

# Views open without a workspace role: the public site, login and account pages, the API's own auth.
PUBLIC_PREFIXES = (
    "space:",
    "core:login",
    "core:logout",
    "core:totp_verify",
    "core:totp_setup",
    "core:account",
    "core:workspaces",
    "core:accept",
    "core:password_reset",
    "core:dashboard",
    "api:",
    "sitemap",
    "feed",
)
PUBLIC_VIEWS: set[str] = {"core:dashboard"}
TEAM_PREFIX = "/app/"


def walk(
    resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, object]]:
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or '?'}", prefix + str(entry.pattern), entry.callback


def team_views() -> list[tuple[str, str, object]]:
    return [(name, route, cb) for name, route, cb in walk() if ("/" + route).startswith(TEAM_PREFIX)]


def test_every_team_view_declares_a_permission_of_the_matrix_or_is_explicitly_public():
    unchecked, unknown = [], []
    for name, route, callback in team_views():
        permission = getattr(callback, "required_permission", None)
        if permission is None:
            if not name.startswith(PUBLIC_PREFIXES):
                unchecked.append(f"{name} /{route}")
        elif permission not in MATRIX:
            unknown.append(f"{name}: {permission}")
    assert not unchecked, "team views without @workspace_permission: " + ", ".join(unchecked)
    assert not unknown, "permissions missing from the matrix: " + ", ".join(unknown)


ROLES = [Role.OWNER, Role.MANAGER, Role.MODERATOR, Role.ANALYST, Role.GUEST]


@pytest.fixture
def world(workspace, make_workspace, make_user):
    """Workspace A with one user per role and an object of each kind; workspace B with its own objects."""
    from animateur.core.models import Invitation, Membership
    from animateur.core.team import do_invite_member
    from animateur.inbox import actions
    from animateur.inbox.models import Conversation, Holiday, ResponseTarget, SavedReply, SavedView
    from tests.inbox.factories import inbound, post_message

    other = make_workspace("other", "Other")
    users = {role: make_user(f"{role}@a.org", workspace, role) for role in ROLES}
    outsider = make_user("owner@b.org", other, Role.OWNER)

    def objects(ws, owner):
        root = inbound(ws, f"question in {ws.slug}", parent=post_message(ws))
        conversation = Conversation.objects.get(root=root)
        reply = actions.do_save_saved_reply(ws, actor=owner, title="t", body="b")
        view = actions.do_save_view(ws, "v", {}, actor=owner, shared=True)
        target = actions.do_set_response_target(ws, actor=owner, channel_kind="", priority="", minutes=60)
        from datetime import date

        holiday = actions.do_add_holiday(ws, date(2030, 1, 1), "x", actor=owner)
        invitation, _ = do_invite_member(ws, f"new@{ws.slug}.org", Role.GUEST, actor=owner)
        from animateur.api.actions import do_create_api_token

        token, _key = do_create_api_token(ws, owner, "t", actor=owner)
        membership = Membership.objects.filter(workspace=ws).exclude(
            user=owner
        ).first() or Membership.objects.get(workspace=ws, user=owner)
        assert isinstance(holiday, Holiday) and isinstance(target, ResponseTarget)
        assert isinstance(reply, SavedReply) and isinstance(view, SavedView)
        assert isinstance(invitation, Invitation)
        return {
            "conversation_id": conversation.pk,
            "reply_id": reply.pk,
            "view_id": view.pk,
            "target_id": target.pk,
            "holiday_id": holiday.pk,
            "invitation_id": invitation.pk,
            "membership_id": membership.pk,
            "token_id": token.pk,
        }

    return {
        "a": workspace,
        "b": other,
        "users": users,
        "outsider": outsider,
        "a_ids": objects(workspace, users[Role.OWNER]),
        "b_ids": objects(other, outsider),
    }


def fill(route: str, ids: dict[str, int]) -> str | None:
    missing = []

    def sub(match: re.Match) -> str:
        name = match.group(2)
        if name not in ids:
            missing.append(name)
            return "0"
        return str(ids[name])

    path = "/" + re.sub(r"<(?:(\w+):)?(\w+)>", sub, route)
    return None if missing else path


def call(client: Client, path: str) -> int:
    """GET, or an empty POST for POST-only views; rolled back, so each role meets the same objects."""
    with transaction.atomic():
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


def test_each_role_gets_exactly_what_the_matrix_says_and_other_workspaces_get_404(world):
    problems = []
    clients = {role: client_for(user) for role, user in world["users"].items()}
    outsider = client_for(world["outsider"])
    anonymous = Client()
    checked = 0
    skipped: list[str] = []
    for name, route, callback in team_views():
        permission = getattr(callback, "required_permission", None)
        if permission is None:
            continue
        path = fill(route, world["a_ids"])
        known = path is not None
        if not known:
            # A colleague's view with parameters this fixture has no object for: the roles, the
            # outsider and the anonymous visitor are still checked, against an id that does not exist.
            path = fill(route, {**world["a_ids"], **dict.fromkeys(re.findall(r"<(?:\w+:)?(\w+)>", route), 0)})
            skipped.append(name)
        checked += 1
        for role in ROLES:
            status = call(clients[role], path)
            allowed = role in MATRIX[permission]
            if allowed and (status == 403 or status >= 500 or (known and status == 404)):
                problems.append(f"{name} {path}: {role} allowed by the matrix, got {status}")
            if not allowed and status != 403:
                problems.append(f"{name} {path}: {role} not allowed by the matrix, got {status}")
        status = call(outsider, path)
        if status != 404:
            problems.append(f"{name} {path}: member of another workspace got {status}, not 404")
        status = call(anonymous, path)
        if status != 302:
            problems.append(f"{name} {path}: anonymous got {status}, not a redirect to log in")
        other_path = fill(route, world["b_ids"])
        if known and other_path != path:
            owner_status = call(clients[Role.OWNER], other_path)
            if owner_status != 404:
                problems.append(f"{name} {other_path}: owner of A reached B's object, got {owner_status}")
    assert checked > 20
    print("object checks skipped (no fixture object):", ", ".join(skipped))
    assert not problems, "\n".join(problems)


def test_no_page_of_workspace_a_shows_a_byte_of_workspace_b(world):
    owner = client_for(world["users"][Role.OWNER])
    for name, route, callback in team_views():
        if getattr(callback, "required_permission", None) is None:
            continue
        path = fill(route, world["a_ids"])
        if path is None:
            continue
        try:
            response = owner.get(path)
        except Exception:  # noqa: S112 - crashing views are reported by the walk above
            continue
        if response.status_code == 200:
            assert b"question in other" not in response.content, name
