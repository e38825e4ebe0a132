"""A local HTTP server that receives webhook calls: it keeps each request and answers as told.

`answers` are (status, seconds to wait before answering) in order, the last one repeating.
`on_request(call)` runs in the server's thread before it answers, e.g. to look at the database
from another connection than the test's.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    def __init__(self, answers: list[tuple[int, float]] | None = None) -> None:
        self.answers = list(answers or [(200, 0.0)])
        self.calls: list[Call] = []
        self.on_request: Callable[[Call], None] | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                call = Call(self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
                receiver.calls.append(call)
                if receiver.on_request is not None:
                    receiver.on_request(call)
                status, wait = receiver.answers[min(len(receiver.calls), len(receiver.answers)) - 1]
                time.sleep(wait)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the caller gave up waiting
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/moderation"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
