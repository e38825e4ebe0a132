"""How fast the production server serves the public space, against a static file it serves too.

Builds a throw-away data folder (SQLite, the embedded mode), loads the demo workspace and
adds generated posts and comments, then starts `animateur run` (gunicorn, 2 gthread workers,
the anonymous page cache on, the task consumer in one worker: what users run) and measures,
at 50 concurrent keep-alive connections, requests per second and p50/p99 latency of:

- the home page (cached: what anonymous visitors get),
- the home page with a query string never seen before (each request misses the page cache),
- the most commented post's page (cached),
- the home page's HTML as a static file served by the same server (WhiteNoise): the baseline.

Then it prints each figure with its ratio to the baseline, and one final JSON line.
Target: home page at 0.5 or more of the static file's rate, and its p99 under 50 ms.

    python bench/space.py --scale small     # 1,000 posts, 10,000 comments; under a minute
    python bench/space.py --scale large     # 10,000 posts, 100,000 comments

The load generator is `wrk` when installed (`make bench` installs it on Debian), otherwise
a Python asyncio client, which is slower than the server on few cores: its ratios are then
lower bounds, and the output says which one was used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Django is set up in build_data(): the models are imported when the functions run.
    from animateur.core.models import Workspace

SCALES = {
    "small": {"posts": 1_000, "comments": 10_000, "seconds": 2},
    "large": {"posts": 10_000, "comments": 100_000, "seconds": 5},
}
ROUNDS = 3
CONNECTIONS = 50
STATIC_NAME = "bench/home.html"
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Figures:
    name: str
    url: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


# --- the data ------------------------------------------------------------------------------------


def build_data(data_dir: Path, posts: int, comments: int) -> dict[str, str]:
    """The demo plus generated posts and comments; returns the paths to measure."""
    os.environ["ANIMATEUR_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "animateur.config.settings")
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    # Pages name their static files by hashed names, read from the collected manifest.
    call_command("collectstatic", verbosity=0, interactive=False)
    workspace = load_workspace()
    started = time.monotonic()
    generate(workspace, posts, comments)
    print(f"generated {posts:,} posts and {comments:,} comments in {time.monotonic() - started:.1f} s")
    return pages_to_measure(workspace, data_dir)


def load_workspace() -> Workspace:
    from animateur.core.actions import SystemActor, do_create_workspace
    from animateur.core.models import Workspace

    try:
        from animateur.space.demo import load_demo
    except ImportError:
        print("the demo is not available: generated content only")
        return do_create_workspace(
            "bench", "Bench", language="fr", actor=SystemActor("bench"), is_default=True
        )
    load_demo(actor=SystemActor("bench"))
    return Workspace.objects.get(is_default=True)


BODY = (
    "Animer une communauté, c'est d'abord **écouter** : ce que disent les membres, ce qu'ils attendent, "
    "et ce qu'ils ne disent pas.\n\n<!--more-->\n\n"
    + "\n\n".join(
        f"Paragraphe {n} : la modération, la réponse à temps et la reconnaissance des ambassadeurs "
        "font vivre l'espace. [Lire la charte](https://example.org/charte)."
        for n in range(1, 7)
    )
)


def generate(workspace: Workspace, posts: int, comments: int) -> None:
    """Bulk inserts, as an import would leave them: rendered posts, their messages, comments."""
    from django.db import transaction
    from django.utils import timezone

    from animateur.channels.site import site_channel
    from animateur.space.models import Author, Post, PostStatus
    from animateur.space.threads import post_external_id
    from animateur.stream.models import Identity, Kind, Member, Message, Visibility

    rng = random.Random(42)
    now = timezone.now()
    channel = site_channel(workspace)
    with transaction.atomic():
        author, _ = Author.objects.get_or_create(
            workspace=workspace, login="bench", defaults={"slug": "bench", "display_name": "Équipe bench"}
        )
        template = Post(workspace=workspace, body=BODY, body_format="markdown")
        template.render()  # Same body for every post: render it once.
        rendered = {
            field: getattr(template, field)
            for field in ("body_html", "teaser_html", "has_more", "more_label", "search_text")
        }
        made = Post.objects.bulk_create(
            [
                Post(
                    workspace=workspace,
                    title=f"Billet de test numéro {n}",
                    slug=f"billet-de-test-{n}",
                    author=author,
                    body=BODY,
                    status=PostStatus.PUBLISHED,
                    published_at=now - timedelta(hours=n * 7, minutes=rng.randint(0, 59)),
                    **rendered,
                )
                for n in range(1, posts + 1)
            ],
            batch_size=1000,
        )
        messages = Message.objects.bulk_create(
            [
                Message(
                    workspace=workspace,
                    channel=channel,
                    external_id=post_external_id(post.pk),
                    kind=Kind.POST,
                    title=post.title,
                    text=post.search_text,
                    created_at=post.published_at or now,  # every generated post has one
                    visibility=Visibility.VISIBLE,
                    from_organisation=True,
                )
                for post in made
            ],
            batch_size=1000,
        )
        for post, message in zip(made, messages, strict=True):
            message.thread_root_id = message.pk
            post.message_id = message.pk
        Message.objects.bulk_update(messages, ["thread_root"], batch_size=1000)

        members = Member.objects.bulk_create(
            [Member(workspace=workspace, display_name=f"Membre {n}") for n in range(500)]
        )
        identities = Identity.objects.bulk_create(
            [
                Identity(
                    workspace=workspace,
                    channel=channel,
                    member=member,
                    origin="site",
                    external_id=f"bench:{member.pk}",
                    display_name=member.display_name,
                )
                for member in members
            ]
        )
        # Recent posts get most comments, as on a live blog.
        weights = [1.0 / (1 + rank / 20) for rank in range(len(made))]
        targets = rng.choices(range(len(made)), weights=weights, k=comments)
        counts = [0] * len(made)
        batch: list[Message] = []
        for n, index in enumerate(targets):
            counts[index] += 1
            post_message = messages[index]
            batch.append(
                Message(
                    workspace=workspace,
                    channel=channel,
                    external_id=f"bench:comment:{n}",
                    kind=Kind.COMMENT,
                    author=identities[n % len(identities)],
                    parent_id=post_message.pk,
                    thread_root_id=post_message.pk,
                    text=f"Merci pour ce billet, commentaire {n}.",
                    html=f"<p>Merci pour ce billet, commentaire {n}.</p>",
                    created_at=post_message.created_at + timedelta(minutes=1 + n % 600),
                    visibility=Visibility.VISIBLE,
                )
            )
            if len(batch) >= 5000:
                Message.objects.bulk_create(batch)
                batch = []
        Message.objects.bulk_create(batch)
        for post, count in zip(made, counts, strict=True):
            post.comment_count = count
        Post.objects.bulk_update(made, ["message", "comment_count"], batch_size=1000)
    workspace.bump_content_version()


def pages_to_measure(workspace: Workspace, data_dir: Path) -> dict[str, str]:
    """The home page, the most commented post, and the home page's HTML written as a static file."""
    from django.db import connections
    from django.test import Client
    from django.utils import timezone

    from animateur.space.models import Post, PostStatus
    from animateur.space.selectors import post_url

    post = (
        Post.objects.filter(workspace=workspace, type="post", status=PostStatus.PUBLISHED)
        .order_by("-comment_count")
        .first()
    )
    assert post is not None
    with timezone.override(workspace.timezone):
        post_path = post_url(post)
    response = Client().get("/")
    assert response.status_code == 200, response.status_code
    static_file = data_dir / "static" / STATIC_NAME
    static_file.parent.mkdir(parents=True, exist_ok=True)
    static_file.write_bytes(response.content)
    print(
        f"home page: {len(response.content):,} bytes; post page: {post_path} ({post.comment_count} comments)"
    )
    connections.close_all()
    return {"home": "/", "post": post_path, "static": f"/static/{STATIC_NAME}"}


