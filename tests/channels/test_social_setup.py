"""Adding a YouTube channel or a Facebook Page, in the app and with `animateur channel add`, through
the same setup forms. Connecting « in one click » (OAuth) needs the networks: a token is pasted."""

from __future__ import annotations

import json

import pytest

from animateur.channels.models import Channel
from animateur.cli import main
from animateur.core.roles import Role
from tests.test_cli import one_error_line

YOUTUBE = {"channel_id": "UCacmeAcmeAcmeAcmeAcme12", "api_key": "AIza-key", "access_token": "ya29-token"}
FACEBOOK = {"page_id": "104000000000001", "page_access_token": "EAAB-token"}


@pytest.mark.parametrize(
    ("kind", "config", "secret"), [("youtube", YOUTUBE, "ya29-token"), ("facebook", FACEBOOK, "EAAB-token")]
)
def test_a_channel_is_added_from_the_command_line_with_its_secrets_kept_apart(workspace, capsys, kind, config, secret):
    argv = ["channel", "add", kind, "--workspace", workspace.slug, "--name", kind, "--config", json.dumps(config)]
    assert main([*argv, "--no-test"]) == 0
    assert f"added channel '{kind}' ({kind})" in capsys.readouterr().out
    channel = Channel.objects.get(workspace=workspace, kind=kind)
    assert secret not in json.dumps(channel.config)
    assert secret in json.loads(channel.credentials).values()


@pytest.mark.parametrize(
    ("kind", "config", "named"),
    [
        ("youtube", {**YOUTUBE, "channel_id": "acme"}, "channel_id"),
        ("youtube", {"channel_id": YOUTUBE["channel_id"]}, "api_key"),
        ("youtube", {**YOUTUBE, "refresh_token": "1//r"}, "client_id"),
        ("facebook", {**FACEBOOK, "page_id": "acme"}, "page_id"),
        ("facebook", {"page_id": FACEBOOK["page_id"]}, "page_access_token"),
    ],
)
def test_a_wrong_setting_exits_2_naming_the_field_and_adds_nothing(workspace, capsys, kind, config, named):
    argv = ["channel", "add", kind, "--workspace", workspace.slug, "--name", "x", "--config", json.dumps(config)]
    assert main([*argv, "--no-test"]) == 2
    assert named in one_error_line(capsys.readouterr().err)
    assert not Channel.objects.filter(kind=kind).exists()


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        (
            "youtube",
            ["Identifiant de la chaîne YouTube", "Jeton d’accès du propriétaire de la chaîne", "Quota quotidien"],
        ),
        ("facebook", ["Identifiant de la page", "Jeton d’accès de la page", "pages_manage_engagement"]),
    ],
)
def test_the_setup_form_is_offered_in_the_app_in_french(workspace, client_as, kind, words):
    owner = client_as(workspace, Role.OWNER)
    page = owner.get(f"/app/channels/add/{kind}/")
    assert page.status_code == 200
    html = page.content.decode()
    for word in words:
        assert word in html
    chooser = owner.get("/app/channels/add/").content.decode()
    assert {"youtube": "Chaîne YouTube", "facebook": "Page Facebook"}[kind] in chooser


def test_a_youtube_channel_with_a_wrong_id_is_refused_in_the_app_with_the_reason(workspace, client_as):
    form = {"name": "YT", "channel_id": "my-channel", "api_key": "k", "daily_quota": "10000", "poll_every": "15"}
    page = client_as(workspace, Role.OWNER).post("/app/channels/add/youtube/", {**form, "poll_unit": "minutes"})
    assert page.status_code == 200
    assert "Un identifiant de chaîne est UC suivi de 22 lettres" in page.content.decode()
    assert not Channel.objects.filter(kind="youtube").exists()


def test_the_channel_page_shows_the_days_youtube_quota_and_what_the_channel_can_do_in_words(workspace, client_as):
    from animateur.channels.connectors.youtube import quota_day

    channel = Channel.objects.create(
        workspace=workspace,
        kind="youtube",
        name="Acme sur YouTube",
        config={
            "channel_id": YOUTUBE["channel_id"],
            "daily_quota": 10000,
            "quota_day": quota_day(),
            "quota_used": 1234,
        },
        credentials=json.dumps({"api_key": "k"}),
    )
    html = client_as(workspace, Role.OWNER).get(f"/app/channels/{channel.pk}/").content.decode()
    assert "Quota quotidien : 1\u202f234 unités sur 10\u202f000 utilisées aujourd’hui" in html
    assert "retenir, marquer comme indésirable ou approuver à la source" in html  # not the code « moderate »
