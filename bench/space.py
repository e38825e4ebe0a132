"""How fast and in how much memory the production server serves the public space, against nginx.

Builds a throw-away data folder (SQLite, the embedded mode), loads the demo workspace and
adds generated posts (filed in categories and tags) and comments, then starts `animateur run`
as shipped (granian, its default workers, the anonymous page cache on, the task consumer in a
worker) and nginx serving the home page's bytes from a file, and measures at 50 concurrent
keep-alive connections, the contenders alternating round after round so that the machine's
changing load weighs on every one alike:

- nginx serving the home page's HTML and the post's from files: the baselines, each page compared with its own bytes,
- the home page and a post with about 100 comments, cached (what anonymous visitors get),
- the same two pages each request missing the page cache (a query string never seen before,
  of a parameter the pages read),
- the home page missing the cache while the site's content version is bumped 10 times a second,
  as comments arriving on a busy site do.

It prints each figure with its ratio to nginx, and the memory (RSS and PSS, every process) of
`animateur run` at rest and after the load, against nginx's and against the WordPress stack
measured for issue 20 (WordPress, PHP-FPM, MariaDB and nginx: 210 MB on the same machine).

Last, with the server stopped, it imports a generated WordPress export (authors, nested
categories, tags, posts with HTML bodies, threaded comments; 100 MB at large scale) into a new
workspace, in a process of its own, and measures posts per second and the process's peak
memory, against reading the same file alone (the import's first pass) and the process's
memory before the import. One final JSON line holds every figure.

Targets (issue 20): a cached page at 0.5 or more of nginx's rate; cache misses at 500 requests/s
or more for the home page and 300 for the post; memory at rest no more than WordPress's stack.

    python bench/space.py --scale small     # 1,000 posts, 10,000 comments, import of 200 posts; about a minute
    python bench/space.py --scale large     # 10,000 posts, 100,000 comments, import of 100 MB

The load generator is `wrk` when installed (`make bench` installs it and nginx on Debian),
otherwise a Python asyncio client, which is slower than the server on few cores: its ratios
are then lower bounds, and the output says which one was used. Without nginx, the baseline is
the same file served by animateur's own static files (WhiteNoise), and the output says so.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
import threading
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
    "small": {"posts": 1_000, "comments": 10_000, "seconds": 1, "import_posts": 200, "import_comments": 2_000},
    "large": {"posts": 10_000, "comments": 100_000, "seconds": 5, "import_posts": 10_000, "import_comments": 100_000},
}
# Generated posts are filed as on a real blog: one or two of a few categories, some tags.
CATEGORIES = 12
TAGS = 60
CHANGES_PER_SECOND = 10
ROUNDS = 3
CONNECTIONS = 50
STATIC_NAME = "bench/home.html"
TARGET_COMMENTS = 100
# The post page's own bytes served by nginx: what the post's rows are compared with.
POST_BASELINE = "nginx, the post's bytes"
# Issue 20's measurement of WordPress (PHP-FPM, MariaDB, nginx) at rest on the same 2-core machine.
WORDPRESS_STACK_MB = 210
TARGETS = {"cached_ratio": 0.5, "home_miss_rps": 500, "post_miss_rps": 300}
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Figures:
    name: str
    url: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    # The serving processes' CPU time per request: what the machine's other load changes least.
    cpu_ms_per_request: float = float("nan")


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
        return do_create_workspace("bench", "Bench", language="fr", actor=SystemActor("bench"), is_default=True)
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
        file_posts(workspace, made, rng)
    workspace.bump_content_version()


def file_posts(workspace: Workspace, posts: list, rng: random.Random) -> None:
    """Categories (two levels) and tags for the generated posts, so that the sidebar counts real links."""
    from animateur.space.models import Category, Post, Tag

    parents = Category.objects.bulk_create(
        [Category(workspace=workspace, name=f"Rubrique {n}", slug=f"rubrique-{n}") for n in range(CATEGORIES // 3)]
    )
    children = Category.objects.bulk_create(
        [
            Category(
                workspace=workspace,
                name=f"Sous-rubrique {n}",
                slug=f"sous-rubrique-{n}",
                parent=parents[n % len(parents)],
            )
            for n in range(CATEGORIES - len(parents))
        ]
    )
    categories = parents + children
    tags = Tag.objects.bulk_create(
        [Tag(workspace=workspace, name=f"mot-clé {n}", slug=f"mot-cle-{n}") for n in range(TAGS)]
    )
    Post.categories.through.objects.bulk_create(
        [
            Post.categories.through(post_id=post.pk, category_id=category.pk)
            for post in posts
            for category in rng.sample(categories, rng.choice((1, 1, 2)))
        ],
        batch_size=5000,
    )
    Post.tags.through.objects.bulk_create(
        [
            Post.tags.through(post_id=post.pk, tag_id=tag.pk)
            for post in posts
            for tag in rng.sample(tags, rng.randint(0, 4))
        ],
        batch_size=5000,
    )


def pages_to_measure(workspace: Workspace, data_dir: Path) -> dict[str, str]:
    """The home page, the most commented post, and the home page's HTML written as a static file."""
    from django.db import connections
    from django.test import Client
    from django.utils import timezone

    from animateur.space.models import Post, PostStatus
    from animateur.space.selectors import post_url

    # The post whose comment count is nearest to the 100, at or above it if one is.
    published = Post.objects.filter(workspace=workspace, type="post", status=PostStatus.PUBLISHED)
    post = (
        published.filter(comment_count__gte=TARGET_COMMENTS).order_by("comment_count").first()
        or published.order_by("-comment_count").first()
    )
    assert post is not None
    with timezone.override(workspace.timezone):
        post_path = post_url(post)
    response = Client().get("/")
    assert response.status_code == 200, response.status_code
    static_file = data_dir / "static" / STATIC_NAME
    static_file.parent.mkdir(parents=True, exist_ok=True)
    static_file.write_bytes(response.content)
    print(f"home page: {len(response.content):,} bytes; post page: {post_path} ({post.comment_count} comments)")
    connections.close_all()
    return {"home": "/", "post": post_path, "static": f"/static/{STATIC_NAME}"}


