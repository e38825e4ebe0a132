"""What a French community manager reads while connecting a feed and watching its health.

Found walking through the pages: the add form's title ended on « Ajouter un canal : » (the kind's
name was lost), a failed connection test showed the English exception and a raw code
(« server unreachable: [Errno 111] … unreachable »), and the health pages showed « rss » and « read ».
"""

from __future__ import annotations

import re

from animateur.channels.models import Channel

UNREACHABLE = "http://127.0.0.1:9/feed.xml"  # the discard port: nobody listens there


BLOCK_TAGS = re.compile(r"<(?:br|/?(?:p|li|td|th|dt|dd|h\d|div|tr|ul|ol|option|label|small|section))\b[^>]*>")


def visible_text(html: str) -> str:
    """The page's words as read: blocks apart, inline tags (strong, time...) within the sentence."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", BLOCK_TAGS.sub(" ", html)))


def test_the_add_form_names_the_kind_of_channel(manager_client):
    page = visible_text(manager_client.get("/app/channels/add/rss/").content.decode())
    assert "Ajouter un canal : Flux RSS ou Atom" in page


def test_a_failed_connection_test_gives_the_cause_in_french_first(manager_client, private_urls):
    data = {"name": "Veille", "url": UNREACHABLE, "poll_interval_seconds": 600, "action": "test"}
    html = manager_client.post("/app/channels/add/rss/", data).content.decode()
    assert "La connexion a échoué : source injoignable." in visible_text(html)
    assert "<code>unreachable</code>" not in html  # the code stays out of sight, in data-cause
    assert 'data-cause="unreachable"' in html
    assert "Ajouter un canal : Flux RSS ou Atom" in visible_text(html)
    assert not Channel.objects.filter(kind="rss").exists()


def test_an_address_that_is_not_a_feed_says_so_in_french(manager_client, replay):
    replay.add("GET", "/page.html", body="<html><body>Bonjour</body></html>", headers={"content-type": "text/html"})
    data = {"name": "Veille", "url": replay.base + "/page.html", "poll_interval_seconds": 600, "action": "test"}
    page = visible_text(manager_client.post("/app/channels/add/rss/", data).content.decode())
    assert "La connexion a échoué : ce n’est pas un flux." in page
    assert "not_a_feed" not in page


def test_the_health_pages_name_kinds_capabilities_and_causes_in_french(
    manager_client, workspace, private_urls, django_capture_on_commit_callbacks
):
    data = {"name": "Flux cassé", "url": UNREACHABLE, "poll_interval_seconds": 600, "action": "save"}
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post("/app/channels/add/rss/", data)
    channel = Channel.objects.get(kind="rss", workspace=workspace)
    listing = manager_client.get("/app/channels/").content.decode()
    row = listing[listing.index(f'data-channel="{channel.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "<small>Flux RSS ou Atom</small>" in row and "<small>rss</small>" not in row
    assert "<strong>source injoignable</strong>" in row and "<code>" not in row

    detail = manager_client.get(f"/app/channels/{channel.pk}/").content.decode()
    text = visible_text(detail)
    assert "Flux cassé Flux RSS ou Atom" in text
    assert "Sait faire lire" in text and " read " not in text
    assert "Détail technique : server unreachable" in text  # the source's own words, second
    runs = visible_text(detail[detail.index("<h2>Relevés récents</h2>") :])
    assert "source injoignable" in runs and "<code>" not in detail[detail.index("<h2>Relevés récents</h2>") :]
