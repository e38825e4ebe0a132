"""The scaled mode for real: PostgreSQL and Redis, web and worker processes started together.

A compose file starts every process at once on an empty database: only one may migrate, the
others wait for it. Then a web process serves, a separate `animateur worker` consumes the Redis
queue, and what the worker does shows on the web process's pages (cached in Redis).

PostgreSQL and Redis are those of the machine (.ci/run starts them): without them these tests are
skipped on a developer's machine and fail in CI.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_cli import STARTUP_SECONDS, embedded_env, free_port, start, stop, wait_for_line

POSTGRES = ("127.0.0.1", 5432)
REDIS = ("127.0.0.1", 6379)
REDIS_DB = 13  # a database of its own, emptied by the test


def reachable(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=2):
            return True
    except OSError:
        return False


def require(address: tuple[str, int], what: str) -> None:
    if reachable(address):
        return
    reason = f"{what} does not answer on {address[0]}:{address[1]} (.ci/run starts it)"
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards."""
    require(POSTGRES, "PostgreSQL")
    import psycopg

    name = f"animateur_scaled_{secrets.token_hex(4)}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_redis() -> Iterator[str]:
    require(REDIS, "Redis")
    import redis

    url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


def cli(argv: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "animateur.cli", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def started_together(argvs: list[list[str]], env: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
    """Each command in its own process, all started at once, each waited for."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "animateur.cli", *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            stdin=subprocess.DEVNULL,
        )
        for argv in argvs
    ]
    done = []
    for argv, process in zip(argvs, processes, strict=True):
        out, err = process.communicate(timeout=180)
        done.append(subprocess.CompletedProcess(argv, process.returncode, out, err))
    return done


def scaled_env(tmp_path: Path, database_url: str, redis_url: str | None, name: str) -> dict[str, str]:
    env = embedded_env(tmp_path / name)  # each process its own data folder: they share nothing on disk
    env.update({"DATABASE_URL": database_url, "ANIMATEUR_SECRET_KEY": "one key for every process of the set-up"})
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def workspaces_created_together(env: dict[str, str]) -> None:
    slugs = ["alpha", "beta", "gamma"]
    done = started_together([["createworkspace", slug, "--name", slug.title()] for slug in slugs], env)
    for result in done:
        assert result.returncode == 0, result.stderr
    listed = cli(
        [
            "manage",
            "shell",
            "-c",
            "from animateur.core.models import Workspace; "
            "print(sorted(Workspace.objects.values_list('slug', flat=True)))",
        ],
        env,
    )
    assert listed.stdout.strip().splitlines()[-1] == str(slugs), listed.stderr


def test_processes_started_together_on_an_empty_sqlite_folder_migrate_one_at_a_time(tmp_path):
    workspaces_created_together(embedded_env(tmp_path / "var"))


def test_processes_started_together_on_an_empty_postgresql_database_migrate_one_at_a_time(tmp_path, fresh_postgres):
    workspaces_created_together(scaled_env(tmp_path, fresh_postgres, None, "var"))


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    try:
        request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - a local test server
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - a local test server
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", errors="replace")


def wait_until(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    pytest.fail(f"{what} did not happen within {seconds:.0f} s")


def test_a_web_process_and_a_separate_worker_share_postgresql_and_the_redis_queue(
    tmp_path, fresh_postgres, fresh_redis
):
    port = free_port()
    web_env = scaled_env(tmp_path, fresh_postgres, fresh_redis, "web")
    web_env["ANIMATEUR_BEHIND_PROXY"] = "1"  # behind a reverse proxy that terminates HTTPS
    worker_env = scaled_env(tmp_path, fresh_postgres, fresh_redis, "worker")
    web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
    # Started at the same moment on an empty database, as a compose file does.
    web = start(["run", "--no-consumer", "--no-demo", "--port", str(port)], web_env, web_log)
    worker = start(["worker"], worker_env, worker_log)
    try:
        wait_for_line(worker_log, "consuming tasks", worker, seconds=STARTUP_SECONDS)
        wait_for_line(web_log, "animateur is running at", web, seconds=STARTUP_SECONDS)
        assert cli(["createworkspace", "acme", "--name", "Acme"], web_env).returncode == 0
        # A post scheduled a few seconds ahead: its publication is a task with an ETA, queued in Redis
        # by this third process. The web process runs no consumer: only the worker can publish it.
        scheduled = cli(
            [
                "manage",
                "shell",
                "-c",
                "from datetime import timedelta; from django.utils import timezone; "
                "from animateur.core.actions import SystemActor; from animateur.core.models import Workspace; "
                "from animateur.space.actions.posts import do_create_post; "
                "post = do_create_post(Workspace.objects.get(slug='acme'), title='Publié par le worker', "
                "body='Texte', status='scheduled', published_at=timezone.now() + timedelta(seconds=5), "
                "actor=SystemActor('test')); print(post.status)",
            ],
            web_env,
        )
        assert scheduled.returncode == 0, scheduled.stderr
        assert scheduled.stdout.strip().splitlines()[-1] == "scheduled"
        home = f"http://127.0.0.1:{port}/w/acme/"
        assert get(home)[0] == 200
        wait_until(lambda: "Publié par le worker" in get(home)[1], 60, "the worker's publication on the web page")
        # Cached pages are kept apart by the scheme the proxy says the visitor used: feeds name the site.
        feed = f"http://127.0.0.1:{port}/w/acme/feed/"
        for _ in range(3):
            assert f"http://127.0.0.1:{port}/w/acme/" in get(feed)[1]
            assert f"https://127.0.0.1:{port}/w/acme/" in get(feed, {"X-Forwarded-Proto": "https"})[1]
    finally:
        web_status, worker_status = stop(web), stop(worker)
    assert web_status == 0, web_log.read_text(errors="replace")
    assert worker_status == 0, worker_log.read_text(errors="replace")
    assert "Traceback" not in worker_log.read_text(errors="replace")
