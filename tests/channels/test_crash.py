"""A worker killed (SIGKILL) in the middle of a batch loses nothing and duplicates nothing once restarted."""

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

WORKER = Path(__file__).with_name("crash_worker.py")
ROWS = 600
BATCH = 50


def write_source(path: Path) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "created_at", "author_id", "author_name", "parent_id", "language"])
        for n in range(ROWS):
            parent = f"m{n - 1}" if n % 5 else ""
            writer.writerow(
                [
                    f"m{n}",
                    f"Message numéro {n}",
                    "2024-05-01T10:00:00+00:00",
                    f"a{n % 37}",
                    f"Auteur {n % 37}",
                    parent,
                    "fr",
                ]
            )


def worker(mode: str, source: Path, env: dict[str, str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(WORKER), mode, str(source)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def committed(db: Path) -> tuple[int, int, str]:
    with sqlite3.connect(db) as conn:
        total, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT external_id) FROM stream_message "
            "WHERE channel_id IN (SELECT id FROM channels_channel WHERE kind='files')"
        ).fetchone()
        cursor = conn.execute("SELECT cursor FROM channels_channel WHERE kind='files'").fetchone()[0]
    return total, distinct, cursor


def test_a_worker_killed_mid_batch_resumes_without_losing_or_duplicating_anything(tmp_path):
    data = tmp_path / "data"
    imports = tmp_path / "imports"
    imports.mkdir()
    source = imports / "log.csv"
    write_source(source)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTEST_CURRENT_TEST")}
    env.update(
        ANIMATEUR_DATA_DIR=str(data),
        ANIMATEUR_TESTING="1",
        ANIMATEUR_IMPORT_DIRS=str(imports),
        ANIMATEUR_CHANNEL_BATCH_SIZE=str(BATCH),
        ANIMATEUR_CHANNEL_LEASE_SECONDS="2",
    )
    setup = worker("setup", source, env)
    assert setup.wait(120) == 0, setup.stderr.read()
    db = data / "animateur.sqlite3"

    slow = worker("poll", source, {**env, "ANIMATEUR_TEST_BATCH_DELAY": "0.4"})
    deadline = time.monotonic() + 60
    while committed(db)[0] < 2 * BATCH and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # now inside a batch's transaction: rows written, not committed
    slow.send_signal(signal.SIGKILL)
    slow.wait(10)
    assert slow.returncode == -signal.SIGKILL, slow.communicate()
    before, _, cursor_before = committed(db)
    assert 0 < before < ROWS
    assert before % BATCH == 0, "only whole batches are ever committed"
    assert cursor_before != "{}", "the cursor moved with the committed batches"

    time.sleep(2.2)  # the killed worker's lease expires
    again = worker("poll", source, env)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert "run True" in out
    total, distinct, _ = committed(db)
    assert total == distinct == ROWS
    with sqlite3.connect(db) as conn:
        orphans = conn.execute("SELECT count(*) FROM stream_awaitedparent").fetchone()  # replies left unlinked
        identities = conn.execute("SELECT count(*) FROM stream_identity").fetchone()[0]
    assert orphans[0] == 0
    assert identities == 37
