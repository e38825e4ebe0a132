import json

from animateur.channels.models import Channel
from animateur.core.models import AuditEvent
from animateur.core.roles import Role

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Le blog</title>
<item><title>Bonjour</title><link>https://example.org/1</link><guid>1</guid>
<description>Premier billet</description></item>
</channel></rss>"""


def test_a_manager_tests_a_feed_then_adds_it_and_sees_it_on_the_health_page(manager_client, workspace, replay):
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


def test_pause_and_resume_and_other_workspaces_channels_are_not_found(manager_client, workspace, make_workspace):
    channel = Channel.objects.create(workspace=workspace, kind="rss", name="f", config={"url": "https://e.org"})
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


# Issue 12: a stored message that nobody could find, health in words and colours, the interval in units.

HISTORY_FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Veille</title>
<item><title>Acme fête ses dix ans</title><link>https://news.example.org/old</link><guid>old</guid>
<pubDate>{old}</pubDate><description>Un article sur Acme.</description></item>
<item><title>Acme rappelle un produit</title><link>https://news.example.org/new</link><guid>new</guid>
<pubDate>{new}</pubDate><description>Un article sur Acme.</description></item>
</channel></rss>"""


def _visible(html: str) -> str:
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _history_channel(workspace, replay):
    from datetime import timedelta
    from email.utils import format_datetime

    from django.utils import timezone

    from animateur.channels.runner import poll_channel

    now = timezone.now()
    replay.add(
        "GET",
        "/feed.xml",
        body=HISTORY_FEED.format(
            old=format_datetime(now - timedelta(days=2)), new=format_datetime(now - timedelta(hours=1))
        ),
    )
    channel = Channel.objects.create(
        workspace=workspace, kind="rss", name="Veille", config={"url": replay.base + "/feed.xml"}
    )
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 2
    return channel


def test_the_channel_page_says_which_messages_opened_a_conversation_and_which_were_kept_as_history_and_why(
    manager_client, workspace, replay
):
    from django.utils import formats, timezone

    from animateur.inbox.models import Conversation
    from animateur.stream.models import Message

    channel = _history_channel(workspace, replay)
    old = Message.objects.get(channel=channel, title="Acme fête ses dix ans")
    new = Message.objects.get(channel=channel, title="Acme rappelle un produit")
    html = manager_client.get(f"/app/channels/{channel.pk}/").content.decode()
    old_row = html[html.index(f'data-message="{old.pk}"') :]
    old_row = _visible(old_row[: old_row.index("</tr>")])
    written = formats.date_format(timezone.localtime(old.created_at), "DATE_FORMAT")
    assert f"Conservé comme historique : écrit le {written}, avant la connexion du canal" in old_row
    new_row = html[html.index(f'data-message="{new.pk}"') :]
    new_row = new_row[: new_row.index("</tr>")]
    assert f'href="/app/inbox/c/{Conversation.objects.get(root=new).pk}/"' in new_row
    assert "A ouvert une conversation." in _visible(new_row)
    # The whole of the channel's stream, history included, is one link away.
    assert f'href="/app/stream/?channel={channel.pk}"' in html
    listing = manager_client.get(f"/app/stream/?channel={channel.pk}").content.decode()
    assert "Acme fête ses dix ans" in listing and "Acme rappelle un produit" in listing


def test_the_runs_table_says_what_the_new_messages_led_to_not_just_how_many(manager_client, workspace, replay):
    channel = _history_channel(workspace, replay)
    html = manager_client.get(f"/app/channels/{channel.pk}/").content.decode()
    runs = html[html.index("<h2>Relevés récents</h2>") :]
    new_cell = runs[runs.index('data-field="new"') :]
    new_cell = _visible(new_cell[: new_cell.index("</td>")])
    assert "Nouveaux messages" in _visible(runs[: runs.index("</thead>")])
    assert "2" in new_cell
    assert "1 a ouvert une conversation" in new_cell and "1 conservé comme historique" in new_cell
    # The messages kept as history are one click away.
    assert f'href="/app/stream/?channel={channel.pk}&amp;history=yes"' in runs


def test_each_health_state_has_its_own_style_and_words(manager_client, workspace):
    import re
    from pathlib import Path

    from django.utils import timezone

    states = {
        "ok": {"last_success_at": timezone.now()},
        "failing": {"last_success_at": timezone.now(), "consecutive_failures": 2},
        "needs_reconnection": {"needs_reconnection": True},
        "paused": {"paused": True},
        "new": {},
    }
    for status, fields in states.items():
        Channel.objects.create(
            workspace=workspace, kind="rss", name=f"c-{status}", config={"url": "https://e.org"}, **fields
        )
    html = manager_client.get("/app/channels/").content.decode()
    css = (Path(__file__).parents[2] / "src/animateur/static/animateur/staff.css").read_text()
    words, styles = {}, {}
    for status in states:
        badge = re.search(
            rf'<span class="badge channel-status status-{status}"[^>]*>(.*?)</span>\s*([^<]+)</span>', html
        )
        assert badge, status
        words[status] = badge.group(2).strip()
        rule = re.search(rf"\.badge\.status-{status} \{{([^}}]*)\}}", css)
        assert rule, f"no style for {status}"
        styles[status] = rule.group(1).strip()
    assert words == {
        "ok": "Fonctionne",
        "failing": "En échec",
        "needs_reconnection": "À reconnecter",
        "paused": "En pause",
        "new": "Pas encore relevé",
    }
    assert len(set(styles.values())) == len(states), styles  # no two states look alike
    assert "--bad" in styles["failing"] and "--ok" in styles["ok"]


