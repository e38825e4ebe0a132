"""`animateur publish`: what an operator's script sees (addresses on standard output, exit status 0, 1
or 2) against a local HTTP server standing in for Mastodon, with recorded answers of a real server."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from animateur.channels.site import site_channel
from animateur.cli import main
from animateur.publishing.models import Publication, PublicationState
from animateur.space.models import Post
from animateur.stream.models import Message
from tests.channels.factories import mastodon_channel

STATUSES = "/api/v1/statuses"
STATUS_ID = "117020583245459824"
CASSETTES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mastodon" / "cassettes"


def _publish(*extra: str) -> int:
    return main(["publish", "--workspace", "acme", *extra])


def test_publishing_now_waits_and_prints_each_address(workspace, replay, capsys):
    replay.recorded("mastodon", "post_status")
    toot = mastodon_channel(workspace, replay.base, config={"max_characters": 1000})
    blog = site_channel(workspace)
    status = _publish("--channel", toot.name, "--channel", blog.name, "--text", "Toot, finally!")
    out = capsys.readouterr()
    assert status == 0, out.err
    lines = out.out.split()
    post = Post.objects.get(title="Toot, finally!")
    assert f"{replay.base}/@mastodonpy_test_2/{STATUS_ID}" in lines and len(lines) == 2
    assert any(line.endswith(f"/{post.slug}/") for line in lines)
    sent = replay.requests("POST", STATUSES)
    assert len(sent) == 1 and sent[0].headers["Idempotency-Key"]
    assert Publication.objects.get().state == PublicationState.PUBLISHED
    assert Message.objects.filter(channel=toot, external_id=STATUS_ID, from_organisation=True).exists()


def test_a_text_over_a_servers_own_limit_exits_2_naming_it_and_sends_nothing(workspace, replay, capsys, tmp_path):
    replay.recorded("mastodon", "post_status")
    toot = mastodon_channel(workspace, replay.base, config={"max_characters": 100})
    blog = site_channel(workspace)
    text = tmp_path / "annonce.txt"
    text.write_text("Programme de la semaine : " + "x" * 120, encoding="utf-8")
    status = _publish("--channel", blog.name, "--channel", toot.name, "--text-file", str(text))
    err = capsys.readouterr().err
    assert status == 2
    assert "@acme takes at most 100 characters (the limit of its server); this text has 146." in err
    assert not replay.requests("POST", STATUSES) and not Publication.objects.exists() and not Post.objects.exists()


def test_a_network_failure_exits_1_with_the_networks_words_and_the_rest_stays_published(workspace, replay, capsys):
    replay.add("POST", STATUSES, 503, {"error": "Mastodon is down for maintenance"})
    toot = mastodon_channel(workspace, replay.base)
    blog = site_channel(workspace)
    status = _publish("--channel", toot.name, "--channel", blog.name, "--text", "Bonjour")
    out = capsys.readouterr()
    assert status == 1
    assert out.err.startswith("@acme: ") and "503" in out.err
    assert len(out.out.split()) == 1 and Post.objects.filter(title="Bonjour").exists()
    assert Publication.objects.get().state == PublicationState.FAILED


def test_at_schedules_and_bad_input_exits_2(workspace, replay, capsys):
    toot = mastodon_channel(workspace, replay.base)
    when = (timezone.localtime() + timedelta(days=1)).replace(microsecond=0, tzinfo=None).isoformat()
    assert _publish("--channel", toot.name, "--text", "Demain", "--at", when) == 0
    publication = Publication.objects.get()
    assert publication.state == PublicationState.SCHEDULED and not replay.requests("POST", STATUSES)
    capsys.readouterr()
    assert _publish("--channel", "@nobody", "--text", "x") == 2
    assert "No channel is called « @nobody »" in capsys.readouterr().err
    assert _publish("--channel", toot.name, "--text", "x", "--at", "demain") == 2
    assert "ISO 8601" in capsys.readouterr().err
    assert _publish("--channel", toot.name, "--text", "x", "--at", "2001-01-01T10:00") == 2
    assert _publish("--channel", toot.name, "--text-file", "/nonexistent/annonce.txt") == 2
    assert "no such file" in capsys.readouterr().err
    assert Publication.objects.count() == 1


def test_a_workspace_that_wants_the_clients_approval_gets_the_link(workspace, capsys):
    from animateur.core.actions import SystemActor
    from animateur.publishing.actions import do_set_publishing_settings

    do_set_publishing_settings(workspace, "client", actor=SystemActor("cli"))
    assert _publish("--channel", site_channel(workspace).name, "--text", "À valider") == 0
    out = capsys.readouterr()
    assert "/app/publishing/approval/" in out.out and "awaits approval" in out.err
    assert Publication.objects.get().state == PublicationState.AWAITING_APPROVAL and not Post.objects.exists()


@pytest.mark.skipif(not CASSETTES.is_dir(), reason="needs ../shared/data (Mastodon.py's recorded cassettes)")
def test_a_real_servers_recorded_answer_gives_its_address(workspace, replay, capsys):
    yaml = pytest.importorskip("yaml")
    recording = yaml.safe_load((CASSETTES / "test_status_post_None-None_.yaml").read_text())
    answer = recording["interactions"][0]["response"]["body"]["string"]
    said = json.loads(answer)
    replay.add("POST", STATUSES, 200, answer, {"content-type": "application/json; charset=utf-8"})
    toot = mastodon_channel(workspace, replay.base)
    assert _publish("--channel", toot.name, "--text", "Toot!") == 0
    assert capsys.readouterr().out.strip() == said["url"]
    assert Message.objects.get(channel=toot).external_id == said["id"]
