"""Serving animateur in production: gunicorn embedded, with the task consumer inside it.

`animateur run` is one command that serves the site and runs the background tasks. The
web server is gunicorn (a master forking `ANIMATEUR_WEB_WORKERS` workers of `gthread`
type), loaded through its `BaseApplication` so that no configuration file is needed.

The Huey consumer runs in exactly one of the web workers, as threads. Which one is decided
by an exclusive, non-blocking `flock` on `<data dir>/consumer.lock`: every worker has a
small "seat" thread that tries to take the lock every few seconds and, when it gets it,
starts the consumer. If that worker dies, however it dies, the kernel releases its lock and
another worker (or its replacement) takes the seat within seconds. The master stays
single-threaded, which keeps forking workers safe. On a worker's exit the consumer stops
gracefully, waiting for the running tasks, before the lock is released.

In the scaled mode, `animateur worker` runs the same consumer alone (`run_consumer`).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

logger = logging.getLogger("animateur.server")

SEAT_RETRY_SECONDS = 2.0
HEALTH_CHECK_SECONDS = 10.0
# Under gunicorn's graceful_timeout, so that a worker finishes its tasks before being killed.
CONSUMER_SHUTDOWN_SECONDS = 20.0
GRACEFUL_TIMEOUT_SECONDS = 30


def _consumer_class() -> type:
    from huey.consumer import Consumer

    class EmbeddedConsumer(Consumer):
        """A consumer that leaves the process's signals to its host (a gunicorn worker)."""

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


def _post_fork(server: Any, worker: Any) -> None:
    # The master may have opened the task queue's SQLite file (publishing due posts enqueues
    # tasks); a connection must never be shared across a fork.
    from django.db import connections
    from huey.contrib.djhuey import HUEY

    HUEY.storage.close()
    connections.close_all()


def _post_worker_init_with(lock_path: Path | None) -> Callable[[Any], None]:
    def post_worker_init(worker: Any) -> None:
        global _seat
        if lock_path is None:
            return
        _seat = ConsumerSeat(lock_path)
        _seat.start()

    return post_worker_init


def _worker_exit(server: Any, worker: Any) -> None:
    global _seat
    if _seat is not None:
        _seat.stop()
        _seat = None


def consumer_wanted() -> bool:
    """The embedded consumer runs unless tasks run immediately (tests) or it is turned off."""

    from animateur.config.env import env_bool

    return not huey_settings().get("immediate") and env_bool("ANIMATEUR_EMBEDDED_CONSUMER", True)


def gunicorn_options(host: str, port: int, *, with_consumer: bool, data_dir: Path) -> dict[str, Any]:
    from animateur.config.env import env_bool, env_int, env_str

    bind_host = f"[{host}]" if ":" in host else host
    lock_path = data_dir / "consumer.lock" if with_consumer else None
    return {
        "bind": [f"{bind_host}:{port}"],
        "workers": env_int("ANIMATEUR_WEB_WORKERS", 2),
        "worker_class": "gthread",
        "threads": env_int("ANIMATEUR_WEB_THREADS", 4),
        "preload_app": True,
        "timeout": 60,
        "graceful_timeout": GRACEFUL_TIMEOUT_SECONDS,
        "keepalive": 5,
        "proc_name": "animateur",
        "errorlog": "-",
        "accesslog": "-" if env_bool("ANIMATEUR_ACCESS_LOG", False) else None,
        "loglevel": env_str("ANIMATEUR_LOG_LEVEL", "INFO").lower(),
        # Several instances (tests, benchmarks) may run side by side; none needs runtime control.
        "control_socket_disable": True,
        "forwarded_allow_ips": "127.0.0.1,::1",
        "post_fork": _post_fork,
        "post_worker_init": _post_worker_init_with(lock_path),
        "worker_exit": _worker_exit,
    }


def serve(host: str, port: int, *, with_consumer: bool, data_dir: Path, on_ready: Callable[[], None]) -> None:
    """Serve until SIGTERM or SIGINT; returns (through SystemExit(0)) once everything stopped."""
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    options = gunicorn_options(host, port, with_consumer=with_consumer, data_dir=data_dir)
    options["when_ready"] = lambda server: on_ready()

    class Application(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                if value is not None:
                    self.cfg.set(key, value)

        def load(self) -> Any:
            from animateur.config.wsgi import application

            return application

    connections.close_all()
    Application().run()


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
