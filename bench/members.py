"""Members: the recompute (engagement, levels, reach), betweenness, and the member pages.

    python bench/members.py [--scale small|medium|full] [--databases sqlite,postgres] [--reuse [--pages-only]]
                            [--skip-computation]

Times are wall and CPU seconds of the process (CPU: what « on one core » means on a shared machine).
networkx comes with the `bench` extra (pip install -e '.[bench]').

Three parts, each against a baseline measured in the same run:

1. Pure computation, no database: synthetic activities (a heavy-tailed author distribution, each
   message answering an earlier one) through `engagement.compute_columns` and `levels_for` (what the
   recompute runs), against the reference loop over one Python object per activity
   (`engagement.compute` and `level_for`, what the recompute ran before). At full scale the
   reference runs on a tenth of the activities and its time is scaled (it is linear).
2. Betweenness of the interaction graph these activities make: the recompute's estimate
   (`graph.betweenness_arrays`, sampled from graph.pivots_for(ties) pivots above graph.EXACT_NODES members),
   against networkx's `betweenness_centrality(k=...)` on the same graph, compared per pivot (networkx
   runs a few pivots only at full scale). Its error is measured against the exact betweenness
   (rustworkx) of a smaller graph of the same kind.
3. On SQLite and PostgreSQL (a child process each, on a fresh database): members, identities and
   messages generated with bulk SQL, then `recompute.compute_profiles` end to end (reading the
   stream, computing, writing every profile), then the member page of a member with 10,000 messages
   and the member list with filters, through Django's test client, p50 and p95; the baseline is a
   primary-key fetch of one message.

Scales (members, activities): small 20,000 / 200,000 (under a minute for the pure parts and a
database), medium 200,000 / 2,000,000, full 1,000,000 / 10,000,000 (the issue's), and pages
1,000,000 / 1,000,000 (the pages' targets at 1,000,000 members, for --skip-computation: quicker to
generate; the member with 10,000 messages is there all the same). Prints figures and
ratios; the last line is JSON.
"""

# ruff: noqa: S608 - the generating SQL is built from numbers and model names only

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import numpy as np  # noqa: E402
from benchkit.child import run_databases, setup_django, time_cases  # noqa: E402

from animateur.members import engagement, graph  # noqa: E402

SCALES = {
    "small": (20_000, 200_000),
    "medium": (200_000, 2_000_000),
    "full": (1_000_000, 10_000_000),
    # The pages' targets at 1,000,000 members with fewer messages to generate: the list reads profiles
    # and the member page one member's messages through the author index, neither the rest of the stream.
    "pages": (1_000_000, 1_000_000),
}
REPEAT = {"small": 20, "medium": 40, "full": 60, "pages": 60}
# networkx's pivots (each a pass in Python over the whole graph) and the exact graph's size.
NX_PIVOTS = {"small": 16, "medium": 4, "full": 1, "pages": 1}
ERROR_GRAPH = (5_000, 50_000)
BUSY_MEMBER_MESSAGES = 10_000
REFERENCE = datetime(2026, 1, 1, tzinfo=UTC)
PG_URL = os.environ.get("ANIMATEUR_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/animateur_bench_members")


