"""A new manager connects a feed and a Mastodon account, works their messages in the inbox, and watches health.

The feed and the Mastodon server are a local replay server (recorded Mastodon answers from
tests/channels/fixtures/mastodon), reached through the connectors' real client libraries.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect

from animateur.channels.models import Channel
from animateur.core.roles import Role
from animateur.inbox.models import Conversation
from animateur.stream.models import Message
from tests.channels.replay import Replay

pytestmark = pytest.mark.browser

MENTION_ID = "117020577157693549"
OUR_ACCOUNT = "117020457910412882"
FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Veille Acme</title>
<link>https://news.example.org/</link><description>Ce qu’on dit d’Acme</description>
<item><title>Acme ouvre un atelier à Lyon</title><link>https://news.example.org/acme-lyon</link>
<guid>acme-lyon</guid><author>redaction@news.example.org (La rédaction)</author>
<description>Acme ouvre un nouvel atelier de réparation à Lyon.</description></item>
</channel></rss>"""


@pytest.fixture
def sources(settings) -> Iterator[Replay]:
    settings.ALLOW_PRIVATE_URLS = True  # the replay server listens on 127.0.0.1
    server = Replay()
    server.add("GET", "/feed.xml", body=FEED, headers={"content-type": "application/rss+xml; charset=utf-8"})
    server.recorded("mastodon", "verify_credentials")
    server.recorded("mastodon", "instance_v2")
    # Mentioned a minute ago, once the account is connected: work for the team, not history.
    server.recorded("mastodon", "notifications_mentions", recent=True)
    server.recorded("mastodon", "post_reply")
    yield server
    server.close()


def health_row(page, name: str):
    return page.locator("table.health tbody tr").filter(has=page.get_by_role("link", name=name, exact=True))


