"""« Connect with Facebook / LinkedIn / Google »: the owner registers the app, a manager goes through the
consent screen (a local stand-in of the network's OAuth endpoints), picks the pages, and the channels
are connected with their tokens encrypted; tokens refreshed before they expire, managers told ahead."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from animateur.channels import oauth
from animateur.channels.models import Channel, OAuthApp
from animateur.channels.token_watch import check_tokens
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.inbox.models import Notification

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "apis" / "facebook"
CONNECT = "/app/channels/connect/"


@pytest.fixture
def stand_in(replay, settings):
    settings.OAUTH_ENDPOINTS = {
        "facebook": {
            "authorize": f"{replay.base}/dialog/oauth",
            "token": f"{replay.base}/v21.0/oauth/access_token",
            "api": f"{replay.base}/v21.0",
        },
        "linkedin": {
            "authorize": f"{replay.base}/oauth/v2/authorization",
            "token": f"{replay.base}/oauth/v2/accessToken",
            "api": f"{replay.base}/rest",
        },
    }
    return replay


def register(workspace, network="facebook", client_id="1234567890", secret="app-secret"):  # noqa: S107
    return OAuthApp.objects.create(workspace=workspace, network=network, client_id=client_id, client_secret=secret)


def start(client, network="facebook"):
    response = client.get(f"{CONNECT}{network}/start/")
    assert response.status_code == 302, response.status_code
    return urlsplit(response["Location"]), parse_qs(urlsplit(response["Location"]).query)


def test_the_owner_registers_the_app_once_its_secret_encrypted_and_the_page_explains_each_permission(
    workspace, client_as
):
    owner = client_as(workspace, Role.OWNER)
    page = owner.get(f"{CONNECT}facebook/app/").content.decode()
    assert "pages_manage_engagement" in page and "pour répondre, masquer et supprimer les commentaires" in page
    assert "/app/channels/connect/facebook/callback/" in page  # the redirect URI to give Meta
    response = owner.post(f"{CONNECT}facebook/app/", {"client_id": "1234567890", "client_secret": "app-secret"})
    assert response.status_code == 302
    app = OAuthApp.objects.get(workspace=workspace, network="facebook")
    assert app.client_secret == "app-secret"
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_secret FROM channels_oauthapp WHERE id = %s", [app.pk])
        assert "app-secret" not in cursor.fetchone()[0]
    owner.post(f"{CONNECT}facebook/app/", {"client_id": "999", "client_secret": ""})  # empty keeps the secret
    app.refresh_from_db()
    assert (app.client_id, app.client_secret) == ("999", "app-secret")
    event = AuditEvent.objects.filter(verb="channel.oauth_app.save").latest("pk")
    assert "app-secret" not in json.dumps(event.data)
    # A manager connects with the app but may not register it.
    manager = client_as(workspace, Role.MANAGER)
    assert manager.get(f"{CONNECT}facebook/app/").status_code == 403
    empty = owner.post(f"{CONNECT}linkedin/app/", {"client_id": "", "client_secret": ""})
    assert empty.status_code == 200 and "Ce champ est obligatoire" in empty.content.decode()


def test_a_facebook_page_and_its_instagram_account_are_picked_and_connected_with_their_tokens(
    workspace, client_as, stand_in, django_capture_on_commit_callbacks
):
    register(workspace)
    stand_in.recorded("oauth", "facebook_token")
    stand_in.recorded("oauth", "facebook_accounts")
    manager = client_as(workspace, Role.MANAGER)
    where, query = start(manager)
    assert f"{where.scheme}://{where.netloc}{where.path}" == f"{stand_in.base}/dialog/oauth"
    assert query["client_id"] == ["1234567890"] and query["response_type"] == ["code"]
    assert query["redirect_uri"][0].endswith("/app/channels/connect/facebook/callback/")
    assert "pages_manage_engagement" in query["scope"][0].split(",")
    state = query["state"][0]

    back = manager.get(f"{CONNECT}facebook/callback/", {"code": "the-code", "state": state})
    assert back.status_code == 302 and back["Location"].endswith("/connect/facebook/pick/")
    exchanged = [parse_qs(r.body.decode()) for r in stand_in.requests("POST", "/v21.0/oauth/access_token")]
    assert exchanged[0]["code"] == ["the-code"] and exchanged[0]["client_secret"] == ["app-secret"]
    assert exchanged[1]["grant_type"] == ["fb_exchange_token"]  # made long-lived
    [listed] = stand_in.requests("GET", "/v21.0/me/accounts")
    assert listed.headers["Authorization"] == "Bearer user-token-long"

    # The state is single-use: the same return again is refused.
    again = manager.get(f"{CONNECT}facebook/callback/", {"code": "the-code", "state": state}, follow=True)
    assert "a expiré ou a déjà servi" in again.content.decode()

    pick = manager.get(f"{CONNECT}facebook/pick/").content.decode()
    assert "Page Facebook · Acme" in pick and "Compte Instagram · @acme.fr" in pick
    with django_capture_on_commit_callbacks(execute=False):
        done = manager.post(f"{CONNECT}facebook/pick/", {"pick": ["0", "1"]})
    assert done.status_code == 302
    page = Channel.objects.get(workspace=workspace, kind="facebook")
    assert page.config["page_id"] == "104000000000001" and page.config["graph_url"] == f"{stand_in.base}/v21.0"
    assert json.loads(page.credentials) == {"page_access_token": "page-token-from-oauth"}
    account = Channel.objects.get(workspace=workspace, kind="instagram")
    assert account.config["ig_user_id"] == "17841400000000001" and account.config["ig_username"] == "acme.fr"
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM channels_channel WHERE id = %s", [page.pk])
        assert "page-token-from-oauth" not in cursor.fetchone()[0]
    [event] = AuditEvent.objects.filter(verb="channel.oauth.connect")
    assert "page-token" not in json.dumps(event.data) and len(event.data["channels"]) == 2


def test_a_forged_or_foreign_state_connects_nothing(workspace, client_as, stand_in, make_user):
    register(workspace)
    manager = client_as(workspace, Role.MANAGER)
    _where, query = start(manager)
    forged = query["state"][0][:-2] + "xx"
    response = manager.get(f"{CONNECT}facebook/callback/", {"code": "c", "state": forged}, follow=True)
    assert "a expiré ou a déjà servi" in response.content.decode()
    colleague = client_as(workspace, Role.OWNER)  # another user's session: not their state
    response = colleague.get(f"{CONNECT}facebook/callback/", {"code": "c", "state": query["state"][0]}, follow=True)
    assert "a expiré ou a déjà servi" in response.content.decode()
    assert not stand_in.received and not Channel.objects.filter(workspace=workspace).exclude(kind="site").exists()
    assert manager.get(f"{CONNECT}facebook/pick/").status_code == 302  # nothing waiting to be picked


def test_a_refused_code_is_said_in_the_managers_words_and_connects_nothing(workspace, client_as, stand_in):
    register(workspace)
    error = {"error": {"message": "This authorization code has expired.", "type": "OAuthException", "code": 100}}
    stand_in.add("POST", "/v21.0/oauth/access_token", 400, error)
    manager = client_as(workspace, Role.MANAGER)
    _where, query = start(manager)
    response = manager.get(f"{CONNECT}facebook/callback/", {"code": "old", "state": query["state"][0]}, follow=True)
    assert "La connexion avec Facebook a échoué" in response.content.decode()
    assert not Channel.objects.filter(workspace=workspace, kind="facebook").exists()


def test_connecting_without_an_app_sends_to_the_owner(workspace, client_as):
    manager = client_as(workspace, Role.MANAGER)
    response = manager.get(f"{CONNECT}linkedin/start/", follow=True)
    assert "doit d’abord enregistrer une application LinkedIn" in response.content.decode()
    assert manager.get(f"{CONNECT}myspace/start/").status_code == 404


def test_a_linkedin_page_connects_then_its_token_is_refreshed_before_it_expires(
    workspace, client_as, stand_in, django_capture_on_commit_callbacks
):
    register(workspace, "linkedin", "li-client", "li-secret")
    stand_in.recorded("oauth", "linkedin_token")
    stand_in.recorded("oauth", "linkedin_acls")
    stand_in.recorded("linkedin", "organization")
    manager = client_as(workspace, Role.MANAGER)
    _where, query = start(manager, "linkedin")
    assert query["scope"] == ["rw_organization_admin r_organization_social w_organization_social"]
    manager.get(f"{CONNECT}linkedin/callback/", {"code": "c", "state": query["state"][0]})
    assert "Page LinkedIn · Acme" in manager.get(f"{CONNECT}linkedin/pick/").content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        manager.post(f"{CONNECT}linkedin/pick/", {"pick": ["0"]})
    channel = Channel.objects.get(workspace=workspace, kind="linkedin")
    assert channel.config["organization_id"] == "2414183" and channel.config["api_url"] == f"{stand_in.base}/rest"
    assert json.loads(channel.credentials) == {"access_token": "li-access-1", "refresh_token": "li-refresh-1"}
    expires = timezone.datetime.fromisoformat(channel.config["token_expires_at"])
    assert timedelta(days=59) < expires - timezone.now() <= timedelta(days=60)

    assert check_tokens() == {"refreshed": 0, "alerted": 0}  # 60 days ahead: nothing to do yet
    stand_in.add("POST", "/oauth/v2/accessToken", body={"access_token": "li-access-2", "expires_in": 5183999})
    assert check_tokens(now=expires - timedelta(days=5)) == {"refreshed": 1, "alerted": 0}
    channel.refresh_from_db()
    assert json.loads(channel.credentials) == {"access_token": "li-access-2", "refresh_token": "li-refresh-1"}
    sent = parse_qs(stand_in.requests("POST", "/oauth/v2/accessToken")[-1].body.decode())
    assert sent["grant_type"] == ["refresh_token"] and sent["refresh_token"] == ["li-refresh-1"]
    assert AuditEvent.objects.filter(verb="channel.token.refresh", target_id=str(channel.pk)).count() == 1


def test_a_token_that_cannot_be_refreshed_is_announced_to_the_managers_days_ahead_once(workspace, make_user):
    make_user("manager@example.org", workspace, language="fr")
    expires = timezone.now() + timedelta(days=6)
    channel = Channel.objects.create(
        workspace=workspace,
        kind="linkedin",
        name="Acme sur LinkedIn",
        config={"organization_id": "2414183", "oauth_network": "linkedin", "token_expires_at": expires.isoformat()},
        credentials=json.dumps({"access_token": "li-access-1"}),  # LinkedIn gave no refresh token
    )
    assert check_tokens() == {"refreshed": 0, "alerted": 1}
    [email] = [m for m in mail.outbox if "manager@example.org" in m.to]
    assert email.subject == "Le canal « Acme sur LinkedIn » sera déconnecté dans 5 jours"
    assert "LinkedIn" in email.body and "/channels/connect/" in email.body
    assert AuditEvent.objects.filter(verb="channel.token_expiring", target_id=str(channel.pk)).count() == 1
    [notice] = Notification.objects.filter(channel=channel)  # in the app too
    assert notice.text == email.subject and notice.user.email == "manager@example.org"
    assert check_tokens() == {"refreshed": 0, "alerted": 0}  # told once per expiry
    far = Channel.objects.create(
        workspace=workspace,
        kind="linkedin",
        name="Loin",
        config={"oauth_network": "linkedin", "token_expires_at": (timezone.now() + timedelta(days=9)).isoformat()},
    )
    assert check_tokens() == {"refreshed": 0, "alerted": 0} and far.pk  # 9 days: not yet told


real = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/apis/facebook is absent: real answers not replayed")


@real
def test_real_token_and_page_list_answers_give_the_pages_to_pick(workspace, client_as, stand_in):
    register(workspace)
    stand_in.add("POST", "/v21.0/oauth/access_token", body=(REAL / "base" / "long_term_token.json").read_text())
    accounts = (REAL / "facebook" / "apidata" / "users" / "user_accounts_p1.json").read_text()
    stand_in.add("GET", "/v21.0/me/accounts", 200, accounts, {"content-type": "application/json"})
    manager = client_as(workspace, Role.MANAGER)
    _where, query = start(manager)
    manager.get(f"{CONNECT}facebook/callback/", {"code": "c", "state": query["state"][0]})
    pending = oauth.pending(manager.session, workspace.pk, "facebook")
    names = [p["name"] for p in json.loads(accounts)["data"]]
    assert pending is not None and [c.name for c in pending] == names  # the SDK's 4 pages, none with Instagram
    assert {c.secrets["page_access_token"] for c in pending} == {"access_token"}


def test_a_youtube_channel_connects_with_googles_refresh_token_which_each_poll_uses(
    workspace, client_as, settings, stand_in, django_capture_on_commit_callbacks
):
    settings.OAUTH_ENDPOINTS = {
        "google": {
            "authorize": f"{stand_in.base}/o/oauth2/v2/auth",
            "token": f"{stand_in.base}/token",
            "api": f"{stand_in.base}/youtube/v3",
        }
    }
    register(workspace, "google", "g-client.apps.googleusercontent.com", "g-secret")
    # Google's token answer and channels.list?mine=true, in their documented shape.
    stand_in.add(
        "POST",
        "/token",
        body={"access_token": "ya29.a0", "expires_in": 3599, "refresh_token": "1//g-refresh", "token_type": "Bearer"},
    )
    mine = {
        "kind": "youtube#channelListResponse",
        "items": [{"kind": "youtube#channel", "id": "UC_x5XG1OV2P6uZZ5FSM9Ttw", "snippet": {"title": "Acme TV"}}],
    }
    stand_in.add("GET", "/youtube/v3/channels", body=mine)
    manager = client_as(workspace, Role.MANAGER)
    _where, query = start(manager, "google")
    assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"]
    assert query["scope"] == ["https://www.googleapis.com/auth/youtube.force-ssl"]
    manager.get(f"{CONNECT}google/callback/", {"code": "4/0A", "state": query["state"][0]})
    with django_capture_on_commit_callbacks(execute=False):
        manager.post(f"{CONNECT}google/pick/", {"pick": ["0"]})
    channel = Channel.objects.get(workspace=workspace, kind="youtube")
    assert channel.name == "Acme TV" and channel.config["channel_id"] == "UC_x5XG1OV2P6uZZ5FSM9Ttw"
    assert channel.config["client_id"] == "g-client.apps.googleusercontent.com"
    assert channel.config["token_url"] == f"{stand_in.base}/token"
    assert json.loads(channel.credentials) == {"refresh_token": "1//g-refresh", "client_secret": "g-secret"}
    assert channel.config["token_expires_at"] == ""  # renewed at each poll from the refresh token
