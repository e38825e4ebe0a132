#!/usr/bin/env python
"""Listening: standing queries matched as messages arrive, against the naive loop, on one core.

    python bench/listening.py [--data DIR] [--scale small|full]

Texts: Beer and Coffee Stack Exchange posts and the French and English sentiment tweets of the
data folder (synthetic sentences when it is absent). Queries: generated from those texts' own
words with a fixed seed, in every shape of the language (words, AND, OR, NOT, phrases,
prefixes, one-letter wildcards, NEAR, fields, hashtags), so that a realistic share of them
match. Each message is read once into a Doc (counted in both timings), then:

- standing: the StandingIndex picks the queries filed under the message's words and tests those;
- naive (the baseline, same run): every compiled query tested on every message.

Both give the same matches (checked). Ends with one JSON line: `standing_queries_msgs_per_s`,
`naive_msgs_per_s`, `ratio_to_naive`, the number of queries and of matches.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import re
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

SCALES = {"small": (2_000, 5_000, 100), "full": (10_000, 20_000, 200)}
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
    counts: Counter[str] = Counter(w for d in docs for w in set(d.words) if len(w) > 3 and w.isalpha())
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--scale", choices=tuple(SCALES), default="small")
    args = parser.parse_args()
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
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
