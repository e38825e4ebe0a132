"""Members' recompute, its pure part: engagement with decay, levels and reach, then betweenness.

    python bench/members.py [--scale small|large]

Synthetic activities (members, interactions with a heavy-tailed author distribution, each message
answering an earlier one) go through `members.engagement.compute`, `level_for` and
`members.graph.betweenness` (rustworkx, exact). The baseline in the same run is a bare loop summing
each activity's weight (the floor of any engagement computation). The database side (reading the
stream, writing profiles) is not measured here. Prints seconds and ratios; the last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from animateur.members import engagement, graph  # noqa: E402

SCALES = {"small": (20_000, 200_000), "large": (1_000_000, 10_000_000)}


def activities(members: int, count: int, seed: int = 7) -> list[engagement.Activity]:
    rng = random.Random(seed)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    # Skewed: a few members write much, most a little, every member id possible.
    authors = [int(members * rng.random() ** 3) for _ in range(count)]
    made = []
    for i, author in enumerate(authors):
        partner = authors[rng.randrange(i)] if i else None
        kind = ("post",) if partner is None or rng.random() < 0.2 else ("answer",)
        made.append(
            engagement.Activity(
                member_id=author,
                created_at=now - timedelta(days=rng.random() * 730),
                kinds=kind + (("accepted",) if rng.random() < 0.05 else ()),
                partner_id=partner,
            )
        )
    return made


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=SCALES, default="small")
    args = parser.parse_args()
    members, count = SCALES[args.scale]
    made = activities(members, count)
    weights = engagement.DEFAULT_WEIGHTS
    start = time.perf_counter()
    floor = 0.0
    for activity in made:
        floor += sum(weights.get(k, 0.0) for k in activity.kinds)
    baseline = time.perf_counter() - start

    start = time.perf_counter()
    figures = engagement.compute(made, reference=datetime(2026, 1, 1, tzinfo=UTC), weights=weights, half_life_days=90)
    levels = {m: engagement.level_for(f.engagement, len(f.months)) for m, f in figures.items()}
    compute = time.perf_counter() - start

    # Betweenness as the recompute runs it: the most connected graph.MAX_NODES members.
    ties = {m: f.ties for m, f in figures.items() if f.ties}
    start = time.perf_counter()
    scores = graph.betweenness(ties)
    between = time.perf_counter() - start
    edges = sum(len(t) for t in ties.values()) // 2  # of the whole graph, before the cap
    print(f"{len(figures):,} members, {count:,} activities")
    print(f"baseline (sum of weights)     {baseline:8.2f} s")
    print(f"engagement, reach and levels  {compute:8.2f} s   ×{compute / baseline:.1f} the baseline")
    kept = min(len(scores), graph.MAX_NODES)
    print(f"betweenness of {kept:,} members (graph: {edges:,} ties)  {between:8.2f} s (exact, rustworkx)")
    summary = {
        "scale": args.scale,
        "members": len(figures),
        "activities": count,
        "baseline_s": round(baseline, 3),
        "engagement_s": round(compute, 3),
        "betweenness_nodes": min(len(scores), graph.MAX_NODES),
        "graph_edges": edges,
        "betweenness_s": round(between, 3),
        "levels": {str(k): list(levels.values()).count(k) for k in (1, 2, 3, 4)},
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
