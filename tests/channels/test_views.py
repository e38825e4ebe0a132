import json

from animateur.channels.models import Channel
from animateur.core.models import AuditEvent
from animateur.core.roles import Role

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Le blog</title>
<item><title>Bonjour</title><link>https://example.org/1</link><guid>1</guid>
<description>Premier billet</description></item>
</channel></rss>"""


def test_a_manager_tests_a_feed_then_adds_it_and_sees_it_on_the_health_page(
    manager_client, workspace, replay
):
    replay.add("GET", "/feed.xml", body=FEED, headers={"content-type": "application/rss+xml"})
    data = {"name": "Le blog", "url": replay.base + "/feed.xml", "poll_interval_seconds": 600}
    tested = manager_client.post("/app/channels/add/rss/", {**data, "action": "test"})
    assert "La connexion fonctionne : Flux « Le blog » avec 1 entrée" in tested.content.decode()
    assert not Channel.objects.filter(kind="rss").exists()
    saved = manager_client.post("/app/channels/add/rss/", {**data, "action": "save"}, follow=True)
    channel = Channel.objects.get(kind="rss", workspace=workspace)
    assert saved.status_code == 200 and channel.config == {"url": data["url"]}
    page = manager_client.get("/app/channels/").content.decode()
    assert "Le blog" in page and "Pas encore relevé" in page


def test_testing_an_unreachable_server_names_the_cause_and_saves_nothing(manager_client, private_urls):
    response = manager_client.post(
        "/app/channels/add/rss/",
        {"name": "x", "url": "http://127.0.0.1:9/feed", "poll_interval_seconds": 600, "action": "test"},
    )
    assert response.status_code == 200
    assert "unreachable" in response.content.decode()
    assert not Channel.objects.filter(kind="rss").exists()


def test_credentials_are_write_only_and_kept_when_left_empty(manager_client, workspace):
    channel = Channel.objects.create(
        workspace=workspace,
        kind="mastodon",
        name="m",
        config={"api_base_url": "https://example.org"},
        credentials=json.dumps({"access_token": "s3cret-token"}),
    )
    page = manager_client.get(f"/app/channels/{channel.pk}/").content.decode()
    assert "s3cret-token" not in page
    manager_client.post(
        f"/app/channels/{channel.pk}/",
        {
            "name": "renamed",
            "api_base_url": "https://example.org",
            "access_token": "",
            "poll_interval_seconds": 300,
            "action": "save",
        },
    )
    channel.refresh_from_db()
    assert channel.name == "renamed" and json.loads(channel.credentials) == {"access_token": "s3cret-token"}
    event = AuditEvent.objects.get(verb="channel.update")
    assert "s3cret" not in json.dumps(event.data)


def test_pause_and_resume_and_other_workspaces_channels_are_not_found(
    manager_client, workspace, make_workspace
):
    channel = Channel.objects.create(
        workspace=workspace, kind="rss", name="f", config={"url": "https://e.org"}
    )
    manager_client.post(f"/app/channels/{channel.pk}/pause/")
    channel.refresh_from_db()
    assert channel.paused
    manager_client.post(f"/app/channels/{channel.pk}/pause/", {"resume": "1"})
    channel.refresh_from_db()
    assert not channel.paused
    other = make_workspace("other", "Other")
    foreign = Channel.objects.create(workspace=other, kind="rss", name="f", config={"url": "https://e.org"})
    assert manager_client.get(f"/app/channels/{foreign.pk}/").status_code == 404


def test_an_analyst_sees_the_health_page_but_cannot_add_channels(client_as, workspace):
    analyst = client_as(workspace, Role.ANALYST)
    assert analyst.get("/app/channels/").status_code == 200
    assert analyst.get("/app/channels/add/rss/").status_code == 403
