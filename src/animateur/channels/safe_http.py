"""Fetching URLs that users give (feeds, sites, servers) without letting them reach our own network.

Every connection is checked where it is made: the host is resolved, *every* address must be public
(not loopback, private, link-local, multicast, reserved or unspecified), and the socket is opened to
the address that was checked, so a DNS answer that changes between check and connect cannot slip
through; redirects open new connections and are checked the same way. Responses are capped in size
and time, and redirects in number. `ANIMATEUR_ALLOW_PRIVATE_URLS` (settings.ALLOW_PRIVATE_URLS)
lifts the address check, for a local server in tests or an intranet install.

`client()` is an httpx client for our own code and httpx-based libraries (atproto);
`requests_session()` gives the same checks to requests-based libraries (Mastodon.py, praw), its
connections opened by urllib3 to the checked address while the Host header, TLS SNI and certificate
verification keep the name; `connect_checked()` does the same for plain sockets (IMAP, SMTP).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3 import exceptions as urllib3_exceptions
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util import connection as urllib3_connection

from animateur.channels.errors import PermanentError, TransientError

MAX_BYTES = 10 * 1024 * 1024
TIMEOUT_SECONDS = 20.0
# The per-read timeout does not bound a server that drips a byte every few seconds: every request
# also has this much time in all, from its first connection to its last byte.
DEADLINE_SECONDS = 60.0
MAX_REDIRECTS = 5
USER_AGENT = "animateur/0.1 (+community management)"


class BlockedAddress(PermanentError):
    cause = "blocked_address"


def _private_allowed() -> bool:
    return bool(getattr(settings, "ALLOW_PRIVATE_URLS", False))


# IPv6 forms that carry an IPv4 address: the IPv4 address is where the packets end up.
_NAT64_PREFIXES = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _translated_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, where it is only a translation of it
    (IPv4-mapped, NAT64, the deprecated IPv4-compatible form): that address alone decides."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if any(ip in prefix for prefix in _NAT64_PREFIXES) or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _tunnelled_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 end of a tunnel address (6to4's 2002::/16, Teredo's client): it must be public too.

    Python 3.11 counts 2002:7f00:1:: as global although it wraps 127.0.0.1."""
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def check_address(address: str) -> None:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        translated = _translated_ipv4(ip)
        tunnelled = _tunnelled_ipv4(ip)
        public = (
            _is_public(translated)
            if translated is not None
            else _is_public(ip) and (tunnelled is None or _is_public(tunnelled))
        )
    else:
        public = _is_public(ip)
    if not public:
        raise BlockedAddress(f"{address} is not a public address", cause="blocked_address")


