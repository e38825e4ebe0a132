"""Publishing benchmark: the calendar's month view with many scheduled publications, on SQLite.

    python bench/publishing.py [--scale small|full]

Small: 1,000 publications scheduled in one month (the issue's number), each to one to three channels
(the blog, Mastodon, Bluesky); full: 10,000 in the month. Runs in a fresh data folder; every page is
fetched through Django's test client as a logged-in manager. Timed: the month view holding them, the
week view and the list view of the same days; the baseline, in the same run, is the month view of an
empty month (the page's own cost: session, permission, template, navigation). Target (issue 17):
month view p95 ≤ 200 ms at 1,000. Ends with one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta

SCALES = {"small": 1_000, "full": 10_000}
REPEAT = {"small": 30, "full": 30}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=SCALES, default="small")
    args = parser.parse_args()
    total = SCALES[args.scale]
    os.environ["ANIMATEUR_DATA_DIR"] = tempfile.mkdtemp(prefix="animateur-bench-publishing-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "animateur.config.settings")
    os.environ["ANIMATEUR_TESTING"] = "1"  # plain static storage: no collectstatic manifest needed
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    from animateur.channels.models import Channel
    from animateur.channels.site import site_channel
    from animateur.core.actions import SystemActor, do_add_member, do_create_workspace
    from animateur.core.models import User
    from animateur.core.roles import Role
    from animateur.publishing.models import Publication, PublicationState, PublicationTarget
    from animateur.publishing.selectors import workspace_tz

    system = SystemActor("bench")
    workspace = do_create_workspace("bench", "Bench", actor=system)
    manager = User.objects.create_user("manager@example.org", "correct horse battery")
    do_add_member(workspace, manager, Role.MANAGER, actor=system)
    channels = [
        site_channel(workspace),
        Channel.objects.create(workspace=workspace, kind="mastodon", name="@acme", config={"max_characters": 500}),
        Channel.objects.create(workspace=workspace, kind="bluesky", name="@acme.bsky.social", config={}),
    ]
    tz = workspace_tz(workspace)
    month = (date.today().replace(day=1) + timedelta(days=40)).replace(day=1)  # next month: all in the future
    rng = random.Random(17)
    states = [PublicationState.SCHEDULED] * 6 + [PublicationState.DRAFT, PublicationState.AWAITING_APPROVAL]
    started = time.perf_counter()
    publications = Publication.objects.bulk_create(
        [
            Publication(
                workspace=workspace,
                text=f"Publication {n} : le programme de la semaine, les horaires et une question pour vous ?",
                state=rng.choice(states),
                scheduled_at=datetime.combine(month + timedelta(days=rng.randrange(28)), datetime.min.time(), tzinfo=tz)
                + timedelta(minutes=rng.randrange(8 * 60, 20 * 60)),
            )
            for n in range(total)
        ],
        batch_size=2_000,
    )
    PublicationTarget.objects.bulk_create(
        [
            PublicationTarget(publication=p, channel=c)
            for p in publications
            for c in rng.sample(channels, rng.randint(1, 3))
        ],
        batch_size=5_000,
    )
    load_seconds = time.perf_counter() - started
    client = Client()
    client.force_login(manager)
    empty = (month - timedelta(days=200)).replace(day=1)

    def measure(url: str) -> list[float]:
        response = client.get(url)  # warm, and check
        assert response.status_code == 200, (url, response.status_code)
        times = []
        for _ in range(REPEAT[args.scale]):
            start = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        return times

    shown = client.get(f"/app/publishing/calendar/?view=month&date={month:%Y-%m-%d}").content.count(
        b"data-publication="
    )
    runs = {
        "baseline: empty month": measure(f"/app/publishing/calendar/?view=month&date={empty:%Y-%m-%d}"),
        f"month view, {total} publications": measure(f"/app/publishing/calendar/?view=month&date={month:%Y-%m-%d}"),
        "week view": measure(f"/app/publishing/calendar/?view=week&date={month + timedelta(days=8):%Y-%m-%d}"),
        "list view (30 days)": measure(f"/app/publishing/calendar/?view=list&date={month:%Y-%m-%d}"),
    }
    base = statistics.median(next(iter(runs.values())))
    print(
        f"publishing calendar, {args.scale} scale: {total} publications in {month:%B %Y} ({load_seconds:.1f} s to load)"
    )
    print(f"the month view shows {shown} of them")
    print(f"{'page':<40} {'p50 ms':>8} {'p95 ms':>8} {'x baseline':>11}")
    figures: dict[str, object] = {"bench": "publishing", "scale": args.scale, "publications": total, "shown": shown}
    for name, times in runs.items():
        p50, p95 = statistics.median(times), percentile(times, 95)
        print(f"{name:<40} {p50:8.1f} {p95:8.1f} {p50 / base:11.2f}")
        key = name.split(",")[0].split(":")[0].split(" (")[0].replace(" ", "_")
        figures[f"{key}_p50_ms"] = round(p50, 1)
        figures[f"{key}_p95_ms"] = round(p95, 1)
    month_p95 = figures["month_view_p95_ms"]
    print(
        f"target: month view p95 ≤ 200 ms: {'met' if isinstance(month_p95, float) and month_p95 <= 200 else 'NOT met'}"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
