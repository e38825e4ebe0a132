"""Link previews: the card of a text's first link (its page's OpenGraph or Twitter meta, read through
safe_http with its limits, cached briefly; a page that fails gives no card and a quiet note), in the
composer and sent to Bluesky as app.bsky.embed.external with its image as a blob, against locally served
pages and atproto's real client."""

from __future__ import annotations

import json
import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from animateur.core.roles import Role
from animateur.publishing import previews
from animateur.publishing.models import TargetState
from tests.publishing.test_blog_and_bluesky import CREATE, bsky

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Fallback</title>
<meta property="og:title" content="Les Rencontres &amp; la CCI">
<meta property="og:description" content="Deux jours   sur les réseaux sociaux.">
<meta property="og:image" content="/img/card.png">
<meta name="twitter:title" content="Not this one">
</head><body><meta property="og:title" content="Not in the head"></body></html>"""
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def owner(workspace, make_user):
    return make_user("owner@acme.org", workspace, Role.OWNER)


@pytest.fixture(autouse=True)
def _no_cached_cards():
    cache.clear()
    yield
    cache.clear()


def _page(replay, path="/programme", body=PAGE):
    replay.add("GET", path, body=body, headers={"Content-Type": "text/html; charset=utf-8"})
    replay.add("GET", "/img/card.png", body=PNG, headers={"Content-Type": "image/png"})
    return f"{replay.base}{path}"


def test_a_card_is_read_from_the_pages_opengraph_meta_and_cached(replay):
    url = _page(replay)
    card = previews.fetch_card(url)
    assert card is not None
    assert card.title == "Les Rencontres & la CCI" and card.description == "Deux jours sur les réseaux sociaux."
    assert card.image == f"{replay.base}/img/card.png"  # made absolute
    assert previews.fetch_card(url) == card
    assert len(replay.requests("GET", "/programme")) == 1  # typing does not fetch it again


def test_twitter_meta_and_the_title_stand_in_when_opengraph_is_missing():
    card = previews.card_of_html(
        '<head><title> Le  titre </title><meta name="twitter:description" content="D"></head>', "https://a.example/"
    )
    assert card is not None and card.title == "Le titre" and card.description == "D" and card.image == ""
    assert previews.card_of_html("<html><body>rien</body></html>", "https://a.example/") is None


def test_a_page_that_fails_gives_no_card_and_no_error(replay, settings):
    replay.add("GET", "/missing", status=404, body="nope")
    replay.add("GET", "/pdf", body=b"%PDF-1.4", headers={"Content-Type": "application/pdf"})
    assert previews.fetch_card(f"{replay.base}/missing") is None
    assert previews.fetch_card(f"{replay.base}/pdf") is None
    assert previews.fetch_card("http://unresolvable.invalid/x") is None
    settings.ALLOW_PRIVATE_URLS = False  # a user's link to our own network is never fetched
    assert previews.fetch_card("http://127.0.0.1:9/admin") is None


def test_a_page_larger_than_the_limit_gives_no_card(replay, monkeypatch):
    monkeypatch.setattr(previews, "PAGE_BYTES", 100)
    assert previews.fetch_card(_page(replay)) is None


def test_the_composer_shows_the_card_or_a_quiet_note(workspace, owner, replay, client):
    url = _page(replay)
    client.force_login(owner)
    preview = reverse("publishing:link_preview")
    response = client.post(preview, {"text": f"Le programme : {url}."})
    assert response.status_code == 200 and "Les Rencontres &amp; la CCI" in response.content.decode()
    assert "data-card" in response.content.decode()
    replay.add("GET", "/down", status=500, body="")
    response = client.post(preview, {"text": f"Voir {replay.base}/down"})
    assert response.status_code == 200 and "data-no-card" in response.content.decode()
    response = client.post(preview, {"text": "Sans lien"})
    assert response.status_code == 200 and "data-card" not in response.content.decode()
    page = client.get(reverse("publishing:publications"))
    assert 'id="link-preview"' in page.content.decode()


def test_bluesky_gets_the_card_as_an_external_embed_with_its_image_as_a_blob(workspace, owner, replay):
    from animateur.publishing import actions

    url = _page(replay)
    replay.recorded("bluesky", "create_session")
    replay.recorded("bluesky", "create_record")
    blob = {"$type": "blob", "ref": {"$link": "bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy"},
            "mimeType": "image/png", "size": len(PNG)}  # fmt: skip
    replay.add("POST", "/xrpc/com.atproto.repo.uploadBlob", body={"blob": blob})
    channel = bsky(workspace, replay)
    actions.do_set_publishing_settings(workspace, "", track_links=False, actor=owner)
    publication = actions.do_save_publication(workspace, f"Le programme {url}", [channel.pk], actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    record = json.loads(replay.requests("POST", CREATE)[0].body)["record"]
    embed = record["embed"]
    assert embed["$type"] == "app.bsky.embed.external"
    assert embed["external"]["uri"] == url and embed["external"]["title"] == "Les Rencontres & la CCI"
    assert embed["external"]["thumb"]["ref"] == blob["ref"]
    assert replay.requests("POST", "/xrpc/com.atproto.repo.uploadBlob")[0].body == PNG


def test_a_tracked_link_gets_the_card_of_the_page_it_leads_to(workspace, owner, replay):
    from animateur.publishing import actions

    url = _page(replay)
    replay.recorded("bluesky", "create_session")
    replay.recorded("bluesky", "create_record")
    replay.add("POST", "/xrpc/com.atproto.repo.uploadBlob", status=500, body={"error": "InternalServerError"})
    channel = bsky(workspace, replay)
    publication = actions.do_save_publication(workspace, f"Le programme {url}", [channel.pk], actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    record = json.loads(replay.requests("POST", CREATE)[0].body)["record"]
    external = record["embed"]["external"]
    assert external["uri"] != url and "/l/" in external["uri"]  # the tracked link, so the click counts
    assert external["title"] == "Les Rencontres & la CCI"
    assert "thumb" not in external  # an image that failed to upload is left out, the post still goes
    assert publication.targets.get().state == TargetState.SENT


def test_a_page_that_drips_gives_no_card_within_the_previews_own_bound(settings, monkeypatch):
    from tests.channels.test_safe_http_limits import DrippingServer

    settings.ALLOW_PRIVATE_URLS = True
    monkeypatch.setattr(previews, "TIMEOUT_SECONDS", 1.0)
    server = DrippingServer()
    try:
        started = time.monotonic()
        assert previews.fetch_card(f"http://127.0.0.1:{server.port}/slow") is None
        assert time.monotonic() - started < 10  # not safe_http's minute for a poll
    finally:
        server.close()