# --- a WordPress export to import -----------------------------------------------------------------

WXR_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Blog importé</title>
<link>https://blog.example.org</link>
<description>Un blog de banc d'essai</description>
<language>fr-FR</language>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://blog.example.org</wp:base_site_url>
<wp:base_blog_url>https://blog.example.org</wp:base_blog_url>
"""


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def write_wxr(path: Path, posts: int, comments: int, rng: random.Random) -> None:
    """A WordPress export shaped like a real blog's: authors, nested categories, tags, posts with
    HTML bodies, postmeta, a few pages and drafts, threaded comments in every state."""
    from datetime import datetime

    authors = [("marie", "Marie Curie"), ("pierre", "Pierre Dupont"), ("ana", "Ana Lys"), ("bob", "Bob Roy")]
    categories = [(f"rubrique-{n}", f"Rubrique {n}", "" if n < 5 else f"rubrique-{n % 5}") for n in range(15)]
    tags = [(f"mot-{n}", f"mot {n}") for n in range(80)]
    paragraph = (
        "<p>Animer une communauté, c’est écouter ce que disent les membres, répondre à temps et "
        'reconnaître les <strong>ambassadeurs</strong>. <a href="https://example.org/charte">La charte</a> '
        "rappelle les règles du jeu.</p>\n"
    )
    start = datetime(2009, 1, 1)
    comment_id = 0
    per_post = [0] * posts
    for index in rng.choices(range(posts), k=comments):
        per_post[index] += 1
    with path.open("w", encoding="utf-8") as out:
        out.write(WXR_HEAD)
        for login, name in authors:
            out.write(
                f"<wp:author><wp:author_login>{login}</wp:author_login>"
                f"<wp:author_email>{login}@example.org</wp:author_email>"
                f"<wp:author_display_name>{_cdata(name)}</wp:author_display_name>"
                "<wp:author_first_name></wp:author_first_name><wp:author_last_name></wp:author_last_name></wp:author>\n"
            )
        for n, (slug, name, parent) in enumerate(categories):
            out.write(
                f"<wp:category><wp:term_id>{n + 1}</wp:term_id><wp:category_nicename>{slug}</wp:category_nicename>"
                f"<wp:category_parent>{parent}</wp:category_parent><wp:cat_name>{_cdata(name)}</wp:cat_name>"
                "</wp:category>\n"
            )
        for n, (slug, name) in enumerate(tags):
            out.write(
                f"<wp:tag><wp:term_id>{100 + n}</wp:term_id><wp:tag_slug>{slug}</wp:tag_slug>"
                f"<wp:tag_name>{_cdata(name)}</wp:tag_name></wp:tag>\n"
            )
        for n in range(posts):
            post_id = n + 1
            when = start + timedelta(hours=7 * n, minutes=rng.randint(0, 59))
            date = when.strftime("%Y-%m-%d %H:%M:%S")
            gmt = (when - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
            post_type = "page" if n % 97 == 0 else "post"
            status = "draft" if n % 53 == 0 else "publish"
            body = paragraph * rng.randint(3, 12)
            if rng.random() < 0.5:
                body = paragraph + "<!--more-->\n" + body
            terms = "".join(
                f'<category domain="category" nicename="{slug}">{_cdata(name)}</category>'
                for slug, name, _ in rng.sample(categories, rng.choice((1, 1, 2)))
            ) + "".join(
                f'<category domain="post_tag" nicename="{slug}">{_cdata(name)}</category>'
                for slug, name in rng.sample(tags, rng.randint(0, 4))
            )
            out.write(
                f"<item><title>{_cdata(f'Billet numéro {post_id} : la vie de la communauté')}</title>"
                f"<link>https://blog.example.org/?p={post_id}</link>"
                f"<pubDate>{when.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
                f"<dc:creator>{_cdata(authors[n % len(authors)][0])}</dc:creator>"
                f'<guid isPermaLink="false">https://blog.example.org/?p={post_id}</guid><description></description>'
                f"<content:encoded>{_cdata(body)}</content:encoded><excerpt:encoded>{_cdata('')}</excerpt:encoded>"
                f"<wp:post_id>{post_id}</wp:post_id><wp:post_date>{date}</wp:post_date>"
                f"<wp:post_date_gmt>{gmt}</wp:post_date_gmt><wp:post_modified>{date}</wp:post_modified>"
                f"<wp:post_modified_gmt>{gmt}</wp:post_modified_gmt><wp:comment_status>open</wp:comment_status>"
                f"<wp:ping_status>open</wp:ping_status><wp:post_name>billet-{post_id}</wp:post_name>"
                f"<wp:status>{status}</wp:status><wp:post_parent>0</wp:post_parent><wp:menu_order>0</wp:menu_order>"
                f"<wp:post_type>{post_type}</wp:post_type><wp:post_password></wp:post_password>"
                f"<wp:is_sticky>0</wp:is_sticky>{terms if post_type == 'post' else ''}"
                "<wp:postmeta><wp:meta_key>_edit_last</wp:meta_key><wp:meta_value>1</wp:meta_value></wp:postmeta>"
                f"<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>{post_id}</wp:meta_value>"
                "</wp:postmeta>\n"
            )
            first_comment = comment_id + 1
            for k in range(per_post[n]):
                comment_id += 1
                parent = rng.randint(first_comment, comment_id - 1) if k and rng.random() < 0.3 else 0
                approved = rng.choices(("1", "0", "spam"), weights=(90, 6, 4))[0]
                written = when + timedelta(hours=1 + k)
                out.write(
                    f"<wp:comment><wp:comment_id>{comment_id}</wp:comment_id>"
                    f"<wp:comment_author>{_cdata(f'Membre {comment_id % 700}')}</wp:comment_author>"
                    f"<wp:comment_author_email>membre{comment_id % 700}@example.org</wp:comment_author_email>"
                    "<wp:comment_author_url>https://example.org/</wp:comment_author_url>"
                    f"<wp:comment_author_IP>192.0.2.{comment_id % 250}</wp:comment_author_IP>"
                    f"<wp:comment_date>{written:%Y-%m-%d %H:%M:%S}</wp:comment_date>"
                    f"<wp:comment_date_gmt>{written - timedelta(hours=1):%Y-%m-%d %H:%M:%S}</wp:comment_date_gmt>"
                    f"<wp:comment_content>{_cdata(f'Merci pour ce billet ! Commentaire {comment_id}, bien vu.')}"
                    f"</wp:comment_content><wp:comment_approved>{approved}</wp:comment_approved>"
                    f"<wp:comment_type></wp:comment_type><wp:comment_parent>{parent}</wp:comment_parent>"
                    "<wp:comment_user_id>0</wp:comment_user_id></wp:comment>\n"
                )
            out.write("</item>\n")
        out.write("</channel>\n</rss>\n")


def measure_import(data_dir: Path, wxr: Path) -> dict[str, float]:
    """Import the export in a process of its own, so that its peak memory is the import's."""
    output = subprocess.run(
        [sys.executable, __file__, "--import-child", str(data_dir), str(wxr)],
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
    )
    if output.returncode != 0:
        raise SystemExit(f"the import failed:\n{output.stdout}\n{output.stderr}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def memory_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process; unlike ru_maxrss, the peak is not inherited
    from the bench process that forked it."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def import_child(data_dir: Path, wxr: Path) -> None:
    """In the child: read the file once (the baseline), then import it into a new workspace."""
    os.environ["ANIMATEUR_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "animateur.config.settings")
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()
    from animateur.core.actions import SystemActor, do_create_workspace
    from animateur.space.models import Post
    from animateur.space.wordpress.importer import import_wxr
    from animateur.space.wordpress.wxr import read_wxr

    actor = SystemActor("bench")
    workspace = do_create_workspace("import", "Import", language="fr", actor=actor)
    started = time.perf_counter()
    items = sum(1 for record in read_wxr(wxr) if record.kind == "item")
    read_seconds = time.perf_counter() - started
    rss_before = memory_mb("VmHWM")
    started = time.perf_counter()
    summary = import_wxr(wxr, workspace, actor=actor)
    seconds = time.perf_counter() - started
    posts = Post.objects.filter(workspace=workspace).count()
    assert posts == items, (posts, items)
    print(
        json.dumps(
            {
                "file_mb": round(wxr.stat().st_size / 1e6, 1),
                "posts": posts,
                "comments": summary.created["comments"],
                "seconds": round(seconds, 2),
                "posts_per_second": round(posts / seconds, 1),
                "read_posts_per_second": round(items / read_seconds, 1),
                "peak_mb": round(memory_mb("VmHWM"), 1),
                "mb_before_import": round(rss_before, 1),
            }
        )
    )


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
            "ANIMATEUR_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(REPO / "src"),
        }
    )
    # As shipped: caching on, the default workers and threads.
    for name in ("ANIMATEUR_PAGE_CACHE_SECONDS", "ANIMATEUR_WEB_WORKERS", "ANIMATEUR_WEB_THREADS"):
        env.pop(name, None)
    with open(log, "wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "animateur.cli", "run", "--no-demo", "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    # A bound for a loaded machine, where setting up takes minutes; a quiet one answers in seconds.
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    server.kill()
    raise SystemExit("the server did not answer within 600 s")


NGINX_CONF = """
worker_processes auto;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  default_type text/html;
  client_body_temp_path {root}/tmp;
  proxy_temp_path {root}/tmp;
  fastcgi_temp_path {root}/tmp;
  uwsgi_temp_path {root}/tmp;
  scgi_temp_path {root}/tmp;
  server {{
    listen 127.0.0.1:{port};
    root {root}/www;
  }}
}}
"""


def start_nginx(root: Path, port: int, pages: dict[str, bytes]) -> subprocess.Popen | None:
    """nginx as Debian ships it, serving each page from a file at /<name>.html; None without nginx."""
    binary = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if binary is None:
        return None
    root.chmod(0o755)  # nginx's workers run as nobody when started by root
    (root / "www").mkdir(parents=True)
    (root / "tmp").mkdir()
    # animateur's settings make this process's files private (umask 077): nginx's workers must read these.
    (root / "www").chmod(0o755)
    for name, page in pages.items():
        (root / "www" / f"{name}.html").write_bytes(page)
        (root / "www" / f"{name}.html").chmod(0o644)
    (root / "nginx.conf").write_text(NGINX_CONF.format(root=root, port=port))
    server = subprocess.Popen(
        [binary, "-c", str(root / "nginx.conf"), "-p", str(root), "-e", str(root / "nginx-error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/home.html", timeout=5) as response:
                assert response.read() == pages["home"]
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if server.poll() is not None:
                break
            time.sleep(0.2)
    server.terminate()  # its master stops its workers; a kill would leave them running
    server.wait(timeout=30)
    print(f"nginx did not start: {(root / 'nginx-error.log').read_text(errors='replace')[-500:]}")
    return None


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def tree_memory_mb(pid: int) -> dict[str, float]:
    """RSS (shared pages counted in every process, as `ps` adds them up) and PSS (shared pages
    divided among the processes that share them) of a process and its descendants, in MB."""
    rss = pss = 0
    processes = 0
    for member in process_tree(pid):
        try:
            lines = Path(f"/proc/{member}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        processes += 1
        for line in lines:
            if line.startswith("Rss:"):
                rss += int(line.split()[1])
            elif line.startswith("Pss:"):
                pss += int(line.split()[1])
    return {"processes": processes, "rss_mb": round(rss / 1024, 1), "pss_mb": round(pss / 1024, 1)}


def tree_cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and its descendants, dead children not counted."""
    ticks = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


# --- the load generators -------------------------------------------------------------------------

# A parameter the page cache keys on (space.cache.QUERY_PARAMETERS): others are left out of the key, so
# a random `?fresh=` would be served from the cache.
WRK_FRESH_QUERY = """
-- Every request a page never asked before: each wrk thread (a Lua state of its own, with the same
-- random sequence) and each run (the same seed again) has its own prefix.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end
function init(args)
  prefix = "{run}-" .. thread_id .. "-"
  counter = 0
end
request = function()
  counter = counter + 1
  return wrk.format("GET", wrk.path .. "?replytocom=" .. prefix .. counter)
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
        script.write_text(WRK_FRESH_QUERY.replace("{run}", f"{random.getrandbits(40):x}"))
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(_figure(r"Requests/sec:\s+([\d.]+)", output))
    p50 = _ms(_figure(r"\s50%\s+(\S+)", output))
    p99 = _ms(_figure(r"\s99%\s+(\S+)", output))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors += sum(int(n) for n in re.findall(r"Socket errors: .*?(\d+)", output))
    return Figures(name, url, rate, p50, p99, errors)


async def _client(host: str, port: int, path: str, fresh: bool, stop_at: float, latencies: list[float]) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    errors = 0
    try:
        while time.perf_counter() < stop_at:
            target = f"{path}?replytocom={random.getrandbits(48)}" if fresh else path
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
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")

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
        sorted(f.cpu_ms_per_request for f in rounds)[middle],
    )


def warm(urls: list[str]) -> None:
    """Fill the page caches, once every process has seen the last change (it trusts a version for 1 s)."""
    time.sleep(1.1)
    for url in urls:
        # Each worker has its own in-memory cache: enough requests for every one to keep a copy.
        for _ in range(20):
            urllib.request.urlopen(url, timeout=30).read()


# --- changes while measuring --------------------------------------------------------------------


class Changes:
    """Bumps the site's content version at a steady rate, as new comments and edits do on a live site."""

    def __init__(self, per_second: int) -> None:
        self.interval = 1.0 / per_second
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.count = 0

    def run(self) -> None:
        from django.db import connection

        from animateur.core.models import Workspace

        workspace = Workspace.objects.get(is_default=True)
        try:
            while not self.stop.wait(self.interval):
                workspace.bump_content_version()
                self.count += 1
        finally:
            connection.close()

    def __enter__(self) -> Changes:
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        assert self.thread is not None
        self.thread.join()


# --- the run -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--seconds", type=int, help=f"length of each of the {ROUNDS} rounds of a measurement")
    parser.add_argument("--python-client", action="store_true", help="use the Python client even if wrk exists")
    parser.add_argument("--import-child", nargs=2, metavar=("DATA_DIR", "WXR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.import_child:
        import_child(Path(args.import_child[0]), Path(args.import_child[1]))
        return 0
    scale = SCALES[args.scale]
    seconds = args.seconds or scale["seconds"]
    use_wrk = shutil.which("wrk") is not None and not args.python_client
    generator = "wrk" if use_wrk else "python-asyncio"
    started = time.monotonic()

    with (
        tempfile.TemporaryDirectory(prefix="animateur-bench-") as tmp,
        tempfile.TemporaryDirectory(prefix="animateur-bench-nginx-") as nginx_root,
    ):
        data_dir = Path(tmp) / "var"
        data_dir.mkdir()
        paths = build_data(data_dir, scale["posts"], scale["comments"])
        port = free_port()
        server = start_server(data_dir, port, Path(tmp) / "server.log")
        base = f"http://127.0.0.1:{port}"
        nginx = None
        try:
            # The bytes a visitor gets for each page, as nginx's files: each page is compared with
            # its own bytes (the post with its comments is several times the home page's size).
            served_bytes = {}
            for page in ("home", "post"):
                with urllib.request.urlopen(base + paths[page], timeout=30) as response:
                    served_bytes[page] = response.read()
            nginx_port = free_port()
            nginx = start_nginx(Path(nginx_root), nginx_port, served_bytes)
            extra_baselines = []
            if nginx is not None:
                baseline_name = "nginx, same bytes from a file"
                baseline_url = f"http://127.0.0.1:{nginx_port}/home.html"
                extra_baselines = [(POST_BASELINE, f"http://127.0.0.1:{nginx_port}/post.html", False)]
            else:
                print("no nginx: the baseline is the home page's file served by animateur (WhiteNoise)")
                (data_dir / "static" / STATIC_NAME).write_bytes(served_bytes["home"])
                baseline_name, baseline_url = "static file (WhiteNoise)", base + paths["static"]
            changing = f"home (miss, {CHANGES_PER_SECOND} changes/s)"
            plan = [
                (baseline_name, baseline_url, False),
                *extra_baselines,
                ("home (cached)", base + paths["home"], False),
                ("post (cached)", base + paths["post"], False),
                ("home (cache miss)", base + paths["home"], True),
                ("post (cache miss)", base + paths["post"], True),
                (changing, base + paths["home"], True),  # last: the next round starts by warming the caches again
            ]
            warm([base + paths["home"], base + paths["post"]])
            time.sleep(2)  # the consumer's start-up work done
            at_rest = tree_memory_mb(server.pid)
            nginx_memory = tree_memory_mb(nginx.pid) if nginx is not None else None
            # Interleaved rounds, so that a change in the machine's load weighs on every contender alike.
            rounds: dict[str, list[Figures]] = {name: [] for name, _, _ in plan}
            changes = 0
            peak = at_rest
            for _round in range(ROUNDS):
                warm([url for _, url, fresh in plan if not fresh])
                for name, url, fresh in plan:
                    baseline_row = name in (baseline_name, POST_BASELINE)
                    serving = nginx.pid if nginx is not None and baseline_row else server.pid
                    cpu_before = tree_cpu_seconds(serving)
                    with Changes(CHANGES_PER_SECOND) if name == changing else contextlib.nullcontext() as bumps:
                        if use_wrk:
                            figures = run_wrk(name, url, seconds, fresh, Path(tmp))
                        else:
                            figures = run_python(name, url, seconds, fresh)
                    served = figures.requests_per_second * seconds
                    figures.cpu_ms_per_request = (tree_cpu_seconds(serving) - cpu_before) * 1000 / max(served, 1)
                    changes += bumps.count if bumps is not None else 0
                    rounds[name].append(figures)
                    now = tree_memory_mb(server.pid)
                    if now["rss_mb"] > peak["rss_mb"]:
                        peak = now
            results = [combine(rounds[name]) for name, _, _ in plan]
            after_load = tree_memory_mb(server.pid)
        finally:
            for process in (server, nginx):
                if process is None:
                    continue
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
        wxr = Path(tmp) / "export.xml"
        write_wxr(wxr, scale["import_posts"], scale["import_comments"], random.Random(7))
        imported = measure_import(data_dir, wxr)

    report(
        args.scale,
        scale,
        seconds,
        generator,
        changing,
        changes,
        results,
        paths,
        baseline_name,
        started,
        {"at_rest": at_rest, "after_load": after_load, "peak": peak, "nginx": nginx_memory},
        imported,
    )
    return 0


def report(
    scale_name: str,
    scale: dict[str, int],
    seconds: int,
    generator: str,
    changing: str,
    changes: int,
    results: list[Figures],
    paths: dict[str, str],
    baseline_name: str,
    started: float,
    memory: dict[str, dict[str, float] | None],
    imported: dict[str, float],
) -> None:
    by_name = {f.name: f for f in results}
    home_baseline = results[0].requests_per_second or 1.0
    post_baseline = by_name[POST_BASELINE].requests_per_second if POST_BASELINE in by_name else home_baseline

    def baseline_of(figures: Figures) -> float:
        return post_baseline if figures.name.startswith("post") or figures.name == POST_BASELINE else home_baseline

    print(
        f"\n{scale_name} scale: {scale['posts']:,} posts, {scale['comments']:,} comments; "
        f"animateur run as shipped (granian); {CONNECTIONS} connections, {ROUNDS} interleaved rounds of {seconds} s; "
        f"load from {generator}; {changes} content changes made during the « {changing} » rounds; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'':32} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'vs baseline':>12} {'errors':>7} {'CPU ms/req':>11}")
    for figures in results:
        print(
            f"{figures.name:32} {figures.requests_per_second:10.0f} {figures.p50_ms:8.1f} "
            f"{figures.p99_ms:8.1f} {figures.requests_per_second / baseline_of(figures):12.2f} {figures.errors:7d} "
            f"{figures.cpu_ms_per_request:11.3f}"
        )
    home_ratio = by_name["home (cached)"].requests_per_second / home_baseline
    post_ratio = by_name["post (cached)"].requests_per_second / (post_baseline or 1.0)
    cached_ratio = min(home_ratio, post_ratio)
    home_miss = by_name["home (cache miss)"].requests_per_second
    post_miss = by_name["post (cache miss)"].requests_per_second
    at_rest, after_load, peak, nginx_memory = (memory[k] for k in ("at_rest", "after_load", "peak", "nginx"))
    assert at_rest is not None and after_load is not None and peak is not None
    met = {
        "cached_ratio": cached_ratio >= TARGETS["cached_ratio"],
        "home_miss_rps": home_miss >= TARGETS["home_miss_rps"],
        "post_miss_rps": post_miss >= TARGETS["post_miss_rps"],
        "memory_at_rest": at_rest["rss_mb"] <= WORDPRESS_STACK_MB,
    }

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    print(f"post page: {paths['post']}")
    print(
        f"target, cached pages (the lower of home and post) >= {TARGETS['cached_ratio']} x nginx serving "
        f"their bytes: {verdict(met['cached_ratio'])} (home {home_ratio:.2f}, post {post_ratio:.2f})"
    )
    print(
        f"target, home page miss >= {TARGETS['home_miss_rps']} req/s: {verdict(met['home_miss_rps'])} ({home_miss:.0f})"
    )
    print(
        f"target, post page miss >= {TARGETS['post_miss_rps']} req/s: {verdict(met['post_miss_rps'])} ({post_miss:.0f})"
    )
    nginx_text = (
        f"; nginx ({nginx_memory['processes']:.0f} processes) RSS {nginx_memory['rss_mb']:.0f} MB"
        if nginx_memory is not None
        else ""
    )
    print(
        f"memory of animateur run ({at_rest['processes']:.0f} processes): at rest RSS {at_rest['rss_mb']:.0f} MB "
        f"(PSS {at_rest['pss_mb']:.0f}), after the load RSS {after_load['rss_mb']:.0f} MB "
        f"(PSS {after_load['pss_mb']:.0f}), peak RSS {peak['rss_mb']:.0f} MB; "
        f"target, at rest <= WordPress's stack ({WORDPRESS_STACK_MB} MB as issue 20 measured it; not measured "
        f"here, which has no PHP nor MariaDB): {verdict(met['memory_at_rest'])}" + nginx_text
    )
    import_ratio = imported["posts_per_second"] / imported["read_posts_per_second"]
    print(
        f"import of a {imported['file_mb']} MB WordPress export ({imported['posts']:,} posts, "
        f"{imported['comments']:,} comments): {imported['posts_per_second']:.0f} posts/s "
        f"({imported['seconds']:.1f} s), {import_ratio:.2f} x reading the file alone "
        f"({imported['read_posts_per_second']:.0f} posts/s); peak memory {imported['peak_mb']:.0f} MB "
        f"({imported['mb_before_import']:.0f} MB before the import)"
    )
    print(f"whole run: {time.monotonic() - started:.0f} s")
    print(
        json.dumps(
            {
                "bench": "space",
                "scale": scale_name,
                "posts": scale["posts"],
                "comments": scale["comments"],
                "post_path": paths["post"],
                "connections": CONNECTIONS,
                "seconds": seconds,
                "rounds": ROUNDS,
                "load_generator": generator,
                "baseline": baseline_name,
                "content_changes": changes,
                "load_average": round(os.getloadavg()[0], 2),
                "results": [
                    asdict(f) | {"ratio_to_baseline": round(f.requests_per_second / baseline_of(f), 3)} for f in results
                ],
                "cached_ratio_to_baseline": round(cached_ratio, 3),
                "memory": memory | {"wordpress_stack_mb": WORDPRESS_STACK_MB},
                "targets": TARGETS,
                "targets_met": met,
                "import": imported | {"ratio_to_reading": round(import_ratio, 3)},
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
