#!/usr/bin/env python
"""Listening: standing queries matched as messages arrive, against the naive loop, on one core;
and the backtest of one query over the whole stored history, on SQLite and PostgreSQL.

    python bench/listening.py [--data DIR] [--scale small|full] [--databases sqlite,postgres]

Texts: Beer and Coffee Stack Exchange posts and the French and English sentiment tweets of the
data folder (synthetic sentences when it is absent). Queries: generated from those texts' own
words with a fixed seed, in every shape of the language (words, AND, OR, NOT, phrases,
prefixes, one-letter wildcards, NEAR, fields, hashtags), so that a realistic share of them
match. Each message is read once into a Doc (counted in both timings), then:

- standing: the StandingIndex picks the queries filed under the message's words and tests those;
- naive (the baseline, same run): every compiled query tested on every message.

Both give the same matches (checked).

Backtest (listening.selectors.backtest, what the search page runs before a search is saved): a
fresh database per vendor, in a child process, filled in bulk with the same texts (small: 10,000
messages, full: 1,000,000), a few marker words mixed in at known rates; each query is backtested
REPEAT times (p50, p95), against counting the listened messages (the baseline, same run).

Ends with one JSON line: `standing_queries_msgs_per_s`, `naive_msgs_per_s`, `ratio_to_naive`, the
number of queries and of matches, and `backtest` per database.
"""

from __future__ import annotations

import argparse
import functools
import html
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

SCALES = {"small": (2_000, 5_000, 100), "full": (10_000, 20_000, 200)}
BACKTEST_MESSAGES = {"small": 10_000, "full": 1_000_000}
REPEAT = {"small": 3, "full": 10}
# Marker words and how often (one message in n) each is mixed into a text.
MARKERS = {"hippocampe": 1000, "grève": 100, "manifestation": 300, "service client trop lent": 400}
BACKTEST_QUERIES = {
    "rare_word": "hippocampe",
    "word_or_prefix": "greve OR manif*",
    "phrase_near_not": '"service client" NEAR/3 lent -hippocampe',
    "word_and_field": "greve lang:fr",
}
PG_URL = os.environ.get("ANIMATEUR_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/animateur_bench_listening")
_TAG = re.compile(r"<[^>]+>")


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "animateur.config.settings")
    os.environ.setdefault("ANIMATEUR_DATA_DIR", tempfile.mkdtemp(prefix="bench-listening-"))
    import django

    django.setup()


