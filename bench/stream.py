"""Stream page benchmark: listing, filters, history, search and a later page, on SQLite and PostgreSQL.

    python bench/stream.py [--scale small|large] [--databases sqlite,postgres]

Large: 1,000,000 messages on three channels, a tenth of them a channel's history; small: 50,000.
Each database runs in a child process on a fresh database; every page is fetched through Django's
test client as a logged-in analyst. The baseline is a primary-key fetch of one message in the same
run. Ends with one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

SCALES = {"small": 50_000, "large": 1_000_000}
REPEAT = 15
WORDS = ["musée", "horaires", "billet", "parking", "accès", "enfant", "tarif", "réservation", "groupe", "visite"]
RARE = "hippocampe"  # in one message of a thousand
PG_URL = os.environ.get("ANIMATEUR_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/animateur_bench_stream")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def child(scale: str) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "animateur.config.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from animateur.channels.models import Channel
    from animateur.core.actions import SystemActor, do_create_workspace
    from animateur.core.models import Membership, User
    from animateur.stream.models import Message

    rng = random.Random(42)
    workspace = do_create_workspace("bench", "Bench", actor=SystemActor("bench"), is_default=True)
    channels = [
        Channel.objects.create(workspace=workspace, kind=kind, name=kind) for kind in ("rss", "mastodon", "email")
    ]
    user = User.objects.create_user("analyst@bench.org", "bench password 123")
    Membership.objects.create(user=user, workspace=workspace, role="analyst")
    total = SCALES[scale]
    now = timezone.now()
    started = time.perf_counter()
    for start in range(0, total, 5000):
        rows = []
        for i in range(start, min(total, start + 5000)):
            channel = channels[i % 3]
            # The oldest tenth was written before the channels were connected: their history.
            at = now - timedelta(minutes=total - i) - (timedelta(days=30) if i < total // 10 else timedelta())
            text = " ".join(rng.choices(WORDS, k=12)) + (f" {RARE}" if i % 1000 == 7 else "") + f" n{i}"
            rows.append(
                Message(
                    workspace=workspace,
                    channel=channel,
                    external_id=f"m{i}",
                    kind=("mention", "reply", "email")[i % 3],
                    text=text,
                    created_at=at,
                    received_at=at,
                    language="fr",
                )
            )
        with transaction.atomic():
            Message.objects.bulk_create(rows)
    load_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = Client()
    client.force_login(user)
    some = Message.objects.order_by("pk").values_list("pk", flat=True)[total // 2]
    second_page = Message.objects.order_by("-created_at", "id").values_list("pk", flat=True)[49]

    def page(**params: str):
        def fetch() -> None:
            response = client.get("/app/stream/", params)
            assert response.status_code == 200, response.status_code

        return fetch

    cases = {
        "baseline_pk_fetch": lambda: Message.objects.filter(pk=some).values_list("pk", "text").first(),
        "listing": page(),
        "second_page": page(before=str(second_page)),
        "channel": page(channel=str(channels[1].pk)),
        "kind": page(kind="email"),
        "history": page(history="yes"),
        "search_common": page(q="reservation"),
        "search_rare": page(q=RARE),
        "search_dated": page(q=RARE, since=(timezone.localdate() - timedelta(days=40)).isoformat()),
    }
    results = {}
    for name, fn in cases.items():
        fn()  # warm
        times = []
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1000)
        results[name] = {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(percentile(times, 95), 2)}
    base = results["baseline_pk_fetch"]["p95_ms"] or 0.01
    for r in results.values():
        r["p95_ratio_to_baseline"] = round(r["p95_ms"] / base, 1)
    return {
        "vendor": connection.vendor,
        "messages": total,
        "load_seconds": round(load_seconds, 1),
        "results": results,
    }


def run_child(scale: str, database: str) -> dict:
    env = dict(os.environ)
    data_dir = tempfile.mkdtemp(prefix="animateur-bench-stream-")
    env["ANIMATEUR_DATA_DIR"] = data_dir
    env["ANIMATEUR_TASKS_IMMEDIATE"] = "1"
    env["ANIMATEUR_TESTING"] = "1"  # plain static storage: no collectstatic manifest needed
    if database == "postgres":
        import psycopg

        name = PG_URL.rsplit("/", 1)[1]
        admin = PG_URL.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = PG_URL
    else:
        env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--scale", scale], env=env, stdout=subprocess.PIPE, text=True
    )
    shutil.rmtree(data_dir, ignore_errors=True)
    if out.returncode:
        raise RuntimeError(f"the {database} run failed (its error is above)")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.scale)))
        return
    figures: dict = {"bench": "stream", "scale": args.scale}
    for database in args.databases.split(","):
        try:
            result = run_child(args.scale, database)
        except Exception as exc:  # a missing PostgreSQL must not hide SQLite's figures
            print(f"{database}: skipped ({exc})", file=sys.stderr)
            figures[database] = {"error": str(exc)[:300]}
            continue
        figures[database] = result
        print(f"{database}: {result['messages']} messages (loaded in {result['load_seconds']} s)")
        for name, r in result["results"].items():
            print(
                f"  {name:20s} p50 {r['p50_ms']:8.2f} ms  p95 {r['p95_ms']:8.2f} ms  ×{r['p95_ratio_to_baseline']}"
            )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
