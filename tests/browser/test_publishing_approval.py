"""A manager composes a post for the blog and Mastodon and sends it for the client's approval; the client
approves it through the signed link, without an account; it is published at its time (at once: it has
none) on both; then a reply to the toot comes in with the channel's next poll and is in the inbox."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from animateur.channels.runner import poll_channel
from animateur.channels.site import site_channel
from animateur.core.roles import Role
from animateur.publishing.models import Publication, PublicationState
from animateur.publishing.tasks import publish_due_now
from animateur.space.models import Post
from animateur.space.selectors import post_url, workspace_tz
from tests.channels.factories import mastodon_channel
from tests.channels.replay import FIXTURES, shift_to_now

pytestmark = pytest.mark.browser

STATUS_ID = "117020583245459824"  # the recorded answer of POST /api/v1/statuses
TEXT = "Toot, finally!"
REPLY = "Bravo pour cette nouvelle saison"


def _a_reply_to_our_status() -> str:
    """The recorded mention notification, made a reply to our status, as just written."""
    data = json.loads((FIXTURES / "mastodon" / "notifications_mentions.json").read_text())
    notifications = json.loads(data["body"])
    status = notifications[0]["status"]
    status["in_reply_to_id"] = STATUS_ID
    status["content"] = f"<p>{REPLY}</p>"
    return shift_to_now(json.dumps(notifications))


def test_compose_send_to_the_client_approve_publish_and_see_the_reply_in_the_inbox(
    page, new_page, login, workspace, make_user, replay
):
    replay.recorded("mastodon", "post_status")
    toot = mastodon_channel(workspace, replay.base, config={"max_characters": 1000, "account_id": "42", "acct": "acme"})
    blog = site_channel(workspace)
    make_user("sam@example.org", workspace, Role.MANAGER, display_name="Sam")

    login(page, "sam@example.org")
    page.goto("/app/publishing/")
    form = page.locator("[data-form=compose]")
    form.locator("textarea[name=text]").fill(TEXT)
    form.locator(f"input[name=channels][value='{blog.pk}']").check()
    form.locator(f"input[name=channels][value='{toot.pk}']").check()
    form.locator("select[name=approval]").select_option("client")
    with page.expect_navigation():
        form.get_by_role("button", name="Envoyer pour approbation").click()
    expect(page.locator("[data-state]").first).to_have_attribute("data-state", "awaiting_approval")
    link = page.locator("[data-client-link]").input_value()
    assert "/app/publishing/approval/" in link
    assert not replay.requests("POST", "/api/v1/statuses")

    client = new_page()  # the client: another browser, no account
    client.goto(link)
    expect(client.locator("[data-text]")).to_contain_text(TEXT)
    client.fill("input[name=name]", "Claire, cliente")
    with client.expect_navigation():
        client.get_by_role("button", name="Approuver").click()
    expect(client.locator("[data-done]")).to_contain_text("approuvée")

    assert publish_due_now() == 1  # the periodic task: approved, and its time (none: now) has come
    page.reload()
    expect(page.locator("[data-state]").first).to_have_attribute("data-state", "published")
    expect(page.locator("[data-steps]")).to_contain_text("Claire, cliente")
    expect(page.locator(f"[data-target='{toot.pk}'] a")).to_have_attribute(
        "href", f"{replay.base}/@mastodonpy_test_2/{STATUS_ID}"
    )
    post = Post.objects.get(title=TEXT)
    expect(page.locator(f"[data-target='{blog.pk}'] a")).to_have_attribute(
        # The day in the address is the workspace's, not UTC's: they differ after its midnight.
        "href",
        f"http://127.0.0.1:8000{post_url(post, workspace_tz(workspace))}",
    )
    assert Publication.objects.get().state == PublicationState.PUBLISHED
    assert len(replay.requests("POST", "/api/v1/statuses")) == 1

    # The channel's next poll brings a reply to the toot: it is in the inbox, under our post.
    replay.add("GET", "/api/v2/instance", body={"configuration": {"statuses": {"max_characters": 1000}}})
    json_type = {"content-type": "application/json"}
    replay.add("GET", "/api/v1/notifications", body=_a_reply_to_our_status(), headers=json_type)
    replay.add("GET", "/api/v1/accounts/42/statuses", body=[])
    assert poll_channel(toot.pk).ok
    page.goto("/app/inbox/")
    row = page.locator("[data-conversation]").filter(has_text=REPLY)
    expect(row).to_have_count(1)
