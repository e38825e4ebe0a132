"""`animateur channel add | list | poll`, `import stream`, `export stream` and `token create`: what an
operator's script sees (output, exit status) and what they change, through the same actions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from animateur.api.actions import hash_key
from animateur.api.models import ApiToken
from animateur.channels.models import Channel
from animateur.cli import main
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.stream.models import Message
from tests.test_cli import one_error_line

ROWS = [
    {"id": "m1", "text": "Bonjour, où trouver le programme ?", "created_at": "2026-11-02T09:30:00+01:00",
     "author_name": "Aline", "author_email": "aline@example.org"},
    {"id": "m2", "text": "Merci pour la réponse !", "created_at": "2026-11-02T10:00:00+01:00",
     "parent_id": "m1", "kind": "reply", "author_name": "Bruno"},
    {"id": "m3", "text": "Une autre question", "created_at": "2026-11-03T08:00:00+01:00", "author_name": "Aline",
     "author_email": "aline@example.org"},
]  # fmt: skip


@pytest.fixture
def jsonl(tmp_path) -> Path:
    path = tmp_path / "forum.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in ROWS), encoding="utf-8")
    return path


@pytest.fixture
def import_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "imports"
    folder.mkdir()
    monkeypatch.setenv("ANIMATEUR_IMPORT_DIRS", str(folder))
    return folder


def test_import_stream_brings_every_row_once_and_again_changes_nothing(workspace, jsonl, import_dir, capsys):
    assert main(["import", "stream", str(jsonl), "--workspace", workspace.slug]) == 0
    assert capsys.readouterr().out.strip() == "forum.jsonl: 3 created, 0 updated, 0 rejected"
    messages = Message.objects.filter(workspace=workspace).order_by("external_id")
    assert [m.external_id for m in messages] == ["m1", "m2", "m3"]
    assert messages.get(external_id="m2").parent.external_id == "m1"
    channel = Channel.objects.get(workspace=workspace, name="forum.jsonl")
    assert channel.kind == "files"

    assert main(["import", "stream", str(jsonl), "--workspace", workspace.slug]) == 0
    assert capsys.readouterr().out.strip() == "forum.jsonl: 0 created, 0 updated, 0 rejected"
    assert Message.objects.filter(workspace=workspace).count() == 3
    assert Channel.objects.filter(workspace=workspace, kind="files").count() == 1


def test_import_stream_into_a_named_channel_then_a_grown_file_brings_only_the_new_rows(
    workspace, jsonl, import_dir, capsys
):
    assert main(["import", "stream", str(jsonl), "--workspace", workspace.slug, "--channel", "Forum"]) == 0
    with jsonl.open("a", encoding="utf-8") as more:
        more.write(json.dumps({"id": "m4", "text": "Et demain ?", "created_at": "2026-11-04T08:00:00+01:00"}) + "\n")
    capsys.readouterr()
    assert main(["import", "stream", str(jsonl), "--workspace", workspace.slug, "--channel", "Forum"]) == 0
    assert capsys.readouterr().out.strip() == "Forum: 1 created, 0 updated, 0 rejected"


def test_import_stream_rejects_a_broken_line_alone_and_says_so(workspace, tmp_path, import_dir, capsys):
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n{not json\n" + json.dumps(ROWS[2]) + "\n", encoding="utf-8")
    assert main(["import", "stream", str(path), "--workspace", workspace.slug]) == 0
    assert capsys.readouterr().out.strip() == "mixed.jsonl: 2 created, 0 updated, 1 rejected"


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["import", "stream", "/nonexistent/file.jsonl", "--workspace", "acme"], "no such file"),
        (["import", "stream", "{jsonl}", "--workspace", "nowhere"], "no workspace 'nowhere'"),
        (["export", "stream", "--workspace", "nowhere"], "no workspace 'nowhere'"),
        (["export", "stream", "--workspace", "acme", "-o", "/nonexistent/dir/out.jsonl"], "no such directory"),
        (["token", "create", "--workspace", "acme", "--user", "nobody@example.org"], "no user"),
        (["channel", "poll", "Nothing", "--workspace", "acme"], "no channel 'Nothing'"),
        (["channel", "add", "carrier-pigeon", "--workspace", "acme", "--name", "x"], "unknown channel kind"),
        (["channel", "add", "rss", "--workspace", "acme", "--name", "x", "--config", "[1"], "--config is not JSON"),
        (["channel", "add", "rss", "--workspace", "acme", "--name", "x", "--config", "{}"], "url"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_changes_nothing(workspace, jsonl, import_dir, capsys, argv, named):
    argv = [part.replace("{jsonl}", str(jsonl)) for part in argv]
    events = AuditEvent.objects.count()
    assert main(argv) == 2
    assert named in one_error_line(capsys.readouterr().err)
    assert AuditEvent.objects.count() == events
    assert not Channel.objects.exclude(kind=Channel.SITE).exists()


def test_export_stream_writes_every_message_as_json_lines(workspace, jsonl, import_dir, tmp_path, capsys):
    main(["import", "stream", str(jsonl), "--workspace", workspace.slug])
    capsys.readouterr()
    out = tmp_path / "stream.jsonl"
    assert main(["export", "stream", "--workspace", workspace.slug, "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"exported 3 messages of {workspace.slug} to {out}"
    lines = {
        line["external_id"]: line for line in map(json.loads, out.read_text(encoding="utf-8").splitlines())
    }
    assert sorted(lines) == ["m1", "m2", "m3"]
    question, reply = lines["m1"], lines["m2"]
    assert reply["channel"] == {"name": "forum.jsonl", "kind": "files"}
    assert reply["parent_id"] == question["id"]
    assert reply["thread_root_id"] == question["id"]
    assert reply["kind"] == "reply"
    assert reply["author"]["name"] == "Bruno"
    assert reply["text"] == "Merci pour la réponse !"
    assert reply["created_at"].startswith("2026-11-02T")
    assert set(reply) >= {"html", "url", "language", "edited_at", "visibility", "scores", "sentiment"}
    # Aline wrote twice with one address: one member.
    assert question["author"]["member_id"] == lines["m3"]["author"]["member_id"]
    assert AuditEvent.objects.filter(verb="stream.export", data__messages=3).exists()


def test_export_stream_to_stdout(workspace, jsonl, import_dir, capsys):
    main(["import", "stream", str(jsonl), "--workspace", workspace.slug])
    capsys.readouterr()
    assert main(["export", "stream", "--workspace", workspace.slug]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 3
    assert "exported 3 messages" in captured.err


def test_channel_add_validates_with_the_form_then_list_and_poll(workspace, jsonl, import_dir, capsys):
    (import_dir / "forum.jsonl").write_bytes(jsonl.read_bytes())
    config = json.dumps({"path": "forum.jsonl", "format": "jsonl", "poll_every": "2", "poll_unit": "hours"})
    assert main(["channel", "add", "files", "--workspace", workspace.slug, "--name", "Forum", "--config", config]) == 0
    assert "added channel 'Forum' (files)" in capsys.readouterr().out
    channel = Channel.objects.get(workspace=workspace, name="Forum")
    assert channel.poll_interval_seconds == 7200
    assert AuditEvent.objects.filter(verb="channel.create", actor="system:cli").count() == 1

    assert main(["channel", "list", "--workspace", workspace.slug]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Acme\tsite\t-\tthe community space's comments",
        "Forum\tfiles\tevery 7200 s\tnot polled yet",
    ]

    assert main(["channel", "poll", "Forum", "--workspace", workspace.slug]) == 0
    assert capsys.readouterr().out.strip() == "Forum: 3 created, 0 updated, 0 rejected"
    assert main(["channel", "list", "--workspace", workspace.slug]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "Forum\tfiles\tevery 7200 s\tok"


def test_channel_add_whose_connection_test_fails_saves_nothing_unless_told(workspace, import_dir, capsys):
    config = json.dumps({"path": "missing.jsonl"})
    assert main(["channel", "add", "files", "--workspace", workspace.slug, "--name", "F", "--config", config]) == 1
    assert "the connection test failed" in capsys.readouterr().err
    assert not Channel.objects.exclude(kind=Channel.SITE).exists()
    argv = ["channel", "add", "files", "--workspace", workspace.slug, "--name", "F", "--config", config]
    assert main([*argv, "--no-test"]) == 0
    assert Channel.objects.filter(name="F").exists()


def test_channel_poll_of_a_failing_channel_exits_1_with_its_error(workspace, import_dir, capsys):
    config = json.dumps({"path": "missing.jsonl"})
    main(["channel", "add", "files", "--workspace", workspace.slug, "--name", "F", "--config", config, "--no-test"])
    capsys.readouterr()
    assert main(["channel", "poll", "F", "--workspace", workspace.slug]) == 1
    captured = capsys.readouterr()
    assert captured.out.strip() == "F: 0 created, 0 updated, 0 rejected"
    assert "F failed:" in captured.err


def test_token_create_prints_a_working_key_once(workspace, make_user, capsys):
    make_user("api@example.org", workspace, Role.MANAGER)
    assert main(["token", "create", "--workspace", workspace.slug, "--user", "api@example.org"]) == 0
    key = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(key_hash=hash_key(key))
    assert token.user.email == "api@example.org"
    from django.test import Client

    response = Client().get("/api/inbox/conversations", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200


def test_token_for_someone_outside_the_workspace_is_refused(workspace, make_user, capsys):
    make_user("stranger@example.org")
    assert main(["token", "create", "--workspace", workspace.slug, "--user", "stranger@example.org"]) == 2
    assert "member of the workspace" in one_error_line(capsys.readouterr().err)