# --- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(data_dir: Path, port: int, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        {
            "ANIMATEUR_DATA_DIR": str(data_dir),
            "ANIMATEUR_WEB_WORKERS": "2",
            "ANIMATEUR_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(REPO / "src"),
        }
    )
    env.pop("ANIMATEUR_PAGE_CACHE_SECONDS", None)  # caching on, as shipped
    with open(log, "wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "animateur.cli", "run", "--no-demo", "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(
                f"the server exited with {server.returncode}:\n{log.read_text(errors='replace')}"
            )
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    server.kill()
    raise SystemExit("the server did not answer within 120 s")


# --- the load generators -------------------------------------------------------------------------

WRK_FRESH_QUERY = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", wrk.path .. "?fresh=" .. math.random(1, 1000000000) .. "-" .. counter)
end
"""


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if not match:
        return float("nan")
    number, unit = float(match[1]), match[2]
    return number * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def _figure(pattern: str, output: str) -> str:
    """A figure wrk printed; one it did not print stops the bench naming it."""
    found = re.search(pattern, output)
    if found is None:
        raise RuntimeError(f"wrk printed no {pattern!r}")
    return found[1]


def run_wrk(name: str, url: str, seconds: int, fresh: bool, script_dir: Path) -> Figures:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if fresh:
        script = script_dir / "fresh.lua"
        script.write_text(WRK_FRESH_QUERY)
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(_figure(r"Requests/sec:\s+([\d.]+)", output))
    p50 = _ms(_figure(r"\s50%\s+(\S+)", output))
    p99 = _ms(_figure(r"\s99%\s+(\S+)", output))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors += sum(int(n) for n in re.findall(r"Socket errors: .*?(\d+)", output))
    return Figures(name, url, rate, p50, p99, errors)


async def _client(
    host: str, port: int, path: str, fresh: bool, stop_at: float, latencies: list[float]
) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    errors = 0
    try:
        while time.perf_counter() < stop_at:
            target = f"{path}?fresh={random.getrandbits(48)}" if fresh else path
            started = time.perf_counter()
            writer.write(f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            found = re.search(rb"(?i)content-length:\s*(\d+)", head)
            if found is None:
                raise ConnectionError("a response without Content-Length")
            length = int(found[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not head.startswith((b"HTTP/1.1 2", b"HTTP/1.1 3")):
                errors += 1
    finally:
        writer.close()
    return errors


def run_python(name: str, url: str, seconds: int, fresh: bool) -> Figures:
    match = re.match(r"http://([^:/]+):(\d+)(/.*)", url)
    assert match
    host, port, path = match[1], int(match[2]), match[3]
    latencies: list[float] = []

    async def main() -> int:
        stop_at = time.perf_counter() + seconds
        results = await asyncio.gather(
            *(_client(host, port, path, fresh, stop_at, latencies) for _ in range(CONNECTIONS))
        )
        return sum(results)

    started = time.perf_counter()
    errors = asyncio.run(main())
    elapsed = time.perf_counter() - started
    latencies.sort()

    def percentile(q: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")
        )

    return Figures(name, url, len(latencies) / elapsed, percentile(0.50), percentile(0.99), errors)


def combine(rounds: list[Figures]) -> Figures:
    """Mean rate and median latencies over the rounds of one page."""
    first = rounds[0]
    middle = len(rounds) // 2
    return Figures(
        first.name,
        first.url,
        sum(f.requests_per_second for f in rounds) / len(rounds),
        sorted(f.p50_ms for f in rounds)[middle],
        sorted(f.p99_ms for f in rounds)[middle],
        sum(f.errors for f in rounds),
    )


# --- the run -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--seconds", type=int, help=f"length of each of the {ROUNDS} rounds of a measurement")
    parser.add_argument(
        "--python-client", action="store_true", help="use the Python client even if wrk exists"
    )
    args = parser.parse_args()
    scale = SCALES[args.scale]
    seconds = args.seconds or scale["seconds"]
    use_wrk = shutil.which("wrk") is not None and not args.python_client
    generator = "wrk" if use_wrk else "python-asyncio"

    with tempfile.TemporaryDirectory(prefix="animateur-bench-") as tmp:
        data_dir = Path(tmp) / "var"
        data_dir.mkdir()
        paths = build_data(data_dir, scale["posts"], scale["comments"])
        port = free_port()
        server = start_server(data_dir, port, Path(tmp) / "server.log")
        base = f"http://127.0.0.1:{port}"
        try:
            plan = [
                ("static file", paths["static"], False),
                ("home (cached)", paths["home"], False),
                ("home (cache miss)", paths["home"], True),
                ("post (cached)", paths["post"], False),
            ]
            for _name, path, _fresh in plan:
                # Each worker has its own in-memory cache: warm both before measuring.
                for _ in range(20):
                    urllib.request.urlopen(base + path, timeout=10).read()
            # Interleaved rounds, so that a change in the machine's load weighs on every page alike.
            rounds: dict[str, list[Figures]] = {name: [] for name, _, _ in plan}
            for _round in range(ROUNDS):
                for name, path, fresh in plan:
                    if use_wrk:
                        figures = run_wrk(name, base + path, seconds, fresh, Path(tmp))
                    else:
                        figures = run_python(name, base + path, seconds, fresh)
                    rounds[name].append(figures)
            results = [combine(rounds[name]) for name, _, _ in plan]
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()

    baseline = results[0].requests_per_second
    print(
        f"\n{args.scale} scale: {scale['posts']:,} posts, {scale['comments']:,} comments; "
        f"gunicorn 2 gthread workers; {CONNECTIONS} connections, {ROUNDS} interleaved rounds of {seconds} s; "
        f"load from {generator}"
    )
    print(f"{'':20} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'vs static':>10} {'errors':>7}")
    for figures in results:
        ratio = figures.requests_per_second / baseline if baseline else 0.0
        print(
            f"{figures.name:20} {figures.requests_per_second:10.0f} {figures.p50_ms:8.1f} "
            f"{figures.p99_ms:8.1f} {ratio:10.2f} {figures.errors:7d}"
        )
    home = results[1]
    home_ratio = home.requests_per_second / baseline if baseline else 0.0
    meets = home_ratio >= 0.5 and home.p99_ms < 50
    print(
        f"target (home >= 0.5 x static, p99 < 50 ms): {'met' if meets else 'NOT met'} "
        f"(ratio {home_ratio:.2f}, p99 {home.p99_ms:.1f} ms)"
    )
    print(
        json.dumps(
            {
                "bench": "space",
                "scale": args.scale,
                "posts": scale["posts"],
                "comments": scale["comments"],
                "connections": CONNECTIONS,
                "seconds": seconds,
                "rounds": ROUNDS,
                "load_generator": generator,
                "results": [
                    asdict(f) | {"ratio_to_static": round(f.requests_per_second / baseline, 3)}
                    for f in results
                ],
                "home_ratio_to_static": round(home_ratio, 3),
                "target_met": meets,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
