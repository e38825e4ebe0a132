"""A community manager finds a message kept as history: from the channel's page to the stream, in French.

A feed entry written two days before the feed was connected is stored as history: it opens no
conversation, so the inbox never shows it. The channel's page says so and why, and leads to the
stream, where a search without accents finds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from email.utils import format_datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from animateur.channels.models import Channel
from animateur.channels.runner import poll_channel
from animateur.core.roles import Role
from tests.channels.replay import Replay

pytestmark = pytest.mark.browser


@pytest.fixture
def feed_server(settings) -> Iterator[Replay]:
    settings.ALLOW_PRIVATE_URLS = True
    now = timezone.now()
    items = "".join(
        f"<item><title>{title}</title><link>https://news.example.org/{guid}</link><guid>{guid}</guid>"
        f"<pubDate>{format_datetime(now - age)}</pubDate><description>{title}.</description></item>"
        for guid, title, age in (
            ("old", "Acme fête ses dix ans", timedelta(days=2)),
            ("new", "Acme rappelle un produit", timedelta(hours=1)),
        )
    )
    server = Replay()
    server.add(
        "GET",
        "/feed.xml",
        body=f'<?xml version="1.0"?><rss version="2.0"><channel><title>Veille</title>{items}</channel></rss>',
        headers={"content-type": "application/rss+xml; charset=utf-8"},
    )
    yield server
    server.close()


def test_a_manager_finds_a_message_kept_as_history_from_the_channel_page(
    page, login, workspace, make_user, feed_server
):
    channel = Channel.objects.create(
        workspace=workspace, kind="rss", name="Veille", config={"url": feed_server.base + "/feed.xml"}
    )
    assert poll_channel(channel.pk).created == 2
    make_user("nora@example.org", workspace, Role.MANAGER, display_name="Nora")
    errors: list[str] = []
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    login(page, "nora@example.org")

    page.goto(f"/app/channels/{channel.pk}/")
    history = page.locator("table.latest tr", has_text="Acme fête ses dix ans")
    expect(history).to_contain_text("Conservé comme historique : écrit le")
    expect(history).to_contain_text("avant la connexion du canal")
    expect(page.locator("table.latest tr", has_text="Acme rappelle un produit")).to_contain_text(
        "A ouvert une conversation."
    )
    expect(page.locator("table.runs td[data-field=new]").first).to_contain_text("1 conservé comme historique")

    page.get_by_role("link", name="Tous les messages de ce canal, historique compris").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tous les messages")
    expect(page.locator("nav.staff-nav").get_by_role("link", name="Tous les messages")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.locator("table.stream tbody tr")).to_have_count(2)

    # A search typed without accents, and only the history.
    page.get_by_label("Rechercher").fill("fete dix")
    page.get_by_label("Historique", exact=True).select_option("yes")
    page.get_by_role("button", name="Filtrer").click()
    rows = page.locator("table.stream tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Acme fête ses dix ans")
    expect(rows.first).to_contain_text("Conservé comme historique")

    # The one that opened a conversation leads to it.
    page.get_by_role("link", name="Réinitialiser").click()
    page.locator("table.stream tr", has_text="Acme rappelle un produit").get_by_role(
        "link", name="A ouvert une conversation."
    ).click()
    expect(page).to_have_url(re.compile(r"/app/inbox/c/\d+/$"))
    assert not errors, errors
