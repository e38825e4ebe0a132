"""Real mailing-list mail (the SpamAssassin public corpus, in ../shared/data) through the mbox and email
connectors: no message stops the channel, and every message is either stored or rejected with its reason.

The corpus keeps each message's sender, subject and body as sent to the lists (headers beyond those two are
not in it); each is written back as a mail with exactly those, as a list archive holds it. Skipped when the
data folder is absent. ANIMATEUR_REAL_MAIL_LIMIT sets how many messages are taken (default 200; 0: all).
"""

from __future__ import annotations

import json
import mailbox
import os
from pathlib import Path

import pytest

from animateur.channels.connectors import email as email_connector
from animateur.channels.models import Channel, RejectedItem
from animateur.channels.runner import poll_channel
from animateur.stream.models import Message
from tests.channels.test_email import ImapServer, mailbox_channel

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "spam" / "spamassassin" / "messages.jsonl"

pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="no ../shared/data/spam/spamassassin (real mail corpus)")


def corpus_mails() -> list[bytes]:
    limit = int(os.environ.get("ANIMATEUR_REAL_MAIL_LIMIT", "200"))
    mails = []
    with CORPUS.open(encoding="utf-8") as handle:
        for line in handle:
            message = json.loads(line)
            head = f"From: {message['from']}\nSubject: {message['subject']}\n"
            head += "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"
            mails.append(head.encode("utf-8", errors="surrogateescape") + message["body"].encode("utf-8", "replace"))
            if limit and len(mails) >= limit:
                break
    return mails


def outcome(channel: Channel) -> tuple[int, int, dict[str, int]]:
    reasons: dict[str, int] = {}
    for reason in RejectedItem.objects.filter(channel=channel).values_list("reason", flat=True):
        reasons[reason] = reasons.get(reason, 0) + 1
    return Message.objects.filter(channel=channel).count(), sum(reasons.values()), reasons


def test_a_real_list_archive_is_read_whole_through_the_mbox_connector(workspace, imports):
    mails = corpus_mails()
    box = mailbox.mbox(imports / "lists.mbox")
    for mail in mails:
        box.add(mail)
    box.flush()
    box.close()
    channel = Channel.objects.create(workspace=workspace, kind="mbox", name="lists", config={"path": "lists.mbox"})
    run = poll_channel(channel.pk)
    assert run is not None and run.ok, run and run.error
    stored, rejected, reasons = outcome(channel)
    print(f"\nmbox: {len(mails)} messages, {stored} stored, {rejected} rejected: {reasons}")
    assert stored + rejected == len(mails) and stored > 0.9 * len(mails)


def test_a_real_list_archive_is_read_whole_through_the_imap_connector(workspace, private_urls, monkeypatch):
    mails = corpus_mails()
    monkeypatch.setattr(email_connector, "MAX_PER_RUN", len(mails))
    monkeypatch.setattr(email_connector, "FIRST_RUN", len(mails))  # the whole folder at once, not the latest
    imap = ImapServer({uid: mail.replace(b"\n", b"\r\n") for uid, mail in enumerate(mails, 1)})
    try:
        channel = mailbox_channel(workspace, imap)
        run = poll_channel(channel.pk)
    finally:
        imap.close()
    assert run is not None and run.ok, run and run.error
    stored, rejected, reasons = outcome(channel)
    print(f"\nIMAP: {len(mails)} messages, {stored} stored, {rejected} rejected: {reasons}")
    assert stored + rejected == len(mails) and stored > 0.9 * len(mails)
