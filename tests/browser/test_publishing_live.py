"""A manager covers an event live: from the menu under « Publier », starts a live coverage with the event's
hashtag, posts two updates (the second answers the first on Mastodon), and sees the hashtag stream beside
the thread bring in a new message without reloading the page; the composer shows a link's card."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from animateur.core.roles import Role
from animateur.publishing.models import LiveCoverage, LivePost
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.pipeline import run_pipeline
from tests.channels.factories import mastodon_channel
from tests.publishing.test_links_and_threads import STATUSES, _form, _status_server

pytestmark = pytest.mark.browser


def test_a_live_coverage_posts_a_running_thread_beside_the_hashtag_stream(page, login, workspace, make_user, replay):
    make_user("sam@example.org", workspace, Role.MANAGER, display_name="Sam")
    _status_server(replay)
    toot = mastodon_channel(workspace, replay.base)
    login(page, "sam@example.org")
    page.goto("/app/")
    page.get_by_role("link", name="Couverture en direct").click()
    form = page.locator("[data-form='start-live']")
    form.get_by_label("Titre").fill("Rencontres CCI")
    form.get_by_label("Le hashtag de l’événement").fill("#rsCCI")
    form.get_by_label(toot.name, exact=False).check()
    form.get_by_role("button", name="Commencer").click()
    expect(page.locator("h1")).to_contain_text("Rencontres CCI")
    expect(page.locator("[data-live]")).to_have_text("En direct")
    coverage = LiveCoverage.objects.get()

    for text in ("On commence ! #rsCCI", "Première table ronde #rsCCI"):
        page.locator("[data-form='live-update'] textarea").fill(text)
        page.get_by_role("button", name="Publier la mise à jour").click()
        expect(page.locator("[data-thread]")).to_contain_text(text)
    expect(page.locator("[data-update-state='published']")).to_have_count(2)
    first, second = LivePost.objects.filter(update__coverage=coverage).order_by("pk")
    assert _form(replay.requests("POST", STATUSES)[1])["in_reply_to_id"] == first.remote_id
    assert second.state == "sent"

    # A message with the hashtag arrives: the stream beside the thread shows it without a reload.
    run_pipeline(
        [
            Incoming(
                channel=toot,
                external_id="ext-1",
                text="Très bonne intervention #rscci",
                created_at=timezone.now(),
                author=AuthorInfo(external_id="ana", display_name="Ana"),
                kind="mention",
                source_visibility="visible",
            )
        ]
    )
    expect(page.locator("[data-live-stream]")).to_contain_text("Très bonne intervention", timeout=12_000)

    page.get_by_role("button", name="Terminer la couverture en direct").click()
    expect(page.locator("[data-ended]")).to_be_visible()
    expect(page.locator("[data-form='live-update']")).to_have_count(0)


def test_the_composer_shows_the_card_of_a_link(page, login, workspace, make_user, replay):
    make_user("sam@example.org", workspace, Role.MANAGER, display_name="Sam")
    mastodon_channel(workspace, replay.base)
    replay.add(
        "GET",
        "/programme",
        body='<html><head><meta property="og:title" content="Le programme des Rencontres"></head></html>',
        headers={"Content-Type": "text/html"},
    )
    login(page, "sam@example.org")
    asked = []
    page.on("request", lambda request: asked.append(request.url) if "link-preview" in request.url else None)
    page.goto("/app/publishing/")
    page.wait_for_timeout(2000)
    assert len(asked) == 1  # asked once as the form opens, not again and again
    page.eval_on_selector("#link-preview", "slot => { slot.dataset.kept = 'yes' }")
    page.locator("[data-form='compose'] textarea[name='text']").fill(f"À lire : {replay.base}/programme")
    expect(page.locator("[data-card-title]")).to_have_text("Le programme des Rencontres")
    # The slot that listens to the form is the same one after the card came: a slot replaced whole listens
    # again only once htmx has settled it, and text typed in that moment never got its card.
    expect(page.locator("#link-preview")).to_have_attribute("data-kept", "yes")
    page.locator("[data-form='compose'] textarea[name='text']").fill(f"Et : {replay.base}/absent")
    expect(page.locator("[data-no-card]")).to_be_visible()
