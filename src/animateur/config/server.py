"""Serving animateur in production: granian, with the task consumer inside it.

`animateur run` is one command that serves the site and runs the background tasks. Once the
database is migrated and the static files collected, it replaces itself (exec, same process
id) with a lean master that imports granian and nothing of Django: the master only binds the
socket, forks `ANIMATEUR_WEB_WORKERS` workers, replaces any that dies and stops them on SIGTERM.
Each worker loads the WSGI application (Django behind the page cache's front, space.front)
and runs it on `ANIMATEUR_WEB_THREADS` threads, while granian's Rust runtime does the HTTP. A
master that never loaded Django keeps the embedded mode's memory to about one Django process.

The Huey consumer runs in exactly one of the web workers, as threads. Which one is decided
by an exclusive, non-blocking `flock` on `<data dir>/consumer.lock`: every worker has a
small "seat" thread that tries to take the lock every few seconds and, when it gets it,
starts the consumer. If that worker dies, however it dies, the kernel releases its lock and
another worker (or its replacement) takes the seat within seconds. The master stays
single-threaded while it forks, which keeps forking safe. On a worker's exit the consumer
stops gracefully, waiting for the running tasks, before the lock is released.

In the scaled mode, `animateur worker` runs the same consumer alone (`run_consumer`).
"""

from __future__ import annotations

import fcntl
import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

logger = logging.getLogger("animateur.server")

SEAT_RETRY_SECONDS = 2.0
HEALTH_CHECK_SECONDS = 10.0
# Under granian's kill timeout for a worker, so that a worker finishes its tasks before being killed.
CONSUMER_SHUTDOWN_SECONDS = 20.0
GRACEFUL_TIMEOUT_SECONDS = 30
# Open connections a worker serves (granian's backpressure, and its listen backlog's default); a
# reverse proxy in front, in the scaled mode, holds far fewer.
CONNECTIONS_PER_WORKER = 1024


def _consumer_class() -> type:
    from huey.consumer import Consumer

    class EmbeddedConsumer(Consumer):
        """A consumer that leaves the process's signals to its host (a web worker)."""

        def _set_signal_handlers(self) -> None:
            return None

    return EmbeddedConsumer


def huey_settings() -> dict[str, Any]:
    from django.conf import settings

    return cast(dict[str, Any], settings.HUEY)


def create_consumer(*, embedded: bool) -> Any:
    """The project's Huey consumer: threads, periodic tasks on, settings' worker count.

    SIGTERM, what service managers send, stops it gracefully: running tasks finish first.
    """
    from django.utils.module_loading import autodiscover_modules
    from huey.contrib.djhuey import HUEY

    # Tasks register themselves on import; the consumer must know them all before it runs one.
    autodiscover_modules("tasks")
    options: dict[str, Any] = {
        "workers": huey_settings().get("consumer", {}).get("workers", 2),
        "worker_type": "thread",
        "periodic": True,
        "shutdown_timeout": CONSUMER_SHUTDOWN_SECONDS,
        "graceful_signal": "TERM",
    }
    if embedded:
        return _consumer_class()(HUEY, **options)
    return HUEY.create_consumer(**options)


@dataclass
class ConsumerSeat:
    """The one place in a group of workers where the consumer runs, held by a file lock."""

    lock_path: Path
    retry_seconds: float = SEAT_RETRY_SECONDS
    consumer: Any = None
    _fd: int | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _mutex: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="consumer-seat", daemon=True)
        self._thread.start()

    def _try_lock(self) -> bool:
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._mutex:
                if self._stop.is_set():
                    return
                if self.consumer is None and self._try_lock():
                    try:
                        self.consumer = create_consumer(embedded=True)
                        self.consumer.start()
                    except Exception:
                        logger.exception("the task consumer could not start")
                        self._release()
                        self.consumer = None
                    else:
                        logger.info("task consumer running in worker %s", os.getpid())
                elif self.consumer is not None:
                    # Consumer.run() would restart dead threads; we are not running its loop.
                    self.consumer.check_worker_health()
            self._stop.wait(HEALTH_CHECK_SECONDS if self.consumer is not None else self.retry_seconds)

    def stop(self) -> None:
        """Stop the consumer gracefully (running tasks finish), then give up the seat."""
        self._stop.set()
        with self._mutex:
            if self.consumer is not None:
                try:
                    self.consumer.stop(graceful=True)
                    self.consumer.huey.notify_interrupted_tasks()
                finally:
                    self.consumer = None
            self._release()

    def _release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


