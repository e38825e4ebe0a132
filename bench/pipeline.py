"""Messages per second through the whole ingestion pipeline, against a bulk insert of the same rows.

    python bench/pipeline.py [--scale small|full] [--postgres URL] [--rules]

For each database (SQLite in a temporary folder; PostgreSQL when reachable, in a database of its
own that is dropped afterwards), batches of 1,000 generated messages (French and English, 20 %
replies, 10 % from members already known, 5 % fetched again) go through run_pipeline (normalize,
dedupe, identify, language, moderation hooks, store), then the same rows are inserted with one
bulk_create per batch (no pipeline). Prints both rates and their ratio; the last line is JSON.
Target: 5,000 messages a second or more on one core on SQLite, and a ratio of 0.3 or more.

Two pipeline figures: with every hook the apps register (inbox, moderation, space ...), and the
stream's own stages alone; then where the time of the first goes, per stage and per hook (hooks
run inside the enrich and moderate stages and around store), so each app's owner sees its share.
Each figure is given in wall time and in this process's CPU time: on a machine that runs other
work, the second moves less (with SQLite it is the whole work; PostgreSQL's server is not in it).
With --rules, the workspace has five typical moderation rules (words in the text, links,
language, first message, trust), none of which holds the generated messages: the rules' cost
alone. Before measuring, each child does what `animateur worker` does before its first batch
(`stream.pipeline.prepare_worker`: every model loaded, start-up's objects frozen out of the
garbage collector's way).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

FR = [
    "Merci pour cet article, il tombe à pic pour notre association",
    "Je ne suis pas d'accord avec la conclusion, les chiffres de l'an dernier disent autre chose",
    "Est-ce que la rencontre de jeudi est ouverte à tout le monde ?",
    "Bravo à toute l'équipe pour l'organisation, c'était une très belle journée",
    "Quelqu'un sait où trouver le programme complet de la semaine prochaine ?",
]
EN = [
    "Thanks for this post, it came at just the right time for our team",
    "I disagree with the conclusion, last year's numbers tell a different story",
    "Is Thursday's meetup open to everyone or members only?",
    "Congratulations to the whole crew, it was a lovely day out",
    "Does anyone know where to find the full schedule for next week?",
]


def generate(batch_no: int, size: int, known: list[str], previous: list[dict]) -> list[dict]:
    rng = random.Random(batch_no)
    rows: list[dict] = []
    refetch = rng.sample(previous, min(len(previous), size * 5 // 100)) if previous else []
    for n in range(size - len(refetch)):
        key = f"b{batch_no}-{n}"
        text = rng.choice(FR if rng.random() < 0.5 else EN) + f" ({key})"
        author = rng.choice(known) if known and rng.random() < 0.1 else f"user-{batch_no}-{n}"
        parent = None
        if rows and rng.random() < 0.20:
            parent = rng.choice(rows)["id"]
        rows.append({"id": key, "text": text, "author": author, "parent": parent})
    return rows + refetch


# Typical rules a community manager writes; the generated messages match none of them.
RULES = [
    ("casino", "all", [{"field": "text", "op": "contains", "value": "casino, arnaque"}]),
    (
        "crypto",
        "any",
        [
            {"field": "text", "op": "contains", "value": "crypto*, bitcoin"},
            {"field": "links", "op": "gte", "value": "3"},
        ],
    ),
    ("other languages", "all", [{"field": "language", "op": "in", "value": "de, es"}]),
    (
        "first promo",
        "all",
        [
            {"field": "first_message", "op": "is", "value": "yes"},
            {"field": "text", "op": "contains", "value": "promo*"},
        ],
    ),
    (
        "new and rude",
        "all",
        [{"field": "trust", "op": "below", "value": "basic"}, {"field": "text", "op": "contains", "value": "idiot*"}],
    ),
]


def run_one(db_label: str, batches: int, with_rules: bool = False) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "animateur.config.settings")
    django.setup()
    from datetime import UTC, datetime

    from django.core.management import call_command
    from django.db import connection, transaction

    from animateur.channels.models import Channel
    from animateur.core.actions import SystemActor, do_create_workspace
    from animateur.stream.items import AuthorInfo, Incoming
    from animateur.stream.models import Identity, Member, Message
    from animateur.stream.pipeline import run_pipeline

    call_command("migrate", verbosity=0)
    workspace = do_create_workspace("bench", "Bench", actor=SystemActor("bench"))
    channel = Channel.objects.create(workspace=workspace, kind="files", name="bench")
    bulk_channel = Channel.objects.create(workspace=workspace, kind="files", name="bulk")
    if with_rules:
        from animateur.moderation.actions.rules import do_save_rule

        for name, match, conditions in RULES:
            do_save_rule(
                workspace,
                {"name": name, "match": match, "conditions": conditions, "actions": [{"type": "hold"}]},
                actor=SystemActor("bench"),
            )
    created_at = datetime(2024, 5, 1, tzinfo=UTC)
    # Warm-up: load the language detector outside the measure, then what `animateur worker` does.
    run_pipeline([Incoming(channel=channel, external_id="warm", text="Bonjour tout le monde", created_at=created_at)])
    from animateur.stream.pipeline import prepare_worker

    prepare_worker()

    known: list[str] = []
    previous: list[dict] = []
    all_batches = []
    for b in range(batches):
        rows = generate(b, 1000, known, previous)
        all_batches.append(rows)
        previous = rows[:800]
        known = list({r["author"] for r in rows})[:200]

    def incoming(row: dict, on: Channel) -> Incoming:
        return Incoming(
            channel=on,
            external_id=row["id"],
            text=row["text"],
            created_at=created_at,
            author=AuthorInfo(external_id=row["author"], display_name=row["author"]),
            parent_external_id=row["parent"],
            kind="reply" if row["parent"] else "comment",
        )

    from animateur.stream import pipeline as stream_pipeline
    from animateur.stream import stages, store

    # The stream's own stages only: the same messages on another channel, other apps' hooks unplugged.
    core_channel = Channel.objects.create(workspace=workspace, kind="files", name="core")
    hook_lists = (stream_pipeline.ON_STORE, stream_pipeline.AFTER_COMMIT, stages.ENRICHERS, stages.MODERATORS)
    every_hook = [list(h) for h in hook_lists]
    core_hooks = [[], [stages.bump_site_version], [], [stages.hold_first_comments]]

    def plug(lists: list[list]) -> None:
        for hooks, wanted in zip(hook_lists, lists, strict=True):
            hooks[:] = wanted

    # Baseline: the same rows, one bulk_create per batch; authors made up front, no pipeline.
    authors = sorted({r["author"] for rows in all_batches for r in rows})
    members = Member.objects.bulk_create([Member(workspace=workspace, display_name=a) for a in authors])
    identities = Identity.objects.bulk_create(
        [
            Identity(workspace=workspace, channel=bulk_channel, member=m, origin="files", external_id=a)
            for a, m in zip(authors, members, strict=True)
        ]
    )
    by_author = dict(zip(authors, identities, strict=True))
    seen: set[str] = set()

    def bulk(rows: list[dict]) -> None:
        fresh = [r for r in rows if r["id"] not in seen]
        seen.update(r["id"] for r in fresh)
        with transaction.atomic():
            Message.objects.bulk_create(
                [
                    Message(
                        workspace=workspace,
                        channel=bulk_channel,
                        external_id=r["id"],
                        text=r["text"],
                        html=f"<p>{r['text']}</p>",
                        created_at=created_at,
                        author=by_author[r["author"]],
                    )
                    for r in fresh
                ],
                batch_size=1000,
            )

    # Each batch goes the three ways in turn, so that the machine's changing load weighs on all alike.
    spent: dict[str, float] = {}
    spent_cpu: dict[str, float] = {}
    total = sum(len(rows) for rows in all_batches)
    pipeline_seconds = core_seconds = bulk_seconds = 0.0
    # CPU time of this process too: with SQLite it is all the work on one core, whatever else the
    # machine runs (with PostgreSQL the server's share is not in it).
    cpu = {"pipeline": 0.0, "core": 0.0, "bulk": 0.0}
    for rows in all_batches:
        # Every text is new to each way of running: the language cache helps repeated texts only.
        stages._LANGUAGE_CACHE.clear()
        plug(every_hook)
        untime = _time_everything(stream_pipeline, stages, store, spent, spent_cpu)
        start, cpu_start = time.perf_counter(), time.process_time()
        run_pipeline([incoming(r, channel) for r in rows])
        pipeline_seconds += time.perf_counter() - start
        cpu["pipeline"] += time.process_time() - cpu_start
        untime()
        plug(core_hooks)
        stages._LANGUAGE_CACHE.clear()
        start, cpu_start = time.perf_counter(), time.process_time()
        run_pipeline([incoming(r, core_channel) for r in rows])
        core_seconds += time.perf_counter() - start
        cpu["core"] += time.process_time() - cpu_start
        start, cpu_start = time.perf_counter(), time.process_time()
        bulk(rows)
        bulk_seconds += time.perf_counter() - start
        cpu["bulk"] += time.process_time() - cpu_start
    plug(every_hook)
    stored = Message.objects.filter(channel=channel).count()
    bulk_total = total
    return {
        "db": db_label,
        "rules": with_rules,
        "vendor": connection.vendor,
        "messages": total,
        "stored": stored,
        "pipeline_per_second": round(total / pipeline_seconds),
        "bulk_per_second": round(bulk_total / bulk_seconds),
        "ratio": round((total / pipeline_seconds) / (bulk_total / bulk_seconds), 3),
        "core_per_second": round(total / core_seconds),
        "core_ratio": round((total / core_seconds) / (bulk_total / bulk_seconds), 3),
        "cpu_per_second": {way: round(total / seconds) for way, seconds in cpu.items()},
        "shares": {
            name: {
                "seconds": round(sec, 3),
                "share": round(sec / pipeline_seconds, 3),
                "cpu": round(spent_cpu[name], 3),
            }
            for name, sec in sorted(spent.items(), key=lambda kv: -kv[1])
        },
    }


def _time_everything(stream_pipeline, stages, store, spent: dict[str, float], spent_cpu: dict[str, float]):  # noqa: ANN001, ANN202
    """Wrap every stage and hook in timers adding to `spent` (wall) and `spent_cpu`; returns their undoing."""

    def wrap(kind: str, fn):  # noqa: ANN001, ANN202
        name = f"{kind} {fn.__module__.removeprefix('animateur.')}.{fn.__name__}"

        def timed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            start, cpu_start = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - start
                spent_cpu[name] = spent_cpu.get(name, 0.0) + time.process_time() - cpu_start

        timed.__wrapped__ = fn  # type: ignore[attr-defined]
        return timed

    lists = {
        "stage": stream_pipeline.STAGES,
        "  enricher": stages.ENRICHERS,
        "  moderator": stages.MODERATORS,
        "on-store": stream_pipeline.ON_STORE,
        "after-commit": stream_pipeline.AFTER_COMMIT,
    }
    saved = {kind: list(hooks) for kind, hooks in lists.items()}
    for kind, hooks in lists.items():
        hooks[:] = [wrap(kind, h) for h in hooks]
    unwrapped_store = store.store
    store.store = wrap("stage", unwrapped_store)

    def undo() -> None:
        for kind, hooks in lists.items():
            hooks[:] = saved[kind]
        store.store = unwrapped_store

    return undo


def child(db_label: str, url: str | None, batches: int, with_rules: bool) -> dict | None:
    return run_child(
        __file__, db_label, url, ["--child", db_label, "--batches", str(batches), *(["--rules"] if with_rules else [])]
    )


def run_child(script: str, db_label: str, url: str | None, arguments: list[str]) -> dict | None:
    """Runs `script` in a fresh process on its own data folder (removed after) and database; its last line is JSON."""
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if url:
        env["DATABASE_URL"] = url
    with tempfile.TemporaryDirectory(prefix="animateur-bench-") as data_dir:
        env["ANIMATEUR_DATA_DIR"] = data_dir
        proc = subprocess.run(
            [sys.executable, script, *arguments], env=env, capture_output=True, text=True, check=False
        )
    if proc.returncode != 0:
        print(f"{db_label}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def postgres_database(base_url: str) -> tuple[str, callable] | None:
    try:
        import psycopg
    except ImportError:
        return None
    name = f"animateur_bench_{os.getpid()}"
    try:
        with psycopg.connect(base_url, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        print(f"PostgreSQL not reachable ({exc}); skipped", file=sys.stderr)
        return None
    url = base_url.rsplit("/", 1)[0] + "/" + name

    def drop() -> None:
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=["small", "full"], default="small")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--child")
    parser.add_argument("--batches", type=int)
    parser.add_argument("--rules", action="store_true", help="five typical moderation rules in the workspace")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child, args.batches, args.rules)))
        return
    batches = args.batches or (5 if args.scale == "small" else 20)
    results = []
    sqlite = child("sqlite", None, batches, args.rules)
    if sqlite:
        results.append(sqlite)
    pg = postgres_database(args.postgres)
    if pg:
        url, drop = pg
        try:
            result = child("postgresql", url, batches, args.rules)
            if result:
                results.append(result)
        finally:
            drop()
    for r in results:
        print(
            f"{r['db']:>10}: pipeline {r['pipeline_per_second']:>7} msg/s, "
            f"bulk insert {r['bulk_per_second']:>7} "
            f"msg/s, ratio {r['ratio']:.2f} ({r['messages']} messages, {r['stored']} stored); "
            f"stream stages alone {r['core_per_second']} msg/s, ratio {r['core_ratio']:.2f}"
        )
        per_cpu = r["cpu_per_second"]
        print(
            f"{'':>12}per second of this process's CPU: pipeline {per_cpu['pipeline']}, "
            f"stream stages alone {per_cpu['core']}, bulk insert {per_cpu['bulk']}"
        )
        for name, figure in r["shares"].items():
            per_message = figure["seconds"] / r["messages"] * 1e6
            cpu_per_message = figure["cpu"] / r["messages"] * 1e6
            print(
                f"{'':>12}{name:<58} {figure['share']:>6.1%} {per_message:>8.0f} µs/msg"
                f" ({cpu_per_message:.0f} of this process's CPU)"
            )
    print(json.dumps({"bench": "pipeline", "batches": batches, "rules": args.rules, "results": results}))


if __name__ == "__main__":
    main()
