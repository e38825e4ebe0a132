"""« Connect with Mastodon » and « Connect with Reddit »: the same OAuth flow as Facebook's, in place of
pasted tokens. Mastodon registers animateur as an app on the manager's own server (POST /api/v1/apps)
then sends them to its consent screen; Reddit goes through the workspace's « installed app », which
has no secret. A local stand-in plays the server and Reddit."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from animateur.channels.connectors import connector_for
from animateur.channels.models import Channel, OAuthApp
from animateur.core.models import AuditEvent
from animateur.core.roles import Role

CONNECT = "/app/channels/connect/"


def authorize_link(html: str) -> str:
    start = html.index('data-field="authorize" href="') + len('data-field="authorize" href="')
    return html[start : html.index('"', start)].replace("&amp;", "&")


def test_a_mastodon_account_connects_through_an_app_registered_on_its_own_server(
    workspace, client_as, replay, django_capture_on_commit_callbacks
):
    replay.recorded("oauth", "mastodon_app")
    replay.recorded("oauth", "mastodon_token")
    replay.recorded("mastodon", "verify_credentials")
    manager = client_as(workspace, Role.MANAGER)
    page = manager.get(CONNECT).content.decode()
    assert 'action="/app/channels/connect/mastodon/server/"' in page and "Votre serveur" in page
    asked = manager.get(f"{CONNECT}mastodon/server/").content.decode()
    assert "Rien à enregistrer d’avance" in asked and 'name="server"' in asked
    assert manager.get(f"{CONNECT}facebook/server/").status_code == 404

    registered = manager.post(f"{CONNECT}mastodon/server/", {"server": replay.base})
    assert registered.status_code == 200
    [app] = replay.requests("POST", "/api/v1/apps")
    sent = parse_qs(app.body.decode())
    assert sent["client_name"] == ["animateur"] and sent["scopes"] == ["read write"]
    assert sent["redirect_uris"][0].endswith("/app/channels/connect/mastodon/callback/")
    html = registered.content.decode()
    assert "Continuer sur 127.0.0.1" in html and "pour répondre, publier et supprimer vos statuts" in html
    link = urlsplit(authorize_link(html))
    query = parse_qs(link.query)
    assert f"{link.scheme}://{link.netloc}{link.path}" == f"{replay.base}/oauth/authorize"
    assert query["client_id"] == ["TWhM-tNSuncnqN7DBJmoyeLnk6K3iJJ71KKXxgL1hPM"] and query["scope"] == ["read write"]

    back = manager.get(f"{CONNECT}mastodon/callback/", {"code": "the-code", "state": query["state"][0]})
    assert back.status_code == 302 and back["Location"].endswith("/connect/mastodon/pick/"), back.get("Location")
    [exchanged] = replay.requests("POST", "/oauth/token")
    fields = parse_qs(exchanged.body.decode())
    assert fields["client_secret"] == ["ZEaFUFmF0umgBX1qKJDjaU99Q31lDkOU8NutzTOoliw"] and fields["code"] == ["the-code"]
    [asked] = replay.requests("GET", "/api/v1/accounts/verify_credentials")
    assert asked.headers["Authorization"] == "Bearer ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0"
    assert "Compte Mastodon · @mastodonpy_test@127.0.0.1" in manager.get(f"{CONNECT}mastodon/pick/").content.decode()

    with django_capture_on_commit_callbacks(execute=False):
        done = manager.post(f"{CONNECT}mastodon/pick/", {"pick": ["0"]})
    assert done.status_code == 302
    channel = Channel.objects.get(workspace=workspace, kind="mastodon")
    assert channel.config["api_base_url"] == replay.base and channel.config["acct"] == "mastodonpy_test"
    assert json.loads(channel.credentials) == {"access_token": "ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0"}
    assert connector_for(channel).authenticated
    event = AuditEvent.objects.get(verb="channel.oauth.connect")
    assert event.data["network"] == "mastodon" and "ZA-Yj3" not in json.dumps(event.data)
    # No app to register beforehand: there is no app page for Mastodon.
    assert client_as(workspace, Role.OWNER).get(f"{CONNECT}mastodon/app/").status_code == 404


def test_a_server_at_a_private_address_or_refusing_the_app_is_said_in_words_and_connects_nothing(
    workspace, client_as, replay, settings
):
    manager = client_as(workspace, Role.MANAGER)
    replay.add("POST", "/api/v1/apps", 422, {"error": "Validation failed: Redirect URI must be an absolute URI."})
    refused = manager.post(f"{CONNECT}mastodon/server/", {"server": replay.base}).content.decode()
    assert "Votre serveur n’a pas enregistré animateur" in refused and 'data-field="authorize"' not in refused
    settings.ALLOW_PRIVATE_URLS = False
    blocked = manager.post(f"{CONNECT}mastodon/server/", {"server": replay.base}).content.decode()
    assert "animateur ne peut pas appeler cette adresse." in blocked
    bad = manager.post(f"{CONNECT}mastodon/server/", {"server": "pas un serveur"}).content.decode()
    assert "Saisissez une URL valide." in bad
    assert not Channel.objects.filter(kind="mastodon").exists()


@pytest.fixture
def reddit_stand_in(replay, settings):
    settings.OAUTH_ENDPOINTS = {
        "reddit": {
            "authorize": f"{replay.base}/api/v1/authorize",
            "token": f"{replay.base}/api/v1/access_token",
            "api": replay.base,
        }
    }
    return replay


def test_a_subreddit_connects_through_the_workspaces_installed_app_without_a_secret(
    workspace, client_as, reddit_stand_in, django_capture_on_commit_callbacks
):
    owner = client_as(workspace, Role.OWNER)
    app_page = owner.get(f"{CONNECT}reddit/app/").content.decode()
    assert "installed app" in app_page and "modposts" in app_page
    saved = owner.post(f"{CONNECT}reddit/app/", {"client_id": "reddit-client", "client_secret": ""})
    assert saved.status_code == 302  # an installed app has no secret
    assert OAuthApp.objects.get(workspace=workspace, network="reddit").client_secret == ""
    for name in ("reddit_token", "reddit_me", "reddit_moderated", "reddit_subscribed"):
        reddit_stand_in.recorded("oauth", name)

    manager = client_as(workspace, Role.MANAGER)
    start = manager.get(f"{CONNECT}reddit/start/")
    query = parse_qs(urlsplit(start["Location"]).query)
    assert query["duration"] == ["permanent"] and query["scope"] == ["identity mysubreddits read modposts"]
    back = manager.get(f"{CONNECT}reddit/callback/", {"code": "the-code", "state": query["state"][0]})
    assert back.status_code == 302 and back["Location"].endswith("/connect/reddit/pick/")
    [exchanged] = reddit_stand_in.requests("POST", "/api/v1/access_token")
    assert exchanged.headers["Authorization"] == "Basic " + base64.b64encode(b"reddit-client:").decode()
    fields = parse_qs(exchanged.body.decode())
    assert fields["grant_type"] == ["authorization_code"] and "client_secret" not in fields
    pick = manager.get(f"{CONNECT}reddit/pick/").content.decode()
    assert "Subreddit · r/acme" in pick and "Subreddit · r/france" in pick
    assert pick.count("r/acme") == 1  # moderated and followed: offered once

    with django_capture_on_commit_callbacks(execute=False):
        manager.post(f"{CONNECT}reddit/pick/", {"pick": ["0"]})
    channel = Channel.objects.get(workspace=workspace, kind="reddit")
    assert channel.config["subreddit"] == "acme" and channel.config["username"] == "acme_officiel"
    assert channel.config["moderator"] is True and channel.config["client_id"] == "reddit-client"
    assert json.loads(channel.credentials) == {"refresh_token": "1234567-reddit-refresh"}
    connector = connector_for(channel)
    assert connector.moderates  # the account that consented moderates r/acme: removing there is offered
    api = connector.api()
    assert api.config.refresh_token == "1234567-reddit-refresh" and api.config.client_secret is None
