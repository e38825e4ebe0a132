"""The owner connects a Facebook page « in one click »: the app registered once, the consent screen (a
local stand-in of Facebook's OAuth endpoints and Graph API), the page picked, a poll, and its
comments in the inbox."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect

from animateur.channels.models import Channel
from animateur.core.roles import Role
from animateur.stream.models import Message
from tests.channels.replay import Received, Replay

pytestmark = pytest.mark.browser

PAGE_ID = "104000000000001"


def graph_time(minutes_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%S+0000")


def consent_screen(received: Received) -> str:
    """Facebook's consent screen, as far as the flow needs it: a button that returns to the app."""
    asked = parse_qs(received.query)
    back = f"{asked['redirect_uri'][0]}?code=code-from-facebook&state={asked['state'][0]}"
    scopes = html.escape(asked["scope"][0])
    return (
        "<!doctype html><html lang='fr'><title>Facebook</title><body><h1>Acme Connect demande l’accès</h1>"
        f"<p>{scopes}</p><a href='{html.escape(back)}'>Continuer en tant que Nora</a></body></html>"
    )


@pytest.fixture
def facebook(settings) -> Iterator[Replay]:
    settings.ALLOW_PRIVATE_URLS = True  # the stand-in listens on 127.0.0.1
    server = Replay()
    settings.OAUTH_ENDPOINTS = {
        "facebook": {
            "authorize": f"{server.base}/dialog/oauth",
            "token": f"{server.base}/v21.0/oauth/access_token",
            "api": f"{server.base}/v21.0",
        }
    }
    server.add("GET", "/dialog/oauth", body=consent_screen, headers={"content-type": "text/html; charset=utf-8"})
    server.recorded("oauth", "facebook_token")
    server.recorded("oauth", "facebook_accounts")
    post = {
        "id": f"{PAGE_ID}_2002",
        "message": "Notre collection d’hiver est arrivée !",
        "created_time": graph_time(30),
        "from": {"id": PAGE_ID, "name": "Acme"},
    }
    server.add("GET", f"/v21.0/{PAGE_ID}/feed", body={"data": [post], "paging": {}})
    comment = {
        "id": "2002_3001",
        "message": "Magnifique ! Elle existe en bleu ?",
        "created_time": graph_time(5),
        "from": {"id": "5550001", "name": "Léa Martin"},
        "is_hidden": False,
    }
    server.add("GET", f"/v21.0/{PAGE_ID}_2002/comments", body={"data": [comment], "paging": {}})
    server.add("GET", "/v21.0/17841400000000001/media", body={"data": [], "paging": {}})
    # Connected with the flow, the page also reads its Messenger conversations and its ratings: none here.
    server.add("GET", f"/v21.0/{PAGE_ID}/conversations", body={"data": [], "paging": {}})
    server.add("GET", f"/v21.0/{PAGE_ID}/ratings", body={"data": [], "paging": {}})
    yield server
    server.close()


def test_the_owner_connects_a_facebook_page_through_the_consent_screen_and_sees_its_comments(
    page, login, workspace, make_user, facebook
):
    make_user("nora@example.org", workspace, Role.OWNER, display_name="Nora")
    login(page, "nora@example.org")

    # Once: the workspace's Meta app, on the page that explains each step and permission.
    page.goto("/app/channels/")
    page.get_by_role("link", name="Connecter avec Facebook, LinkedIn ou Google").click()
    page.locator("[data-network=facebook]").get_by_role("link", name="Enregistrer l’application Facebook").click()
    expect(page.locator(".permissions")).to_contain_text("pages_manage_engagement")
    expect(page.locator("[data-field=redirect-uri]")).to_contain_text("/app/channels/connect/facebook/callback/")
    page.get_by_label("Identifiant du client (ID de l’app)").fill("1234567890")
    page.get_by_label("Secret client").fill("app-secret")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("L’application Facebook est enregistrée.")).to_be_visible()

    # One click, Facebook's consent screen, then the page picked.
    page.locator("[data-network=facebook]").get_by_role("link", name="Connecter avec Facebook").click()
    expect(page.locator("h1")).to_have_text("Acme Connect demande l’accès")
    page.get_by_role("link", name="Continuer en tant que Nora").click()
    expect(page.locator("h1")).to_have_text("Choisir ce qu’il faut connecter")
    page.get_by_label("Page Facebook · Acme").check()
    page.get_by_role("button", name="Connecter", exact=True).click()
    expect(page.get_by_text("1 canal connecté. Son premier relevé a commencé.")).to_be_visible()
    channel = Channel.objects.get(workspace=workspace, kind="facebook")
    assert json.loads(channel.credentials) == {"page_access_token": "page-token-from-oauth"}
    assert not Channel.objects.filter(workspace=workspace, kind="instagram").exists()  # not picked

    # A poll, and the visitor's comment is in the inbox, with its author and its thread.
    page.get_by_role("button", name="Relever maintenant").click()
    expect(page.locator("h1")).to_contain_text("Fonctionne")
    page.locator("nav.staff-nav").get_by_role("link", name=re.compile("^Boîte de réception")).click()
    row = page.locator("[data-conversation]").filter(has_text="Elle existe en bleu")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Léa Martin")
    expect(row.locator(".channel")).to_have_text("Acme")
    row.get_by_role("link").first.click()
    expect(page.locator(".thread .message").first).to_contain_text("Magnifique ! Elle existe en bleu ?")
    comment = Message.objects.get(channel=channel, external_id="2002_3001")
    assert comment.parent.external_id == f"{PAGE_ID}_2002" and comment.author.display_name == "Léa Martin"
    asked = facebook.requests("GET", f"/v21.0/{PAGE_ID}_2002/comments")
    assert asked and asked[-1].headers["Authorization"] == "Bearer page-token-from-oauth"
