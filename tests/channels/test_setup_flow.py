"""A manager connects a feed and a Mastodon account from the pages, and the first poll follows at once.

Run against the replay server (recorded Mastodon answers, a small RSS feed), through the views, the
actions, the task queue (immediate in tests) and the real client libraries.
"""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from animateur.channels.models import Channel
from animateur.channels.runner import poll_channel
from animateur.inbox.models import Conversation
from animateur.stream.models import Kind, Message
from tests.channels.factories import mastodon_channel

MASTODON_ID = "117020457910412882"  # the account of fixtures/mastodon/verify_credentials.json

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Veille Acme</title>
<item><title>Acme ouvre un atelier à Lyon</title><link>https://news.example.org/acme-lyon</link>
<guid>acme-lyon</guid><author>redaction@news.example.org (La rédaction)</author>
<description>Acme ouvre un nouvel atelier.</description></item>
</channel></rss>"""


@pytest.fixture
def mastodon_server(replay):
    replay.recorded("mastodon", "verify_credentials")
    replay.recorded("mastodon", "instance_v2")
    replay.recorded("mastodon", "notifications_mentions")
    replay.add("GET", "/api/v1/notifications", body=[], query="min_id=21")
    return replay


def mastodon_form(replay, **extra):
    return {
        "name": "@acme",
        "api_base_url": replay.base,
        "access_token": "test-token",
        "poll_interval_seconds": 120,
        **extra,
    }


def test_testing_a_mastodon_account_then_saving_remembers_who_we_are_without_typing_the_token_again(
    manager_client, workspace, mastodon_server, django_capture_on_commit_callbacks
):
    tested = manager_client.post("/app/channels/add/mastodon/", mastodon_form(mastodon_server, action="test"))
    page = tested.content.decode()
    assert "La connexion fonctionne : Connecté en tant que @mastodonpy_test" in page
    assert "test-token" not in page  # the token rides along encrypted, never in clear
    token = tested.context["tested"]
    assert token and not Channel.objects.filter(kind="mastodon").exists()

    with django_capture_on_commit_callbacks(execute=True):
        saved = manager_client.post(
            "/app/channels/add/mastodon/",
            {**mastodon_form(mastodon_server, access_token=""), "tested": token, "action": "save"},
        )
    assert saved.status_code == 302
    channel = Channel.objects.get(kind="mastodon", workspace=workspace)
    assert json.loads(channel.credentials) == {"access_token": "test-token"}
    assert channel.config["account_id"] == MASTODON_ID and channel.config["acct"] == "mastodonpy_test"


def test_a_new_channel_is_polled_as_soon_as_it_is_created_and_then_every_interval_with_jitter(
    manager_client, workspace, replay, django_capture_on_commit_callbacks
):
    replay.add("GET", "/feed.xml", body=FEED, headers={"content-type": "application/rss+xml"})
    data = {"name": "Veille", "url": replay.base + "/feed.xml", "poll_interval_seconds": 600, "action": "save"}
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post("/app/channels/add/rss/", data)
    channel = Channel.objects.get(kind="rss")
    assert channel.last_success_at is not None and channel.last_run_items == 1
    # The next poll: the interval, give or take 10 %.
    assert before + timedelta(seconds=540) <= channel.next_poll_at <= timezone.now() + timedelta(seconds=660)
    message = Message.objects.get(channel=channel)
    assert message.kind == Kind.MENTION and message.title == "Acme ouvre un atelier à Lyon"
    assert message.author.display_name == "La rédaction" and message.author.email == "redaction@news.example.org"
    conversation = Conversation.objects.get(root=message)
    assert conversation.channel_kind == "rss" and conversation.workspace == workspace


def test_a_poll_finds_out_which_account_we_are_when_nobody_tested_and_our_own_statuses_are_ours(workspace, replay):
    replay.recorded("mastodon", "verify_credentials")
    replay.add("GET", "/api/v1/notifications", body=[])
    # A status of ours in the hashtag we follow: the recorded timeline, written by our account.
    timeline = replay.recorded("mastodon", "tag_timeline")
    timeline.body = timeline.body.replace("117020566092212359", MASTODON_ID)
    channel = mastodon_channel(workspace, replay.base, token="t", config={"hashtag": "hoot"})
    assert poll_channel(channel.pk).ok
    channel.refresh_from_db()
    assert channel.config["account_id"] == MASTODON_ID
    ours = Message.objects.get(channel=channel)
    assert ours.from_organisation
    assert not Conversation.objects.filter(root=ours).exists()


def test_changing_the_token_forgets_the_account_and_keeping_it_keeps_it(manager_client, workspace, replay):
    channel = mastodon_channel(
        workspace, replay.base, token="old", config={"account_id": MASTODON_ID, "acct": "mastodonpy_test"}
    )
    form = {"name": "@acme", "api_base_url": replay.base, "poll_interval_seconds": 120, "action": "save"}
    manager_client.post(f"/app/channels/{channel.pk}/", {**form, "hashtag": "", "access_token": ""})
    channel.refresh_from_db()
    assert channel.config["account_id"] == MASTODON_ID
    manager_client.post(f"/app/channels/{channel.pk}/", {**form, "access_token": "another-account"})
    channel.refresh_from_db()
    assert "account_id" not in channel.config and json.loads(channel.credentials)["access_token"] == "another-account"


def test_a_test_result_sealed_for_other_settings_teaches_nothing(
    manager_client, workspace, mastodon_server, django_capture_on_commit_callbacks
):
    tested = manager_client.post("/app/channels/add/mastodon/", mastodon_form(mastodon_server, action="test"))
    mastodon_server.routes.clear()  # the first poll cannot find it out either
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            "/app/channels/add/mastodon/",
            {
                **mastodon_form(mastodon_server, access_token="another"),
                "tested": tested.context["tested"],
                "action": "save",
            },
        )
    channel = Channel.objects.get(kind="mastodon")
    assert "account_id" not in channel.config and json.loads(channel.credentials) == {"access_token": "another"}


def test_a_forged_test_result_is_ignored_and_the_token_is_still_required(manager_client, mastodon_server):
    response = manager_client.post(
        "/app/channels/add/mastodon/",
        {**mastodon_form(mastodon_server, access_token=""), "tested": "forged", "action": "save"},
    )
    assert response.status_code == 200 and not Channel.objects.filter(kind="mastodon").exists()
    assert "Ce champ est obligatoire" in response.content.decode()


def health_row(page: str, channel: Channel) -> str:
    start = page.index(f'data-channel="{channel.pk}"')
    return page[start : page.index("</tr>", start)]


def test_the_health_page_shows_a_working_channel_then_a_failing_one_then_one_to_reconnect(
    manager_client, workspace, replay, django_capture_on_commit_callbacks
):
    mastodon_server = replay
    replay.recorded("mastodon", "verify_credentials")
    replay.recorded("mastodon", "notifications_mentions")
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post("/app/channels/add/mastodon/", mastodon_form(mastodon_server, action="save"))
    channel = Channel.objects.get(kind="mastodon")
    row = health_row(manager_client.get("/app/channels/").content.decode(), channel)
    assert 'data-status="ok"' in row and "Fonctionne" in row
    assert '<td data-field="items">1</td>' in row and '<td data-field="failures">0</td>' in row
    assert "dans" in row.split('data-field="next-run"')[1]  # « dans 2 minutes »

    replay.add("GET", "/api/v1/notifications", 500, {"error": "Internal Server Error"}, query="min_id=21")
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(f"/app/channels/{channel.pk}/poll/")
    row = health_row(manager_client.get("/app/channels/").content.decode(), channel)
    assert 'data-status="failing"' in row and "En échec" in row
    # The server answered HTTP 500: an error at the source, as every connector names it (failures.py).
    assert "erreur à la source" in row and '<td data-field="failures">1</td>' in row

    mastodon_server.recorded("mastodon", "unauthorized", path="/api/v1/notifications", query="min_id=21")
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(f"/app/channels/{channel.pk}/poll/")
    row = health_row(manager_client.get("/app/channels/").content.decode(), channel)
    assert 'data-status="needs_reconnection"' in row and "À reconnecter" in row
    assert "identifiants refusés" in row and '<td data-field="failures">2</td>' in row
    assert "après reconnexion" in row
    detail = manager_client.get(f"/app/channels/{channel.pk}/").content.decode()
    assert "La source a refusé les identifiants de ce canal" in detail
    assert "<strong>identifiants refusés</strong>" in detail  # the cause, in words, on the channel's page too
