"""mbox archives read with Python's mailbox module, from the import folder only."""

import mailbox
from pathlib import Path

import pytest

from animateur.channels.connectors import connector_for
from animateur.channels.errors import PermanentError
from animateur.channels.models import Channel
from animateur.channels.runner import poll_channel
from animateur.stream.models import Kind, Message

FIXTURES = Path(__file__).with_name("fixtures") / "email"


def write_mbox(path, *names):
    box = mailbox.mbox(path)
    for name in names:
        box.add((FIXTURES / f"{name}.eml").read_bytes())
    box.flush()
    box.close()


def mbox_channel(workspace, path="archive.mbox"):
    return Channel.objects.create(workspace=workspace, kind="mbox", name="archive", config={"path": path})


def test_an_archive_is_read_then_only_the_messages_appended_since(workspace, imports):
    write_mbox(imports / "archive.mbox", "question", "newsletter")
    channel = mbox_channel(workspace)
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 2, run.error
    question = Message.objects.get(channel=channel, external_id="CAF2k9Qz=question-1@mail.example.net")
    assert question.kind == Kind.EMAIL and question.author.email == "marie.dubois@example.net"
    channel.refresh_from_db()
    assert channel.cursor["index"] == 2
    write_mbox(imports / "archive.mbox", "follow_up")
    second = poll_channel(channel.pk)
    assert second.ok and second.items == 1 and second.created == 1
    follow_up = Message.objects.get(channel=channel, external_id="CAF2k9Qz=follow-2@mail.example.net")
    assert follow_up.raw["references"][0] == "CAF2k9Qz=question-1@mail.example.net"


def test_a_replaced_shorter_archive_is_read_again_without_duplicates(workspace, imports):
    write_mbox(imports / "archive.mbox", "question", "newsletter", "follow_up")
    channel = mbox_channel(workspace)
    poll_channel(channel.pk)
    (imports / "archive.mbox").unlink()
    write_mbox(imports / "archive.mbox", "question")
    run = poll_channel(channel.pk)
    assert run.ok and run.items == 1 and run.created == 0
    assert Message.objects.filter(channel=channel).count() == 3


def test_files_outside_the_import_folder_or_not_mbox_are_refused_with_a_cause(workspace, imports, tmp_path):
    write_mbox(tmp_path / "elsewhere.mbox", "question")
    with pytest.raises(PermanentError) as outside:
        connector_for(mbox_channel(workspace, str(tmp_path / "elsewhere.mbox"))).test_connection()
    assert outside.value.cause == "bad_path"
    (imports / "notes.txt").write_text("just notes")
    with pytest.raises(PermanentError) as not_mbox:
        connector_for(mbox_channel(workspace, "notes.txt")).test_connection()
    assert not_mbox.value.cause == "not_mbox"
    write_mbox(imports / "archive.mbox", "question", "newsletter")
    assert connector_for(mbox_channel(workspace)).test_connection() == "2 messages dans archive.mbox"
