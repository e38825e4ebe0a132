"""Mail threads: In-Reply-To, then References from the nearest to the farthest, whatever arrives when."""

import mailbox
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from animateur.channels.models import Channel
from animateur.channels.runner import poll_channel
from animateur.inbox.models import ConversationItem
from animateur.stream.models import Message

FIXTURES = Path(__file__).with_name("fixtures") / "email"
QUESTION = "CAF2k9Qz=question-1@mail.example.net"
ANSWER = "20240501093000.1234.acme@acme.example"  # our answer, which the follow-up replies to
FOLLOW_UP = "CAF2k9Qz=follow-2@mail.example.net"


def mail(message_id, *, in_reply_to=None, references=(), sender="Paul <paul@example.net>", minutes=0, recent=False):
    message = EmailMessage()
    message["Message-ID"] = f"<{message_id}>"
    # Recent mail is work for the team; older mail is history, which opens no conversation.
    when = datetime.now(UTC) - timedelta(hours=1) if recent else datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    message["Date"] = format_datetime(when + timedelta(minutes=minutes))
    message["From"] = sender
    message["To"] = "Acme <contact@acme.example>"
    message["Subject"] = "Re: L'appli plante"
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        message["References"] = " ".join(f"<{r}>" for r in references)
    message.set_content(f"Message {message_id}")
    return message.as_bytes()


def append(path, *contents):
    box = mailbox.mbox(path)
    for content in contents:
        box.add(content)
    box.flush()
    box.close()


def archive(workspace):
    return Channel.objects.create(workspace=workspace, kind="mbox", name="archive", config={"path": "list.mbox"})


def stored(channel):
    return {m.external_id: m for m in Message.objects.filter(channel=channel)}


def test_a_reply_to_a_missing_mail_is_linked_to_its_nearest_stored_ancestor_then_to_its_parent(workspace, imports):
    # The follow-up answers our answer (In-Reply-To), which is not in the archive yet; its
    # References name the question too.
    append(imports / "list.mbox", (FIXTURES / "question.eml").read_bytes(), (FIXTURES / "follow_up.eml").read_bytes())
    channel = archive(workspace)
    assert poll_channel(channel.pk).ok
    rows = stored(channel)
    assert rows[FOLLOW_UP].parent_id == rows[QUESTION].pk
    assert rows[FOLLOW_UP].thread_root_id == rows[QUESTION].pk

    # Our answer arrives in a later run: the follow-up moves under it, in the same thread.
    answer = mail(ANSWER, in_reply_to=QUESTION, references=[QUESTION], sender="Acme <contact@acme.example>")
    append(imports / "list.mbox", answer)
    assert poll_channel(channel.pk).ok
    rows = stored(channel)
    assert rows[ANSWER].parent_id == rows[QUESTION].pk
    assert rows[FOLLOW_UP].parent_id == rows[ANSWER].pk
    assert {rows[k].thread_root_id for k in (QUESTION, ANSWER, FOLLOW_UP)} == {rows[QUESTION].pk}


def test_references_are_walked_from_the_nearest_to_the_farthest(workspace, imports):
    start, middle, gone = "start@list.example", "middle@list.example", "gone@list.example"
    append(
        imports / "list.mbox",
        mail(start),
        mail(middle, references=[start], minutes=1),
        # No In-Reply-To; the last reference was never received: the middle one is the nearest stored.
        mail("late@list.example", references=[start, middle, gone], minutes=3),
    )
    channel = archive(workspace)
    assert poll_channel(channel.pk).ok
    rows = stored(channel)
    assert rows["late@list.example"].parent_id == rows[middle].pk
    assert rows[middle].parent_id == rows[start].pk


def test_a_reply_read_before_its_thread_joins_it_when_the_thread_arrives(workspace, imports):
    top, reply = "top@list.example", "reply@list.example"
    append(imports / "list.mbox", mail(reply, in_reply_to=top, references=[top], minutes=5, recent=True))
    channel = archive(workspace)
    assert poll_channel(channel.pk).ok
    assert stored(channel)[reply].parent_id is None
    append(imports / "list.mbox", mail(top, sender="Zoé <zoe@example.net>", recent=True))
    assert poll_channel(channel.pk).ok
    rows = stored(channel)
    assert rows[reply].parent_id == rows[top].pk and rows[reply].thread_root_id == rows[top].pk
    # One conversation holds the thread: the late parent joined the one its reply opened.
    conversations = set(
        ConversationItem.objects.filter(message__in=[rows[top], rows[reply]]).values_list("conversation_id", flat=True)
    )
    assert len(conversations) == 1


def test_a_mail_delivered_twice_is_stored_once(workspace, imports):
    question = (FIXTURES / "question.eml").read_bytes()
    append(imports / "list.mbox", question, question)
    channel = archive(workspace)
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 1 and run.rejected == 0
    assert Message.objects.filter(channel=channel, external_id=QUESTION).count() == 1
