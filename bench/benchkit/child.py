"""A benchmark's measured part in a child process, on a fresh SQLite or PostgreSQL database, and its pages timed.

The parent calls `run_child(script, name, scale, database, reuse=..., pg_url=...)`: it makes a data
folder (and a PostgreSQL database), runs `script --child --scale SCALE` there, and reads the child's
last line of standard output as JSON. With `reuse`, the folder and the database are named after the
scale and kept, so that a later run measures the pages without generating again.

The child times its pages with `time_cases`: each case once to warm, then `repeat` times, p50 and
p95 in ms, and the ratio of each p95 to the first case's (the baseline measured in the same run).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

TARGET_MS = 100


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def time_cases(cases: dict[str, Callable[[], object]], repeat: int) -> dict[str, dict[str, Any]]:
    """p50 and p95 of each case in ms; the first case is the baseline the others' p95 is divided by."""
    results: dict[str, dict[str, Any]] = {}
    for name, fn in cases.items():
        fn()  # warm
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
        results[name] = {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(percentile(times, 95), 2)}
    base = next(iter(results.values()))["p95_ms"] or 0.01
    for r in results.values():
        r["p95_ratio_to_baseline"] = round(r["p95_ms"] / base, 1)
        r["under_100ms"] = r["p95_ms"] < TARGET_MS
    return results


def print_cases(results: dict[str, dict[str, Any]], width: int = 28) -> None:
    for name, r in results.items():
        print(
            f"  {name:{width}s} p50 {r['p50_ms']:8.2f} ms  p95 {r['p95_ms']:8.2f} ms  "
            f"×{r['p95_ratio_to_baseline']:<7} {'ok' if r['under_100ms'] else f'OVER {TARGET_MS} ms'}"
        )


def run_child(script: str, name: str, scale: str, database: str, *, reuse: bool, pg_url: str) -> dict[str, Any]:
    """Run `script --child --scale SCALE` on `database` ("sqlite" or "postgres"); its last line, as JSON."""
    env = dict(os.environ)
    data_dir = (
        os.path.join(tempfile.gettempdir(), f"animateur-bench-{name}-{scale}")
        if reuse
        else tempfile.mkdtemp(prefix=f"animateur-bench-{name}-")
    )
    os.makedirs(data_dir, exist_ok=True)
    env["ANIMATEUR_DATA_DIR"] = data_dir
    env["ANIMATEUR_TASKS_IMMEDIATE"] = "1"
    env["ANIMATEUR_TESTING"] = "1"  # plain static storage: no collectstatic manifest needed
    admin = db_name = ""
    if database == "postgres":
        import psycopg

        url = pg_url + (f"_{scale}" if reuse else "")
        db_name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name]).fetchone()
            if not (reuse and exists):
                conn.execute(f'DROP DATABASE IF EXISTS "{db_name}"')
                conn.execute(f'CREATE DATABASE "{db_name}"')
        env["DATABASE_URL"] = url
    else:
        env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, script, "--child", "--scale", scale], env=env, stdout=subprocess.PIPE, text=True
    )
    if not reuse:
        shutil.rmtree(data_dir, ignore_errors=True)
        if db_name:
            import psycopg

            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db_name}"')
    if out.returncode:
        raise RuntimeError(f"the {database} run failed (its error is above)")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run_databases(
    script: str,
    name: str,
    scale: str,
    databases: list[str],
    *,
    reuse: bool,
    pg_url: str,
    describe: Callable[[str, dict[str, Any]], str],
    width: int = 28,
) -> dict[str, Any]:
    """`run_child` on each database, its figures printed (`describe`'s line, then the cases); by database."""
    figures: dict[str, Any] = {}
    for database in databases:
        try:
            result = run_child(script, name, scale, database, reuse=reuse, pg_url=pg_url)
        except Exception as exc:  # a missing PostgreSQL must not hide SQLite's figures
            print(f"{database}: skipped ({exc})", file=sys.stderr)
            figures[database] = {"error": str(exc)[:300]}
            continue
        figures[database] = result
        print(describe(database, result))
        print_cases(result["results"], width=width)
    return figures


def setup_django() -> None:
    """In the child: Django on the database the parent chose, migrated, with no page cache."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "animateur.config.settings")
    os.environ["ANIMATEUR_PAGE_CACHE_SECONDS"] = "0"
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
