"""The inbox API: token per user and workspace, the matrix for every endpoint, 404 for other workspaces."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from animateur.api.actions import do_create_api_token
from animateur.api.urls import api
from animateur.core.actions import SystemActor
from animateur.core.permissions import MATRIX
from animateur.core.roles import Role
from animateur.inbox.models import Conversation
from animateur.stream.models import Message
from tests.inbox.factories import inbound, post_message

SYSTEM = SystemActor("tests")
ROLES = [Role.OWNER, Role.MANAGER, Role.MODERATOR, Role.ANALYST, Role.GUEST]


def operations():
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                yield (
                    # A router's own address ("" under its prefix) has no trailing slash: /api/links.
                    (prefix.rstrip("/") + ("/" + path.lstrip("/") if path else "")).replace("//", "/"),
                    op.methods,
                    op.view_func,
                )


def bearer(workspace, user):
    _token, key = do_create_api_token(workspace, user, "t", actor=SYSTEM)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def world(workspace, make_workspace, make_user, settings):
    settings.ALLOW_PRIVATE_URLS = True  # the webhook created below points to this machine (never called)
    from tests.channels.factories import channels_objects
    from tests.core.url_walk import objective_of, webhook_of
    from tests.links.factories import links_objects
    from tests.listening.factories import listening_objects
    from tests.members.factories import members_objects
    from tests.moderation.factories import moderation_objects
    from tests.publishing.factories import publishing_objects

    other = make_workspace("other", "Other")
    a = Conversation.objects.get(root=inbound(workspace, "question A", parent=post_message(workspace)))
    b = Conversation.objects.get(root=inbound(other, "question B", parent=post_message(other)))
    users = {role: make_user(f"{role}@a.org", workspace, role) for role in ROLES}
    headers = {role: bearer(workspace, user) for role, user in users.items()}
    outsider = make_user("o@b.org", other, Role.OWNER)
    ids = {}
    for side, ws, owner, conversation in (("a", workspace, users[Role.OWNER], a), ("b", other, outsider, b)):
        subscription, delivery = webhook_of(ws, owner)
        ids[side] = {"conversation_id": conversation.pk, "subscription_id": subscription, "delivery_id": delivery}
        ids[side].update(members_objects(ws))
        ids[side].update(listening_objects(ws, owner))
        ids[side].update(publishing_objects(ws, owner))
        ids[side].update(links_objects(ws, owner))
        ids[side].update(channels_objects(ws))
        ids[side].update(moderation_objects(ws))
        ids[side]["objective_id"] = objective_of(ws, owner)
    from tests.core.url_walk import reports_objects

    for side, ws, owner in (("a", workspace, users[Role.OWNER]), ("b", other, outsider)):
        ids[side].update(reports_objects(ws, owner))
    return {
        "a": a,
        "b": b,
        "ids": ids,
        "headers": headers,
        "outsider": bearer(other, outsider),
    }


BODIES = {
    "reply": {"text": "Merci !"},
    "assign": {"user_id": None},
    "state": {"state": "open"},
    "decide": {"decision": "snooze"},
    "moderation/decide": {"decision": "reject"},  # a review item's decision (the members' is a suggestion's)
    "moderation/sanctions": {"kind": "warn", "reason": "Insultes"},
    "moderation/lift": {"reason": "Excuses présentées"},
    "moderation/words": {"pattern": "escroc*", "action": "censor"},
    "moderation/starter": {"list": "insults_fr", "action": "flag"},
    "moderation/try": {"text": "Une arnaque ?"},
    "moderation/flag": {"reason": "Propos douteux"},
    "moderation/dry-run": {
        "name": "Liens",
        "conditions": [{"field": "links", "op": "gte", "value": "1"}],
        "actions": [{"type": "hide"}],
    },
    "moderation/settings": {"trust_thresholds": {"basic": {"approved": 2}}},
    "rules": {
        "name": "Liens",
        "conditions": [{"field": "links", "op": "gte", "value": "2"}],
        "actions": [{"type": "hold"}],
    },
    "webhooks": {"name": "CRM", "url": "http://127.0.0.1:9/in", "events": ["channel.failed"]},
    "searches": {"name": "Marque", "query": 'acme OR "acme corp"'},
    "query": {"name": "Marque", "query": "acme"},
    "backtest": {"query": "question"},
    "publications": {"text": "Bonjour", "channel_names": ["@acme"]},
    "schedule": {"at": "2099-01-01T10:00:00+00:00"},
    "steps": {"kind": "commented", "text": "Plus court ?"},
    "publishing-settings": {"approval": "manager"},
    "images": {"images": []},
    "coverages": {"title": "Rencontres", "hashtag": "#rsCCI", "channel_names": ["@acme"]},
    "updates": {"text": "Ça commence #rsCCI"},
    "schedules": {"frequency": "weekly", "weekday": 0, "addresses": ["client@example.org"]},
    "saved": {"name": "Client", "kpis": ["volume"]},
    "branding": {"accent": "#123456"},
    "objectives": {"name": "Répondre vite", "kpi": "within_target", "comparison": "at_least", "target": 0.9},
    "fields": {"name": "Entreprise", "kind": "text"},
    "custom-fields": {"custom_fields": {"Ville": "Lyon"}},
    "alerts": {"cohort": "slipping", "enabled": True},
    "links": {"url": "https://example.org/atelier", "campaign": "rentrée"},
}
SUCCESS = (200, 201, 204)


def call(client, method, path, headers):
    from django.db import transaction

    from tests.core.url_walk import rolled_back_block

    with rolled_back_block():
        segments = path.rstrip("/").split("/")
        # A resource's own address (…/objectives/12) takes the body of its collection.
        # An app's own body first where two apps end their paths alike (moderation/decide, members' decide).
        body = BODIES.get(f"{segments[2]}/{segments[-1]}") or BODIES.get(segments[-1])
        body = body or (BODIES.get(segments[-2], {}) if segments[-1].isdigit() else {})
        if method == "GET":
            response = client.get(path, **headers)
        elif method == "DELETE":
            response = client.delete(path, **headers)
        elif method == "POST" and segments[-1] == "images":  # an upload: multipart, a file and its alt text
            from tests.publishing.factories import png

            response = client.post(path, {"file": _named(png(), "carte.png"), "alt": "Une carte"}, **headers)
        elif method == "PUT":
            response = client.put(path, body, content_type="application/json", **headers)
        else:
            response = client.post(path, body, content_type="application/json", **headers)
        transaction.set_rollback(True)
    return response


def _named(data, name):
    import io

    upload = io.BytesIO(data)
    upload.name = name
    return upload


def filled(path, ids):
    # {item_id}, or {int:item_id} where a path converter turns a malformed id into a 404.
    return "/api" + re.sub(r"\{(?:\w+:)?(\w+)\}", lambda m: str(ids[m.group(1)]), path)


def test_every_endpoint_declares_a_permission_and_each_role_gets_what_the_matrix_says(world):
    client = Client()
    problems, count = [], 0
    for path, methods, func in operations():
        permission = getattr(func, "required_permission", None)
        assert permission in MATRIX, f"{path} declares no permission of the matrix"
        for method in methods:
            count += 1
            url, other_url = filled(path, world["ids"]["a"]), filled(path, world["ids"]["b"])
            for role in ROLES:
                status = call(client, method, url, world["headers"][role]).status_code
                allowed = role in MATRIX[permission]
                if allowed != (status in SUCCESS):
                    problems.append(f"{method} {path} as {role}: {status}")
                if "{" in path and allowed:
                    other = call(client, method, other_url, world["headers"][role])
                    if other.status_code != 404 or b"question B" in other.content:
                        problems.append(f"{method} {path} as {role} reached workspace B: {other.status_code}")
            if call(client, method, url, {}).status_code != 401:
                problems.append(f"{method} {path} without token is not 401")
            outsider = call(client, method, url, world["outsider"])
            if "{" in path and outsider.status_code != 404:
                problems.append(f"{method} {path} with another workspace's token: {outsider.status_code}")
            if b"question A" in outsider.content:
                problems.append(f"{method} {path} leaked workspace A to B's token")
    assert count >= 5
    assert not problems, "\n".join(problems)


def test_a_moderator_replies_through_the_api_and_the_answer_is_on_the_site(world):
    client = Client()
    response = client.post(
        f"/api/inbox/conversations/{world['a'].pk}/reply",
        {"text": "Réponse API"},
        content_type="application/json",
        **world["headers"][Role.MODERATOR],
    )
    assert response.status_code == 200 and response.json()["state"] == "waiting"
    assert Message.objects.get(text="Réponse API").from_organisation
    listing = client.get("/api/inbox/conversations?view=waiting", **world["headers"][Role.GUEST]).json()
    assert [c["id"] for c in listing] == [world["a"].pk]