def texts(data: Path | None, wanted: int) -> list[str]:
    found: list[str] = []
    if data is not None and data.is_dir():
        for site in ("beer", "coffee"):
            path = data / "interactions" / f"stackexchange-{site}" / "Posts.xml"
            if path.is_file():
                for _event, row in ET.iterparse(path):  # noqa: S314 - a known public dump
                    if row.tag == "row" and row.get("Body"):
                        found.append(html.unescape(_TAG.sub(" ", row.get("Title", "") + " " + row.get("Body", ""))))
                    row.clear()
        for path in (
            sorted((data / "sentiment" / "tweets").rglob("*text*.txt")) if (data / "sentiment").is_dir() else []
        ):
            found.extend(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    if not found:
        rng = random.Random(7)
        words = [
            "grève",
            "tarif",
            "service",
            "client",
            "école",
            "train",
            "retard",
            "merci",
            "bravo",
            "nul",
            "cher",
            "lent",
            "#rscci",
            "@mairie",
            "café",
            "bière",
        ]
        found = [" ".join(rng.choice(words) for _ in range(rng.randint(5, 25))) for _ in range(5000)]
    rng = random.Random(11)
    return [rng.choice(found) for _ in range(wanted)]


def queries(docs: list, wanted: int) -> list[str]:
    """Queries in every shape, from the texts' own words (fixed seed)."""
    from collections import Counter

    rng = random.Random(42)
    counts: Counter[str] = Counter(w for d in docs for w in sorted(set(d.words)) if len(w) > 3 and w.isalpha())
    common = [w for w, _n in counts.most_common(3000)]
    rare = [w for w, n in counts.items() if n <= 3] or common
    made: list[str] = []
    while len(made) < wanted:
        a, b, c = rng.choice(common), rng.choice(rare), rng.choice(common)
        shape = rng.randrange(10)
        if shape == 0:
            made.append(b)
        elif shape == 1:
            made.append(f"{a} {b}")
        elif shape == 2:
            made.append(f"{b} OR {c}")
        elif shape == 3:
            made.append(f"({a} OR {b}) -{c}")
        elif shape == 4:
            doc = rng.choice(docs)
            if len(doc.words) > 3:
                i = rng.randrange(len(doc.words) - 2)
                made.append(f'"{doc.words[i]} {doc.words[i + 1]}"')
        elif shape == 5:
            made.append(f"{b[: max(4, len(b) - 2)]}*")
        elif shape == 6:
            made.append(f"{b[0]}?{b[2:]}" if len(b) > 3 else b)
        elif shape == 7:
            made.append(f"{a} NEAR/3 {b}")
        elif shape == 8:
            made.append(f"{b} lang:{rng.choice(('fr', 'en'))}")
        else:
            made.append(f"#{b} OR @{b} OR {b}")
    return made


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def _copy_in_sql(connection: Any, copies: int, base: int) -> None:
    """The loaded messages copied `copies - 1` more times in SQL (new external ids, dates moved on by
    the loaded span each copy): the same texts and marker rates, `copies` times the rows."""
    from animateur.stream.models import Message

    columns = [f.column for f in Message._meta.concrete_fields if f.column != "id"]
    names = ", ".join(columns)
    for k in range(1, copies):
        minutes = 2 * base * k
        if connection.vendor == "sqlite":
            shifted = {
                "created_at": f"strftime('%Y-%m-%d %H:%M:%f', created_at, '+{minutes} minutes')",
                "received_at": f"strftime('%Y-%m-%d %H:%M:%f', received_at, '+{minutes} minutes')",
            }
        else:
            shifted = {
                "created_at": f"created_at + interval '{minutes} minutes'",
                "received_at": f"received_at + interval '{minutes} minutes'",
            }
        shifted["external_id"] = f"external_id || '-{k}'"
        chosen = ", ".join(shifted.get(c, c) for c in columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO stream_message ({names}) SELECT {chosen} FROM stream_message"  # noqa: S608 - constants
                f" WHERE id <= (SELECT MIN(id) FROM stream_message) + {base - 1} ORDER BY id"
            )


def backtest_child(data: Path | None, scale: str, messages: int = 0, copies: int = 1) -> dict:
    """In a fresh database: fill it, then time the backtests (see the module's docstring)."""
    _setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from animateur.channels.models import Channel
    from animateur.core.actions import SystemActor, do_create_workspace
    from animateur.core.models import Workspace
    from animateur.listening import db as listening_db
    from animateur.stream.models import Message

    call_command("migrate", verbosity=0)
    total = messages or BACKTEST_MESSAGES[scale]
    kept = Workspace.objects.filter(slug="bench").first()
    if kept is not None and Message.objects.filter(workspace=kept).count() == total:
        # --keep: the database of an earlier run, already loaded (old and new code on the same rows).
        listening_db.ensure(connection)
        about = {
            "vendor": connection.vendor,
            "messages": total,
            "reused": True,
            **_index_words(connection, copies, total // copies),
        }
        return _timed_backtests(kept, scale, about)
    # Loaded as a bulk import would be: without listening's index, built once at the end.
    listening_db.drop(connection)
    workspace = do_create_workspace("bench", "Bench", actor=SystemActor("bench"), is_default=True)
    channels = [
        Channel.objects.create(workspace=workspace, kind=kind, name=name)
        for kind, name in (("rss", "Actualités"), ("mastodon", "Mastodon"), ("email", "Courriel"))
    ]
    pool = texts(data, 20_000)
    rng = random.Random(5)
    now = timezone.now()
    started = time.perf_counter()
    loaded = total // copies
    for start in range(0, loaded, 5000):
        rows = []
        for i in range(start, min(loaded, start + 5000)):
            text = pool[rng.randrange(len(pool))][:2000]
            for marker, every in MARKERS.items():
                if rng.randrange(every) == 0:
                    text = f"{text} {marker.capitalize() if rng.random() < 0.5 else marker}"
            at = now - timedelta(minutes=2 * (total - i))
            rows.append(
                Message(
                    workspace=workspace, channel=channels[i % 3], external_id=f"m{i}",
                    kind=("post", "reply", "email")[i % 3], text=text, created_at=at, received_at=at,
                    language="fr" if i % 3 else "en",
                )
            )  # fmt: skip
        with transaction.atomic():
            Message.objects.bulk_create(rows)
    if copies > 1:
        _copy_in_sql(connection, copies, loaded)
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    listening_db.ensure(connection)
    index_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return _timed_backtests(
        workspace,
        scale,
        {
            "vendor": connection.vendor,
            "messages": total,
            "load_seconds": round(load_seconds, 1),
            "index_seconds": round(index_seconds, 1),
            **_index_words(connection, copies, loaded),
        },
    )


def _index_words(connection: Any, copies: int = 1, base: int = 0) -> dict:
    """Listening's word index over the messages it has not read (all of them after a bulk load or
    the migration that added it), as `animateur listen index` does; then the tables analysed.

    With --copies, the messages loaded through the ORM are indexed so, and their words copied in
    SQL for each copy (the same texts: the same words), as the messages themselves were."""
    try:
        from animateur.listening import wordindex
    except ImportError:  # the code before the word index (old and new code on the same database)
        return {}
    if not wordindex.present(connection):
        return {}
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if done % 20_000 < 5000 or done == total:
            print(f"  words: {done:,} of {total:,} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)

    copied = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id), COUNT(*) FROM stream_message")
        first, last, count = cursor.fetchone()
        contiguous = copies > 1 and last - first + 1 == count == copies * base
        if contiguous:  # and message i's copy k is message i + k × base (same text)
            cursor.execute(
                "SELECT COUNT(*) FROM stream_message a JOIN stream_message b ON b.id = a.id + %s"
                " WHERE a.id < %s AND a.text = b.text",
                [(copies - 1) * base, first + base],
            )
            contiguous = cursor.fetchone()[0] == base
        if contiguous:  # the copies' marks go: their words are the loaded messages' words
            top = first + base - 1
            cursor.execute(f"DELETE FROM {wordindex.DIRTY} WHERE message_id > %s", [top])  # noqa: S608
    indexed = wordindex.index_dirty(chunk=5000, progress=progress)
    seconds = time.perf_counter() - started
    if contiguous:
        started_copy = time.perf_counter()
        with connection.cursor() as cursor:
            missing = []
            for k in range(1, copies):  # a copy made by an earlier, stopped run is kept (one statement each)
                cursor.execute(
                    f"SELECT 1 FROM {wordindex.TABLE} WHERE message_id BETWEEN %s AND %s LIMIT 1",  # noqa: S608
                    [first + k * base, top + k * base],
                )
                if cursor.fetchone() is None:
                    missing.append(k)
            if connection.vendor == "sqlite" and missing:
                # All the copies in one statement, sorted: one pass over the index's pages, in memory.
                cursor.execute("PRAGMA cache_size = -2000000")
                copies_sql = " UNION ALL ".join(f"SELECT {k * base} AS shift" for k in missing)
                cursor.execute(
                    f"INSERT INTO {wordindex.TABLE} (workspace_id, word, message_id)"  # noqa: S608 - constants
                    f" SELECT w.workspace_id, w.word, w.message_id + c.shift FROM {wordindex.TABLE} w,"
                    f" ({copies_sql}) c WHERE w.message_id <= {top} ORDER BY 1, 2, 3"
                )
            elif connection.vendor != "sqlite":
                for k in missing:
                    cursor.execute(
                        f"INSERT INTO {wordindex.TABLE} (workspace_id, word, message_id)"  # noqa: S608 - constants
                        f" SELECT workspace_id, word, message_id + {k * base} FROM {wordindex.TABLE}"
                        f" WHERE message_id <= {top}"
                    )
                    print(f"  words: copy {k} ({time.perf_counter() - started_copy:.0f} s)", file=sys.stderr)
        copied = round(time.perf_counter() - started_copy, 1)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {wordindex.TABLE}" if connection.vendor == "postgresql" else "ANALYZE")
        cursor.execute(f"SELECT COUNT(*) FROM {wordindex.TABLE}")  # noqa: S608 - a constant
        words = cursor.fetchone()[0]
    return {
        "words_indexed_messages": indexed,
        "words_index_seconds": round(seconds, 1),
        "words_copy_seconds": copied,
        "word_rows": words,
    }


def _timed_backtests(workspace: Any, scale: str, about: dict) -> dict:
    from animateur.listening import scan
    from animateur.listening.matcher import compile_query
    from animateur.listening.selectors import backtest

    def timed(fn: Callable[[], object]) -> dict:
        fn()  # warm
        times = []
        for _ in range(REPEAT[scale]):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1000)
        return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 95), 1)}

    results = {"baseline_count": timed(lambda: scan.listened(workspace).count())}
    for name, query in BACKTEST_QUERIES.items():
        compiled = compile_query(query)
        found = backtest(workspace, compiled)
        results[name] = timed(functools.partial(backtest, workspace, compiled))
        results[name].update(query=query, matched=found.matched, candidates=found.candidates)
    base = results["baseline_count"]["p95_ms"] or 0.01
    for figures in results.values():
        figures["p95_ratio_to_baseline"] = round(figures["p95_ms"] / base, 1)
    return {**about, "results": results}