_seat: ConsumerSeat | None = None
# Set in the master before it forks: the workers inherit them.
_lock_path: Path | None = None
_ready_line = ""
_announced: Any = None  # shared memory: whether a worker said the line


def consumer_wanted() -> bool:
    """The embedded consumer runs unless tasks run immediately (tests) or it is turned off."""

    from animateur.config.env import env_bool

    return not huey_settings().get("immediate") and env_bool("ANIMATEUR_EMBEDDED_CONSUMER", True)


def serve(host: str, port: int, *, with_consumer: bool, data_dir: Path, ready_line: str) -> None:
    """Become the lean master (exec: same process, none of Django's memory) and serve until SIGTERM or SIGINT."""
    from django.db import connections

    connections.close_all()
    argv = [sys.executable, "-m", "animateur.config.server", "--host", host, "--port", str(port)]
    if with_consumer:
        argv += ["--consumer-lock", str(data_dir / "consumer.lock")]
    sys.stdout.flush()
    sys.stderr.flush()
    os.environ["ANIMATEUR_READY_LINE"] = ready_line
    os.execv(sys.executable, argv)  # noqa: S606 - our own interpreter, our own module


def _load_application(target: str) -> Callable[..., Any]:
    """In each worker, after the fork: Django, the page cache's front, and the consumer's seat."""
    global _seat
    from animateur.config.wsgi import application

    if _lock_path is not None:
        _seat = ConsumerSeat(_lock_path)
        _seat.start()
    # Said once, by the first worker able to answer, so that whoever waits for it may send requests.
    if _announced is not None:
        with _announced.get_lock():
            if not _announced.value:
                _announced.value = 1
                print(_ready_line, flush=True)
    return application


def _leave_seat() -> None:
    global _seat
    if _seat is not None:
        _seat.stop()
        _seat = None


def _wsgi_worker(*args: Any, **kwargs: Any) -> None:
    """granian's worker, then the consumer's graceful stop once it stopped serving (a forked
    worker ends with os._exit: no atexit handler would run)."""
    from granian.server.mp import MPServer

    try:
        MPServer._spawn_wsgi_worker(*args, **kwargs)
    finally:
        _leave_seat()


def granian_server(host: str, port: int) -> Any:
    from granian.constants import HTTPModes, Interfaces
    from granian.log import LogLevels
    from granian.server.mp import MPServer

    from animateur.config.env import env_bool, env_int, env_str

    threads = max(1, env_int("ANIMATEUR_WEB_THREADS", 4))
    return MPServer(
        target="animateur.config.wsgi:application",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        http=HTTPModes.http1,
        workers=max(1, env_int("ANIMATEUR_WEB_WORKERS", 1)),
        blocking_threads=threads,
        # What granian calls backpressure bounds the connections a worker holds, not the requests it
        # runs at once: a keep-alive connection keeps its place while idle. It was the threads times
        # two, 8: eight visitors' browsers holding their connections open made the site hang for the
        # ninth, and wrk's 50 connections were served 8 at a time (a cached page at a fifth of a
        # trivial application's rate). The threads still bound the requests running in Python.
        backpressure=CONNECTIONS_PER_WORKER,
        respawn_failed_workers=True,
        respawn_interval=0.5,
        workers_kill_timeout=GRACEFUL_TIMEOUT_SECONDS,
        log_level=LogLevels(env_str("ANIMATEUR_LOG_LEVEL", "INFO").lower()),
        log_access=env_bool("ANIMATEUR_ACCESS_LOG", False),
    )


def main(argv: list[str] | None = None) -> int:
    """The master: no Django here, only granian."""
    global _lock_path, _ready_line, _announced
    import argparse
    import multiprocessing

    parser = argparse.ArgumentParser(prog="animateur-server")
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--consumer-lock", type=Path)
    args = parser.parse_args(argv)
    _lock_path = args.consumer_lock
    server = granian_server(args.host, args.port)
    _ready_line = os.environ.pop("ANIMATEUR_READY_LINE", "")
    if _ready_line:
        _announced = multiprocessing.Value("b", 0)
    server.serve(spawn_target=_wsgi_worker, target_loader=_load_application)
    return 0


def run_consumer(on_ready: Callable[[], None]) -> None:
    """The consumer alone, in the foreground, until SIGTERM (after running tasks end) or SIGINT.

    `on_ready` is called once the consumer's signal handlers are in place, so that whoever
    waits for it may stop it at once.
    """
    consumer = create_consumer(embedded=False)
    start = consumer.start

    def start_then_announce() -> None:
        start()
        on_ready()

    consumer.start = start_then_announce
    consumer.run()


if __name__ == "__main__":
    sys.exit(main())