class Clock:
    """Wall and CPU seconds of this process (CPU: what « on one core » means on a shared machine)."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


# --- 1 and 2: computation -------------------------------------------------------------------------


def synthetic(members: int, count: int, seed: int = 7) -> engagement.Columns:
    """Activities as columns: authors heavy-tailed, each answering an earlier one (20 % posts)."""
    rng = np.random.default_rng(seed)
    member = (members * rng.random(count) ** 3).astype(np.int64)
    earlier = (np.arange(count) * rng.random(count)).astype(np.int64)
    post = (rng.random(count) < 0.2) | (np.arange(count) == 0)
    partner = np.where(post, -1, member[earlier])
    root = (np.arange(count) * rng.random(count) ** 0.1).astype(np.int64)
    thread = np.where(~post & (rng.random(count) < 0.5), member[root], -1)
    thread = np.where(thread == partner, -1, thread)
    bits = engagement.KIND_BITS
    kinds = np.where(post, bits["post"], bits["answer"]) | np.where(rng.random(count) < 0.05, bits["accepted"], 0)
    created = engagement.microseconds(REFERENCE) - (rng.random(count) * 730 * 86400e6).astype(np.int64)
    return engagement.Columns(
        member=member,
        created_us=created,
        kinds=kinds.astype(np.int64),
        partner=partner,
        thread_partner=thread,
        negative=rng.random(count) < 0.05,
    )


def as_activities(columns: engagement.Columns, limit: int) -> list[engagement.Activity]:
    names = engagement.ACTIVITY_KINDS
    epoch = engagement.EPOCH
    out = []
    for m, c, k, p, t in zip(
        columns.member[:limit].tolist(),
        columns.created_us[:limit].tolist(),
        columns.kinds[:limit].tolist(),
        columns.partner[:limit].tolist(),
        columns.thread_partner[:limit].tolist(),
        strict=True,
    ):
        out.append(
            engagement.Activity(
                member_id=m,
                created_at=epoch + timedelta(microseconds=c),
                kinds=tuple(n for i, n in enumerate(names) if k & (1 << i)),
                partner_id=p if p >= 0 else None,
                thread_partner_ids=(t,) if t >= 0 else (),
            )
        )
    return out


def computation(scale: str) -> dict[str, Any]:
    members, count = SCALES[scale]
    columns = synthetic(members, count)
    weights = engagement.DEFAULT_WEIGHTS
    with Clock() as ours:
        figures = engagement.compute_columns(columns, members, reference=REFERENCE, weights=weights, half_life_days=90)
        levels = engagement.levels_for(figures.engagement, figures.months)

    # The reference loop (what the recompute ran): on a tenth at full scale, scaled.
    share = 10 if scale == "full" else 1
    limit = count // share
    made = as_activities(columns, limit)
    with Clock() as naive:
        reference = engagement.compute(made, reference=REFERENCE, weights=weights, half_life_days=90)
        {m: engagement.level_for(f.engagement, len(f.months)) for m, f in reference.items()}
    naive.wall, naive.cpu = naive.wall * share, naive.cpu * share
    del made
    if share == 1:  # the same figures, to the last bit
        for m, f in reference.items():
            assert f.engagement == figures.engagement[m] and len(f.months) == figures.months[m], m
    result: dict[str, Any] = {
        "members": members,
        "activities": count,
        "columns_s": round(ours.wall, 2),
        "columns_cpu_s": round(ours.cpu, 2),
        "reference_loop_s": round(naive.wall, 2),
        "reference_loop_cpu_s": round(naive.cpu, 2),
        "reference_scaled_from": limit,
        "speedup_cpu": round(naive.cpu / ours.cpu, 1),
        "levels": {str(k): int((levels == k).sum()) for k in (1, 2, 3, 4)},
    }
    print(f"{members:,} members, {count:,} activities ({load()})")
    note = f" (measured on {limit:,}, ×{share})" if share > 1 else ""
    print(f"  reference loop (Python objects)    {naive.wall:8.2f} s, CPU {naive.cpu:8.2f} s{note}")
    print(
        f"  columns (numpy), levels included   {ours.wall:8.2f} s, CPU {ours.cpu:8.2f} s"
        f"   ×{naive.cpu / ours.cpu:.1f} less CPU"
    )

    # 2. Betweenness of this graph.
    nodes = figures.messages.size
    first, second = figures.tie_first, figures.tie_second
    del columns
    with Clock() as ours_b:
        graph.betweenness_arrays(nodes, first, second)
    pivots = graph.pivots_for(first.size) if nodes > graph.EXACT_NODES else nodes
    try:
        import networkx as nx
    except ImportError:  # the `bench` extra
        print("    networkx is not installed (pip install -e '.[bench]'): no baseline for betweenness")
        result["betweenness"] = {"nodes": nodes, "edges": int(first.size), "pivots": pivots, "ours_cpu_s": ours_b.cpu}
        return result

    g = nx.Graph()
    g.add_nodes_from(range(nodes))
    g.add_edges_from(zip(first.tolist(), second.tolist(), strict=True))
    k = min(NX_PIVOTS[scale], nodes)
    with Clock() as theirs:
        nx.betweenness_centrality(g, k=k, seed=1)
    del g
    ours_per_pivot, nx_per_pivot = ours_b.cpu / pivots, theirs.cpu / k
    result["betweenness"] = {
        "nodes": nodes,
        "edges": int(first.size),
        "pivots": pivots,
        "ours_s": round(ours_b.wall, 2),
        "ours_cpu_s": round(ours_b.cpu, 2),
        "ours_cpu_per_pivot_s": round(ours_per_pivot, 4),
        "networkx_pivots": k,
        "networkx_cpu_per_pivot_s": round(nx_per_pivot, 4),
        "speedup_per_pivot": round(nx_per_pivot / ours_per_pivot, 1),
    }
    print(
        f"  betweenness, {nodes:,} members and {first.size:,} ties, {pivots} pivots:"
        f" {ours_b.wall:.2f} s, CPU {ours_b.cpu:.2f} s"
    )
    print(
        f"    CPU per pivot: ours {ours_per_pivot * 1000:.1f} ms, networkx {nx_per_pivot * 1000:.0f} ms"
        f" ({k} pivots)   ×{nx_per_pivot / ours_per_pivot:.1f} faster"
    )
    return result


def sampling_error() -> dict[str, Any]:
    """The estimate (with graph.MIN_PIVOTS and graph.PIVOTS pivots) against rustworkx's exact betweenness."""
    members, count = ERROR_GRAPH
    figures = engagement.compute_columns(
        synthetic(members, count, seed=11),
        members,
        reference=REFERENCE,
        weights=engagement.DEFAULT_WEIGHTS,
        half_life_days=90,
    )
    nodes, first, second = members, figures.tie_first, figures.tie_second
    start = time.perf_counter()
    exact = graph.exact(nodes, first, second)
    exact_s = time.perf_counter() - start
    errors: dict[str, Any] = {"nodes": nodes, "edges": int(first.size), "exact_rustworkx_s": round(exact_s, 2)}
    print(f"  sampling error on {nodes:,} members, {first.size:,} ties (exact: rustworkx, {exact_s:.1f} s):")
    for pivots in (graph.MIN_PIVOTS, graph.PIVOTS):
        start = time.perf_counter()
        estimate = graph.sampled(nodes, first, second, pivots=pivots)
        sampled_s = time.perf_counter() - start
        top = max(exact.max(), 1e-12)
        bridges, found = graph.bridges_of(exact), graph.bridges_of(estimate)
        spearman = float(np.corrcoef(np.argsort(np.argsort(-exact)), np.argsort(np.argsort(-estimate)))[0, 1])
        hundred = set(np.argsort(-exact)[:100].tolist()) & set(np.argsort(-estimate)[:100].tolist())
        error = {
            "sampled_s": round(sampled_s, 2),
            "max_abs_error_vs_max": round(float(np.abs(estimate - exact).max() / top), 4),
            "mean_abs_error_vs_max": round(float(np.abs(estimate - exact).mean() / top), 5),
            "top100_overlap": len(hundred),
            "bridges_exact": int(bridges.sum()),
            "bridges_agree": round(float((bridges & found).sum() / max(1, bridges.sum())), 3),
            "spearman": round(spearman, 3),
        }
        errors[f"pivots_{pivots}"] = error
        print(
            f"    {pivots} pivots ({sampled_s:.1f} s): max |error| {error['max_abs_error_vs_max']:.1%} of the"
            f" largest score, mean {error['mean_abs_error_vs_max']:.2%}; top 100 shared {len(hundred)};"
            f" bridges found {error['bridges_agree']:.0%} of {int(bridges.sum())}; Spearman {spearman:.3f}"
        )
    return errors


