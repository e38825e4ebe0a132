"""Email through imaplib and smtplib, against a small scripted IMAP responder and an SMTP sink on
local sockets: the real client libraries speak the real protocols, the servers answer as a mail
server does for the commands the connector uses (LOGIN, EXAMINE, UID SEARCH, UID FETCH, LOGOUT;
EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT)."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import re
import socketserver
import ssl
import threading
from pathlib import Path

import pytest

from animateur.channels.connectors import connector_for
from animateur.channels.errors import AuthError, PermanentError, TransientError
from animateur.channels.models import Channel
from animateur.channels.runner import poll_channel
from animateur.stream.models import Kind, Message

FIXTURES = Path(__file__).with_name("fixtures") / "email"
PASSWORD = "mail-s3cret"


def eml(name: str) -> bytes:
    return (FIXTURES / f"{name}.eml").read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


class ImapServer:
    """IMAP4rev1 as far as the connector goes; the mailbox is {uid: message bytes}."""

    def __init__(
        self, messages: dict[int, bytes], uidvalidity: int = 1714550000, tls: ssl.SSLContext | None = None
    ) -> None:
        self.messages, self.uidvalidity, self.commands = messages, uidvalidity, []
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def send(self, line: str | bytes) -> None:
                self.wfile.write((line.encode() if isinstance(line, str) else line) + b"\r\n")

            def handle(self) -> None:
                self.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] scripted IMAP ready")
                while line := self.rfile.readline():
                    tag, _sp, rest = line.decode().rstrip("\r\n").partition(" ")
                    command, _sp, args = rest.partition(" ")
                    command = command.upper()
                    server.commands.append(f"{command} {args}")
                    if command == "CAPABILITY":
                        self.send("* CAPABILITY IMAP4rev1 AUTH=PLAIN")
                        self.send(f"{tag} OK CAPABILITY completed")
                    elif command == "LOGIN":
                        if args.split(" ", 1)[1].strip('"') == PASSWORD:
                            self.send(f"{tag} OK LOGIN completed")
                        else:
                            self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)")
                    elif command in ("SELECT", "EXAMINE"):
                        if args.strip('"') != "INBOX":
                            self.send(f"{tag} NO [NONEXISTENT] Unknown Mailbox: {args}")
                            continue
                        self.send(f"* {len(server.messages)} EXISTS")
                        self.send("* 0 RECENT")
                        self.send(f"* OK [UIDVALIDITY {server.uidvalidity}] UIDs valid")
                        self.send(f"* OK [UIDNEXT {max(server.messages, default=0) + 1}] Predicted next UID")
                        self.send(f"{tag} OK [READ-ONLY] EXAMINE completed")
                    elif command == "UID":
                        self.uid(tag, args)
                    elif command == "LOGOUT":
                        self.send("* BYE LOGOUT Requested")
                        self.send(f"{tag} OK 73 good day")
                        return
                    else:
                        self.send(f"{tag} BAD Unknown command")

            def uid(self, tag: str, args: str) -> None:
                verb, _sp, rest = args.partition(" ")
                uids = sorted(server.messages)
                if verb.upper() == "SEARCH":
                    low = int(re.search(r"UID (\d+):\*", rest).group(1))
                    # As servers do, n:* includes the last message even when its UID is below n.
                    found = [u for u in uids if u >= low] or uids[-1:]
                    self.send("* SEARCH " + " ".join(map(str, found)))
                    self.send(f"{tag} OK SEARCH completed")
                    return
                wanted = [int(u) for u in rest.split(" ", 1)[0].split(",")]
                for seq, uid in enumerate(uids, 1):
                    if uid in wanted:
                        body = server.messages[uid]
                        self.send(f"* {seq} FETCH (UID {uid} RFC822.SIZE {len(body)} BODY[] {{{len(body)}}}")
                        self.wfile.write(body)
                        self.send(")")
                self.send(f"{tag} OK FETCH completed")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:  # IMAPS: the handshake happens as each connection is accepted
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SmtpSink:
    """An SMTP server that accepts AUTH PLAIN with the right password and keeps what it is sent."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def send(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self) -> None:
                self.send("220 sink.local ESMTP ready")
                sender, recipients = "", []
                while line := self.rfile.readline():
                    command = line.decode().rstrip("\r\n")
                    verb = command.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.send("250-sink.local\r\n250-AUTH PLAIN\r\n250-8BITMIME\r\n250 SMTPUTF8")
                    elif verb == "AUTH":
                        secret = base64.b64decode(command.split()[2]).split(b"\0")[2].decode()
                        ok = secret == PASSWORD
                        self.send("235 2.7.0 Accepted" if ok else "535 5.7.8 Username and Password not accepted")
                    elif verb == "MAIL":
                        sender = command[10:].strip("<> ").split(">")[0]
                        self.send("250 2.1.0 OK")
                    elif verb == "RCPT":
                        recipients.append(command[8:].strip("<> "))
                        self.send("250 2.1.5 OK")
                    elif verb == "DATA":
                        self.send("354 Go ahead")
                        data = b""
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data += chunk
                        sink.received.append((sender, recipients, data))
                        self.send("250 2.0.0 OK queued")
                    elif verb == "QUIT":
                        self.send("221 2.0.0 closing")
                        return
                    else:
                        self.send("250 OK")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:  # SMTPS (implicit TLS, port 465 style)
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def imap(private_urls):
    server = ImapServer({101: eml("question"), 102: eml("follow_up"), 103: eml("newsletter")})
    yield server
    server.close()


@pytest.fixture
def smtp(private_urls):
    sink = SmtpSink()
    yield sink
    sink.close()