def run_backtest_child(
    data: Path, scale: str, database: str, messages: int, keep: Path | None = None, copies: int = 1
) -> dict:
    env = dict(os.environ)
    data_dir = str(keep / database) if keep else tempfile.mkdtemp(prefix="animateur-bench-listening-")
    os.makedirs(data_dir, exist_ok=True)
    env["ANIMATEUR_DATA_DIR"] = data_dir
    env["ANIMATEUR_TASKS_IMMEDIATE"] = "1"
    env["ANIMATEUR_TESTING"] = "1"
    if database == "postgres":
        import psycopg

        name = PG_URL.rsplit("/", 1)[1]
        admin = PG_URL.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not (keep and exists):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = PG_URL
    else:
        env.pop("DATABASE_URL", None)
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--backtest-child", "--scale", scale, "--data", str(data)]
            + ["--backtest-messages", str(messages), "--copies", str(copies)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            check=False,
        )
    finally:
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)
        if database == "postgres" and not keep:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    if out.returncode:
        raise RuntimeError(f"the {database} run failed (its error is above)")
    return json.loads(out.stdout.strip().splitlines()[-1])


def backtests(
    data: Path, scale: str, databases: list[str], messages: int, keep: Path | None = None, copies: int = 1
) -> dict:
    figures: dict = {}
    for database in databases:
        try:
            result = run_backtest_child(data, scale, database, messages, keep, copies)
        except Exception as exc:  # a missing PostgreSQL must not hide SQLite's figures
            print(f"backtest on {database}: skipped ({exc})", file=sys.stderr)
            figures[database] = {"error": str(exc)[:300]}
            continue
        figures[database] = result
        loaded = (
            "the database of an earlier run"
            if result.get("reused")
            else f"loaded in {result['load_seconds']} s, indexed in {result['index_seconds']} s"
        )
        if result.get("words_indexed_messages"):
            loaded += (
                f"; word index: {result['words_indexed_messages']:,} messages in {result['words_index_seconds']} s,"
                f" {result['word_rows']:,} rows"
            )
        print(f"backtest on {database}: {result['messages']:,} messages ({loaded})")
        for name, r in result["results"].items():
            extra = f"  {r['matched']:,} matched of {r['candidates']:,} read" if "matched" in r else ""
            ratio = r["p95_ratio_to_baseline"]
            print(f"  {name:18s} p50 {r['p50_ms']:9.1f} ms  p95 {r['p95_ms']:9.1f} ms  ×{ratio}{extra}")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--scale", choices=tuple(SCALES), default="small")
    parser.add_argument("--databases", default="sqlite,postgres", help="backtests on these ('' for none)")
    parser.add_argument("--backtest-messages", type=int, default=0, help="instead of the scale's number")
    parser.add_argument("--backtest-only", action="store_true", help="skip the standing queries")
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep the backtest's databases (SQLite in this folder, PostgreSQL's by name) and reuse them when"
        " they hold as many messages: old and new code timed on the same rows without loading them again",
    )
    parser.add_argument(
        "--copies",
        type=int,
        default=1,
        help="load 1/COPIES of the backtest's messages through the ORM and copy them in SQL (loading a million"
        " through the ORM takes an hour on a busy machine): the same texts and rates, COPIES times the rows",
    )
    parser.add_argument("--backtest-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.backtest_child:
        data = args.data if args.data.is_dir() else None
        print(json.dumps(backtest_child(data, args.scale, args.backtest_messages, args.copies)))
        return 0
    databases = [d for d in args.databases.split(",") if d]
    if args.backtest_only:
        figures = backtests(args.data, args.scale, databases, args.backtest_messages, args.keep, args.copies)
        print(json.dumps({"bench": "listening", "scale": args.scale, "backtest": figures}))
        return 0
    _setup()
    from collections import Counter

    from animateur.listening.matcher import Doc, compile_query, frequency_cost
    from animateur.listening.standing import StandingIndex

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    n_queries, n_messages, n_naive = SCALES[args.scale]
    corpus = texts(args.data if args.data.is_dir() else None, n_messages)
    sample_docs = [Doc.of(t, language="en") for t in corpus[:3000]]
    written = queries(sample_docs, n_queries)
    started = time.perf_counter()
    # How common each word is, from a sample of the stream (as the pipeline's index does).
    seen = Counter(w for d in sample_docs for w in d.word_set)
    index = StandingIndex.build(enumerate(written), frequency_cost(seen, len(sample_docs)))
    build_seconds = time.perf_counter() - started
    compiled = [compile_query(q) for q in written]

    started = time.process_time()
    standing_matches = 0
    standing_first: list[set[int]] = []
    for number, text in enumerate(corpus):
        found = index.matching(Doc.of(text, language="en"))
        standing_matches += len(found)
        if number < n_naive:
            standing_first.append(set(found))
    standing_seconds = time.process_time() - started

    started = time.process_time()
    naive_first: list[set[int]] = []
    for text in corpus[:n_naive]:
        doc = Doc.of(text, language="en")
        naive_first.append({i for i, q in enumerate(compiled) if q.test(doc)})
    naive_seconds = time.process_time() - started
    assert naive_first == standing_first, "the standing index and the naive loop disagree"

    standing_rate = len(corpus) / standing_seconds
    naive_rate = n_naive / naive_seconds
    print(f"queries {len(written):,} (index built in {build_seconds:.2f} s), messages {len(corpus):,}")
    print(f"standing index : {standing_rate:12,.0f} messages/s of CPU, {standing_matches:,} matches")
    print(f"naive loop     : {naive_rate:12,.0f} messages/s of CPU (on the first {n_naive})")
    print(f"ratio          : {standing_rate / naive_rate:12,.1f}")
    backtest_figures = backtests(args.data, args.scale, databases, args.backtest_messages, args.keep, args.copies)
    print(
        json.dumps(
            {
                "bench": "listening",
                "scale": args.scale,
                "queries": len(written),
                "messages": len(corpus),
                "matches": standing_matches,
                "standing_queries_msgs_per_s": round(standing_rate),
                "naive_msgs_per_s": round(naive_rate, 1),
                "ratio_to_naive": round(standing_rate / naive_rate, 1),
                "backtest": backtest_figures,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