# --- 3: the database --------------------------------------------------------------------------------


def generate(scale: str) -> dict[str, Any]:
    """Members, identities and messages by INSERT ... SELECT over a generated series (no Python rows)."""
    from django.db import connection

    from animateur.channels.models import Channel
    from animateur.core.actions import SystemActor, do_create_workspace
    from animateur.core.models import Membership, User
    from animateur.members.models import Tag
    from animateur.stream.models import Identity, Member, Message

    members, count = SCALES[scale]
    workspace = do_create_workspace("bench", "Bench", actor=SystemActor("bench"), is_default=True)
    site = Channel.objects.get(workspace=workspace, kind="site")
    forum = Channel.objects.create(workspace=workspace, kind="files", name="forum")
    mastodon = Channel.objects.create(workspace=workspace, kind="mastodon", name="mastodon")
    user = User.objects.create_user("manager@bench.org", "bench password 123")
    Membership.objects.create(user=user, workspace=workspace, role="manager")
    pg = connection.vendor == "postgresql"
    q = connection.ops.quote_name
    started = time.perf_counter()

    def series(n: int) -> str:
        if pg:
            return f"generate_series(0, {n - 1}) AS s(n)"
        return f"(WITH RECURSIVE c(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM c WHERE n < {n - 1}) SELECT n FROM c)"

    rand = "random()" if pg else "((abs(random()) % 1000000000) / 1000000000.0)"
    end = int(REFERENCE.timestamp())
    span = 730 * 86400

    def moment(seconds: str) -> str:
        return f"to_timestamp({seconds})" if pg else f"datetime({seconds}, 'unixepoch')"

    def jsonb(expr: str) -> str:
        return f"({expr})::jsonb" if pg else expr

    def text(expr: str) -> str:
        return f"({expr})::text" if pg else f"CAST({expr} AS TEXT)"

    base = {
        "member": Member.objects.order_by("-id").values_list("id", flat=True).first() or 0,
        "identity": Identity.objects.order_by("-id").values_list("id", flat=True).first() or 0,
        "message": Message.objects.order_by("-id").values_list("id", flat=True).first() or 0,
    }
    mid, iid, msg = base["member"] + 1, base["identity"] + 1, base["message"] + 1
    w = workspace.pk
    channels = f"CASE WHEN n % 3 = 0 THEN {site.pk} WHEN n % 3 = 1 THEN {forum.pk} ELSE {mastodon.pk} END"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(Member._meta.db_table)} (id, workspace_id, display_name, email, first_seen_at,"
            f" last_seen_at, merged_into_id) SELECT {mid} + n, {w}, 'Member ' || {text('n')}, '',"
            f" {moment(str(end - span))}, {moment(str(end))}, NULL FROM {series(members)}"
        )
        cursor.execute(
            f"INSERT INTO {q(Identity._meta.db_table)} (id, workspace_id, channel_id, member_id, origin, external_id,"
            f" handle, display_name, email, url, user_id, created_at) SELECT {iid} + n, {w}, {channels}, {mid} + n,"
            f" 'files', 'u' || {text('n')}, 'user' || {text('n')}, 'Member ' || {text('n')}, '', '', NULL,"
            f" {moment(str(end - span))} FROM {series(members)}"
        )
        print(f"    {members:,} members and identities in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        # Threads of 10 messages: the first a post, the others replies to it or to the one before.
        # Every (count // 10,000)th message is member 0's: the member with 10,000 messages.
        every = count // BUSY_MEMBER_MESSAGES
        author = (
            f"CASE WHEN n % {every} = {every // 2} THEN {iid} "
            f"ELSE {iid} + 1 + CAST(({members} - 1) * {rand} * {rand} * {rand} AS INTEGER) END"
        )
        fields = {
            "id": f"{msg} + n",
            "workspace_id": str(w),
            "channel_id": str(forum.pk),
            "external_id": "'b' || " + text("n"),
            "url": "''",
            "kind": "CASE WHEN n % 10 = 0 THEN 'post' ELSE 'comment' END",
            "author_id": author,
            "parent_id": (
                f"CASE WHEN n % 10 = 0 THEN NULL WHEN n % 2 = 0 THEN {msg} + n - n % 10 ELSE {msg} + n - 1 END"
            ),
            "thread_root_id": f"CASE WHEN n % 10 = 0 THEN NULL ELSE {msg} + n - n % 10 END",
            "title": "''",
            "text": "CASE WHEN n % 17 = 0 THEN 'Merci beaucoup' ELSE 'message ' || " + text("n") + " END",
            "html": "''",
            "language": "CASE WHEN n % 5 = 0 THEN 'en' WHEN n % 11 = 0 THEN '' ELSE 'fr' END",
            "created_at": moment(f"{end - span} + n * {span / count:.6f}"),
            "received_at": moment(f"{end - span} + n * {span / count:.6f}"),
            "edited_at": "NULL",
            "previous_versions": jsonb("'[]'"),
            "visibility": "'visible'",
            "from_organisation": "false" if pg else "0",
            "sent_by_id": "NULL",
            "sentiment": "CASE WHEN n % 23 = 0 THEN 'negative' ELSE '' END",
            "scores": jsonb("'{}'"),
            "raw": jsonb("""CASE WHEN n % 20 = 1 THEN '{"accepted": true}' ELSE '{}' END"""),
            "remote_addr": "NULL",
            "user_agent": "''",
            # The counts read at the source (reactions, shares): none for the generated messages.
            **dict.fromkeys(("reactions", "reaction_count", "share_count", "counts_read_at"), "NULL"),
        }
        present = {f.column for f in Message._meta.concrete_fields}
        missing = present - set(fields)
        assert not missing, f"the bench does not fill {missing}"
        block = 1_000_000
        for start in range(0, count, block):
            size = min(block, count - start)
            columns = ", ".join(q(c) for c in fields)
            values = ", ".join(fields.values())
            cursor.execute(
                f"INSERT INTO {q(Message._meta.db_table)} ({columns}) SELECT {values} FROM"
                f" (SELECT n + {start} AS n FROM {series(size)}) AS g"
            )
            print(
                f"    {start + size:,} messages in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True
            )
        cursor.execute(
            f"INSERT INTO {q(Tag._meta.db_table)} (workspace_id, member_id, name) SELECT {w}, {mid} + n, 'vip'"
            f" FROM {series(members)} WHERE n % 100 = 7"
        )
        if pg:
            for table in (Member, Identity, Message, Tag):
                name = table._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {q(name)}))"
                )
        cursor.execute("ANALYZE")
    return {"generate_s": round(time.perf_counter() - started, 1), "busy_member": mid}


