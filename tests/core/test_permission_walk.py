"""Walk every team view and API endpoint with every role, a member of another workspace, and nobody.

Each view carries the permission its @workspace_permission decorator checks; each role must get
exactly what core.permissions.MATRIX says, a member of another workspace a 404, and objects of
another workspace a 404 even for the workspace's owner. A view without the attribute must be in
PUBLIC_VIEWS below, or the test fails naming it: new views cannot slip through unchecked.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from animateur.core.permissions import MATRIX
from animateur.core.roles import Role
from tests.core.url_walk import ROLES, build_world, call, client_for, fill, team_views

# Views open without a workspace role: the public site, login and account pages, the API's own auth.
PUBLIC_PREFIXES = (
    "space:",
    "core:login",
    "core:logout",
    "core:totp_verify",
    "core:totp_setup",
    "core:totp_recovery_codes",
    "core:account",
    "core:workspaces",
    "core:accept",
    "core:password_reset",
    "core:dashboard",
    # a report shared read-only with a client: the signed link is the permission
    "reports:shared",
    # a publication shown to the client for approval: the signed link is the permission
    "publishing:client_approval",
    # a published publication's image, at its unguessable address, as its blog post shows it
    "publication_image",
    # Meta's webhooks for the workspace's app: the verify token and the body's signature are the permission
    "channels:meta_webhook",
    "api:",
    "sitemap",
    "feed",
)
PUBLIC_VIEWS: set[str] = {"core:dashboard"}


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


@pytest.fixture
def world(workspace, make_workspace, make_user):
    return build_world(workspace, make_workspace, make_user)


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
