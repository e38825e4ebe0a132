"""Connections go to the address that was checked, by every client the connectors use.

A fake resolver answers for made-up names (`mastodon.test` → 127.0.0.1): what a hostile DNS server
would answer, including a different answer on the second lookup (rebinding). The servers are real and
local (a replayed Mastodon API, the scripted IMAP and SMTP servers), reached through requests,
Mastodon.py, imaplib and smtplib. A test firewall refuses, before any packet leaves, every
connection to a non-loopback address, and records it.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl

import pytest
import requests
import urllib3.util.connection

from animateur.channels import safe_http, safe_mail
from animateur.channels.connectors import connector_for
from animateur.channels.models import Channel
from animateur.channels.runner import poll_channel
from animateur.stream.models import Message
from tests.channels.factories import mastodon_channel
from tests.channels.replay import Replay
from tests.channels.test_email import PASSWORD, ImapServer, SmtpSink, eml
from tests.channels.tls import certificate, client_context, server_context

PUBLIC = "93.184.215.14"  # a global address the firewall below never lets a test reach


class FakeDNS:
    def __init__(self) -> None:
        self.answers: dict[str, list[str]] = {}
        self.lookups: list[str] = []

    def answer(self, name: str, *addresses: str) -> None:
        """Successive lookups of `name` get these addresses in turn, the last one from then on."""
        self.answers[name] = list(addresses)

    def getaddrinfo(self, real, host, port, *args, **kwargs):
        if host not in self.answers:
            return real(host, port, *args, **kwargs)
        self.lookups.append(host)
        queue = self.answers[host]
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port or 0)))]


@pytest.fixture
def dns(monkeypatch):
    fake, real = FakeDNS(), socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **kw: fake.getaddrinfo(real, *a, **kw))
    return fake


@pytest.fixture
def firewall(monkeypatch):
    """Connections to addresses outside loopback are refused and recorded; names go through."""
    attempts: list[tuple[str, int]] = []

    def guarded(real):
        def connect(address, *args, **kwargs):
            host, port = address[0], address[1]
            try:
                outside = not ipaddress.ip_address(host).is_loopback
            except ValueError:
                outside = False  # a name: resolved (by the fake DNS) and connected by the library itself
            if outside:
                attempts.append((host, port))
                raise ConnectionRefusedError(f"test firewall: {host} is outside this machine")
            return real(address, *args, **kwargs)

        return connect

    monkeypatch.setattr(socket, "create_connection", guarded(socket.create_connection))
    monkeypatch.setattr(
        urllib3.util.connection, "create_connection", guarded(urllib3.util.connection.create_connection)
    )
    return attempts


@pytest.fixture
def server():
    replay = Replay()
    yield replay
    replay.close()


# -- requests (Mastodon.py, praw) ------------------------------------------------------------------


def test_a_mastodon_server_whose_name_resolves_to_a_private_address_is_refused(workspace, dns, server, settings):
    settings.ALLOW_PRIVATE_URLS = False
    server.recorded("mastodon", "verify_credentials")
    dns.answer("mastodon.test", "127.0.0.1")
    channel = mastodon_channel(workspace, f"http://mastodon.test:{server.port}")
    run = poll_channel(channel.pk)
    assert not run.ok and run.cause == "blocked_address" and "127.0.0.1" in run.error
    assert server.received == []


def test_a_name_rebound_to_a_private_address_after_the_check_is_refused_where_requests_connects(
    dns, firewall, server, settings
):
    settings.ALLOW_PRIVATE_URLS = False
    server.add("GET", "/api/v1/instance", body={"uri": "mastodon.test"})
    # The check before sending sees a public address; the connection's own lookup gets ours.
    dns.answer("rebind.test", PUBLIC, "127.0.0.1")
    with pytest.raises(safe_http.BlockedAddress):
        safe_http.requests_session().get(f"http://rebind.test:{server.port}/api/v1/instance")
    assert server.received == [] and firewall == []


def test_mastodon_rebound_after_its_checks_fails_as_a_blocked_address_not_as_an_outage(
    workspace, dns, firewall, server, settings
):
    settings.ALLOW_PRIVATE_URLS = False
    server.recorded("mastodon", "verify_credentials")
    # Two checks before any connection (the form's address, then the request), then the connection.
    dns.answer("rebind.test", PUBLIC, PUBLIC, "127.0.0.1")
    channel = mastodon_channel(workspace, f"http://rebind.test:{server.port}")
    run = poll_channel(channel.pk)
    assert not run.ok and run.cause == "blocked_address"
    assert server.received == [] and firewall == []


def test_with_private_addresses_allowed_a_local_server_is_reached_by_name(workspace, dns, server, settings):
    settings.ALLOW_PRIVATE_URLS = True
    server.recorded("mastodon", "verify_credentials")
    server.recorded("mastodon", "notifications_mentions", recent=True)
    dns.answer("mastodon.test", "127.0.0.1")
    channel = mastodon_channel(workspace, f"http://mastodon.test:{server.port}")
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 1, run.error
    assert Message.objects.filter(channel=channel).count() == 1
    # Connected to the address, but the request still names the server.
    assert {r.headers["Host"] for r in server.received} == {f"mastodon.test:{server.port}"}


def test_tls_is_checked_against_the_name_while_the_socket_goes_to_the_checked_address(tmp_path, dns, settings):
    settings.ALLOW_PRIVATE_URLS = True
    cert = certificate(tmp_path, "mastodon.test")
    names: list[str | None] = []
    context = server_context(cert)
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    server = Replay(tls=context)
    try:
        server.add("GET", "/api/v1/instance", body={"uri": "mastodon.test"})
        dns.answer("mastodon.test", "127.0.0.1")
        dns.answer("other.test", "127.0.0.1")
        session = safe_http.requests_session()
        session.verify = str(cert)
        response = session.get(f"https://mastodon.test:{server.port}/api/v1/instance")
        assert response.status_code == 200 and response.json() == {"uri": "mastodon.test"}
        assert names == ["mastodon.test"]
        # The same address under a name the certificate does not hold: refused by verification.
        with pytest.raises(requests.exceptions.SSLError):
            session.get(f"https://other.test:{server.port}/api/v1/instance")
        assert len(server.received) == 1
    finally:
        server.close()


# -- imaplib and smtplib -------------------------------------------------------------------------------


@pytest.fixture
def mail_servers():
    imap = ImapServer({101: eml("question"), 102: eml("follow_up")})
    smtp = SmtpSink()
    yield imap, smtp
    imap.close()
    smtp.close()


def mailbox(workspace, imap, smtp):
    return Channel.objects.create(
        workspace=workspace,
        kind="email",
        name="contact@",
        config={
            "imap_host": "imap.test",
            "imap_port": imap.port,
            "imap_security": "none",
            "username": "contact@acme.example",
            "smtp_host": "smtp.test",
            "smtp_port": smtp.port,
            "smtp_security": "none",
            "from_address": "contact@acme.example",
        },
        credentials=json.dumps({"password": PASSWORD}),
    )


def test_mail_servers_whose_names_resolve_to_private_addresses_are_refused(workspace, dns, mail_servers, settings):
    settings.ALLOW_PRIVATE_URLS = False
    imap, smtp = mail_servers
    dns.answer("imap.test", "127.0.0.1")
    dns.answer("smtp.test", "10.0.0.25")
    channel = mailbox(workspace, imap, smtp)
    run = poll_channel(channel.pk)
    assert not run.ok and run.cause == "blocked_address"
    assert imap.commands == []
    question = Message(channel=channel, external_id="q@mail.example.net", raw={"from": "ana@example.org"})
    with pytest.raises(safe_http.BlockedAddress):
        connector_for(channel).reply(question, "Bonjour")
    assert smtp.received == []


def test_imap_connects_to_the_address_it_checked_not_to_the_one_a_second_lookup_gives(
    workspace, dns, firewall, mail_servers, settings
):
    settings.ALLOW_PRIVATE_URLS = False
    imap, smtp = mail_servers
    dns.answer("imap.test", PUBLIC, "127.0.0.1")
    run = poll_channel(mailbox(workspace, imap, smtp).pk)
    # The checked, public address was the one dialled (and refused here); our own server never was.
    assert not run.ok and run.cause == "unreachable"
    assert firewall == [(PUBLIC, imap.port)] and imap.commands == []
    assert dns.lookups == ["imap.test"]


def test_with_private_addresses_allowed_mail_is_read_and_sent_by_name(workspace, dns, mail_servers, settings):
    settings.ALLOW_PRIVATE_URLS = True
    imap, smtp = mail_servers
    dns.answer("imap.test", "127.0.0.1")
    dns.answer("smtp.test", "127.0.0.1")
    channel = mailbox(workspace, imap, smtp)
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 2, run.error
    question = Message.objects.get(channel=channel, external_id="CAF2k9Qz=question-1@mail.example.net")
    connector_for(channel).reply(question, "Bonjour, on regarde.")
    assert len(smtp.received) == 1 and b"Bonjour, on regarde." in smtp.received[0][2]


def test_smtp_over_tls_verifies_the_name_on_the_checked_address(tmp_path, dns, settings):
    settings.ALLOW_PRIVATE_URLS = True
    cert = certificate(tmp_path, "smtp.test")
    names: list[str | None] = []
    context = server_context(cert)
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    sink = SmtpSink(tls=context)
    try:
        dns.answer("smtp.test", "127.0.0.1")
        dns.answer("other.test", "127.0.0.1")
        with safe_mail.SMTP_SSL("smtp.test", sink.port, context=client_context(cert), timeout=5) as smtp:
            assert smtp.ehlo()[0] == 250
        assert names == ["smtp.test"]
        with pytest.raises(ssl.SSLCertVerificationError):
            safe_mail.SMTP_SSL("other.test", sink.port, context=client_context(cert), timeout=5)
    finally:
        sink.close()


def test_imap_over_tls_verifies_the_name_on_the_checked_address(tmp_path, dns, settings):
    settings.ALLOW_PRIVATE_URLS = True
    cert = certificate(tmp_path, "imap.test")
    names: list[str | None] = []
    context = server_context(cert)
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    imap = ImapServer({101: eml("question")}, tls=context)
    try:
        dns.answer("imap.test", "127.0.0.1")
        dns.answer("other.test", "127.0.0.1")
        client = safe_mail.IMAP4_SSL("imap.test", imap.port, ssl_context=client_context(cert), timeout=5)
        assert client.login("contact@acme.example", PASSWORD)[0] == "OK"
        client.logout()
        assert names == ["imap.test"]
        with pytest.raises(ssl.SSLCertVerificationError):
            safe_mail.IMAP4_SSL("other.test", imap.port, ssl_context=client_context(cert), timeout=5)
    finally:
        imap.close()