def mailbox_channel(workspace, imap, smtp=None, password=PASSWORD, cursor=None):
    config = {
        "imap_host": "127.0.0.1",
        "imap_port": imap.port,
        "imap_security": "none",
        "username": "contact@acme.example",
        "folder": "INBOX",
        "smtp_host": "127.0.0.1" if smtp else "",
        "smtp_port": smtp.port if smtp else 587,
        "smtp_security": "none",
        "from_address": "contact@acme.example",
    }
    return Channel.objects.create(
        workspace=workspace,
        kind="email",
        name="contact@",
        config=config,
        credentials=json.dumps({"password": password}),
        cursor=cursor or {},
    )


def test_mails_arrive_threaded_by_message_id_with_their_text_and_sender(workspace, imap):
    channel = mailbox_channel(workspace, imap)
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 3, run.error
    question = Message.objects.get(channel=channel, external_id="CAF2k9Qz=question-1@mail.example.net")
    assert question.kind == Kind.EMAIL and question.title == "L’appli plante au démarrage"
    assert "se ferme dès l’ouverture" in question.text
    assert question.author.external_id == "marie.dubois@example.net"
    assert question.author.display_name == "Marie Dubois"
    assert question.created_at.isoformat() == "2024-05-01T07:00:00+00:00"
    follow_up = Message.objects.get(channel=channel, external_id="CAF2k9Qz=follow-2@mail.example.net")
    # It answers our reply, which is not in this mailbox: the parent stays unresolved but recorded.
    assert follow_up.raw["in_reply_to"] == "20240501093000.1234.acme@acme.example"
    assert follow_up.author == question.author
    newsletter = Message.objects.get(channel=channel, external_id="nl-2024-05@news.partner.example")
    assert "love" in newsletter.text and "<script" not in newsletter.html
    channel.refresh_from_db()
    assert channel.cursor == {"uidvalidity": 1714550000, "uid": 103}
    assert any(c.startswith("EXAMINE") for c in imap.commands)  # read-only: nothing marked as read
    assert any("BODY.PEEK[]" in c for c in imap.commands)


def test_the_next_poll_asks_only_for_newer_uids_and_a_new_uidvalidity_reads_again(workspace, imap):
    channel = mailbox_channel(workspace, imap, cursor={"uidvalidity": 1714550000, "uid": 102})
    assert [raw.external_id for raw in connector_for(channel).fetch(since=channel.cursor)] == [
        "nl-2024-05@news.partner.example"
    ]
    assert "UID SEARCH UID 103:*" in imap.commands
    up_to_date = {"uidvalidity": 1714550000, "uid": 103}
    assert list(connector_for(channel).fetch(since=up_to_date)) == []
    imap.uidvalidity = 1800000000
    assert len(list(connector_for(channel).fetch(since=up_to_date))) == 3


def test_a_reply_through_smtp_is_threaded_with_in_reply_to_and_references(workspace, imap, smtp):
    channel = mailbox_channel(workspace, imap, smtp)
    poll_channel(channel.pk)
    question = Message.objects.get(channel=channel, external_id="CAF2k9Qz=question-1@mail.example.net")
    answer_id = connector_for(channel).reply(question, "Bonjour Marie, videz le cache dans les réglages.")
    sender, recipients, data = smtp.received[0]
    assert sender == "contact@acme.example" and recipients == ["Marie.Dubois@Example.NET"]
    sent = email.message_from_bytes(data, policy=email.policy.default)
    assert sent["Subject"] == "Re: L’appli plante au démarrage"
    assert sent["In-Reply-To"] == "<CAF2k9Qz=question-1@mail.example.net>"
    assert sent["References"] == "<CAF2k9Qz=question-1@mail.example.net>"
    assert sent["Message-ID"] == f"<{answer_id}>" and answer_id.endswith("@acme.example")
    assert "videz le cache" in sent.get_content()


def test_refused_passwords_need_reconnection_and_are_never_shown(workspace, imap, smtp):
    channel = mailbox_channel(workspace, imap, password="wrong-pass")
    run = poll_channel(channel.pk)
    channel.refresh_from_db()
    assert not run.ok and channel.needs_reconnection and "wrong-pass" not in run.error
    with pytest.raises(AuthError):
        connector_for(channel).test_connection()
    smtp_refused = mailbox_channel(workspace, imap, smtp)
    smtp_refused.credentials = json.dumps({"password": "wrong-pass"})
    question = Message(external_id="x@y", raw={"from": "a@b.example", "subject": "hi"})
    with pytest.raises(AuthError):
        connector_for(smtp_refused).reply(question, "hello")


def test_testing_the_connection_counts_the_messages_or_names_the_cause(workspace, imap, smtp):
    channel = mailbox_channel(workspace, imap, smtp)
    assert connector_for(channel).test_connection() == ("3 messages dans INBOX ; le serveur SMTP accepte la connexion")
    channel.config["folder"] = "Archives"
    with pytest.raises(PermanentError) as missing:
        connector_for(channel).test_connection()
    assert missing.value.cause == "not_found" and "Archives" in str(missing.value)
    channel.config.update(folder="INBOX", imap_port=9)
    with pytest.raises(TransientError) as down:
        connector_for(channel).test_connection()
    assert down.value.cause == "unreachable"


def test_a_mailbox_on_a_private_address_is_refused_unless_allowed(workspace, imap, settings):
    settings.ALLOW_PRIVATE_URLS = False
    with pytest.raises(PermanentError) as blocked:
        connector_for(mailbox_channel(workspace, imap)).test_connection()
    assert blocked.value.cause == "blocked_address" and not imap.commands
