"""A manager writes one text for Mastodon and a shorter one for Bluesky, watching each channel's count as
they type, adds a photo with its alt text, and publishes: Mastodon gets the long text with the photo
(uploaded first, with its description), Bluesky its own text with the photo as an embedded image."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pytest
from playwright.sync_api import expect

from animateur.core.roles import Role
from animateur.publishing.limits import graphemes
from animateur.publishing.models import Publication, PublicationState, PublicationTarget
from tests.channels.factories import mastodon_channel
from tests.publishing.test_blog_and_bluesky import CREATE, bsky
from tests.publishing.test_links_and_threads import _status_server
from tests.publishing.test_variants_and_images import LONG, UPLOAD_BLOB, _media_server, photo

pytestmark = pytest.mark.browser


def test_a_text_per_channel_counted_as_one_types_and_a_photo_with_its_alt_text(
    page, login, workspace, make_user, replay, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    workspace.settings = {**(workspace.settings or {}), "publishing_track_links": False}
    workspace.save(update_fields=["settings"])
    replay.recorded("bluesky", "create_session")
    replay.recorded("bluesky", "create_record")
    blob = {"$type": "blob", "ref": {"$link": "bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy"}}
    replay.add("POST", UPLOAD_BLOB, body={"blob": {**blob, "mimeType": "image/jpeg", "size": 1234}})
    uploads = _media_server(replay)
    _made, statuses = _status_server(replay)
    toot = mastodon_channel(workspace, replay.base, config={"max_characters": 1000})
    sky = bsky(workspace, replay)
    make_user("sam@example.org", workspace, Role.MANAGER, display_name="Sam")
    picture = tmp_path / "marche.jpg"
    picture.write_bytes(photo())

    login(page, "sam@example.org")
    page.goto("/app/publishing/")
    form = page.locator("[data-form=compose]")
    toot_text = form.locator(f"[data-variant-for='{toot.pk}']")
    sky_text = form.locator(f"[data-variant-for='{sky.pk}']")
    expect(sky_text).to_be_hidden()  # a channel not chosen shows no text of its own
    form.locator("textarea[name=text]").fill(LONG.strip())
    form.locator(f"input[name=channels][value='{toot.pk}']").check()
    form.locator(f"input[name=channels][value='{sky.pk}']").check()
    expect(sky_text).to_be_visible()
    length = len(LONG.strip())
    expect(toot_text.locator("[data-count]")).to_have_text(f"{length} / 1000")
    expect(sky_text.locator("[data-count]")).to_have_text(f"{length} / 300 · trop long pour ce canal")
    expect(sky_text.locator("[data-count]")).to_have_attribute("data-state", "over")
    short = "Marché de Noël samedi, place de la mairie 🎄"
    sky_text.locator("textarea").fill(short)
    # the page counts as Bluesky does: graphemes (the tree is one), as the server checks it
    expect(sky_text.locator("[data-count]")).to_have_text(f"{graphemes(short)} / 300")
    form.locator("input[name=image_0]").set_input_files(str(picture))
    form.locator("input[name=image_alt_0]").fill("Des étals illuminés sous la neige")
    with page.expect_navigation():
        form.locator("button[value=publish]").click()
    expect(page.locator("[data-state]").first).to_have_attribute("data-state", "published")
    expect(page.locator("[data-publication-images] [data-alt]")).to_have_text("Des étals illuminés sous la neige")
    expect(page.locator(f"[data-target='{sky.pk}'] [data-variant-text]")).to_have_text(short)

    publication = Publication.objects.get()
    assert publication.state == PublicationState.PUBLISHED
    assert PublicationTarget.objects.get(channel=sky).text == short
    assert len(uploads) == 1 and b"Des \xc3\xa9tals illumin\xc3\xa9s sous la neige" in uploads[0].body
    [status] = statuses
    sent = parse_qsl(status.body.decode())
    assert dict(sent)["status"] == LONG.strip() and [v for k, v in sent if k == "media_ids[]"]
    record = json.loads(replay.requests("POST", CREATE)[0].body)["record"]
    assert record["text"] == short and record["embed"]["images"][0]["alt"] == "Des étals illuminés sous la neige"