def child(scale: str) -> dict[str, Any]:
    setup_django()
    from django.db import connection, transaction
    from django.test import Client

    from animateur.core.models import User, Workspace
    from animateur.members import recompute
    from animateur.members.models import MembersSettings, Profile
    from animateur.stream.models import Member, Message

    reused = Workspace.objects.filter(slug="bench").exists()
    made = {"generate_s": 0.0, "busy_member": None} if reused else generate(scale)
    workspace = Workspace.objects.get(slug="bench")
    busy = (
        made["busy_member"] or Member.objects.filter(workspace=workspace).order_by("id").values_list("id", flat=True)[0]
    )
    settings = MembersSettings(workspace=workspace)
    timings, cpu = [0.0, 0.0], [0.0, 0.0]
    summary = {"messages": Message.objects.filter(workspace=workspace).count()}
    if os.environ.get("BENCH_MEMBERS_RECOMPUTE", "1") == "1":  # --pages-only: profiles of an earlier run
        timings, cpu = [], []
    for _ in range(2 if not timings else 0):  # the first creates every profile, the second updates them
        with Clock() as clock, transaction.atomic():
            summary = recompute.compute_profiles(workspace, settings)
        timings.append(clock.wall)
        cpu.append(clock.cpu)
    print(
        f"    recompute {timings[0]:.1f} s (CPU here {cpu[0]:.1f} s), again {timings[1]:.1f} s (CPU {cpu[1]:.1f} s)",
        file=sys.stderr,
        flush=True,
    )
    assert Message.objects.filter(author__member_id=busy).count() == BUSY_MEMBER_MESSAGES
    with connection.cursor() as cursor:
        # PostgreSQL: VACUUM too, as autovacuum would after a recompute rewrote every profile (the
        # visibility map lets the list's counts read its indexes alone).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

    client = Client()
    client.force_login(User.objects.get(email="manager@bench.org"))
    rng = random.Random(3)
    ids = list(Message.objects.filter(workspace=workspace).values_list("pk", flat=True)[:5000])
    busy_messages = list(
        Message.objects.filter(author__member_id=busy).order_by("-created_at", "-id").values_list("pk", flat=True)
    )
    channel = workspace.channels.get(name="forum").pk
    repeat = REPEAT[scale]

    def get(url: str) -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    cases = {
        "baseline_pk_fetch": lambda: Message.objects.get(pk=rng.choice(ids)),
        "member_page_10000_messages": lambda: get(f"/app/members/{busy}/"),
        "member_page_older_messages": lambda: get(f"/app/members/{busy}/?before={rng.choice(busy_messages[:9000])}"),
        "list": lambda: get("/app/members/"),
        "list_level_language": lambda: get("/app/members/?level=3&language=en"),
        "list_channel_seen_30d": lambda: get(f"/app/members/?channel={channel}&seen=30"),
        "list_silent_sort_last_seen": lambda: get("/app/members/?seen=-90&sort=last_seen"),
        "list_tag": lambda: get("/app/members/?tag=vip"),
        "list_cohort_slipping": lambda: get("/app/members/?cohort=slipping"),
        "list_search_name": lambda: get(f"/app/members/?q=user{rng.randrange(1000, 9999)}"),
        "list_page_20": lambda: get("/app/members/?level=4&page=20"),
    }
    results = time_cases(cases, repeat)
    return {
        "vendor": connection.vendor,
        "members": Member.objects.filter(workspace=workspace).count(),
        "messages": summary["messages"],
        "profiles": Profile.objects.filter(workspace=workspace).count(),
        "generate_s": made["generate_s"],
        "recompute_s": round(timings[0], 1),
        "recompute_again_s": round(timings[1], 1),
        # This process's CPU: all of it on SQLite; on PostgreSQL the server's is not counted.
        "recompute_cpu_s": round(cpu[0], 1),
        "recompute_again_cpu_s": round(cpu[1], 1),
        "reused": reused,
        "load": os.getloadavg()[0],
        "results": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument("--databases", default="sqlite,postgres", help="comma-separated; empty for none")
    parser.add_argument("--skip-computation", action="store_true")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="keep and reuse the generated databases")
    parser.add_argument("--pages-only", action="store_true", help="with --reuse: no recompute, pages only")
    args = parser.parse_args()
    if args.pages_only:
        os.environ["BENCH_MEMBERS_RECOMPUTE"] = "0"
    if args.child:
        print(json.dumps(child(args.scale)))
        return
    figures: dict[str, Any] = {"bench": "members", "scale": args.scale, "load_start": os.getloadavg()[0]}
    if not args.skip_computation:
        figures["computation"] = computation(args.scale)
        figures["sampling_error"] = sampling_error()
    figures.update(
        run_databases(
            __file__,
            "members",
            args.scale,
            [d for d in args.databases.split(",") if d],
            reuse=args.reuse,
            pg_url=PG_URL,
            describe=lambda database, result: (
                f"{database}: {result['members']:,} members, {result['messages']:,} messages (generated in"
                f" {result['generate_s']} s); recompute {result['recompute_s']} s (CPU {result['recompute_cpu_s']} s),"
                f" again {result['recompute_again_s']} s (CPU {result['recompute_again_cpu_s']} s)"
                f" (load {result['load']:.1f})"
            ),
        )
    )
    figures["load_end"] = os.getloadavg()[0]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
