"""The stream in the API: every stored message of the token's workspace, with the stream page's filters."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from animateur.api.actions import do_create_api_token
from animateur.channels.models import Channel
from animateur.core.actions import SystemActor
from animateur.core.roles import Role
from animateur.inbox.models import Conversation
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.pipeline import run_pipeline
from tests.inbox.factories import inbound, post_message

SYSTEM = SystemActor("tests")


def bearer(workspace, user) -> dict[str, str]:
    _token, key = do_create_api_token(workspace, user, "t", actor=SYSTEM)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def history_message(workspace, text: str):
    """A feed entry written two days before its channel was connected: stored as history."""
    channel = Channel.objects.create(workspace=workspace, kind="rss", name="Veille", config={"url": "https://e.org"})
    item = Incoming(
        channel=channel,
        external_id="old",
        text=text,
        title=text,
        kind="mention",
        created_at=timezone.now() - timedelta(days=2),
        author=AuthorInfo(external_id="r", display_name="La rédaction"),
        historical=True,
    )
    result = run_pipeline([item])
    return channel, result.created[0]


def test_the_api_lists_history_with_the_reason_and_filters_like_the_page(workspace, make_user):
    headers = bearer(workspace, make_user("analyst@a.org", workspace, Role.ANALYST))
    channel, old = history_message(workspace, "Acme fête ses dix ans")
    comment = inbound(workspace, "Une question sur la livraison", parent=post_message(workspace))
    client = Client()
    everything = client.get("/api/stream/messages", **headers).json()
    by_id = {m["id"]: m for m in everything["messages"]}
    assert by_id[old.pk]["outcome"] == "history" and by_id[old.pk]["conversation"] is None
    assert by_id[old.pk]["outcome_text"].startswith(("Conservé comme historique", "Kept as history"))
    assert by_id[comment.pk]["conversation"] == Conversation.objects.get(root=comment).pk
    found = client.get("/api/stream/messages", {"q": "FETE", "history": "yes"}, **headers).json()
    assert [m["id"] for m in found["messages"]] == [old.pk]
    assert client.get("/api/stream/messages", {"channel": channel.pk}, **headers).json()["messages"][0]["id"] == old.pk


def test_bad_filters_are_a_400_naming_them_and_another_workspace_is_never_reached(workspace, make_user, make_workspace):
    headers = bearer(workspace, make_user("m@a.org", workspace, Role.MANAGER))
    other = make_workspace("other", "Other")
    foreign, _ = history_message(other, "Secret d’other")
    client = Client()
    for params in (
        {"channel": str(foreign.pk)},
        {"channel": "9" * 30},
        {"before": "-1"},
        {"since": "demain"},
        {"kind": "x"},
        {"history": "peut-être"},
    ):
        response = client.get("/api/stream/messages", params, **headers)
        assert response.status_code == 400, params
        assert next(iter(params)) in response.json()["errors"], params
    listing = client.get("/api/stream/messages", **headers).json()
    assert all("Secret" not in m["text"] for m in listing["messages"])
    assert client.get("/api/stream/messages").status_code == 401
