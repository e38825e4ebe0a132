"""Time to compute a member's trust statistics, by the member's number of messages.

    python bench/trust.py [--scale small|full] [--postgres URL]

For each database (SQLite in a temporary folder; PostgreSQL when reachable, in a database of its
own dropped afterwards), members with 10 to 5,000 visible messages (20,000 at full scale) spread
over two years. Each member's statistics are computed by `moderation.trust.member_stats` and, as
the baseline in the same run, by member_stats's queries as they were, counting days with Django's
TruncDate (on SQLite that calls Python for every message). Both must agree; prints
milliseconds and their ratio; the last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

SIZES = {"small": (10, 1000, 5000), "full": (10, 1000, 5000, 20000)}


def run_one(db_label: str, scale: str) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "animateur.config.settings")
    django.setup()
    from datetime import UTC, datetime, timedelta

    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, F, Q
    from django.db.models.functions import TruncDate

    from animateur.channels.models import Channel
    from animateur.core.actions import SystemActor, do_create_workspace
    from animateur.moderation.models import Flag
    from animateur.moderation.trust import member_stats
    from animateur.stream.models import Identity, Member, Message, Visibility

    call_command("migrate", verbosity=0)
    workspace = do_create_workspace("bench", "Bench", actor=SystemActor("bench"))
    channel = Channel.objects.create(workspace=workspace, kind="files", name="bench")
    rng = random.Random(1)
    start = datetime(2024, 1, 1, tzinfo=UTC)

    def baseline_days(member_id: int) -> int:
        """member_stats as it was: the same two queries, days counted with TruncDate."""
        visible = Q(visibility=Visibility.VISIBLE)
        rows = list(
            Message.objects.alias(in_workspace=F("workspace_id") + 0)
            .filter(
                in_workspace=workspace.pk, author__in=Identity.objects.filter(member_id__in=[member_id]).values("pk")
            )
            .filter(from_organisation=False)
            .values("author__member_id")
            .annotate(
                approved=Count("id", filter=visible),
                rejected=Count("id", filter=Q(visibility__in=[Visibility.HIDDEN, Visibility.SPAM, Visibility.TRASH])),
                days=Count(TruncDate("created_at"), distinct=True, filter=visible),
            )
        )
        dict(
            Flag.objects.filter(
                workspace_id=workspace.pk, flagged_member_id__in=[member_id], outcome=Flag.Outcome.UPHELD
            )
            .values("flagged_member_id")
            .annotate(n=Count("message", distinct=True))
            .values_list("flagged_member_id", "n")
        )
        return rows[0]["days"] if rows else 0

    def best_of(fn, runs: int = 5) -> float:  # noqa: ANN001
        best = float("inf")
        for _ in range(runs):
            began = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - began)
        return best

    results = []
    for size in SIZES[scale]:
        member = Member.objects.create(workspace=workspace, display_name=f"member of {size}")
        identity = Identity.objects.create(
            workspace=workspace, channel=channel, member=member, origin="files", external_id=f"author-{size}"
        )
        Message.objects.bulk_create(
            [
                Message(
                    workspace=workspace,
                    channel=channel,
                    external_id=f"{size}-{n}",
                    text="Bonjour",
                    created_at=start + timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60)),
                    author=identity,
                )
                for n in range(size)
            ],
            batch_size=1000,
        )
        days = member_stats(workspace.pk, [member.pk])[member.pk].days_active
        if days != baseline_days(member.pk):
            raise SystemExit(f"{db_label}: {days} days against {baseline_days(member.pk)} for the baseline")
        now = best_of(lambda member=member: member_stats(workspace.pk, [member.pk]))
        before = best_of(lambda member=member: baseline_days(member.pk))
        results.append(
            {"messages": size, "days": days, "ms": round(now * 1000, 2), "baseline_ms": round(before * 1000, 2)}
        )
    return {"db": db_label, "vendor": connection.vendor, "members": results}


def child(db_label: str, url: str | None, scale: str) -> dict | None:
    sys.path.insert(0, os.path.dirname(__file__))
    from pipeline import run_child

    return run_child(__file__, db_label, url, ["--child", db_label, "--scale", scale])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=sorted(SIZES), default="small")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child, args.scale)))
        return
    sys.path.insert(0, os.path.dirname(__file__))
    from pipeline import postgres_database

    results = []
    sqlite = child("sqlite", None, args.scale)
    if sqlite:
        results.append(sqlite)
    pg = postgres_database(args.postgres)
    if pg:
        url, drop = pg
        try:
            result = child("postgresql", url, args.scale)
            if result:
                results.append(result)
        finally:
            drop()
    for r in results:
        for m in r["members"]:
            print(
                f"{r['db']:>10}: {m['messages']:>6} messages ({m['days']} days): member_stats {m['ms']:.2f} ms,"
                f" with TruncDate {m['baseline_ms']:.2f} ms, ratio {m['baseline_ms'] / m['ms']:.1f}"
            )
    print(json.dumps({"bench": "trust", "scale": args.scale, "results": results}))


if __name__ == "__main__":
    main()
