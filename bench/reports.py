"""Reports benchmark: a year's report and the « Aujourd'hui » page's figures, on SQLite.

    python bench/reports.py [--scale small|full]

Full scale: 1,000,000 messages over a year by 20,000 members, a fifth of them opening a
conversation and half of those answered (the issue's numbers); a tenth matched by the organisation's
saved search and a twentieth by a competitor's, one in twenty a reply under one of 500 posts
published on Mastodon; small: 20,000 (under a minute). The home page's objectives include one
narrowed to a channel, counted live over its 30 days (the day rows are the whole workspace's).
Runs in a fresh data folder. Times `build` (every KPI of the report for the year and the year
before, and the messages per day) and `attention` plus every objective's progress (the home
page's work), once the closed days are counted (the first report's time is printed apart); the baseline,
report must do. Targets: report p95 ≤ 1 s, home p95 ≤ 200 ms. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta

SCALES = {"small": 20_000, "full": 1_000_000}
REPEAT = {"small": 7, "full": 15}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def timed(fn, repeat: int) -> list[float]:  # noqa: ANN001
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument("--messages", type=int, help="another number of messages, at the scale's repeats")
    parser.add_argument("--reuse", metavar="DIR", help="measure again on the data folder of an earlier run")
    args = parser.parse_args()
    total = args.messages or SCALES[args.scale]
    os.environ["ANIMATEUR_DATA_DIR"] = args.reuse or tempfile.mkdtemp(prefix="animateur-bench-reports-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "animateur.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from animateur.channels.site import site_channel
    from animateur.core.actions import SystemActor, do_create_workspace
    from animateur.core.models import User
    from animateur.core.roles import Role
    from animateur.inbox.models import Conversation, FirstResponse
    from animateur.reports.actions import do_create_objective
    from animateur.reports.objectives import progress_of
    from animateur.reports.periods import last_days
    from animateur.reports.report import build
    from animateur.reports.today import attention
    from animateur.stream.models import Identity, Member, Message

    if args.reuse:  # the database of an earlier run: its closed days are already counted
        from animateur.core.models import Workspace

        workspace = Workspace.objects.get(slug="bench")
        owner = User.objects.get(email="owner@example.org")
        total = Message.objects.filter(workspace=workspace, from_organisation=False).count()
        setup_s = 0.0
    else:
        system = SystemActor("bench")
        workspace = do_create_workspace("bench", "Bench", actor=system)
        channel = site_channel(workspace)
        owner = User.objects.create_user("owner@example.org", "correct horse battery")
        from animateur.core.actions import do_add_member

        do_add_member(workspace, owner, Role.OWNER, actor=system)
        rng = random.Random(7)
        now = timezone.now()
        started = time.perf_counter()
        people = max(100, total // 50)
        members = Member.objects.bulk_create(Member(workspace=workspace, display_name=f"m{i}") for i in range(people))
        identities = Identity.objects.bulk_create(
            Identity(workspace=workspace, channel=channel, external_id=f"p{i}", display_name=f"m{i}", member=m)
            for i, m in enumerate(members)
        )
        from animateur.channels.models import Channel
        from animateur.listening.models import SavedSearch, SearchMatch, SearchRole
        from animateur.publishing.models import Publication, PublicationState, PublicationTarget, TargetState

        social = Channel.objects.create(workspace=workspace, kind="mastodon", name="Mastodon", config={})
        published_at = [now - timedelta(seconds=rng.randrange(365 * 86400)) for _ in range(500)]
        stored_posts = Message.objects.bulk_create(
            Message(
                workspace=workspace, channel=social, external_id=f"post{p}", kind="post", text="news",
                from_organisation=True, created_at=at, raw={"account": {"followers_count": 1000 + p}},
            )
            for p, at in enumerate(published_at)
        )  # fmt: skip
        publications = Publication.objects.bulk_create(
            Publication(workspace=workspace, text="news", state=PublicationState.PUBLISHED) for _ in published_at
        )
        PublicationTarget.objects.bulk_create(
            PublicationTarget(
                publication=pub, channel=social, state=TargetState.SENT, message=post, sent_at=post.created_at
            )
            for pub, post in zip(publications, stored_posts, strict=True)
        )
        posts = [(post.pk, post.created_at) for post in stored_posts]
        ours = SavedSearch.objects.create(workspace=workspace, name="Bench", query="bench", role=SearchRole.OWN)
        theirs = SavedSearch.objects.create(
            workspace=workspace, name="Rival", query="rival", role=SearchRole.COMPETITOR
        )
        sentiments = ["positive", "neutral", "negative", ""]
        batch: list[Message] = []

        def store(batch: list[Message]) -> None:
            Message.objects.bulk_create(batch)
            matches = [SearchMatch(search=ours, message=m, created_at=m.created_at) for m in batch if m.pk % 10 == 0]
            matches += [SearchMatch(search=theirs, message=m, created_at=m.created_at) for m in batch if m.pk % 20 == 3]
            SearchMatch.objects.bulk_create(matches)

        for n in range(total):
            root, root_at = posts[rng.randrange(len(posts))] if n % 20 == 7 else (None, None)
            created = now - timedelta(seconds=rng.randrange(365 * 86400))
            batch.append(
                Message(
                    workspace=workspace,
                    channel=social if root else channel,
                    external_id=f"b{n}",
                    text="x",
                    author=identities[rng.randrange(people)],
                    created_at=max(created, root_at) if root_at else created,
                    sentiment=sentiments[n % 4],
                    thread_root_id=root,
                )
            )
            if len(batch) == 20_000:
                store(batch)
                batch = []
                if (n + 1) % 200_000 == 0:
                    print(
                        f"{n + 1:,} messages stored ({time.perf_counter() - started:.0f} s)",
                        file=sys.stderr,
                        flush=True,
                    )
        store(batch)
        roots = list(
            Message.objects.filter(workspace=workspace, from_organisation=False)
            .order_by("pk")
            .values_list("pk", "created_at")[::5]
        )
        conversations = Conversation.objects.bulk_create(
            [
                Conversation(
                    workspace=workspace, root_id=pk, channel=channel, channel_kind="site", started_at=at,
                    last_message_at=at, last_inbound_at=at,
                    first_response_at=at + timedelta(minutes=30) if i % 2 else None,
                )
                for i, (pk, at) in enumerate(roots)
            ],
            batch_size=5_000,
        )  # fmt: skip
        FirstResponse.objects.bulk_create(
            [
                FirstResponse(
                    workspace=workspace, conversation=c,
                    data={"seconds": 1800.0 * (1 + i % 7), "business_seconds": 1500.0 * (1 + i % 7),
                          "in_hours": bool(i % 3), "within_target": bool(i % 4), "elsewhere": False},
                    recorded_at=c.first_response_at,
                )
                for i, c in enumerate(conversations) if c.first_response_at
            ],
            batch_size=5_000,
        )  # fmt: skip
        from animateur.reports.actions import ObjectiveScope

        for kpi, target in (("share_answered", 0.9), ("active_members", 100), ("first_response_p90", 7200)):
            do_create_objective(workspace, kpi, kpi, "at_least", target, 30, actor=owner)
        do_create_objective(
            workspace, "site", "volume", "at_least", 1000, 30, actor=owner, scope=ObjectiveScope([channel])
        )
        do_create_objective(workspace, "voice", "share_of_voice", "at_least", 0.3, 30, actor=owner)
        setup_s = time.perf_counter() - started

    year = last_days(workspace, 365)
    repeat = REPEAT[args.scale]
    baseline = timed(lambda: Message.objects.filter(workspace=workspace, created_at__gte=year.start).count(), repeat)
    # The first report counts every closed day once (reports.DayFigures); the next ones read them
    # (with --reuse, they were counted by the earlier run).
    cold = timed(lambda: build(workspace, year, now=timezone.now()), 1)[0]
    report = timed(lambda: build(workspace, year, now=timezone.now()), repeat)

    def home() -> None:
        attention(workspace, owner)
        progress_of(workspace.objectives.all())

    home()  # the first call loads the URL configuration that its links are reversed from
    home_ms = timed(home, repeat)
    from animateur.reports.kpis import KPIS

    per_kpi = {}
    for key, kpi in KPIS.items():  # each KPI alone over the year, its closed days already counted
        per_kpi[key] = max(timed(lambda kpi=kpi: kpi.compute(workspace, year), 3))
    slowest = max(per_kpi, key=lambda k: per_kpi[k])
    figures = {
        "scale": args.scale,
        "messages": total,
        "setup_s": round(setup_s, 1),
        "baseline_count_p95_ms": round(percentile(baseline, 95), 1),
        "report_first_ms": round(cold, 1),
        "report_p50_ms": round(statistics.median(report), 1),
        "report_p95_ms": round(percentile(report, 95), 1),
        "home_p95_ms": round(percentile(home_ms, 95), 1),
        "load_average": round(os.getloadavg()[0], 1),
        "slowest_kpi": slowest,
        "slowest_kpi_ms": round(per_kpi[slowest], 1),
    }
    figures["report_to_baseline"] = round(figures["report_p95_ms"] / max(figures["baseline_count_p95_ms"], 0.1), 1)
    print(f"{total:,} messages over a year (set up in {setup_s:.0f} s)", file=sys.stderr)
    print(f"baseline (count the year's messages) p95: {figures['baseline_count_p95_ms']} ms", file=sys.stderr)
    print(
        f"a year's report p50 {figures['report_p50_ms']} ms, p95 {figures['report_p95_ms']} ms "
        f"({figures['report_to_baseline']}x the baseline; target 1000 ms)",
        file=sys.stderr,
    )
    print(f"the first report, counting every closed day once: {figures['report_first_ms']} ms", file=sys.stderr)
    print(f"home page figures p95 {figures['home_p95_ms']} ms (target 200 ms)", file=sys.stderr)
    for key, ms in sorted(per_kpi.items(), key=lambda kv: -kv[1]):
        print(f"  {key}: {ms:.1f} ms over the year (slowest of 3)", file=sys.stderr)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
