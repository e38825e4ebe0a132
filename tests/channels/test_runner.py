import json
from datetime import timedelta

from django.core import mail
from django.utils import timezone

from animateur.channels import lease
from animateur.channels.connectors.base import Connector, RawItem, register
from animateur.channels.errors import AuthError, TransientError
from animateur.channels.models import Channel, RejectedItem
from animateur.channels.runner import poll_channel
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.stream.items import Incoming
from animateur.stream.models import Identity, Member, Message, Visibility


def files_channel(workspace, path):
    return Channel.objects.create(
        workspace=workspace, kind="files", name="export", config={"path": str(path)}
    )


def write_jsonl(path, rows, mode="w"):
    with path.open(mode) as handle:
        for row in rows:
            handle.write((row if isinstance(row, str) else json.dumps(row)) + "\n")


def row(n, text=None, **extra):
    return {
        "id": f"m{n}",
        "text": text if text is not None else f"Hello number {n}, thanks for the great post",
        "created_at": "2024-05-01T10:00:00Z",
        "author_id": f"u{n % 3}",
        "author_name": f"User {n % 3}",
        **extra,
    }


def test_polling_a_file_twice_stores_each_message_once_and_resumes_after_the_last_line(workspace, imports):
    source = imports / "log.jsonl"
    write_jsonl(source, [row(n) for n in range(5)])
    channel = files_channel(workspace, source)
    first = poll_channel(channel.pk)
    assert first.ok and first.created == 5
    again = poll_channel(channel.pk)
    assert again.ok and again.items == 0
    write_jsonl(source, [row(5)], mode="a")
    third = poll_channel(channel.pk)
    assert third.items == 1 and third.created == 1
    assert Message.objects.filter(channel=channel).count() == 6
    assert (
        Identity.objects.filter(channel=channel).count()
        == 3
        == Member.objects.filter(workspace=workspace).count()
    )
    channel.refresh_from_db()
    assert channel.last_success_at and channel.consecutive_failures == 0 and channel.last_run_items == 1


def test_an_edit_keeps_the_previous_text_and_a_deletion_at_the_source_marks_the_message(workspace, imports):
    source = imports / "log.jsonl"
    write_jsonl(source, [row(1, "Premier jet"), row(2, "À supprimer")])
    channel = files_channel(workspace, source)
    poll_channel(channel.pk)
    write_jsonl(source, [row(1, "Texte corrigé"), row(2, "", deleted="true")], mode="a")
    poll_channel(channel.pk)
    edited = Message.objects.get(channel=channel, external_id="m1")
    assert edited.text == "Texte corrigé" and edited.previous_versions[0]["text"] == "Premier jet"
    deleted = Message.objects.get(channel=channel, external_id="m2")
    assert deleted.visibility == Visibility.DELETED and deleted.text == "À supprimer"


def test_malformed_lines_are_kept_with_their_reason_and_never_stop_the_channel(workspace, imports):
    source = imports / "log.jsonl"
    write_jsonl(source, [row(1), "{not json", {"id": "x", "text": "no date"}, row(2)])
    channel = files_channel(workspace, source)
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 2 and run.rejected == 2
    reasons = sorted(RejectedItem.objects.filter(channel=channel).values_list("reason", flat=True))
    assert "created_at n’est pas une heure ISO 8601" in reasons[0]
    assert "la ligne 2 n’a pas pu être lue" in reasons[1]


def test_the_language_is_detected_among_the_workspace_languages(workspace, imports):
    source = imports / "log.jsonl"
    write_jsonl(
        source,
        [
            row(1, "Merci beaucoup pour cet article, il m'a vraiment aidé à comprendre"),
            row(2, "Thank you so much for this article, it really helped me understand"),
        ],
    )
    channel = files_channel(workspace, source)
    poll_channel(channel.pk)
    languages = dict(Message.objects.filter(channel=channel).values_list("external_id", "language"))
    assert languages == {"m1": "fr", "m2": "en"}


def test_a_file_outside_the_import_folder_is_refused_with_its_cause(workspace, imports, tmp_path):
    outside = tmp_path / "secret.jsonl"
    write_jsonl(outside, [row(1)])
    channel = files_channel(workspace, outside)
    run = poll_channel(channel.pk)
    assert not run.ok and run.cause == "bad_path"
    assert not Message.objects.filter(channel=channel).exists()


class Scripted(Connector):
    kind = "scripted-test"
    failures: list[Exception] = []

    def fetch(self, since):
        if self.failures:
            raise self.failures.pop(0)
        yield RawItem("one", None, "comment", {"text": "hello there"}, {"done": True})

    def normalize(self, raw):
        return Incoming(
            channel=self.channel,
            external_id=raw.external_id,
            text=raw.payload["text"],
            created_at=timezone.now(),
        )


register(Scripted)


def test_refused_credentials_mark_the_channel_for_reconnection_and_tell_its_managers(workspace, make_user):
    make_user("boss@example.org", workspace, Role.OWNER)
    make_user("mod@example.org", workspace, Role.MODERATOR)
    channel = Channel.objects.create(
        workspace=workspace, kind="scripted-test", name="acct", credentials='{"t": "s3cret"}'
    )
    Scripted.failures = [AuthError("token revoked")]
    run = poll_channel(channel.pk)
    channel.refresh_from_db()
    assert not run.ok and channel.needs_reconnection and channel.last_error_cause == "credentials_refused"
    assert AuditEvent.objects.filter(verb="channel.needs_reconnection", target_id=str(channel.pk)).exists()
    assert [m.to for m in mail.outbox] == [["boss@example.org"]]
    assert "s3cret" not in mail.outbox[0].body
    assert poll_channel(channel.pk).ok
    channel.refresh_from_db()
    assert not channel.needs_reconnection and channel.cursor == {"done": True}


def test_transient_errors_back_off_exponentially_and_repeated_failures_alert_once(workspace, make_user):
    make_user("boss@example.org", workspace, Role.OWNER)
    channel = Channel.objects.create(
        workspace=workspace, kind="scripted-test", name="acct", poll_interval_seconds=60
    )
    waits = []
    for _ in range(6):
        Scripted.failures = [TransientError("server down")]
        before = timezone.now()
        poll_channel(channel.pk)
        channel.refresh_from_db()
        waits.append((channel.next_poll_at - before).total_seconds())
    assert channel.consecutive_failures == 6
    assert waits[0] <= 61 and waits[4] >= 60 * 16 / 2
    assert AuditEvent.objects.filter(verb="channel.failing").count() == 1
    assert len(mail.outbox) == 1


def test_a_channel_leased_by_another_worker_is_not_fetched_twice(workspace):
    channel = Channel.objects.create(workspace=workspace, kind="scripted-test", name="acct")
    token = lease.acquire(channel.pk)
    assert token and lease.acquire(channel.pk) is None
    assert poll_channel(channel.pk) is None
    lease.release(channel.pk, token)
    Channel.objects.filter(pk=channel.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1), lease_token="x"
    )
    assert poll_channel(channel.pk).ok  # an expired lease (a killed worker) is taken over