def test_a_new_manager_connects_a_feed_and_mastodon_answers_a_mention_and_watches_the_channels_health(
    page, login, workspace, make_user, sources
):
    make_user("nora@example.org", workspace, Role.MANAGER, display_name="Nora")
    login(page, "nora@example.org")

    # The feed: test the connection, then save.
    page.locator("nav.staff-nav").get_by_role("link", name="Canaux").click()
    expect(page.get_by_text("Aucun canal pour l’instant", exact=False)).to_be_visible()
    page.get_by_role("link", name="Ajouter un canal").click()
    page.get_by_role("link", name="Flux RSS ou Atom", exact=True).click()
    page.get_by_label("Nom").fill("Veille presse")
    page.get_by_label("Adresse du flux").fill(sources.base + "/feed.xml")
    page.get_by_role("button", name="Tester la connexion").click()
    expect(page.locator("[data-test-result]")).to_have_text(
        "La connexion fonctionne : Flux « Veille Acme » avec 1 entrée"
    )
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Canal ajouté. Son premier relevé a commencé.")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("Fonctionne")

    # Mastodon: the token is typed once, before the test; saving keeps it.
    page.goto("/app/channels/add/")
    page.get_by_role("link", name="Mastodon", exact=True).click()
    page.get_by_label("Nom").fill("@acme sur Mastodon")
    page.get_by_label("Serveur").fill(sources.base)
    page.get_by_label("Jeton d’accès").fill("nora-token")
    page.get_by_role("button", name="Tester la connexion").click()
    expect(page.locator("[data-test-result]")).to_contain_text(
        "La connexion fonctionne : Connecté en tant que @mastodonpy_test"
    )
    expect(page.get_by_label("Jeton d’accès")).to_have_value("")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Canal ajouté. Son premier relevé a commencé.")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("Fonctionne")
    mastodon = Channel.objects.get(kind="mastodon", workspace=workspace)
    assert json.loads(mastodon.credentials) == {"access_token": "nora-token"}
    assert mastodon.config["account_id"] == OUR_ACCOUNT  # remembered from the test: our statuses are ours
    assert sources.requests("GET", "/api/v1/notifications")[0].headers["Authorization"] == "Bearer nora-token"

    # The inbox: the feed item and the mention, each with its channel, without waiting for a poll.
    page.locator("nav.staff-nav").get_by_role("link", name=re.compile("^Boîte de réception")).click()
    rows = page.locator("[data-conversation]")
    expect(rows).to_have_count(2)
    feed_row = rows.filter(has_text="Acme ouvre un nouvel atelier")
    expect(feed_row.locator(".channel")).to_have_text("Veille presse")
    expect(feed_row.locator(".channel")).to_have_attribute("title", "Flux RSS ou Atom")
    expect(feed_row).to_contain_text("La rédaction")
    mention_row = rows.filter(has_text="hello!")
    expect(mention_row.locator(".channel")).to_have_text("@acme sur Mastodon")

    # The feed item cannot be answered from here: it can be marked as answered elsewhere.
    rows.filter(has_text="Acme ouvre un nouvel atelier").get_by_role("link").first.click()
    expect(page.locator("#answered-elsewhere")).to_be_visible()
    expect(page.locator("#reply-form")).to_have_count(0)
    page.go_back()

    # Answer the mention: it goes out through Mastodon, threaded under the mention, as ours.
    page.locator("[data-conversation]").filter(has_text="hello!").get_by_role("link").first.click()
    expect(page.locator(".thread .message").first).to_contain_text("hello!")
    page.locator("#reply-text").fill("Bonjour, merci de votre message !")
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.get_by_text("Réponse envoyée.")).to_be_visible()
    ours = page.locator(".thread .message.ours")
    expect(ours).to_have_count(1)
    expect(ours).to_contain_text("Nous (Nora)")
    expect(ours).to_contain_text("Bonjour, merci de votre message !")

    posted = sources.requests("POST", "/api/v1/statuses")
    assert len(posted) == 1
    form = parse_qs(posted[0].body.decode())
    assert form["in_reply_to_id"] == [MENTION_ID] and form["status"] == ["Bonjour, merci de votre message !"]
    assert posted[0].headers["Authorization"] == "Bearer nora-token"
    answer = Message.objects.get(channel=mastodon, from_organisation=True)
    assert answer.parent.external_id == MENTION_ID
    conversation = Conversation.objects.get(root__external_id=MENTION_ID)
    assert conversation.first_response_at is not None and conversation.first_responder.email == "nora@example.org"

    # The health page: both channels work, with their last run and the next one.
    page.goto("/app/channels/")
    for name in ("Veille presse", "@acme sur Mastodon"):
        row = health_row(page, name)
        expect(row.locator('[data-field="status"]')).to_have_text(re.compile(r"^\W*Fonctionne\s*$"))
        # « maintenant » within the second of the poll, « il y a … » after it.
        expect(row.locator('[data-field="last-success"]')).to_contain_text(re.compile("il y a|maintenant"))
        expect(row.locator('[data-field="items"]')).to_have_text("1")
        expect(row.locator('[data-field="failures"]')).to_have_text("0")
        expect(row.locator('[data-field="next-run"]')).to_contain_text("dans")
        expect(row.locator('[data-field="last-error"]')).to_have_text("—")

    # The server fails: the channel shows the cause and counts the failures...
    sources.add("GET", "/api/v1/notifications", 500, {"error": "Internal Server Error"}, query="min_id=21")
    page.get_by_role("link", name="@acme sur Mastodon", exact=True).click()
    page.get_by_role("button", name="Relever maintenant").click()
    page.goto("/app/channels/")
    row = health_row(page, "@acme sur Mastodon")
    expect(row.locator('[data-field="status"]')).to_have_text(re.compile(r"^\W*En échec\s*$"))
    # A 5xx: the server answered, with an error of its own (not « unreachable »).
    expect(row.locator('[data-field="last-error"]')).to_contain_text("le serveur Mastodon est en panne")
    expect(row.locator('[data-field="failures"]')).to_have_text("1")
    status = health_row(page, "Veille presse").locator('[data-field="status"]')
    expect(status).to_have_text(re.compile(r"^\W*Fonctionne\s*$"))  # the words after the state's mark

    # ...then refuses the token: the channel needs reconnection.
    sources.recorded("mastodon", "unauthorized", path="/api/v1/notifications", query="min_id=21")
    page.get_by_role("link", name="@acme sur Mastodon", exact=True).click()
    page.get_by_role("button", name="Relever maintenant").click()
    expect(page.get_by_role("alert").filter(has_text="La source a refusé les identifiants")).to_be_visible()
    page.goto("/app/channels/")
    row = health_row(page, "@acme sur Mastodon")
    expect(row.locator('[data-field="status"]')).to_have_text(re.compile(r"^\W*À reconnecter\s*$"))
    expect(row.locator('[data-field="last-error"]')).to_contain_text("identifiants refusés")
    expect(row.locator('[data-field="failures"]')).to_have_text("2")
    expect(row.locator('[data-field="next-run"]')).to_have_text("après reconnexion")
    expect(page.locator("main")).not_to_contain_text(re.compile("nora-token"))

    # A new token, saved from the channel's page, reconnects it and polls it at once.
    sources.add("GET", "/api/v1/notifications", body=[], query="min_id=21")
    page.get_by_role("link", name="@acme sur Mastodon", exact=True).click()
    page.get_by_label("Jeton d’accès").fill("nora-new-token")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Canal enregistré.")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("Fonctionne")
    assert sources.requests("GET", "/api/v1/notifications")[-1].headers["Authorization"] == "Bearer nora-new-token"
    mastodon.refresh_from_db()
    assert mastodon.config["account_id"] == OUR_ACCOUNT  # asked again of the server for the new token
    page.goto("/app/channels/")
    row = health_row(page, "@acme sur Mastodon")
    expect(row.locator('[data-field="failures"]')).to_have_text("0")
    expect(row.locator('[data-field="last-error"]')).to_contain_text("résolue depuis")