def test_saving_settings_whose_test_failed_asks_for_confirmation(manager_client, workspace, private_urls):
    data = {"name": "Veille", "url": "http://127.0.0.1:9/feed.xml", "poll_every": "10", "poll_unit": "minutes"}
    tested = manager_client.post("/app/channels/add/rss/", {**data, "action": "test"})
    token = tested.context["tested"]
    assert token
    refused = manager_client.post("/app/channels/add/rss/", {**data, "tested": token, "action": "save"})
    assert refused.status_code == 200 and not Channel.objects.filter(kind="rss").exists()
    text = _visible(refused.content.decode())
    assert "Pas encore enregistré : le test de connexion a échoué avec ces réglages." in text
    assert "source injoignable" in text and "Enregistrer quand même" in text
    saved = manager_client.post(
        "/app/channels/add/rss/", {**data, "tested": refused.context["tested"], "action": "save_anyway"}
    )
    assert saved.status_code == 302 and Channel.objects.filter(kind="rss", workspace=workspace).count() == 1


def test_a_failed_test_on_other_settings_does_not_hold_the_save(manager_client, workspace, private_urls, replay):
    replay.add("GET", "/feed.xml", body=FEED, headers={"content-type": "application/rss+xml"})
    broken = {"name": "Veille", "url": "http://127.0.0.1:9/feed.xml", "poll_every": "10", "poll_unit": "minutes"}
    token = manager_client.post("/app/channels/add/rss/", {**broken, "action": "test"}).context["tested"]
    fixed = {**broken, "url": replay.base + "/feed.xml", "tested": token, "action": "save"}
    assert manager_client.post("/app/channels/add/rss/", fixed).status_code == 302


def test_a_channel_s_failed_test_asks_for_confirmation_before_its_settings_are_saved(
    manager_client, workspace, private_urls
):
    channel = Channel.objects.create(
        workspace=workspace, kind="rss", name="Veille", config={"url": "https://e.org/feed"}
    )
    data = {"name": "Veille 2", "url": "http://127.0.0.1:9/feed.xml", "poll_every": "1", "poll_unit": "hours"}
    token = manager_client.post(f"/app/channels/{channel.pk}/", {**data, "action": "test"}).context["tested"]
    refused = manager_client.post(f"/app/channels/{channel.pk}/", {**data, "tested": token, "action": "save"})
    channel.refresh_from_db()
    assert refused.status_code == 200 and channel.name == "Veille"
    manager_client.post(f"/app/channels/{channel.pk}/", {**data, "tested": token, "action": "save_anyway"})
    channel.refresh_from_db()
    assert channel.name == "Veille 2" and channel.poll_interval_seconds == 3600


def test_the_poll_interval_is_typed_in_minutes_hours_or_days_and_stored_in_seconds(manager_client, workspace, replay):
    replay.add("GET", "/feed.xml", body=FEED, headers={"content-type": "application/rss+xml"})
    base = {"name": "Le blog", "url": replay.base + "/feed.xml", "action": "save"}
    form = manager_client.get("/app/channels/add/rss/").content.decode()
    assert 'name="poll_every"' in form and 'name="poll_unit"' in form
    assert ">minutes</option>" in form and ">heures</option>" in form and ">jours</option>" in form
    assert "(secondes)" not in form
    manager_client.post("/app/channels/add/rss/", {**base, "poll_every": "2", "poll_unit": "hours"})
    channel = Channel.objects.get(kind="rss")
    assert channel.poll_interval_seconds == 7200
    page = manager_client.get(f"/app/channels/{channel.pk}/").content.decode()
    assert 'name="poll_every" value="2"' in page and '<option value="hours" selected>' in page
    for every, unit in (("30", "seconds"), ("0.5", "minutes"), ("8", "days"), ("abc", "minutes"), ("-1", "hours")):
        response = manager_client.post(f"/app/channels/{channel.pk}/", {**base, "poll_every": every, "poll_unit": unit})
        assert response.status_code == 200 and 'class="error field-error"' in response.content.decode(), (every, unit)
    channel.refresh_from_db()
    assert channel.poll_interval_seconds == 7200
    manager_client.post(f"/app/channels/{channel.pk}/", {**base, "poll_every": "1.5", "poll_unit": "minutes"})
    channel.refresh_from_db()
    assert channel.poll_interval_seconds == 90