def resolve_public(host: str, port: int) -> list[str]:
    """The host's addresses, all checked public (unless private URLs are allowed)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TransientError(f"cannot resolve {host}: {exc}", cause="unreachable") from exc
    # IPv4 and IPv6 socket addresses start with the address as text; any other family is
    # neither checked nor returned, so it is never connected to.
    addresses = list(dict.fromkeys(info[4][0] for info in infos if isinstance(info[4][0], str)))
    if not _private_allowed():
        for address in addresses:
            check_address(address)
    return addresses


def validate_url(url: str) -> str:
    """A user-given URL, checked to be http(s) with a host whose addresses are all public."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PermanentError(f"not a web address: {url!r}", cause="bad_url")
    resolve_public(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    return url.strip()


def connect_checked(
    host: str, port: int, timeout: float | None = TIMEOUT_SECONDS, source_address: tuple[str, int] | None = None
) -> socket.socket:
    """A TCP socket to one of the host's checked addresses: the name is resolved once, here, and the
    socket goes to what was checked, so a DNS answer that changes afterwards is never followed."""
    last: OSError | None = None
    for address in resolve_public(host, port):
        try:
            return socket.create_connection((address, port), timeout, source_address)
        except OSError as exc:
            last = exc
    raise last or OSError(f"cannot connect to {host}")


def blocked_in(exc: BaseException) -> BlockedAddress | None:
    """The BlockedAddress a library wrapped (Mastodon.py, prawcore and atproto re-raise their own errors)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, BlockedAddress):
            return current
        seen.add(id(current))
        current = getattr(current, "original_exception", None) or current.__cause__ or current.__context__
    return None


class _GuardedBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self.inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve_public(host, port)
        last: Exception | None = None
        for address in addresses:  # connect to a checked address, never re-resolve the name
            try:
                return self.inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last = exc
        raise httpcore.ConnectError(str(last or f"cannot connect to {host}"))

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not allowed")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class DeadlineExceeded(TransientError):
    cause = "timeout"


def _check_deadline(deadline: float, url: object) -> None:
    if time.monotonic() > deadline:
        raise DeadlineExceeded(f"{url} took more than {DEADLINE_SECONDS:.0f} seconds in all", cause="timeout")


class _DeadlineStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, deadline: float, url: object) -> None:
        self.inner, self.deadline, self.url = inner, deadline, url

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            _check_deadline(self.deadline, self.url)
            yield chunk

    def close(self) -> None:
        self.inner.close()


class _DeadlineTransport(httpx.BaseTransport):
    """Every request through it ends within DEADLINE_SECONDS of its start, however slowly the body comes."""

    def __init__(self, inner: httpx.HTTPTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline = time.monotonic() + DEADLINE_SECONDS
        response = self.inner.handle_request(request)
        _check_deadline(deadline, request.url)
        assert isinstance(response.stream, httpx.SyncByteStream)
        response.stream = _DeadlineStream(response.stream, deadline, request.url)
        return response

    def close(self) -> None:
        self.inner.close()


def transport() -> httpx.BaseTransport:
    guarded = httpx.HTTPTransport(trust_env=False)
    pool = guarded._pool  # httpx offers no public way to choose the network backend
    pool._network_backend = _GuardedBackend(pool._network_backend)
    return _DeadlineTransport(guarded)


def client(**kwargs: Any) -> httpx.Client:
    headers = {"User-Agent": USER_AGENT, **kwargs.pop("headers", {})}
    return httpx.Client(
        transport=transport(),
        timeout=kwargs.pop("timeout", TIMEOUT_SECONDS),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers=headers,
        trust_env=False,
        **kwargs,
    )


@dataclass
class Fetched:
    status: int
    headers: httpx.Headers
    content: bytes
    url: str

    def json(self) -> Any:
        import json

        return json.loads(self.content)


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    max_bytes: int = MAX_BYTES,
    http: httpx.Client | None = None,
    within: float | None = None,
    **kwargs: Any,
) -> Fetched:
    """One request with every limit; network failures become TransientError, bad URLs PermanentError.
    `within` bounds this request's whole body below DEADLINE_SECONDS, for a person waiting on it."""
    validate_url(url)
    started = time.monotonic()
    own = http is None
    http = http or client()
    try:
        with http.stream(method, url, headers=headers or {}, **kwargs) as response:
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise PermanentError(f"response larger than {max_bytes} bytes", cause="too_large")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise PermanentError(f"response larger than {max_bytes} bytes", cause="too_large")
                if within is not None and time.monotonic() - started > within:
                    raise TransientError(f"{url} took more than {within:.0f} seconds in all", cause="timeout")
                chunks.append(chunk)
            return Fetched(response.status_code, response.headers, b"".join(chunks), str(response.url))
    except httpx.TooManyRedirects as exc:
        raise PermanentError(f"more than {MAX_REDIRECTS} redirects", cause="too_many_redirects") from exc
    except httpx.TimeoutException as exc:
        raise TransientError(f"no answer within {TIMEOUT_SECONDS:.0f} seconds", cause="timeout") from exc
    except httpx.ConnectError as exc:
        if isinstance(exc.__context__, BlockedAddress) or "not a public address" in str(exc):
            raise BlockedAddress(str(exc)) from exc
        raise TransientError(f"server unreachable: {exc}", cause="unreachable") from exc
    except httpx.UnsupportedProtocol as exc:
        raise PermanentError(f"not a web address: {url!r}", cause="bad_url") from exc
    except httpx.TransportError as exc:
        raise TransientError(f"network error: {exc}", cause="unreachable") from exc
    finally:
        if own:
            http.close()


def raise_for_status(response: Fetched, what: str = "server") -> None:
    """Classify an HTTP error status: 401/403 refuse credentials, 429/5xx are transient, others permanent."""
    from animateur.channels.errors import AuthError

    status = response.status
    if status < 400:
        return
    if status in (401, 403):
        raise AuthError(f"the {what} refused the credentials (HTTP {status})")
    if status == 429 or status >= 500:
        retry_after = response.headers.get("retry-after", "")
        raise TransientError(
            f"the {what} answered HTTP {status}",
            cause="rate_limited" if status == 429 else "server_error",
            retry_after=float(retry_after) if retry_after.replace(".", "", 1).isdigit() else None,
        )
    if status == 404:
        raise PermanentError(f"the {what} answered HTTP 404: nothing at this address", cause="not_found")
    raise PermanentError(f"the {what} answered HTTP {status}", cause="http_error")


class _PinnedConnection(HTTPConnection):
    """urllib3's connection, resolving and checking its host where it connects and connecting to that
    address; `host` stays the name, so the Host header and (below) TLS still speak to the name."""

    def _new_conn(self) -> socket.socket:
        addresses = resolve_public(self._dns_host, self.port)
        failure: Exception | None = None
        for address in addresses:
            try:
                return urllib3_connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as exc:
                failure = ConnectTimeoutError(self, f"Connection to {self.host} timed out")
                failure.__cause__ = exc
            except OSError as exc:
                failure = NewConnectionError(self, f"Failed to establish a new connection: {exc}")
                failure.__cause__ = exc
        raise failure or NewConnectionError(self, f"no address for {self.host}")


class _PinnedTLSConnection(_PinnedConnection, HTTPSConnection):
    """TLS on the pinned socket: HTTPSConnection.connect() wraps it with SNI and verification for `host`."""


class _PinnedPool(HTTPConnectionPool):
    ConnectionCls = _PinnedConnection


class _PinnedTLSPool(HTTPSConnectionPool):
    ConnectionCls = _PinnedTLSConnection


class _GuardedAdapter(HTTPAdapter):
    """Each request and redirect hop is checked before it goes (a clear error before any connection),
    and every connection is opened to the address checked when it is made (no DNS rebinding)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _PinnedPool, "https": _PinnedTLSPool}

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        # Through a proxy the proxy would resolve the name: nothing here could check where it goes.
        raise BlockedAddress(f"requests through a proxy ({proxy}) are not allowed", cause="blocked_address")

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        validate_url(request.url or "")
        deadline = time.monotonic() + DEADLINE_SECONDS
        kwargs["timeout"] = kwargs.get("timeout") or TIMEOUT_SECONDS
        wanted_stream = kwargs.get("stream", False)
        kwargs["stream"] = True
        response = super().send(request, *args, **kwargs)
        _check_deadline(deadline, request.url)
        if not wanted_stream:
            # requests would read the body in one call with no bound on its length or time.
            try:
                response._content = _read_within(response.raw, deadline, request.url)
            finally:
                response.close()
            response._content_consumed = True
        return response


def _read_within(raw: Any, deadline: float, url: object) -> bytes:
    """The whole body, read as it comes (read1 returns what has arrived, where read(n) would wait for
    n bytes), checked against the deadline and the size cap at every piece."""
    chunks, size = [], 0
    try:
        while chunk := raw.read1(64 * 1024, decode_content=True):
            _check_deadline(deadline, url)
            size += len(chunk)
            if size > MAX_BYTES:
                raise PermanentError(f"response larger than {MAX_BYTES} bytes", cause="too_large")
            chunks.append(chunk)
    except urllib3_exceptions.ReadTimeoutError as exc:
        raise requests.exceptions.ReadTimeout(exc) from exc
    except (urllib3_exceptions.ProtocolError, urllib3_exceptions.DecodeError) as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from exc
    return b"".join(chunks)


def requests_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.max_redirects = MAX_REDIRECTS
    session.headers["User-Agent"] = USER_AGENT
    adapter = _GuardedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
