"""A local HTTP server that answers with recorded responses, so connectors run their real client library.

Each route is (method, path[, query fragment]) → a recorded response; routes are served in the
order given for the same method and path (a second page after the first), the last one repeating.
Every request received is kept, for tests to check what the client sent.

A recorded answer's times are those of its recording; `recent=True` moves them all by one offset so
that the newest is a minute ago, for tests of what arrives after a channel is connected (older items
are the channel's history and stay out of the inbox).
"""

from __future__ import annotations

import json
import re
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

FIXTURES = Path(__file__).with_name("fixtures")
# Times as JSON APIs write them: 2026-08-01T13:51:43.458Z or 2026-08-01T13:51:43+00:00.
ISO_TIME = re.compile(r'"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]00:00)"')


def shift_to_now(body: str, now: datetime | None = None) -> str:
    """The body with every time moved by one offset, so that the newest is a minute before `now`."""
    found = [datetime.fromisoformat(m.group(1)).replace(tzinfo=UTC) for m in ISO_TIME.finditer(body)]
    if not found:
        return body
    shift = ((now or datetime.now(UTC)) - timedelta(minutes=1)) - max(found)

    def moved(match: re.Match[str]) -> str:
        when = datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC) + shift
        fraction = match.group(2) or ""
        return f'"{when:%Y-%m-%dT%H:%M:%S}{fraction}{match.group(3)}"'

    return ISO_TIME.sub(moved, body)


@dataclass
class Route:
    method: str
    path: str
    status: int = 200
    body: str | bytes | Callable[[Received], Any] = ""
    headers: dict[str, str] = field(default_factory=dict)
    query: str = ""  # served only when the request's query contains this text
    used: bool = False
    before: Callable[[], None] | None = None  # run as the request arrives, before answering it


@dataclass
class Received:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


class Replay:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: list[Route] = []
        self.received: list[Received] = []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                received = Received(self.command, parts.path, parts.query, dict(self.headers), body)
                replay.received.append(received)
                route = replay.match(self.command, parts.path, parts.query)
                if route is not None and route.before is not None:
                    route.before()
                if route is None:
                    self.send_response(599)
                    self.end_headers()
                    self.wfile.write(b"no recorded response")
                    return
                answer = route.body
                headers = dict(route.headers)
                if callable(answer):  # a server-side rule (paging, say) rather than a fixed answer
                    answer = answer(received)
                    if not isinstance(answer, str | bytes):
                        answer = json.dumps(answer)
                        headers.setdefault("content-type", "application/json")
                payload = answer.replace("{base}", replay.base) if isinstance(answer, str) else answer
                data = payload.encode() if isinstance(payload, str) else payload
                self.send_response(route.status)
                for name, value in headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding", "content-encoding"):
                        self.send_header(name, value.replace("{base}", replay.base))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:  # HTTPS, with the certificate the test made (see tests/channels/tls.py)
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.base = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def match(self, method: str, path: str, query: str) -> Route | None:
        candidates = [
            r for r in self.routes if r.method == method and r.path.rstrip("/") == path.rstrip("/") and r.query in query
        ]
        fresh = [r for r in candidates if not r.used]
        route = fresh[0] if fresh else (candidates[-1] if candidates else None)
        if route is not None:
            route.used = True
        return route

    def add(
        self,
        method: str,
        path: str,
        status: int = 200,
        body: Any = "",
        headers: dict[str, str] | None = None,
        query: str = "",
    ) -> Route:
        if not isinstance(body, str | bytes) and not callable(body):
            body = json.dumps(body)
            headers = {"content-type": "application/json", **(headers or {})}
        route = Route(method, path, status, body, headers or {}, query)
        self.routes.append(route)
        return route

    def recorded(self, kind: str, name: str, query: str = "", *, recent: bool = False, **override: Any) -> Route:
        """Serve a recorded response from fixtures/<kind>/<name>.json; `recent`: as if just written."""
        data = json.loads((FIXTURES / kind / f"{name}.json").read_text())
        data.update(override)
        body = data["body"]
        if recent:
            body = shift_to_now(body if isinstance(body, str) else json.dumps(body))
        return self.add(data["method"], data["path"], data["status"], body, data["headers"], query)

    def requests(self, method: str, path: str) -> list[Received]:
        return [r for r in self.received if r.method == method and r.path.rstrip("/") == path.rstrip("/")]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
