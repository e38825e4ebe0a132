"""The private-address check sees through IPv6 forms that carry an IPv4 address, and no server can
hold a worker by answering slowly: every request has an overall deadline."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from animateur.channels import safe_http
from animateur.channels.errors import TransientError


@pytest.mark.parametrize(
    "address",
    [
        "2002:7f00:1::",  # 6to4 wrapping 127.0.0.1, global for Python 3.11
        "2002:a00:1::1",  # 6to4 wrapping 10.0.0.1
        "2002:a9fe:a9fe::",  # 6to4 wrapping 169.254.169.254, the cloud metadata service
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of the metadata service
        "64:ff9b:1::a00:1",  # local-use NAT64 of 10.0.0.1
        "::127.0.0.1",  # IPv4-compatible form
        "::ffff:192.168.1.1",  # IPv4-mapped
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, client 10.0.0.1 obfuscated
        "::1",
        "fe80::1%eth0",
    ],
)
def test_addresses_that_lead_to_a_private_network_are_refused(address):
    with pytest.raises(safe_http.BlockedAddress):
        safe_http.check_address(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "2002:5db8:d70e::", "64:ff9b::5db8:d70e", "2a00:1450:4007::1"])
def test_public_addresses_and_their_ipv6_translations_pass(address):
    safe_http.check_address(address)


class DrippingServer:
    """Answers with headers at once, then one byte of body every 0.2 s: each read is quick, the whole is not."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n")
            for _ in range(500):
                if self.stop.is_set():
                    return
                try:
                    conn.sendall(b"x")
                except OSError:
                    return
                time.sleep(0.2)

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture
def dripping(settings, monkeypatch):
    settings.ALLOW_PRIVATE_URLS = True
    monkeypatch.setattr(safe_http, "DEADLINE_SECONDS", 1.0)
    server = DrippingServer()
    yield f"http://127.0.0.1:{server.port}/feed"
    server.close()


def test_a_server_that_drips_its_answer_is_cut_off_at_the_deadline(dripping):
    started = time.monotonic()
    with pytest.raises(TransientError) as caught:
        safe_http.fetch(dripping)
    assert time.monotonic() - started < 5
    assert caught.value.cause == "timeout"


def test_the_requests_session_of_mastodon_and_reddit_has_the_same_deadline(dripping):
    started = time.monotonic()
    with pytest.raises(TransientError):
        safe_http.requests_session().get(dripping)
    assert time.monotonic() - started < 5


def test_the_httpx_client_of_bluesky_has_the_same_deadline(dripping):
    started = time.monotonic()
    with safe_http.client() as http, pytest.raises(TransientError):
        http.get(dripping)
    assert time.monotonic() - started < 5


@pytest.fixture
def dripping_under_the_usual_deadline(settings):
    settings.ALLOW_PRIVATE_URLS = True
    server = DrippingServer()
    yield f"http://127.0.0.1:{server.port}/page"
    server.close()


def test_a_request_someone_waits_on_ends_within_its_own_shorter_bound(dripping_under_the_usual_deadline):
    # The overall deadline (a minute) suits a poll; a person typing waits on `within` instead.
    started = time.monotonic()
    with pytest.raises(TransientError) as caught:
        safe_http.fetch(dripping_under_the_usual_deadline, within=1.0)
    assert time.monotonic() - started < 5
    assert caught.value.cause == "timeout"
